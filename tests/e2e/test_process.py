"""The installed `forumbot` console script, run as a real process against the emulator."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.emulator import BotApiEmulator, FakeUser
from tests.support import COORDINATOR_ID, TOKEN

FORUMBOT = str(Path(sys.executable).with_name("forumbot"))


def environment(emulator: BotApiEmulator, database_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        TELEGRAM_API_BASE_URL=emulator.base_url,
        TELEGRAM_API_BASE_FILE_URL=emulator.base_file_url,
        COORDINATOR_IDS=str(COORDINATOR_ID),
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


async def test_forumbot_run_answers_start(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        FORUMBOT,
        "run",
        cwd=tmp_path,
        env=environment(emulator, database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        emulator.send_message(FakeUser(id=777, first_name="Erika"), "/start")
        answer = await emulator.wait_for(chat_id=777, timeout=60)
        assert "Nachbarschaftsforum" in (answer.text or "")
    finally:
        process.terminate()
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, stderr.decode()
    assert TOKEN.split(":")[1] not in stderr.decode()  # the token never reaches the log


async def test_forumbot_invite_prints_a_link(
    emulator: BotApiEmulator, database_url: str, tmp_path: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        FORUMBOT,
        "invite",
        "Gemeinde Zöllnitz | 16074093",
        cwd=tmp_path,
        env=environment(emulator, database_url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, stderr.decode()
    assert f"Gemeinde Zöllnitz: https://t.me/{emulator.bot_username}?start=" in stdout.decode()


async def test_a_missing_token_ends_with_one_line_and_status_2(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "BOT_TOKEN"}
    process = await asyncio.create_subprocess_exec(
        FORUMBOT,
        "run",
        cwd=tmp_path,  # no .env there
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    assert stderr.decode().splitlines() == [
        "configuration error: BOT_TOKEN is required but not set"
    ]
    assert stdout == b""


async def test_a_malformed_setting_is_named(tmp_path: Path) -> None:
    env = dict(os.environ, BOT_TOKEN=TOKEN, COORDINATOR_IDS="12,zwölf")
    process = await asyncio.create_subprocess_exec(
        FORUMBOT,
        "migrate",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 2
    lines = stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "configuration error: COORDINATOR_IDS is invalid"
    )
