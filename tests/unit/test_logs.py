from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import REDACTED, Redactor, configure_logging, token_secrets

TOKEN = "123456:AAH-secret_Part"
CODE = "Zq3-x_9aBcDeFgHiJkLmNo"


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"POST https://api.telegram.org/bot{TOKEN}/getMe", f"bot{REDACTED}/getMe"),
        (f"https://t.me/forum_bot?start={CODE} (#3)", f"?start={REDACTED} (#3)"),
        (f"text='/start {CODE}', entities", f"'/start {REDACTED}',"),
        (f"/start@forum_bot   {CODE}", f"/start@forum_bot   {REDACTED}"),
        (f"webcal://forum.example/calendar/{CODE}.ics", f"/calendar/{REDACTED}.ics"),
        (
            "https://calendar.google.com/calendar/render?cid=webcal%3A%2F%2Fforum.example"
            f"%2Fcalendar%2F{CODE}.ics",
            f"%2Fcalendar%2F{REDACTED}.ics",
        ),
    ],
)
def test_secrets_and_codes_are_redacted(text: str, expected: str) -> None:
    redacted = Redactor(token_secrets(TOKEN))(text)
    assert expected in redacted
    assert TOKEN.partition(":")[2] not in redacted
    assert CODE not in redacted


def test_plain_start_and_ordinary_text_stay() -> None:
    redact = Redactor(token_secrets(TOKEN))
    assert redact("update 7: /start") == "update 7: /start"
    assert redact("command=/start user=5") == "command=/start user=5"
    assert redact("Bitte /starten Sie") == "Bitte /starten Sie"


def test_json_lines_carry_the_extra_fields_and_no_secret(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging("DEBUG", "json", token_secrets(TOKEN), stream=stream)
    log = logging.getLogger("bot.test")
    log.info("update %s: %s", 7, f"/start {CODE}", extra={"event": "update", "update_id": 7})
    try:
        raise RuntimeError(f"failed for {TOKEN}")
    except RuntimeError:
        log.exception("with a traceback")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == f"update 7: /start {REDACTED}"
    assert first["event"] == "update" and first["update_id"] == 7
    assert first["level"] == "INFO" and first["logger"] == "bot.test"
    assert first["time"].endswith("+00:00")
    assert "RuntimeError" in second["exception"]
    assert TOKEN.partition(":")[2] not in stream.getvalue()


def test_text_lines_show_the_extra_fields(restore_root: None) -> None:
    stream = io.StringIO()
    configure_logging("INFO", "text", [], stream=stream)
    logging.getLogger("bot.test").info(
        "sent", extra={"event": "send", "result": "sent", "error": "a b"}
    )
    line = stream.getvalue().strip()
    assert line.endswith('INFO bot.test: sent [event=send result=sent error="a b"]')
