"""The outbox across real `forumbot run` processes: killed mid-broadcast, and two side by side.

Each test starts the installed console script against an emulator that enforces Telegram's
limits (30 messages a second overall, one a second per person), on a database seeded here. The
emulator records every message, so "nobody missed" and "nobody got it twice" are counted there,
and the outbox table says what the bot believes it delivered.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from asyncio.subprocess import STDOUT, Process
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from storage.db import APPLICATION_NAME, create_engine, create_session_factory
from storage.migrate import upgrade
from storage.models import (
    Broadcast,
    BroadcastState,
    Member,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    OutboxState,
)
from storage.repositories.leases import LeaseRepository
from tests.emulator import BotApiEmulator, FakeUser, RecordedCall
from tests.support import COORDINATOR_ID, TOKEN

FORUMBOT = str(Path(sys.executable).with_name("forumbot"))
FIRST_TELEGRAM_ID = 100_001
COORDINATOR = FakeUser(
    id=COORDINATOR_ID, first_name="Katrin", last_name="Koordination", username="koordination"
)


# --- database ---------------------------------------------------------------------------------


async def seed_members(engine: AsyncEngine, count: int) -> dict[int, int]:
    """Migrate, then one organisation with `count` active members; returns telegram id → id."""
    await upgrade(engine)
    now = datetime.now(UTC)
    async with create_session_factory(engine)() as session:
        organisation = Organisation(
            name="Gemeinde Zöllnitz", kind=OrganisationKind.GEMEINDE, created_at=now
        )
        session.add(organisation)
        await session.flush()
        assert organisation.id is not None
        members = [
            Member(
                telegram_id=FIRST_TELEGRAM_ID + i,
                organisation_id=organisation.id,
                first_name=f"Mitglied {i + 1}",
                joined_at=now,
            )
            for i in range(count)
        ]
        session.add_all(members)
        await session.commit()
    return {m.telegram_id: m.id for m in members if m.telegram_id is not None and m.id is not None}


async def connections_gone(engine: AsyncEngine) -> None:
    """PostgreSQL: until no bot process's connection to this database is left (a killed
    process's server sides end once they notice; one in the middle of a COMMIT finishes it
    first). The test's own engine has the same application name: its pool is emptied first,
    and the one connection that asks is left out."""
    if engine.dialect.name != "postgresql":
        return  # SQLite: a killed writer's transaction is rolled back, never half-committed
    others = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = :name AND pid <> pg_backend_pid()"
    )
    await engine.dispose()
    async with asyncio.timeout(30), engine.connect() as connection:
        while (await connection.execute(others, {"name": APPLICATION_NAME})).scalar_one():  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the server's own view, polled


async def outbox_rows(engine: AsyncEngine) -> list[OutboxMessage]:
    async with create_session_factory(engine)() as session:
        stmt = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.execute(stmt)).scalars().all())


async def outbox_states(engine: AsyncEngine) -> Counter[OutboxState]:
    async with create_session_factory(engine)() as session:
        stmt = select(col(OutboxMessage.state), func.count()).group_by(col(OutboxMessage.state))
        return Counter({OutboxState(state): int(n) for state, n in await session.execute(stmt)})


# --- processes --------------------------------------------------------------------------------


def environment(emu: BotApiEmulator, database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BOT_TOKEN=TOKEN,
        DATABASE_URL=database_url,
        TELEGRAM_API_BASE_URL=emu.base_url,
        TELEGRAM_API_BASE_FILE_URL=emu.base_file_url,
        COORDINATOR_IDS=str(COORDINATOR_ID),
        LOG_LEVEL="INFO",
        HTTP_PORT="0",  # the bot's own HTTP server on a free port: several bots on one host
        METRICS_PORT="0",
    )
    env.update(extra)
    return env


def _open_log(path: Path) -> IO[bytes]:
    return path.open("ab")


@dataclass
class BotProcess:
    name: str
    process: Process
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    async def stop(self) -> int:
        """SIGTERM (a clean shutdown) unless it is gone already; SIGKILL if it hangs."""
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), timeout=30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        assert self.process.returncode is not None
        return self.process.returncode


class Bots:
    """`forumbot run` processes in `folder` (no .env there), each logging to `<name>.log`.

    `async with Bots(...) as bots:` stops whatever still runs on the way out and prints the
    logs (without DEBUG lines), which pytest shows for a failing test."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.started: list[BotProcess] = []

    async def start(self, name: str) -> BotProcess:
        log_path = self.folder / f"{name}.log"
        log = _open_log(log_path)
        try:
            process = await asyncio.create_subprocess_exec(
                FORUMBOT, "run", cwd=self.folder, env=self.env, stdout=log, stderr=STDOUT
            )
        finally:
            log.close()  # the child has its own descriptor
        bot = BotProcess(name, process, log_path)
        self.started.append(bot)
        return bot

    async def __aenter__(self) -> Bots:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for bot in self.started:
            status = await bot.stop()
            lines = [line for line in bot.log().splitlines() if " DEBUG " not in line]
            shown = "\n".join(lines[-150:])
            print(f"----- {bot.name}: exit status {status} -----\n{shown}")


