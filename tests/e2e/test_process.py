"""The installed `forumbot` console script, run as a real process against the emulator."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import sys
from asyncio.subprocess import PIPE, STDOUT, Process
from pathlib import Path

import httpx
import pytest

from tests.e2e.harness import WEBHOOK_PATH_SECRET, WEBHOOK_SECRET_TOKEN
from tests.emulator import BotApiEmulator, FakeUser
from tests.support import COORDINATOR_ID, TOKEN

FORUMBOT = str(Path(sys.executable).with_name("forumbot"))


def environment(emulator: BotApiEmulator, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        TELEGRAM_API_BASE_URL=emulator.base_url,
        TELEGRAM_API_BASE_FILE_URL=emulator.base_file_url,
        COORDINATOR_IDS=str(COORDINATOR_ID),
        LOG_LEVEL="INFO",
        HTTP_PORT="0",
        METRICS_PORT="0",
    )
    return env


async def start_forumbot(*args: str, env: dict[str, str], cwd: Path) -> Process:
    # cwd is an empty folder: no .env file is read.
    return await asyncio.create_subprocess_exec(
        FORUMBOT, *args, cwd=cwd, env=env, stdout=PIPE, stderr=PIPE
    )


async def run_forumbot(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await start_forumbot(*args, env=env, cwd=cwd)
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_invite_on_the_console_then_join_the_running_bot(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    env = environment(emulator, database_url)
    status, stdout, stderr = await run_forumbot(
        "invite", "Gemeinde Zöllnitz | 16074093", env=env, cwd=tmp_path
    )
    assert status == 0, stderr
    prefix = f"Gemeinde Zöllnitz: https://t.me/{emulator.bot_username}?start="
    assert stdout.startswith(prefix)
    code = stdout.splitlines()[0].removeprefix(prefix)

    process = await start_forumbot("run", env=env, cwd=tmp_path)
    try:
        erika = FakeUser(id=777, first_name="Erika")
        emulator.send_message(erika, "/start")
        answer = await emulator.wait_for(chat_id=777, timeout=60)
        assert "Nachbarschaftsforum" in (answer.text or "")
        mark = emulator.mark()
        emulator.send_message(erika, f"/start {code}")
        answer = await emulator.wait_for(chat_id=777, after=mark, timeout=30)
        assert "Willkommen im Nachbarschaftsforum, Erika" in (answer.text or "")
    finally:
        process.terminate()  # SIGTERM: polling stops and the bot shuts down cleanly
        _, raw_stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = raw_stderr.decode()
    assert process.returncode == 0, log
    assert TOKEN.split(":")[1] not in log  # the token never reaches the log
    assert code not in log  # nor does the invitation code


async def test_a_missing_token_ends_with_one_line_and_status_2(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "BOT_TOKEN"}
    status, stdout, stderr = await run_forumbot("run", env=env, cwd=tmp_path)
    assert status == 2
    # No .env in this folder: the line says how to make one.
    assert stderr.splitlines() == [
        "configuration error: BOT_TOKEN is required but not set"
        " (no .env here: cp .env.example .env, then set BOT_TOKEN in it)"
    ]
    assert stdout == ""


async def test_a_malformed_setting_is_named(tmp_path: Path) -> None:
    env = dict(os.environ, BOT_TOKEN=TOKEN, COORDINATOR_IDS="12,zwölf")
    status, _, stderr = await run_forumbot("migrate", env=env, cwd=tmp_path)
    assert status == 2
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "configuration error: COORDINATOR_IDS is invalid"
    )


async def test_an_unreachable_database_is_retried_then_reported_in_one_line(
    emulator: BotApiEmulator, tmp_path: Path
) -> None:
    env = environment(emulator, "postgresql+asyncpg://forum:geheim@127.0.0.1:1/forum")
    env["DATABASE_WAIT_SECONDS"] = "1"
    status, stdout, stderr = await run_forumbot("run", env=env, cwd=tmp_path)
    assert status == 1, stderr
    assert "Traceback" not in stderr
    waits = [line for line in stderr.splitlines() if " bot.database: " in line]
    assert len(waits) == 1
    assert (
        "WARNING bot.database: database postgresql+asyncpg://forum:***@127.0.0.1:1/forum "
        "not reachable (ConnectionRefusedError: " in waits[0]
    )
    assert "attempt 1, trying again in 1 s" in waits[0]
    last = stderr.splitlines()[-1]
    assert "ERROR bot: database postgresql+asyncpg://forum:***@127.0.0.1:1/forum" in last
    assert "not reachable after 2 attempts in 1 s" in last
    assert "giving up (DATABASE_WAIT_SECONDS=1)" in last
    assert "geheim" not in stderr and stdout == ""


def free_port() -> int:
    """A port free right now, for a bot whose PUBLIC_BASE_URL must name it before it starts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_json_logs_without_secrets_and_a_clean_sigterm(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    port, metrics_port = free_port(), free_port()
    env = environment(emulator, database_url)
    env.update(
        HTTP_PORT=str(port),
        METRICS_PORT=str(metrics_port),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{port}",
        WEBHOOK_PATH_SECRET=WEBHOOK_PATH_SECRET,
        WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET_TOKEN,
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",  # PTB then logs every update and every request's parameters
    )
    status, stdout, stderr = await run_forumbot(
        "invite", "Gemeinde Zöllnitz", env=env, cwd=tmp_path
    )
    assert status == 0, stderr
    code = stdout.splitlines()[0].partition("?start=")[2]

    log_path = tmp_path / "bot.log"
    with log_path.open("wb") as log_file:  # a file, not a pipe: DEBUG output is large
        process = await asyncio.create_subprocess_exec(
            FORUMBOT, "run", "--webhook", cwd=tmp_path, env=env, stdout=log_file, stderr=STDOUT
        )
    try:
        erika = FakeUser(id=777, first_name="Erika")
        emulator.send_message(erika, f"/start {code}")
        answer = await emulator.wait_for(chat_id=777, timeout=60)
        assert "Willkommen im Nachbarschaftsforum, Erika" in (answer.text or "")
        mark = emulator.mark()
        emulator.send_message(erika, "/kalender")
        answer = await emulator.wait_for(chat_id=777, after=mark, text_contains="/calendar/")
        match = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", answer.text or "")
        assert match is not None
        feed_token = match.group(1)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            feed = await client.get(f"/calendar/{feed_token}.ics")
            public_metrics = await client.get("/metrics")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{metrics_port}") as client:
            ready = await client.get("/readyz")
            metrics = await client.get("/metrics")
        assert feed.status_code == 200 and ready.status_code == 200
        assert public_metrics.status_code == 404
        assert 'forumbot_updates_total{outcome="ok",type="message"} 2.0' in metrics.text
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=30)
    log = log_path.read_text(encoding="utf-8")
    assert process.returncode == 0, log
    entries = [json.loads(line) for line in log.splitlines()]  # every line is JSON
    assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
    updates = [e for e in entries if e.get("event") == "update"]
    assert [(e["update_type"], e.get("command"), e["outcome"]) for e in updates] == [
        ("message", "/start", "ok"),
        ("message", "/kalender", "ok"),
    ]
    assert any(e["message"] == "SIGTERM: stopping gracefully" for e in entries)
    for secret in (
        TOKEN.partition(":")[2],
        code,
        feed_token,
        WEBHOOK_PATH_SECRET,
        WEBHOOK_SECRET_TOKEN,
    ):
        assert secret not in log


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_sigterm_while_waiting_for_the_database_stops_at_once(
    emulator: BotApiEmulator, tmp_path: Path, mode: str
) -> None:
    env = environment(emulator, "postgresql+asyncpg://forum@127.0.0.1:1/forum")
    env.update(
        DATABASE_WAIT_SECONDS="0",  # forever
        MODE=mode,
        WEBHOOK_PATH_SECRET=WEBHOOK_PATH_SECRET,
        WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET_TOKEN,
    )
    process = await start_forumbot("run", env=env, cwd=tmp_path)
    assert process.stderr is not None
    seen: list[str] = []
    while not seen or "not reachable" not in seen[-1]:
        line = await asyncio.wait_for(process.stderr.readline(), timeout=30)
        assert line, "".join(seen)
        seen.append(line.decode())
    process.terminate()
    _, rest = await asyncio.wait_for(process.communicate(), timeout=30)
    log = "".join(seen) + rest.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log


