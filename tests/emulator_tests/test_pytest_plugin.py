"""The ``emulator`` fixture fails a test that leaves violations behind."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

SAMPLE_TESTS = """
import telegram
from telegram.error import BadRequest

from tests.emulator import BotApiEmulator


async def test_clean(emulator: BotApiEmulator) -> None:
    async with telegram.Bot(emulator.token, base_url=emulator.base_url) as bot:
        await bot.send_message(1, "<b>gut</b>", parse_mode="HTML")


async def test_sloppy(emulator: BotApiEmulator) -> None:
    async with telegram.Bot(emulator.token, base_url=emulator.base_url) as bot:
        try:
            await bot.send_message(1, "<b>kaputt", parse_mode="HTML")
        except BadRequest:
            pass  # the bot swallows the error, the fixture still notices
"""


def test_fixture_reports_violations_at_teardown(tmp_path: Path) -> None:
    (tmp_path / "test_sample.py").write_text(textwrap.dedent(SAMPLE_TESTS))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(tmp_path),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.emulator.pytest_plugin",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "--rootdir",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # test_sloppy itself passes, its teardown errors.
    assert "2 passed, 1 error" in result.stdout, result.stdout + result.stderr
    assert "ERROR at teardown of test_sloppy" in result.stdout
    assert "the bot violated the Bot API (1):" in result.stdout
    assert "sendMessage: can't parse entities:" in result.stdout