# --- the emulator's side ----------------------------------------------------------------------


async def wait_for_chats(
    emu: BotApiEmulator, chats: Iterable[int], count: int, *, after: int, within: float
) -> None:
    """Until at least `count` of `chats` got a sendMessage (at call index `after` or later)."""
    wanted = set(chats)
    reached: set[int] = set()

    def enough(call: RecordedCall) -> bool:
        if call.method == "sendMessage" and call.chat_id in wanted:
            reached.add(int(call.chat_id))
        return len(reached) >= count

    if len(wanted) < count:
        raise ValueError("more chats wanted than given")
    try:
        await emu.wait_for(enough, after=after, timeout=within)
    except AssertionError:
        raise AssertionError(
            f"only {len(reached)} of the {count} chats got a message within {within} s; "
            f"e.g. missing: {sorted(wanted - reached)[:10]}"
        ) from None


def first_sends(emu: BotApiEmulator, chats: Iterable[int], *, after: int) -> dict[int, float]:
    """When (the emulator's `time.perf_counter()`) each of `chats` got its first sendMessage
    at call index `after` or later."""
    wanted = set(chats)
    first: dict[int, float] = {}
    for call in emu.calls[after:]:
        chat = call.chat_id
        if call.method == "sendMessage" and call.ok and chat in wanted and chat not in first:
            first[int(chat)] = call.at
    return first


def messages_per_chat(emu: BotApiEmulator, chats: Iterable[int]) -> Counter[int]:
    wanted = set(chats)
    return Counter(
        int(call.chat_id)
        for call in emu.sent(method="sendMessage")
        if isinstance(call.chat_id, int) and call.chat_id in wanted
    )


