"""Broadcast throughput: how close a Rundschreiben to N members comes to Telegram's 30 messages/s.

    .venv/bin/python -m bench.broadcast [--members N] [--database-url URL]

The Bot API emulator (enforcing Telegram's limits) and the real bot (`build_application` with
its default `TelegramLimiter`, long polling) run in this one event loop. N members are stored
directly; the coordinator sends `/broadcast` through the emulator and presses Senden. Measured
from the press until the last of the N member messages has arrived at the emulator, and set
against the physical floor N / 30 s. Without `--database-url` a temporary SQLite file is used;
with a PostgreSQL URL a scratch database is created on that server and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import build_application
from bot.config import Settings, load_settings
from bot.runner import polling
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import Member, Organisation, OrganisationKind
from tests.emulator import BotApiEmulator, FakeUser, RecordedCall

TOKEN = "123456:BENCH-TOKEN"
COORDINATOR = FakeUser(id=9000, first_name="Katrin", last_name="Koordination")
FIRST_TELEGRAM_ID = 100_001
TELEGRAM_RATE = 30.0  # messages a second, Telegram's overall broadcast limit
GOAL_RATIO = 1.10


@dataclass(frozen=True)
class Result:
    members: int
    database: str
    wall: float
    first: float
    cpu: float
    emulator_429: int
    limiter_429: int

    @property
    def floor(self) -> float:
        return self.members / TELEGRAM_RATE

    @property
    def ratio(self) -> float:
        return self.wall / self.floor

    def report(self) -> str:
        answers_429 = self.emulator_429 + self.limiter_429
        ok = "ok" if self.ratio <= GOAL_RATIO else "MISSED"
        return "\n".join(
            [
                f"broadcast to {self.members} members ({self.database})",
                f"  wall time, Senden to last delivery: {self.wall:8.2f} s",
                f"  of which Senden to first delivery:  {self.first:8.2f} s",
                f"  physical floor N/30:                 {self.floor:8.2f} s",
                f"  ratio wall/floor:                    {self.ratio:8.3f}"
                f"   (goal <= {GOAL_RATIO:.2f}: {ok})",
                f"  429 answers:                         {answers_429:8d}"
                f"   (emulator {self.emulator_429}, limiter {self.limiter_429}; goal 0)",
                f"  process CPU time per message:        {self.cpu / self.members * 1000:8.3f} ms"
                "   (bot and emulator: they share this process)",
            ]
        )


@asynccontextmanager
async def scratch_database(url: str | None) -> AsyncIterator[str]:
    """The database URL to run against: a temporary SQLite file, or a fresh PostgreSQL
    database on the server of `url` (dropped afterwards)."""
    if url is None or url.startswith("sqlite"):
        if url is not None:
            yield url
            return
        with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'forum.db'}"
        return
    name = f"forum_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def seed(database_url: str, members: int) -> set[int]:
    """Schema to head, one organisation, `members` active members; their Telegram ids."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        now = datetime.now(UTC)
        async with create_session_factory(engine)() as session:
            organisation = Organisation(
                name="Gemeinde Zöllnitz", kind=OrganisationKind.GEMEINDE, created_at=now
            )
            session.add(organisation)
            await session.flush()
            assert organisation.id is not None
            session.add_all(
                Member(
                    telegram_id=FIRST_TELEGRAM_ID + i,
                    organisation_id=organisation.id,
                    first_name=f"Mitglied {i + 1}",
                    joined_at=now,
                )
                for i in range(members)
            )
            await session.commit()
    finally:
        await engine.dispose()
    return {FIRST_TELEGRAM_ID + i for i in range(members)}


def send_button(message: dict[str, Any]) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if isinstance(data, str) and data.startswith("bc:send:"):
                return data
    raise RuntimeError(f"no Senden button under the preview: {message}")


def bot_settings(emu: BotApiEmulator, database_url: str) -> Settings:
    """The bot's settings for a benchmark: the emulator as Telegram, COORDINATOR as the
    coordinator, the bot's own HTTP server on a free port."""
    return load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=database_url,
        telegram_api_base_url=emu.base_url,
        telegram_api_base_file_url=emu.base_file_url,
        coordinator_ids=str(COORDINATOR.id),
        log_level="WARNING",
        http_port=0,
        metrics_port=0,
    )


async def run(members: int, database_url: str) -> Result:
    chats = await seed(database_url, members)
    async with BotApiEmulator(token=TOKEN, enforce_rate_limits=True) as emu:
        # The real clock and the default TelegramLimiter.
        app = build_application(bot_settings(emu, database_url))
        async with polling(app, poll_timeout=1):
            mark = emu.mark()
            emu.send_message(COORDINATOR, "/broadcast Einladung zur Sitzung am Donnerstag")
            await emu.wait_for(
                chat_id=COORDINATOR.id,
                method="sendMessage",
                text_contains="Vorschau Rundschreiben",
                after=mark,
                timeout=60,
            )
            preview = emu.last_message(COORDINATOR.id, from_bot=True)
            reached: set[int] = set()
            first_at: list[float] = []

            def all_reached(call: RecordedCall) -> bool:
                if call.method == "sendMessage" and call.chat_id in chats:
                    if not reached:
                        first_at.append(time.perf_counter())
                    reached.add(int(call.chat_id))
                return len(reached) == members

            mark = emu.mark()
            cpu_start = time.process_time()
            start = time.perf_counter()
            emu.press_button(COORDINATOR, preview, send_button(preview))
            await emu.wait_for(all_reached, after=mark, timeout=members / TELEGRAM_RATE * 3 + 60)
            wall = time.perf_counter() - start
            cpu = time.process_time() - cpu_start
            # Not measured: the report, so that the bot stops with nothing left to do.
            await emu.wait_for(
                chat_id=COORDINATOR.id,
                method="sendMessage",
                text_contains="Bericht Rundschreiben",
                after=mark,
                timeout=60,
            )
        if emu.violations:
            raise RuntimeError(f"the bot violated the Bot API: {emu.violations}")
        return Result(
            members=members,
            database=make_url(database_url).get_backend_name(),
            wall=wall,
            first=first_at[0] - start,
            cpu=cpu,
            emulator_429=emu.rate_limit_hits,
            limiter_429=app.limiter.retry_after_count,
        )


async def main_async(members: int, database_url: str | None) -> Result:
    async with scratch_database(database_url) as url:
        return await run(members, url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast", description=__doc__)
    parser.add_argument("--members", type=int, default=1000, help="recipients (default 1000)")
    parser.add_argument(
        "--database-url",
        default=None,
        help="sqlite+aiosqlite:///file or postgresql+asyncpg://... (a scratch database is "
        "created there); default: a temporary SQLite file",
    )
    args = parser.parse_args(argv)
    if args.members < 1:
        parser.error("--members must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    result = asyncio.run(main_async(args.members, args.database_url))
    print(result.report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