async def test_telegram_unreachable_at_start_is_retried_then_reported_in_one_line(
    tmp_path: Path,
) -> None:
    env = dict(
        os.environ,
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}/bot",
        TELEGRAM_WAIT_SECONDS="1",
        HTTP_PORT="0",
        METRICS_PORT="0",
    )
    status, stdout, stderr = await run_forumbot("run", env=env, cwd=tmp_path)
    assert status == 1, stderr
    assert "Traceback" not in stderr and stdout == ""
    lines = stderr.splitlines()
    waits = [line for line in lines if "Telegram not reachable (" in line]
    assert len(waits) == 1 and "attempt 1, trying again in 1 s" in waits[0], lines
    assert "ERROR bot: Telegram not reachable after 2 attempts in 1 s" in lines[-1]
    assert "giving up (TELEGRAM_WAIT_SECONDS=1)" in lines[-1]
    assert len(lines) == 2, lines
    assert TOKEN.partition(":")[2] not in stderr


async def test_telegram_lost_while_running_one_line_per_retry_and_one_when_back(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    env = environment(emulator, database_url)
    emulator.fail_next(3, "500", method="getUpdates")  # the first three polls fail
    process = await start_forumbot("run", env=env, cwd=tmp_path)
    try:
        erika = FakeUser(id=777, first_name="Erika")
        emulator.send_message(erika, "/start")
        answer = await emulator.wait_for(chat_id=777, timeout=60)
        assert "Nachbarschaftsforum" in (answer.text or "")
    finally:
        process.terminate()
        _, raw = await asyncio.wait_for(process.communicate(), timeout=30)
    log = raw.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    lost = [line for line in log.splitlines() if "Telegram not reachable" in line]
    assert len(lost) == 3, log
    assert sum("Telegram reachable again" in line for line in log.splitlines()) == 1


async def test_a_token_telegram_rejects_ends_with_one_line_without_the_token(
    database_url: str, tmp_path: Path
) -> None:
    wrong = "654321:WRONG-token-never-printed"
    # An emulator of its own: the wrong token is the point here, not a violation to report.
    async with BotApiEmulator() as emulator:
        env = environment(emulator, database_url)
        env["BOT_TOKEN"] = wrong
        for command in (["run"], ["invite", "Gemeinde Zöllnitz"]):
            status, stdout, stderr = await run_forumbot(*command, env=env, cwd=tmp_path)
            assert status == 2, stderr
            assert stderr.splitlines() == ["BOT_TOKEN was rejected by Telegram"], stderr
            assert "WRONG-token" not in stdout + stderr
        assert [v.split(":")[0] for v in emulator.violations] == ["getMe", "getMe"]


async def test_http_port_in_use_ends_with_one_line_naming_it(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = int(taken.getsockname()[1])
        env = environment(emulator, database_url)
        env.update(HTTP_PORT=str(port), LOG_LEVEL="WARNING")
        status, _, stderr = await run_forumbot("run", env=env, cwd=tmp_path)
    assert status == 2, stderr
    assert stderr.splitlines() == [
        f"HTTP_PORT {port} on HTTP_HOST 127.0.0.1 cannot be used: Address already in use"
    ], stderr


async def test_invite_without_bot_username_and_without_telegram_says_what_to_set(
    database_url: str, tmp_path: Path
) -> None:
    env = dict(
        os.environ,
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}/bot",
    )
    env.pop("BOT_USERNAME", None)
    status, stdout, stderr = await run_forumbot(
        "invite", "Gemeinde Zöllnitz", env=env, cwd=tmp_path
    )
    assert status == 2, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1 and "set BOT_USERNAME" in lines[0], lines
    assert "Traceback" not in stderr and stdout == ""
