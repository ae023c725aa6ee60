"""A member's `/termine` read in one statement (`MeetingRepository.upcoming_of`) on the real
database: their own answers and no one else's, the answer before a move, the working groups'
meetings they are invited to, active groups' names, series, and nothing past or cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_session_factory
from storage.models import (
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    Organisation,
    RsvpAnswer,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.models_meetings import MeetingEarlierAnswer
from storage.models_series import MeetingOccurrence, MeetingSeries
from storage.rows import UpcomingMeeting
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def meeting(
    title: str,
    days: int,
    group_id: int | None = None,
    status: MeetingStatus = MeetingStatus.SCHEDULED,
) -> Meeting:
    starts = NOW + timedelta(days=days)
    return Meeting(
        uid=f"{title}@test",
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        created_by=1,
        created_at=NOW,
        updated_at=NOW,
        group_id=group_id,
        status=status,
    )


async def build(engine: AsyncEngine) -> tuple[int, int]:
    """Anna (in the AG Mobilität and the archived AG Alt) and Bernd of one municipality, and
    meetings of the forum and of three working groups; returns their member ids."""
    async with create_session_factory(engine)() as session:
        org = Organisation(name="Gemeinde Zöllnitz", created_at=NOW)
        mobility = WorkingGroup(name="AG Mobilität", created_at=NOW)
        housing = WorkingGroup(name="AG Wohnen", created_at=NOW)
        old = WorkingGroup(name="AG Alt", created_at=NOW, archived_at=NOW)
        session.add_all([org, mobility, housing, old])
        await session.flush()
        anna = Member(telegram_id=1, organisation_id=org.id or 0, first_name="Anna", joined_at=NOW)
        bernd = Member(
            telegram_id=2, organisation_id=org.id or 0, first_name="Bernd", joined_at=NOW
        )
        session.add_all([anna, bernd])
        await session.flush()
        a, b = anna.id or 0, bernd.id or 0
        session.add_all(
            [
                WorkingGroupMember(group_id=mobility.id or 0, member_id=a, joined_at=NOW),
                WorkingGroupMember(group_id=old.id or 0, member_id=a, joined_at=NOW),
                WorkingGroupMember(group_id=housing.id or 0, member_id=b, joined_at=NOW),
            ]
        )
        plenum = meeting("Plenum", 1)
        ag = meeting("AG Mobilität", 2, group_id=mobility.id)
        other = meeting("AG Wohnen", 3, group_id=housing.id)
        archived = meeting("AG Alt", 4, group_id=old.id)
        in_series = meeting("Serie", 5)
        past = meeting("Vorbei", -1)
        cancelled = meeting("Abgesagt", 6, status=MeetingStatus.CANCELLED)
        session.add_all([plenum, ag, other, archived, in_series, past, cancelled])
        await session.flush()
        series = MeetingSeries(
            uid="serie@test",
            rule="FREQ=MONTHLY",
            first_start=in_series.starts_at,
            minutes=120,
            title="Serie",
            materialised_until=in_series.starts_at,
            created_by=1,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(series)
        await session.flush()
        session.add_all(
            [
                MeetingOccurrence(
                    meeting_id=in_series.id or 0,
                    series_id=series.id or 0,
                    recurrence_id=in_series.starts_at,
                ),
                MeetingRsvp(
                    meeting_id=plenum.id or 0, member_id=a, answer=RsvpAnswer.YES, answered_at=NOW
                ),
                MeetingRsvp(
                    meeting_id=plenum.id or 0, member_id=b, answer=RsvpAnswer.NO, answered_at=NOW
                ),
                MeetingRsvp(
                    meeting_id=other.id or 0, member_id=b, answer=RsvpAnswer.YES, answered_at=NOW
                ),
                MeetingEarlierAnswer(
                    meeting_id=ag.id or 0,
                    member_id=a,
                    answer=RsvpAnswer.NO,
                    answered_at=NOW,
                    superseded_at=NOW,
                ),
            ]
        )
        await session.commit()
    return a, b


def shown(rows: list[UpcomingMeeting]) -> list[tuple[object, ...]]:
    return [
        (r.meeting.title, r.answer, r.earlier, r.group_name, r.in_series, r.in_group) for r in rows
    ]


async def test_one_statement_shows_a_member_their_meetings_with_their_own_answers(
    engine: AsyncEngine,
) -> None:
    anna, bernd = await build(engine)
    statements: list[str] = []
    event.listen(
        engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(str(a[2]))
    )
    async with SqlUnitOfWork(create_session_factory(engine)) as work:
        mine = await work.meetings.upcoming_of(NOW, 10, anna, everything=False)
    assert len(statements) == 1
    assert shown(mine) == [
        ("Plenum", RsvpAnswer.YES, None, None, False, False),  # not Bernd's Absage
        ("AG Mobilität", None, RsvpAnswer.NO, "AG Mobilität", False, True),
        ("AG Alt", None, None, None, False, True),  # an archived group has no name to show
        ("Serie", None, None, None, True, False),
    ]

    async with SqlUnitOfWork(create_session_factory(engine)) as work:
        everything = await work.meetings.upcoming_of(NOW, 10, anna, everything=True)
        bernds = await work.meetings.upcoming_of(NOW, 10, bernd, everything=False)
        coordinator = await work.meetings.upcoming_of(NOW, 3, None, everything=True)
    # /termine alle: the AG Wohnen too, marked as not hers; still only her answers.
    assert shown(everything)[2] == ("AG Wohnen", None, None, "AG Wohnen", False, False)
    assert [r.meeting.title for r in everything] == [
        "Plenum",
        "AG Mobilität",
        "AG Wohnen",
        "AG Alt",
        "Serie",
    ]
    assert shown(bernds)[:2] == [
        ("Plenum", RsvpAnswer.NO, None, None, False, False),
        ("AG Wohnen", RsvpAnswer.YES, None, "AG Wohnen", False, True),
    ]
    # A coordinator without a membership: the next three of all, nobody's answers.
    assert [(r.meeting.title, r.answer) for r in coordinator] == [
        ("Plenum", None),
        ("AG Mobilität", None),
        ("AG Wohnen", None),
    ]
