"""The way in across real `forumbot run` processes killed at random moments.

100 members press their ballots and propose topics in one burst; the bot is killed with
SIGKILL twice at random moments while it works through them, and started again each time.
Afterwards every update was handled exactly once: each proposal exists once, each member's
vote is their last press (so their updates kept their order), every update is marked done,
and no effect was answered twice. The only answers that may be missing are those of updates
being handled at the moment of a kill (what they changed is stored)."""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from storage.db import create_engine, create_session_factory
from storage.models import Member, Proposal, ProposalStatus, Vote, VoteChoice
from storage.models_runtime import InboxUpdate
from tests.e2e.test_delivery_processes import (
    COORDINATOR,
    Bots,
    environment,
    seed_members,
    wait_for_chats,
)
from tests.emulator import BotApiEmulator, FakeUser, RecordedCall

MEMBERS = 100
PRESSES = 2  # per member, then or before one proposal
KILLS = 2
CONCURRENCY = 8  # UPDATE_CONCURRENCY of the processes
CODES = {"y": VoteChoice.YES, "n": VoteChoice.NO, "a": VoteChoice.ABSTAIN}
_TITLE = re.compile(r"„(Thema \d+)“")


async def seed_proposal(engine: AsyncEngine) -> int:
    now = datetime.now(UTC)
    async with create_session_factory(engine)() as session:
        proposal = Proposal(
            title="Radweg Jena–Zöllnitz",
            status=ProposalStatus.SUBMITTED,
            created_at=now,
            updated_at=now,
        )
        session.add(proposal)
        await session.commit()
        assert proposal.id is not None
        return proposal.id


async def inbox_done(engine: AsyncEngine) -> tuple[int, int]:
    async with create_session_factory(engine)() as session:
        total = (await session.execute(select(func.count()).select_from(InboxUpdate))).scalar_one()
        done = (
            await session.execute(
                select(func.count())
                .select_from(InboxUpdate)
                .where(col(InboxUpdate.done_at).is_not(None))
            )
        ).scalar_one()
    return int(total), int(done)


async def effects(
    engine: AsyncEngine, seeded: int
) -> tuple[Counter[str], dict[int | None, VoteChoice]]:
    """The proposals made (by title) and each member's standing vote (by Telegram id)."""
    async with create_session_factory(engine)() as session:
        titles = Counter(
            (await session.execute(select(col(Proposal.title)).where(col(Proposal.id) != seeded)))
            .scalars()
            .all()
        )
        rows = await session.execute(
            select(col(Member.telegram_id), col(Vote.choice)).join(
                Member, col(Member.id) == col(Vote.member_id)
            )
        )
        votes = {member: choice for member, choice in rows.all()}
    return titles, votes


def answers_since(emu: BotApiEmulator, mark: int) -> int:
    """Answers to members' updates so far: presses answered and proposals confirmed."""
    return sum(
        1
        for call in emu.calls[mark:]
        if call.ok
        and (
            call.method == "answerCallbackQuery"
            or (call.method == "sendMessage" and "Themenvorschlag" in (call.text or ""))
        )
    )


