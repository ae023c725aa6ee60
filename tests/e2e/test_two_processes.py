"""Two `forumbot run --webhook` processes on one database behind a round-robin proxy, the
leader killed in the middle of a broadcast and a vote's results (issue 20).

One process leads (it handles the inbox, sends the outbox and runs the scheduled work), the
other stores the updates posted to it and stands by. Killed with SIGKILL, the leader's work is
taken over by the other within seconds: nobody misses a message, nobody gets one twice beyond
the rows in flight at the kill, and Telegram's limits hold for both together (the emulator
enforces them)."""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlmodel import col
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage.db import create_engine, create_session_factory
from storage.models import (
    Ballot,
    OutboxMessage,
    OutboxState,
    Proposal,
    ProposalStatus,
    VoteMode,
)
from tests.e2e.harness import WEBHOOK_PATH_SECRET, WEBHOOK_SECRET_TOKEN
from tests.e2e.test_delivery_processes import (
    COORDINATOR,
    Bots,
    environment,
    seed_members,
    start_broadcast,
    wait_for_chats,
)
from tests.e2e.test_process import free_port
from tests.emulator import BotApiEmulator
from tests.support import COORDINATOR_ID

MEMBERS = 500


class RoundRobin:
    """A load balancer: each request to the next process in turn; a process that does not
    answer is skipped."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = targets
        self._next = itertools.cycle(range(len(targets)))
        self.forwarded: Counter[str] = Counter()
        self.port = free_port()
        app = Starlette(routes=[Route("/{path:path}", self.forward, methods=["POST", "GET"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def forward(self, request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in self.targets:
                target = self.targets[next(self._next)]
                try:
                    answer = await client.request(
                        request.method, target + request.url.path, content=body, headers=headers
                    )
                except httpx.HTTPError:
                    continue
                self.forwarded[target] += 1
                return Response(answer.content, status_code=answer.status_code)
        return Response(b"Bad Gateway", status_code=502)

    async def __aenter__(self) -> RoundRobin:
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:  # noqa: ASYNC110 - uvicorn only offers the flag
            await asyncio.sleep(0.01)
        return self

    async def __aexit__(self, *_: object) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task


async def seed_open_vote(database_url: str) -> int:
    """A proposal being voted on (its ballots were handed out before: no rows for them)."""
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    try:
        async with create_session_factory(engine)() as session:
            proposal = Proposal(
                title="Radverkehrskonzept Saaletal",
                status=ProposalStatus.VOTING,
                created_at=now,
                updated_at=now,
            )
            session.add(proposal)
            await session.flush()
            assert proposal.id is not None
            session.add(
                Ballot(
                    proposal_id=proposal.id,
                    mode=VoteMode.ORGANISATION,
                    opened_by=COORDINATOR_ID,
                    opened_at=now,
                    deadline=now + timedelta(days=3),
                )
            )
            await session.commit()
            return proposal.id
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_the_leader_killed_mid_broadcast_the_other_process_goes_on(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    try:
        member_ids = await seed_members(engine, MEMBERS)
        chats = sorted(member_ids)
        proposal_id = await seed_open_vote(database_url)
        ports = [free_port(), free_port()]
        async with (
            BotApiEmulator(enforce_rate_limits=True) as emu,
            RoundRobin([f"http://127.0.0.1:{p}" for p in ports]) as proxy,
        ):
            base = environment(
                emu,
                database_url,
                MODE="webhook",
                WEBHOOK_PATH_SECRET=WEBHOOK_PATH_SECRET,
                WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET_TOKEN,
                PUBLIC_BASE_URL=proxy.url,
                OUTBOX_POLL_SECONDS="1",
            )
            async with Bots(base, tmp_path) as bots:
                bots.env = dict(base, HTTP_PORT=str(ports[0]))
                first = await bots.start("first")
                await emu.wait_for(method="setWebhook", timeout=60)  # it leads
                bots.env = dict(base, HTTP_PORT=str(ports[1]))
                second = await bots.start("second")
                for _ in range(600):  # until it says it stands by (its log, not a guess)
                    if "stands by" in second.log():
                        break
                    await asyncio.sleep(0.05)
                assert "stands by" in second.log(), second.log()

                # Through the balancer: the broadcast, then closing the vote (both processes
                # take updates; the leader handles them).
                pressed = await start_broadcast(emu, "Sitzung am Donnerstag entfällt", within=60)
                mark = emu.mark()
                emu.send_message(COORDINATOR, f"/abstimmungbeenden {proposal_id}")
                await emu.wait_for(
                    chat_id=COORDINATOR_ID, text_contains="beendet", after=mark, timeout=60
                )
                await wait_for_chats(emu, chats, 150, after=pressed, within=60)
                first.process.kill()  # SIGKILL: the leader dies mid-broadcast
                killed_at = asyncio.get_running_loop().time()
                await first.process.wait()
                async with create_session_factory(engine)() as session:
                    held = (
                        (
                            await session.execute(
                                select(OutboxMessage).where(
                                    col(OutboxMessage.state) == OutboxState.PENDING,
                                    col(OutboxMessage.claimed_by).is_not(None),
                                )
                            )
                        )
                        .scalars()
                        .all()
                    )
                in_flight = {row.chat_id for row in held}
                assert in_flight, "the kill hit no row in flight: the test shows nothing"

                # The other process leads within seconds and finishes what the first began.
                def all_got(marker: str) -> bool:
                    got = {
                        c.chat_id
                        for c in emu.sent(method="sendMessage")
                        if marker in (c.text or "")
                    }
                    return set(chats) <= got

                await emu.wait_for(lambda _c: all_got("entfällt"), timeout=120)
                taken_over = asyncio.get_running_loop().time() - killed_at
                await wait_for_chats(emu, chats, MEMBERS, after=pressed, within=120)
                await emu.wait_for(lambda _c: all_got("Radverkehrskonzept"), timeout=120)
                await emu.wait_for(
                    chat_id=COORDINATOR_ID, text_contains="Bericht Rundschreiben", timeout=60
                )
                assert second.process.returncode is None, "the second process died"
                assert "this process leads now" in second.log()
            print(f"broadcast finished {taken_over:.1f} s after the kill; in flight: {len(held)}")

            # Nobody missed anything; a message twice only where a row was in flight.
            for marker in ("entfällt", "Radverkehrskonzept"):
                received = Counter(
                    int(c.chat_id)
                    for c in emu.sent(method="sendMessage")
                    if isinstance(c.chat_id, int)
                    and c.chat_id in member_ids
                    and marker in (c.text or "")
                )
                assert set(received) == set(chats), marker
                twice = {chat for chat, n in received.items() if n > 1}
                assert twice <= in_flight, f"{marker}: sent twice beyond the rows in flight"
            assert emu.rate_limit_hits == 0, "Telegram's limits were exceeded"
            assert emu.violations == []
            # Both processes took updates from the balancer.
            assert all(proxy.forwarded[t] > 0 for t in proxy.targets), proxy.forwarded
            report = re.compile(r"Zugestellt: (\d+) von (\d+)")
            reports = [
                report.search(c.text or "")
                for c in emu.sent(chat_id=COORDINATOR_ID, method="sendMessage")
            ]
            assert [m.groups() for m in reports if m] == [(str(MEMBERS), str(MEMBERS))]
    finally:
        await engine.dispose()


async def test_a_second_polling_process_on_the_same_database_refuses_in_one_line(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_engine(database_url)
    try:
        await seed_members(engine, 1)
    finally:
        await engine.dispose()
    async with BotApiEmulator() as emu, Bots(environment(emu, database_url), tmp_path) as bots:
        first = await bots.start("first")
        await emu.wait_for(method="setMyCommands", timeout=60)
        second = await bots.start("second")
        status = await asyncio.wait_for(second.process.wait(), timeout=60)
        assert status == 2
        lines = [line for line in second.log().splitlines() if line.strip()]
        assert "another bot process" in lines[-1] and "only one process can poll" in lines[-1]
        assert "Traceback" not in second.log()
        assert first.process.returncode is None  # the first goes on
