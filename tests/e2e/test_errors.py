"""An unexpected failure: logged with context, one short apology in chat, no traceback."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from tests.e2e.harness import Harness


async def test_an_internal_error_gets_an_apology_without_traceback(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    anna = bot.user("Anna", language_code="en")
    await bot.join(anna, "Gemeinde Zöllnitz")
    assert bot.app.engine is not None
    async with bot.app.engine.begin() as connection:  # break the database under the bot
        await connection.execute(text("DROP TABLE user_settings"))
    with caplog.at_level(logging.ERROR, logger="handlers.errors"):
        answer = await bot.send(anna, "/help")
    assert answer.text == "Sorry, something went wrong. Please try again later."
    assert "Traceback" not in (answer.text or "")
    record = next(r for r in caplog.records if r.name == "handlers.errors")
    assert f"user {anna.id}" in record.getMessage()
    assert record.exc_info is not None
