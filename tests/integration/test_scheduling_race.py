"""Answers racing Termin festlegen on the real database (SQLite or PostgreSQL): every answer is
either stored before the poll closed (and then counts: a Ja to the chosen slot is a Zusage) or
refused as closed; two presses of Termin festlegen at once make one meeting."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.app import unit_of_work_factory
from bot.services.actor import Actor, Profile
from bot.services.container import build_services
from bot.services.errors import InvalidInput
from bot.services.notify import NoNotifier
from bot.services.scheduling import Fixed, PollDraft
from storage.models import Meeting, MeetingRsvp, Member, Organisation, RsvpAnswer
from storage.models_scheduling import SchedulingAnswer, SchedulingPoll, SchedulingSlot
from tests.integration.test_vote_close_race import StepClock
from tests.support import COORDINATOR_ID, make_settings

MEMBERS = 40
ORGANISATIONS = 10
PRESSES = 400
PARALLEL = 16


async def test_answers_and_two_fixings_race(engine: AsyncEngine, database_url: str) -> None:
    clock = StepClock()
    uow = unit_of_work_factory(engine)
    services = build_services(make_settings(database_url), uow, clock, NoNotifier())
    actors = []
    async with uow() as work:
        orgs = [
            await work.organisations.add(Organisation(name=f"Gemeinde {i}", created_at=clock.now()))
            for i in range(ORGANISATIONS)
        ]
        for i in range(MEMBERS):
            org = orgs[i % ORGANISATIONS]
            member = await work.members.add(
                Member(
                    telegram_id=20_000 + i,
                    first_name=f"M{i}",
                    organisation_id=org.id or 0,
                    joined_at=clock.now(),
                )
            )
            actors.append(Actor(Profile(20_000 + i, f"M{i}"), member, org, False, "de"))
        await work.commit()
    coordinator = Actor(Profile(COORDINATOR_ID, "K"), None, None, True, "de")
    start = clock.now() + timedelta(days=10)
    slots = [(start + timedelta(days=d), start + timedelta(days=d, hours=2)) for d in range(3)]
    view = await services.scheduling.create(coordinator, PollDraft("Planung", slots))
    poll_id = view.poll.id or 0

    rng = random.Random(18)
    presses = [
        (rng.choice(actors), rng.randint(1, 3), rng.choice(list(RsvpAnswer)))
        for _ in range(PRESSES)
    ]
    # The answers stored for each member and slot, as the presses were answered.
    stored: dict[tuple[int, int], set[RsvpAnswer]] = {}
    refused = 0
    fixed: list[Fixed] = []
    gate = asyncio.Semaphore(PARALLEL)
    done = 0
    third = asyncio.Event()

    async def press(actor: Actor, position: int, answer: RsvpAnswer) -> None:
        nonlocal refused, done
        async with gate:
            try:
                mine = await services.scheduling.answer(actor, poll_id, position, answer)
            except InvalidInput as error:
                assert error.message_key == "poll.closed", error.message_key
                refused += 1
            else:
                assert mine[position] is answer
                assert actor.member is not None
                stored.setdefault((actor.member.id or 0, position), set()).add(answer)
            done += 1
            if done == PRESSES // 3:
                third.set()

    async def fix() -> None:
        await third.wait()
        try:
            fixed.append(await services.scheduling.fix(coordinator, poll_id, 2))
        except InvalidInput as error:
            assert error.message_key in ("poll.closed", "poll.fixed_already"), error.message_key

    await asyncio.gather(fix(), fix(), *(press(a, p, c) for a, p, c in presses))

    assert len(fixed) == 1 and refused > 0
    async with uow() as work:
        poll = (
            await work.session.execute(
                select(SchedulingPoll).where(col(SchedulingPoll.id) == poll_id)
            )
        ).scalar_one()
        meetings = (await work.session.execute(select(Meeting))).scalars().all()
        rsvps = (await work.session.execute(select(MeetingRsvp))).scalars().all()
        answers = (await work.session.execute(select(SchedulingAnswer))).scalars().all()
        slots_rows = (await work.session.execute(select(SchedulingSlot))).scalars().all()
    assert len(meetings) == 1 and poll.meeting_id == meetings[0].id
    assert poll.closed_at is not None
    # Everything answered "stored" is there, and nothing else: an answer refused as closed left
    # no row. (Not compared by time: a press takes its time before it waits for the poll, so
    # one stored just before the close may carry a later time than the close.)
    positions = {s.id: s.position for s in slots_rows}
    in_db = {(a.member_id, positions[a.slot_id]): a.answer for a in answers}
    # Presses of one member on one slot in flight at once: the one that stands is one of them.
    assert set(in_db) == set(stored)
    assert all(in_db[key] in stored[key] for key in in_db)
    # Those whose standing answer to slot 2 is Ja are exactly the Zusagen.
    said_yes = {m for (m, p), a in in_db.items() if p == 2 and a is RsvpAnswer.YES}
    assert {r.member_id for r in rsvps if r.answer is RsvpAnswer.YES} == said_yes
    assert fixed[0].confirmed == len(said_yes)
