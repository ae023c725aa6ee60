"""Meetings with their answers and agendas, and the personal calendar feeds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, and_, bindparam, cast, func, literal, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from storage.calendar_stamps import MEETINGS, STAMP
from storage.models import (
    AgendaItem,
    CalendarFeed,
    InstanceSecret,
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    Organisation,
    RsvpAnswer,
    UserSettings,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.models_meetings import CoordinatorFeed, MeetingCancellation, MeetingEarlierAnswer
from storage.models_series import MeetingOccurrence
from storage.repositories.common import dialect_insert
from storage.rows import FeedEntry, FeedState, UpcomingMeeting

# Statements of every update, built once and executed with parameters (see the package's
# docstring).
_UPCOMING = (
    select(Meeting)
    .where(Meeting.status == MeetingStatus.SCHEDULED, col(Meeting.ends_at) > bindparam("now"))
    .order_by(col(Meeting.starts_at), col(Meeting.id))
    .limit(bindparam("limit", type_=Integer))
)
_REVISION = (
    select(STAMP.c.version)
    .where(STAMP.c.scope == literal("meeting:") + cast(col(Meeting.id), String))
    .scalar_subquery()
)
_FEED_ENTRY_COLUMNS: list[Any] = [
    col(Meeting.id),
    col(Meeting.uid),
    col(Meeting.sequence),
    func.coalesce(_REVISION, 0),
    col(MeetingRsvp.answer),
    col(Meeting.group_id),
]
_FEED_ENTRIES = (
    select(*_FEED_ENTRY_COLUMNS)
    .outerjoin(
        MeetingRsvp,
        (col(MeetingRsvp.meeting_id) == col(Meeting.id))
        & (col(MeetingRsvp.member_id) == bindparam("member_id")),
    )
    .where(
        col(Meeting.ends_at) > bindparam("ended_after"),
        or_(
            col(Meeting.status) == MeetingStatus.SCHEDULED,
            col(Meeting.updated_at) >= bindparam("cancelled_since"),
        ),
    )
    .order_by(col(Meeting.starts_at), col(Meeting.id))
)
_RSVP = aliased(MeetingRsvp)
_EARLIER = aliased(MeetingEarlierAnswer)
_GROUP = aliased(WorkingGroup)
_IN_GROUP = aliased(WorkingGroupMember)
_OCCURRENCE = aliased(MeetingOccurrence)
_MEMBER = bindparam("member_id", type_=Integer)
# A member's /termine in one statement: each join finds at most one row (primary keys).
_UPCOMING_OF_COLUMNS: list[Any] = [
    Meeting,
    col(_RSVP.answer),
    col(_EARLIER.answer),
    col(_GROUP.name),
    col(_OCCURRENCE.meeting_id).is_not(None),
    col(_IN_GROUP.member_id).is_not(None),
]
_UPCOMING_OF = (
    select(*_UPCOMING_OF_COLUMNS)
    .outerjoin(
        _RSVP, and_(col(_RSVP.meeting_id) == col(Meeting.id), col(_RSVP.member_id) == _MEMBER)
    )
    .outerjoin(
        _EARLIER,
        and_(col(_EARLIER.meeting_id) == col(Meeting.id), col(_EARLIER.member_id) == _MEMBER),
    )
    .outerjoin(
        _GROUP,
        and_(col(_GROUP.id) == col(Meeting.group_id), col(_GROUP.archived_at).is_(None)),
    )
    .outerjoin(
        _IN_GROUP,
        and_(col(_IN_GROUP.group_id) == col(Meeting.group_id), col(_IN_GROUP.member_id) == _MEMBER),
    )
    .outerjoin(_OCCURRENCE, col(_OCCURRENCE.meeting_id) == col(Meeting.id))
    .where(
        Meeting.status == MeetingStatus.SCHEDULED,
        col(Meeting.ends_at) > bindparam("now"),
        or_(
            bindparam("everything", type_=Boolean),
            col(Meeting.group_id).is_(None),
            col(_IN_GROUP.member_id).is_not(None),
        ),
    )
    .order_by(col(Meeting.starts_at), col(Meeting.id))
    .limit(bindparam("limit", type_=Integer))
)
_ANSWERS_OF = select(MeetingRsvp.meeting_id, MeetingRsvp.answer).where(
    MeetingRsvp.member_id == bindparam("member_id"),
    col(MeetingRsvp.meeting_id).in_(bindparam("meeting_ids", expanding=True)),
)


def _stamp(scope: Any) -> Any:
    return func.coalesce(select(STAMP.c.version).where(STAMP.c.scope == scope).scalar_subquery(), 0)


_FEED_STATE_COLUMNS: list[Any] = [
    col(CalendarFeed.member_id),
    col(Member.organisation_id),
    col(Member.telegram_id),
    col(UserSettings.language),
    _stamp(literal(MEETINGS)),
    _stamp(literal("org:") + cast(col(Member.organisation_id), String)),
    _stamp(literal("member:") + cast(col(CalendarFeed.member_id), String)),
]
_FEED_STATE = (
    select(*_FEED_STATE_COLUMNS)
    .join(Member, col(Member.id) == col(CalendarFeed.member_id))
    .outerjoin(UserSettings, col(UserSettings.telegram_id) == col(Member.telegram_id))
    .where(col(CalendarFeed.token_hash) == bindparam("token_hash"))
)


class MeetingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, meeting: Meeting) -> Meeting:
        self.session.add(meeting)
        await self.session.flush()
        return meeting

    async def get(self, meeting_id: int) -> Meeting | None:
        return await self.session.get(Meeting, meeting_id)

    async def upcoming(
        self, now: datetime, limit: int, group_ids: set[int] | None = None
    ) -> Sequence[Meeting]:
        """The next scheduled meetings; with `group_ids` only the forum's and those of these
        working groups (what a member is invited to)."""
        params = {"now": now, "limit": limit}
        stmt = _UPCOMING
        if group_ids is not None:
            stmt = stmt.where(
                or_(col(Meeting.group_id).is_(None), col(Meeting.group_id).in_(sorted(group_ids)))
            )
        return (await self.session.execute(stmt, params)).scalars().all()

    async def upcoming_of(
        self, now: datetime, limit: int, member_id: int | None, *, everything: bool
    ) -> list[UpcomingMeeting]:
        """The next scheduled meetings with the member's answers (`member_id` None: a
        coordinator without a membership); unless `everything`, only the forum's and those
        of the member's working groups."""
        params = {"now": now, "limit": limit, "member_id": member_id or 0, "everything": everything}
        rows = (await self.session.execute(_UPCOMING_OF, params)).all()
        return [
            UpcomingMeeting(
                meeting,
                RsvpAnswer(answer) if answer is not None else None,
                RsvpAnswer(earlier) if earlier is not None else None,
                group_name,
                bool(in_series),
                bool(in_group),
            )
            for meeting, answer, earlier, group_name, in_series, in_group in rows
        ]

    async def feed_entries(
        self, ended_after: datetime, cancelled_since: datetime, member_id: int
    ) -> Sequence[FeedEntry]:
        """Meetings that end after `ended_after`: the scheduled ones, and those cancelled
        after `cancelled_since` (by start), each with its revision and the answer of
        `member_id`. Only small columns."""
        params = {
            "ended_after": ended_after,
            "cancelled_since": cancelled_since,
            "member_id": member_id,
        }
        rows = (await self.session.execute(_FEED_ENTRIES, params)).all()
        return [
            FeedEntry(
                mid, uid, sequence, revision, None if answer is None else RsvpAnswer(answer), group
            )
            for mid, uid, sequence, revision, answer, group in rows
        ]

    async def with_agendas(
        self, meeting_ids: Sequence[int]
    ) -> dict[int, tuple[Meeting, list[tuple[AgendaItem, Organisation | None]]]]:
        """Meetings with their agendas and the presenting organisations, in one query."""
        result: dict[int, tuple[Meeting, list[tuple[AgendaItem, Organisation | None]]]] = {}
        if not meeting_ids:
            return result
        stmt = (
            select(Meeting, AgendaItem, Organisation)
            .outerjoin(AgendaItem, col(AgendaItem.meeting_id) == col(Meeting.id))
            .outerjoin(Organisation, col(Organisation.id) == col(AgendaItem.organisation_id))
            .where(col(Meeting.id).in_(meeting_ids))
            .order_by(col(Meeting.id), col(AgendaItem.position), col(AgendaItem.id))
        )
        for meeting, item, org in (await self.session.execute(stmt)).all():
            _, agenda = result.setdefault(meeting.id or 0, (meeting, []))
            if item is not None:
                agenda.append((item, org))
        return result

    async def answers(self, meeting_id: int) -> Sequence[tuple[MeetingRsvp, Member]]:
        stmt = (
            select(MeetingRsvp, Member)
            .join(Member, col(Member.id) == col(MeetingRsvp.member_id))
            .where(MeetingRsvp.meeting_id == meeting_id)
        )
        return [(r, m) for r, m in (await self.session.execute(stmt)).all()]

    async def answers_of(self, member_id: int, meeting_ids: Sequence[int]) -> dict[int, RsvpAnswer]:
        if not meeting_ids:
            return {}
        params = {"member_id": member_id, "meeting_ids": list(meeting_ids)}
        rows = (await self.session.execute(_ANSWERS_OF, params)).all()
        return {mid: RsvpAnswer(a) for mid, a in rows}

    async def set_answer(self, rsvp: MeetingRsvp) -> None:
        await self.session.merge(rsvp)
        await self.session.flush()

    async def cancellation(self, meeting_id: int) -> MeetingCancellation | None:
        return await self.session.get(MeetingCancellation, meeting_id)

    async def add_cancellation(self, cancellation: MeetingCancellation) -> None:
        # merge: a meeting cancelled, restored (Rückgängig) and cancelled again has the newest
        await self.session.merge(cancellation)
        await self.session.flush()

    async def supersede_answers(self, meeting_id: int, now: datetime) -> None:
        """The standing answers become earlier ones (the meeting moved: everyone is asked
        again); a member's earlier answer is replaced by their newer one."""
        for rsvp, _member in await self.answers(meeting_id):
            await self.session.merge(
                MeetingEarlierAnswer(
                    meeting_id=meeting_id,
                    member_id=rsvp.member_id,
                    answer=rsvp.answer,
                    answered_at=rsvp.answered_at,
                    superseded_at=now,
                )
            )
            await self.session.delete(rsvp)
        await self.session.flush()

    async def earlier_answers(
        self, meeting_ids: Sequence[int], member_id: int | None = None
    ) -> dict[tuple[int, int], RsvpAnswer]:
        """(meeting id, member id) -> the answer given before the meeting moved."""
        if not meeting_ids:
            return {}
        stmt = select(MeetingEarlierAnswer).where(
            col(MeetingEarlierAnswer.meeting_id).in_(list(meeting_ids))
        )
        if member_id is not None:
            stmt = stmt.where(MeetingEarlierAnswer.member_id == member_id)
        rows = (await self.session.execute(stmt)).scalars().all()
        return {(r.meeting_id, r.member_id): RsvpAnswer(r.answer) for r in rows}

    async def agenda(self, meeting_id: int) -> Sequence[AgendaItem]:
        stmt = (
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting_id)
            .order_by(col(AgendaItem.position), col(AgendaItem.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def agendas(
        self, meeting_ids: Sequence[int]
    ) -> dict[int, list[tuple[AgendaItem, Organisation | None]]]:
        """The agendas of several meetings with the presenting organisations, in one query."""
        result: dict[int, list[tuple[AgendaItem, Organisation | None]]] = {
            mid: [] for mid in meeting_ids
        }
        if not meeting_ids:
            return result
        stmt = (
            select(AgendaItem, Organisation)
            .outerjoin(Organisation, col(Organisation.id) == col(AgendaItem.organisation_id))
            .where(col(AgendaItem.meeting_id).in_(meeting_ids))
            .order_by(col(AgendaItem.meeting_id), col(AgendaItem.position), col(AgendaItem.id))
        )
        for item, org in (await self.session.execute(stmt)).all():
            result[item.meeting_id].append((item, org))
        return result

    async def add_agenda_item(self, item: AgendaItem) -> AgendaItem:
        self.session.add(item)
        await self.session.flush()
        return item

    async def delete_agenda_item(self, item: AgendaItem) -> None:
        await self.session.delete(item)
        await self.session.flush()


class CalendarFeedRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def state(self, token_hash: str) -> FeedState | None:
        """What the feed of `token_hash` depends on (None: no such feed): a member's, with
        their working groups, or a coordinator's (every meeting)."""
        row = (await self.session.execute(_FEED_STATE, {"token_hash": token_hash})).first()
        if row is not None:
            state = FeedState(*row)
            stmt = select(WorkingGroupMember.group_id).where(
                WorkingGroupMember.member_id == state.member_id
            )
            groups = sorted((await self.session.execute(stmt)).scalars().all())
            return state._replace(groups=tuple(groups))
        coordinator = await self.coordinator_by_token_hash(token_hash)
        if coordinator is None:
            return None
        settings = await self.session.get(UserSettings, coordinator.telegram_id)
        stamp = select(_stamp(literal(MEETINGS)))
        meetings = (await self.session.execute(stamp)).scalar_one()
        language = settings.language if settings is not None else None
        return FeedState(0, None, coordinator.telegram_id, language, meetings, 0, 0, (), True)

    async def of_member(self, member_id: int) -> CalendarFeed | None:
        return await self.session.get(CalendarFeed, member_id)

    async def by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        stmt = select(CalendarFeed).where(CalendarFeed.token_hash == token_hash)
        return (await self.session.execute(stmt)).scalars().first()

    async def put(self, feed: CalendarFeed) -> None:
        await self.session.merge(feed)
        await self.session.flush()

    async def of_coordinator(self, telegram_id: int) -> CoordinatorFeed | None:
        return await self.session.get(CoordinatorFeed, telegram_id)

    async def coordinator_by_token_hash(self, token_hash: str) -> CoordinatorFeed | None:
        stmt = select(CoordinatorFeed).where(CoordinatorFeed.token_hash == token_hash)
        return (await self.session.execute(stmt)).scalars().first()

    async def put_coordinator(self, feed: CoordinatorFeed) -> None:
        await self.session.merge(feed)
        await self.session.flush()

    async def secret(self, make: str, now: datetime) -> str:
        """The installation's secret; `make` is stored if there is none yet."""
        existing = await self.session.get(InstanceSecret, 1)
        if existing is not None:
            return existing.secret
        stmt = (
            dialect_insert(self.session)(InstanceSecret)
            .values(id=1, secret=make, created_at=now)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        await self.session.execute(stmt)
        stored = await self.session.get(InstanceSecret, 1)
        assert stored is not None
        return stored.secret
