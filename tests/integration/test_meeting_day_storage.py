"""The meeting day's repository on a real database (issue 17): a meeting vote's voters (None for
every other vote), the meetings under way and the next one, a check-in stored once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_session_factory
from storage.models import Ballot, Meeting, Member, Organisation, Proposal, VoteMode
from storage.models_meeting_day import CheckInMode, MeetingBallot, MeetingCheckIn
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)


def _meeting(uid: str, start: datetime, group_id: int | None = None) -> Meeting:
    return Meeting(
        uid=uid,
        title=uid,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        group_id=group_id,
        created_by=1,
        created_at=NOW,
        updated_at=NOW,
    )


async def test_voters_running_next_and_check_in(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    async with SqlUnitOfWork(factory) as uow:
        jena = await uow.organisations.add(Organisation(name="Stadt Jena", created_at=NOW))
        kreis = await uow.organisations.add(Organisation(name="Kreis", created_at=NOW))
        anna = await uow.members.add(
            Member(telegram_id=11, first_name="Anna", organisation_id=jena.id or 0, joined_at=NOW)
        )
        now_on = await uow.meetings.add(_meeting("now", NOW - timedelta(minutes=10)))
        soon = await uow.meetings.add(_meeting("soon", NOW + timedelta(minutes=20)))
        later = await uow.meetings.add(_meeting("later", NOW + timedelta(days=7)))
        await uow.meetings.add(_meeting("much-later", NOW + timedelta(days=14)))
        uow.session.add(Proposal(title="T", created_at=NOW, updated_at=NOW))
        await uow.session.flush()
        plain_vote = Ballot(
            proposal_id=1, mode=VoteMode.ORGANISATION, opened_by=1, opened_at=NOW, deadline=NOW
        )
        in_meeting = Ballot(
            proposal_id=1, mode=VoteMode.ORGANISATION, opened_by=1, opened_at=NOW, deadline=NOW
        )
        nobody = Ballot(
            proposal_id=1, mode=VoteMode.ORGANISATION, opened_by=1, opened_at=NOW, deadline=NOW
        )
        uow.session.add_all([plain_vote, in_meeting, nobody])
        await uow.session.flush()
        await uow.meeting_day.add_ballot(
            MeetingBallot(ballot_id=in_meeting.id or 0, meeting_id=now_on.id or 0),
            [jena.id or 0, kreis.id or 0],
        )
        await uow.meeting_day.add_ballot(
            MeetingBallot(ballot_id=nobody.id or 0, meeting_id=now_on.id or 0), []
        )
        first = MeetingCheckIn(
            meeting_id=now_on.id or 0,
            member_id=anna.id or 0,
            mode=CheckInMode.ONLINE,
            checked_in_at=NOW,
        )
        assert await uow.meeting_day.check_in(first)
        await uow.commit()

    async with SqlUnitOfWork(factory) as uow:
        assert await uow.meeting_day.ballot_voters(plain_vote.id or 0) is None
        voters = await uow.meeting_day.ballot_voters(in_meeting.id or 0)
        assert voters == frozenset({jena.id or 0, kreis.id or 0})
        assert await uow.meeting_day.ballot_voters(nobody.id or 0) == frozenset()
        running = await uow.meeting_day.running(NOW, timedelta(minutes=30))
        assert [m.uid for m in running] == ["now", "soon"]
        following = await uow.meeting_day.next_meeting(soon.starts_at, None)
        assert following is not None and following.uid == later.uid
        again = MeetingCheckIn(
            meeting_id=now_on.id or 0,
            member_id=anna.id or 0,
            mode=CheckInMode.IN_PERSON,
            checked_in_at=NOW + timedelta(minutes=5),
        )
        assert not await uow.meeting_day.check_in(again)
        (stored,) = await uow.meeting_day.check_ins(now_on.id or 0)
        assert (stored.mode, stored.checked_in_at) == (CheckInMode.ONLINE, NOW)