async def test_killed_twice_while_100_members_press_and_type_every_update_handled_once(
    database_url: str, tmp_path: Path
) -> None:
    rng = random.Random(22)
    engine = create_engine(database_url)
    try:
        member_ids = await seed_members(engine, MEMBERS)
        chats = sorted(member_ids)
        proposal_id = await seed_proposal(engine)
        async with BotApiEmulator() as emu:
            env = environment(
                emu,
                database_url,
                VOTE_MODE="member",
                UPDATE_CONCURRENCY=str(CONCURRENCY),
            )
            users = {chat: FakeUser(id=chat, first_name=f"Mitglied {chat}") for chat in chats}
            async with Bots(env, tmp_path) as bots:
                first = await bots.start("first")
                mark = emu.mark()
                emu.send_message(COORDINATOR, f"/abstimmungstarten {proposal_id}")
                await wait_for_chats(emu, chats, MEMBERS, after=mark, within=60)
                ballots = {chat: emu.last_message(chat, from_bot=True) for chat in chats}
                ballot_id = int(
                    re.search(r"v:(\d+):", repr(ballots[chats[0]]["reply_markup"]))[1]  # type: ignore[index]
                )

                # The burst: every member's updates in their order, the members interleaved.
                plans: dict[int, list[tuple[str, str]]] = {}
                for number, chat in enumerate(chats):
                    steps = [("press", rng.choice(list(CODES))) for _ in range(PRESSES)]
                    steps.insert(rng.randrange(PRESSES + 1), ("propose", f"Thema {number}"))
                    plans[chat] = steps
                burst = emu.mark()
                last_press: dict[int, VoteChoice] = {}
                for step in range(PRESSES + 1):
                    for chat in chats:
                        kind, value = plans[chat][step]
                        if kind == "press":
                            emu.press_button(users[chat], ballots[chat], f"v:{ballot_id}:{value}")
                            last_press[chat] = CODES[value]
                        else:
                            emu.send_message(users[chat], f"/vorschlag {value} | Beschreibung")
                total = MEMBERS * (PRESSES + 1)

                # Killed at random moments while it works through the burst.
                current = first
                for kill in range(KILLS):
                    threshold = rng.randrange(total * (kill + 1) // 4, total * (kill + 2) // 4)

                    def reached(_call: RecordedCall, n: int = threshold) -> bool:
                        return answers_since(emu, burst) >= n

                    await emu.wait_for(reached, timeout=120)
                    current.process.kill()  # SIGKILL: no shutdown code runs
                    await current.process.wait()
                    current = await bots.start(f"after-kill-{kill + 1}")

                # The last process works through the rest (or, had anything been lost, would
                # wait here in vain).
                async with asyncio.timeout(180):
                    while True:
                        titles, votes = await effects(engine, proposal_id)
                        if (
                            not emu.pending_updates
                            and len(titles) == MEMBERS
                            and votes == last_press
                        ):
                            break
                        await asyncio.sleep(0.2)  # polling the database, not synchronising
                async with asyncio.timeout(30):
                    while (await inbox_done(engine))[1] < total + 1:  # noqa: ASYNC110
                        await asyncio.sleep(0.2)  # polling the database, not synchronising
                assert current.process.returncode is None, "the last process died"
            assert current.process.returncode == 0, "the last process did not stop cleanly"
            stored, done = await inbox_done(engine)
            assert stored == done == total + 1  # the burst and the coordinator's command
            async with create_session_factory(engine)() as session:
                taken_again = (
                    await session.execute(
                        select(func.count())
                        .select_from(InboxUpdate)
                        .where(col(InboxUpdate.attempts) > 1)
                    )
                ).scalar_one()
            print(f"updates taken again after a kill: {taken_again}")
            assert taken_again > 0, "no kill hit an update in flight: the test shows nothing"

            # Nothing lost, nothing twice: each proposal once, each member's last press counts.
            titles, votes = await effects(engine, proposal_id)
            assert titles == Counter({f"Thema {n}": 1 for n in range(MEMBERS)})
            assert votes == last_press, "a press was lost, repeated out of order, or reordered"

            # Answers agree with the database: no effect confirmed twice; a missing answer only
            # for updates in the middle of being handled at a kill.
            confirmations: Counter[str] = Counter()
            for call in emu.calls[burst:]:
                if call.ok and call.method == "sendMessage" and call.chat_id in member_ids:
                    found = _TITLE.search(call.text or "")
                    if found and "Themenvorschlag" in (call.text or ""):
                        confirmations[found[1]] += 1
            assert max(confirmations.values()) == 1, "a proposal was confirmed twice"
            unconfirmed = MEMBERS - len(confirmations)
            presses: list[RecordedCall] = [
                c for c in emu.calls[burst:] if c.method == "answerCallbackQuery"
            ]
            answered = {c.params["callback_query_id"] for c in presses if c.ok}
            unanswered = MEMBERS * PRESSES - len(answered)
            print(f"unconfirmed proposals: {unconfirmed}, unanswered presses: {unanswered}")
            assert unconfirmed + unanswered <= KILLS * CONCURRENCY
            assert emu.violations == []
    finally:
        await engine.dispose()