def button_data(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data", "")
            if isinstance(data, str) and data.startswith(prefix):
                return data
    raise AssertionError(f"no button {prefix}… under {message}")


async def start_broadcast(emu: BotApiEmulator, text: str, *, within: float) -> int:
    """As the coordinator: /broadcast, then Senden under the preview. Returns the call mark
    taken just before Senden was pressed."""
    mark = emu.mark()
    emu.send_message(COORDINATOR, f"/broadcast {text}")
    await emu.wait_for(
        chat_id=COORDINATOR_ID,
        method="sendMessage",
        text_contains="Vorschau Rundschreiben",
        after=mark,
        timeout=within,
    )
    preview = emu.last_message(COORDINATOR_ID, from_bot=True)
    mark = emu.mark()
    query_id = emu.press_button(COORDINATOR, preview, button_data(preview, "bc:send:"))
    await emu.wait_for(
        lambda call: (
            call.method == "answerCallbackQuery"
            and call.params.get("callback_query_id") == query_id
        ),
        after=mark,
        timeout=within,
    )
    return mark


# The bots log every Bot API result at DEBUG; a delivered message names its chat.
_DELIVERED = re.compile(
    r"Call to Bot API endpoint `sendMessage` finished with return value .*?'chat': \{'id': (\d+)"
)


def chats_delivered_by(bot: BotProcess) -> Counter[int]:
    return Counter(int(match.group(1)) for match in _DELIVERED.finditer(bot.log()))


# --- the tests --------------------------------------------------------------------------------


async def test_a_killed_process_loses_nothing_and_repeats_only_what_was_in_flight(
    database_url: str, tmp_path: Path
) -> None:
    members = 150
    engine = create_engine(database_url)
    try:
        member_ids = await seed_members(engine, members)
        chats = sorted(member_ids)
        async with BotApiEmulator(enforce_rate_limits=True) as emu:
            # The outbox lease as in production (60 s), and a leader lease that would still run
            # long after the restart (30 s): the restarted process must wait for neither. It
            # holds the instance lock of the folder both run in, which proves the killed one
            # dead (bot/instance.py).
            env = environment(
                emu, database_url, OUTBOX_SEND_TIMEOUT_SECONDS="1", LEADER_LEASE_SECONDS="30"
            )

            async with Bots(env, tmp_path) as bots:
                first = await bots.start("first")
                pressed = await start_broadcast(emu, "Hallo", within=60)
                await wait_for_chats(emu, chats, 40, after=pressed, within=60)
                first.process.kill()  # SIGKILL: no shutdown code runs
                await first.process.wait()
            # A transaction the killed process had just sent its COMMIT for still completes on
            # the server: look at the outbox once its connections are gone.
            await connections_gone(engine)
            delivered_at_kill = messages_per_chat(emu, chats)
            rows = await outbox_rows(engine)
            broadcast_rows = [row for row in rows if row.kind == "broadcast"]
            assert len(broadcast_rows) == members
            in_flight = [
                row
                for row in broadcast_rows
                if row.state is OutboxState.PENDING and row.claimed_by is not None
            ]
            recorded = {row.chat_id for row in broadcast_rows if row.state is OutboxState.SENT}
            # The kill hit a batch in progress, else this test would show nothing.
            assert in_flight, "no outbox row was in flight at the kill"
            assert recorded <= set(delivered_at_kill), "recorded as sent but never delivered"
            assert len(delivered_at_kill) < members, "the first process finished before the kill"
            async with create_session_factory(engine)() as session:
                lease = await LeaseRepository(session).holder("leader")
            assert lease is not None and "/" in lease[0], "the killed leader had no instance"

            async with Bots(env, tmp_path) as bots:
                after_kill = emu.mark()
                restarted = time.perf_counter()  # the clock of the emulator's records
                second = await bots.start("second")
                # The rows the killed process held go out as soon as the new one runs, not
                # after the killed one's leader lease or their 60 s outbox lease.
                in_flight_chats = {row.chat_id for row in in_flight}
                await wait_for_chats(
                    emu, in_flight_chats, len(in_flight_chats), after=after_kill, within=60
                )
                # Sent while both leases the killed process held were still running: the new
                # process waited for neither. (How fast is a measurement, printed below and
                # in the README, not an assertion: the machine's load decides the seconds.)
                now = datetime.now(UTC)
                assert now < lease[1], "the rows waited for the killed leader's lease"
                claims_end = min(row.claimed_until for row in in_flight if row.claimed_until)
                assert now < claims_end, "the rows waited for their outbox lease"
                sent_at = first_sends(emu, in_flight_chats, after=after_kill)
                resumed = max(sent_at.values()) - restarted
                started = next(c.at for c in emu.calls[after_kill:] if c.method == "getMe")
                startup = started - restarted
                print(
                    f"the {len(in_flight)} rows in flight at the kill were sent "
                    f"{min(sent_at.values()) - restarted:.2f}–{resumed:.2f} s after the restart, "
                    f"{startup:.2f} s of it before the process's first call (getMe)"
                )
                await wait_for_chats(emu, chats, members, after=0, within=60)
                report = await emu.wait_for(
                    chat_id=COORDINATOR_ID,
                    method="sendMessage",
                    text_contains="Bericht Rundschreiben",
                    timeout=30,
                )
                assert second.process.returncode is None, "the second process died"
            # Stopped cleanly: whatever the bot recorded is final now.
            assert second.process.returncode == 0, "the second process did not stop cleanly"
            assert await outbox_states(engine) == {OutboxState.SENT: members + 1}  # and the report

            received = messages_per_chat(emu, chats)
            assert set(received) == set(chats), "somebody missed the broadcast"
            duplicates = {chat: n - 1 for chat, n in received.items() if n > 1}
            print(
                f"delivered before the kill: {len(delivered_at_kill)}, recorded: {len(recorded)}, "
                f"in flight: {len(in_flight)}, duplicates: {sum(duplicates.values())}"
            )
            assert sum(duplicates.values()) <= len(in_flight)
            assert set(duplicates) <= in_flight_chats, "a recorded message was sent again"
            assert max(received.values()) <= 2

            assert f"Zugestellt: {members} von {members}" in (report.text or "")
            reports = [
                call
                for call in emu.sent(chat_id=COORDINATOR_ID, method="sendMessage")
                if "Bericht Rundschreiben" in (call.text or "")
            ]
            assert len(reports) == 1
            async with create_session_factory(engine)() as session:
                states = (await session.execute(select(col(Broadcast.state)))).scalars().all()
            assert states == [BroadcastState.DONE]
            refused = [call.summary() for call in emu.calls if not call.ok]
            print("refused calls:", refused)
            assert emu.violations == []
            assert emu.rate_limit_hits == 0
    finally:
        await engine.dispose()
