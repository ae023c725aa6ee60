"""Secrets: invitation codes and feed tokens are stored only as hashes; the bot token shows up
neither in chat nor in the logs, even when an error message carries it."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, load_settings
from bot.logs import make_formatter, token_secrets
from tests.e2e.fuzz_support import snapshot, texts_of
from tests.e2e.harness import Harness
from tests.support import TOKEN


@contextmanager
def production_logs() -> Iterator[io.StringIO]:
    """Everything logged meanwhile, at DEBUG, formatted as `forumbot` formats it (text and
    JSON, with the token as the secret to redact)."""
    out = io.StringIO()
    handlers = [logging.StreamHandler(out) for _ in ("text", "json")]
    for handler, kind in zip(handlers, ("text", "json"), strict=True):
        handler.setFormatter(make_formatter(kind, token_secrets(TOKEN)))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield out
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        root.setLevel(level)


def assert_no_token(text: str) -> None:
    assert TOKEN not in text
    assert TOKEN.partition(":")[2] not in text


async def test_an_error_carrying_the_token_reaches_neither_chat_nor_logs(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    anna = bot.user("Anna", language_code="en")
    await bot.join(anna, "Gemeinde Zöllnitz")
    # Telegram (here: the emulator) fails the answer with a message that contains the token,
    # as a proxy or a misconfigured server echoing the request URL might.
    bot.emu.fail_next(
        1,
        "500",
        method="sendMessage",
        chat_id=anna.id,
        description=f"Internal Server Error: POST /bot{TOKEN}/sendMessage failed",
    )
    with production_logs() as logs, caplog.at_level(logging.DEBUG):
        calls = await bot.exchange(anna, "/help")
    # The handler really failed with the token in its error …
    errors = [r for r in caplog.records if r.name == "handlers.errors" and r.exc_info]
    assert errors and TOKEN in str(errors[0].exc_info[1])  # type: ignore[index]
    # … and the person got the short apology, the logs the redacted story.
    # (The coordinator's join notice about Anna may go out meanwhile, from the outbox.)
    to_anna = [c for c in calls if c.params.get("chat_id") == anna.id]
    assert texts_of(to_anna) == ["Sorry, something went wrong. Please try again later."]
    for text in texts_of(calls):
        assert_no_token(text)
    written = logs.getvalue()
    assert "error while handling update" in written and "[redacted]" in written
    assert_no_token(written)


async def test_codes_and_feed_tokens_are_stored_only_as_hashes(bot: Harness) -> None:
    link = await bot.invite_link("Gemeinde Zöllnitz")
    code = link.partition("?start=")[2]
    anna = bot.user("Anna")
    await bot.send(anna, f"/start {code}")
    answer = await bot.send(anna, "/kalender")
    tokens = re.findall(r"/calendar/([A-Za-z0-9_-]+)\.ics", answer.text or "")
    assert tokens, answer.text
    everything = repr(await snapshot(bot))
    assert code not in everything
    for token in tokens:
        assert token not in everything
    # The hash is a SHA-256 in hex; the lookup by it is safe (see README, Security).
    assert re.search(r"'[0-9a-f]{64}'", everything)


@given(
    token=st.from_regex(r"[0-9]{0,12}:?[A-Za-z0-9_-]{8,46}", fullmatch=True),
    broken=st.sampled_from(
        [
            {},
            {"timezone": "Europe/Jena"},
            {"database_url": "mysql://x"},
            {"mode": "webhook"},
            {"coordinator_ids": "12,abc"},
            {"log_level": "loud"},
        ]
    ),
)
def test_configuration_errors_never_echo_the_token(token: str, broken: dict[str, str]) -> None:
    try:
        load_settings(_env_file=None, bot_token=token, **broken)
    except ConfigError as error:
        for secret in token_secrets(token):
            assert not secret or secret not in str(error)
