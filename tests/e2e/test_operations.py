"""What operators see: /healthz, /readyz, /metrics and one log line per update and per send."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.app import build_application
from bot.logs import extra_fields
from storage.db import create_engine
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_broadcasts import send
from tests.support import COORDINATOR_ID, make_settings


@pytest.fixture
async def http(bot: Harness) -> AsyncIterator[httpx.AsyncClient]:
    assert bot.app.internal_http is not None  # /readyz and /metrics are not public
    internal = f"http://127.0.0.1:{bot.app.internal_http.port}"
    async with httpx.AsyncClient(base_url=internal) as client:
        yield client


async def samples(http: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """`/metrics` parsed: (sample name, sorted labels) → value."""
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


async def test_ready_when_database_telegram_and_scheduler_are(
    bot: Harness, http: httpx.AsyncClient
) -> None:
    assert (await http.get("/healthz")).text == "ok"
    answer = await http.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"ready": True}


async def test_not_ready_while_the_database_does_not_answer(
    bot: Harness, http: httpx.AsyncClient
) -> None:
    engine = bot.app.engine
    unreachable = create_engine("postgresql+asyncpg://forum@127.0.0.1:1/forum")
    bot.app.engine = unreachable  # as if the server had gone away
    try:
        answer = await http.get("/readyz")
    finally:
        bot.app.engine = engine
        await unreachable.dispose()
    assert answer.status_code == 503
    assert answer.json() == {
        "ready": False,
        "reason": "database not answering (ConnectionRefusedError)",
    }
    assert (await http.get("/healthz")).status_code == 200  # the process itself is fine
    assert (await http.get("/readyz")).status_code == 200


async def test_not_ready_before_the_bot_has_started(database_url: str) -> None:
    app = build_application(make_settings(database_url))
    assert await app.readiness() == "database not open"


async def test_metrics_count_updates_by_type_and_outcome_with_latencies(
    bot: Harness, http: httpx.AsyncClient
) -> None:
    anna = bot.user("Anna")
    await bot.send(anna, "/start")
    message = await bot.send(anna, "/sprache")
    assert message.ok
    values = await samples(http)
    assert values[("forumbot_updates_total", (("outcome", "ok"), ("type", "message")))] == 2
    assert values[("forumbot_update_seconds_count", (("type", "message"),))] == 2
    assert values[("forumbot_update_seconds_bucket", (("le", "+Inf"), ("type", "message")))] == 2

    assert bot.app.engine is not None
    async with bot.app.engine.begin() as connection:  # break the database under the bot
        await connection.execute(text("DROP TABLE user_settings"))
    await bot.send(anna, "/help")  # the apology
    values = await samples(http)
    assert values[("forumbot_updates_total", (("outcome", "error"), ("type", "message")))] == 1


async def test_metrics_count_outbox_rows_sends_and_429(
    bot: Harness, http: httpx.AsyncClient
) -> None:
    members = await bot.seed_members(3)
    bot.emu.fail_next(1, "429", method="sendMessage", chat_id=members[0].id, retry_after=1)
    bot.emu.fail_next(1, "400", method="sendMessage", chat_id=members[1].id)
    await send(bot, "/rundschreiben Sitzung fällt aus")
    await bot.emu.wait_for(chat_id=members[0].id, text_contains="Sitzung fällt aus", timeout=30)
    await bot.settle()
    values = await samples(http)
    rows = {
        labels[0][1]: value
        for (name, labels), value in values.items()
        if name == "forumbot_outbox_rows"
    }
    # the report to the coordinator is a row too
    assert rows == {"pending": 0, "sent": 3, "failed": 1, "skipped": 0}
    assert values[("forumbot_outbox_sends_total", (("result", "sent"),))] == 3
    assert values[("forumbot_outbox_sends_total", (("result", "failed"),))] == 1
    assert values[("forumbot_telegram_429_total", ())] == 1


async def test_one_log_line_per_update_and_per_send(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    members = await bot.seed_members(2)
    with caplog.at_level(logging.INFO):
        await send(bot, "/rundschreiben Sitzung fällt aus")
        await bot.emu.wait_for(chat_id=COORDINATOR_ID, text_contains="Bericht Rundschreiben")
        await bot.settle()
    updates = [extra_fields(r) for r in caplog.records if r.name == "bot.updates"]
    assert [
        (u["update_type"], u.get("command"), u.get("button"), u["outcome"]) for u in updates
    ] == [
        ("message", "/rundschreiben", None, "ok"),
        ("callback_query", None, "bc", "ok"),
    ]
    assert all(u["user_id"] == COORDINATOR.id and u["duration_ms"] >= 0 for u in updates)
    sends = [r for r in caplog.records if r.name == "bot.sends"]
    assert sorted(extra_fields(r)["chat_id"] for r in sends) == sorted(
        [m.id for m in members] + [COORDINATOR_ID]
    )
    assert {extra_fields(r)["result"] for r in sends} == {"sent"}
    assert all("Sitzung" not in r.getMessage() for r in sends)
