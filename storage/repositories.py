"""Repositories: the only place that writes SQL. Each works inside the caller's session."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    Table,
    bindparam,
    func,
    literal,
    or_,
    union,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, delete, select, update

from storage.models import (
    AgendaItem,
    Ballot,
    BallotOutcome,
    BallotPost,
    Broadcast,
    BroadcastState,
    CalendarFeed,
    InstanceSecret,
    Invitation,
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    OutboxState,
    Proposal,
    ProposalStatus,
    RsvpAnswer,
    Task,
    TaskStatus,
    UserSettings,
    Vote,
    VoteChoice,
    VoteMode,
    WorkingGroup,
    WorkingGroupMember,
)

# Beyond this many values an IN list costs more to build and send than reading the table.
LONGEST_IN_LIST = 500
ENQUEUE_SLICE = 1000  # outbox rows per INSERT call (see OutboxRepository.enqueue)
OUTBOX: Table = OutboxMessage.__table__  # type: ignore[attr-defined]
VOTE: Table = Vote.__table__  # type: ignore[attr-defined]
# Column values of an outbox row nobody set: what OutboxMessage() would hold.
OUTBOX_DEFAULTS: dict[str, Any] = {
    c.name: None
    if OutboxMessage.model_fields[c.name].is_required()
    else OutboxMessage.model_fields[c.name].get_default(call_default_factory=True)
    for c in OUTBOX.columns
    if c.name != "id"
}


class SentMessage(NamedTuple):
    id: int
    chat_id: int
    member_id: int | None
    telegram_message_id: int


def dialect_insert(session: AsyncSession) -> Any:
    """INSERT with ON CONFLICT support for the session's database (PostgreSQL or SQLite)."""
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


# Statements of every update (identifying the member, /termine, /aufgaben, a vote press), built
# once and executed with parameters: building a select() and its cache key on each call cost
# more than running it (bench/updates.py).
_ASKING = sa_select(
    # Typed like the columns it is compared with (Telegram ids need 64 bits).
    bindparam("telegram_id", type_=BigInteger).label("telegram_id")
).subquery()
_IDENTITY = (
    select(Member, Organisation, UserSettings)
    .select_from(_ASKING)
    .outerjoin(Member, col(Member.telegram_id) == _ASKING.c.telegram_id)
    .outerjoin(Organisation, col(Organisation.id) == col(Member.organisation_id))
    .outerjoin(UserSettings, col(UserSettings.telegram_id) == _ASKING.c.telegram_id)
)
_UPCOMING = (
    select(Meeting)
    .where(Meeting.status == MeetingStatus.SCHEDULED, col(Meeting.ends_at) > bindparam("now"))
    .order_by(col(Meeting.starts_at), col(Meeting.id))
    .limit(bindparam("limit", type_=Integer))
)
_ANSWERS_OF = select(MeetingRsvp.meeting_id, MeetingRsvp.answer).where(
    MeetingRsvp.member_id == bindparam("member_id"),
    col(MeetingRsvp.meeting_id).in_(bindparam("meeting_ids", expanding=True)),
)
_OPEN_TASKS = (
    select(Task).where(Task.status == TaskStatus.OPEN).order_by(col(Task.due_date), col(Task.id))
)
_OPEN_TASKS_OF = _OPEN_TASKS.where(
    or_(
        col(Task.organisation_id) == bindparam("organisation_id"),
        col(Task.member_id) == bindparam("member_id"),
    )
)
_BALLOT_TOPIC = (
    select(Ballot, Proposal, Member, Organisation)
    .join(Proposal, col(Proposal.id) == col(Ballot.proposal_id))
    .outerjoin(Member, col(Member.id) == col(Proposal.member_id))
    .outerjoin(Organisation, col(Organisation.id) == col(Proposal.organisation_id))
    .where(Ballot.id == bindparam("ballot_id"))
)
# populate_existing: `BallotRepository.cast` writes with a core upsert, past the identity map.
_VOTE = (
    select(Vote)
    .where(Vote.ballot_id == bindparam("ballot_id"), Vote.voter == bindparam("voter"))
    .execution_options(populate_existing=True)
)
_TALLY = (
    select(Vote.choice, func.count())
    .where(Vote.ballot_id == bindparam("ballot_id"))
    .group_by(col(Vote.choice))
)


def _cast(insert: Any) -> Any:
    """`BallotRepository.cast`: INSERT … SELECT from the open ballot … ON CONFLICT DO UPDATE."""
    columns = VOTE.c
    names = ["ballot_id", "voter", "organisation_id", "member_id", "choice", "cast_at"]
    open_ballot = (
        sa_select(
            col(Ballot.id),
            *(bindparam(name, type_=columns[name].type) for name in names[1:]),
        )
        .where(
            col(Ballot.id) == bindparam("ballot_id"),
            col(Ballot.closed_at).is_(None),
            col(Ballot.deadline) > bindparam("cast_at", type_=columns["cast_at"].type),
        )
        .with_for_update(read=True)
    )
    # On the table, not the entity: an ORM insert with parameters would be a bulk insert.
    stmt = insert(VOTE).from_select(names, open_ballot)
    return stmt.on_conflict_do_update(
        index_elements=["ballot_id", "voter"],
        set_={name: stmt.excluded[name] for name in names[2:]},
    ).returning(VOTE.c.id)


_CAST = {False: _cast(sqlite_insert), True: _cast(postgresql_insert)}


def _eligible(mode: VoteMode) -> Select[Any]:
    if mode is VoteMode.ORGANISATION:
        key = literal("org:") + sql_cast(col(Member.organisation_id), String)
    else:
        key = literal("member:") + sql_cast(col(Member.id), String)
    of_members: Select[Any] = sa_select(key.label("voter")).where(
        col(Member.status) == MemberStatus.ACTIVE, col(Member.telegram_id).is_not(None)
    )
    of_votes: Select[Any] = sa_select(col(Vote.voter).label("voter")).where(
        col(Vote.ballot_id) == bindparam("ballot_id")
    )
    return sa_select(func.count()).select_from(union(of_members, of_votes).subquery())


_ELIGIBLE = {mode: _eligible(mode) for mode in VoteMode}


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def by_name(self, name: str) -> Organisation | None:
        stmt = select(Organisation).where(func.lower(Organisation.name) == name.lower())
        return (await self.session.execute(stmt)).scalars().first()

    async def add(self, organisation: Organisation) -> Organisation:
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def all(self) -> Sequence[Organisation]:
        stmt = select(Organisation).order_by(col(Organisation.name))
        return (await self.session.execute(stmt)).scalars().all()


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        stmt = select(Member).where(Member.telegram_id == telegram_id)
        return (await self.session.execute(stmt)).scalars().first()

    async def identity(
        self, telegram_id: int
    ) -> tuple[Member | None, Organisation | None, UserSettings | None]:
        """Who writes: the member with this Telegram id, their organisation and their settings
        (each may be missing), in one query for every update."""
        row = (await self.session.execute(_IDENTITY, {"telegram_id": telegram_id})).one()
        return row[0], row[1], row[2]

    async def add(self, member: Member) -> Member:
        self.session.add(member)
        await self.session.flush()
        return member

    async def active_with_organisations(self) -> Sequence[tuple[Member, Organisation]]:
        stmt = (
            select(Member, Organisation)
            .join(Organisation, col(Member.organisation_id) == col(Organisation.id))
            .where(Member.status == MemberStatus.ACTIVE)
            .order_by(col(Organisation.name), col(Member.last_name), col(Member.first_name))
        )
        return [(m, o) for m, o in (await self.session.execute(stmt)).all()]

    async def by_ids(self, member_ids: set[int]) -> dict[int, Member]:
        if not member_ids:
            return {}
        stmt = select(Member).where(col(Member.id).in_(member_ids))
        return {m.id or 0: m for m in (await self.session.execute(stmt)).scalars().all()}

    async def not_active(self, member_ids: set[int]) -> set[int]:
        """Those of `member_ids` that have left (or no longer exist)."""
        if not member_ids:
            return set()
        stmt = select(Member.id).where(
            col(Member.id).in_(member_ids), Member.status == MemberStatus.ACTIVE
        )
        active = {mid for mid in (await self.session.execute(stmt)).scalars().all()}
        return member_ids - active

    async def mark_unreachable(self, member_id: int, now: datetime) -> None:
        stmt = (
            update(Member)
            .where(col(Member.id) == member_id)
            .values(unreachable_at=now)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(stmt)

    async def recipients(
        self, *, kind: OrganisationKind | None = None, group_id: int | None = None
    ) -> Sequence[Member]:
        """Active members with a Telegram id, optionally of one organisation kind or group."""
        stmt = select(Member).where(
            Member.status == MemberStatus.ACTIVE, col(Member.telegram_id).is_not(None)
        )
        if kind is not None:
            stmt = stmt.join(
                Organisation, col(Organisation.id) == col(Member.organisation_id)
            ).where(Organisation.kind == kind)
        if group_id is not None:
            stmt = stmt.join(
                WorkingGroupMember, col(WorkingGroupMember.member_id) == col(Member.id)
            ).where(WorkingGroupMember.group_id == group_id)
        return (await self.session.execute(stmt.order_by(col(Member.id)))).scalars().all()


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, invitation_id: int) -> Invitation | None:
        return await self.session.get(Invitation, invitation_id)

    async def by_code_hash(self, code_hash: str) -> Invitation | None:
        stmt = select(Invitation).where(Invitation.code_hash == code_hash)
        return (await self.session.execute(stmt)).scalars().first()

    async def add(self, invitation: Invitation) -> Invitation:
        self.session.add(invitation)
        await self.session.flush()
        return invitation

    async def mark_used(self, invitation: Invitation, now: datetime) -> bool:
        """Claim the invitation; False if someone else used it in the meantime."""
        stmt = (
            update(Invitation)
            .where(col(Invitation.id) == invitation.id, col(Invitation.used_at).is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        invitation.used_at = now
        return True

    async def open_with_organisations(
        self, now: datetime
    ) -> Sequence[tuple[Invitation, Organisation]]:
        stmt = (
            select(Invitation, Organisation)
            .join(Organisation, col(Invitation.organisation_id) == col(Organisation.id))
            .where(
                col(Invitation.revoked_at).is_(None),
                col(Invitation.used_at).is_(None),
                col(Invitation.expires_at) > now,
            )
            .order_by(col(Invitation.id))
        )
        return [(i, o) for i, o in (await self.session.execute(stmt)).all()]


class WorkingGroupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, group_id: int) -> WorkingGroup | None:
        return await self.session.get(WorkingGroup, group_id)

    async def by_name(self, name: str) -> WorkingGroup | None:
        stmt = select(WorkingGroup).where(func.lower(WorkingGroup.name) == name.lower())
        return (await self.session.execute(stmt)).scalars().first()

    async def count(self) -> int:
        stmt = select(func.count()).select_from(WorkingGroup)
        return int((await self.session.execute(stmt)).scalar_one())

    async def add(self, group: WorkingGroup) -> WorkingGroup:
        self.session.add(group)
        await self.session.flush()
        return group

    async def add_missing(self, names: Sequence[str], now: datetime) -> int:
        """Insert the groups not there yet (also when another process inserts them at the same
        moment); returns how many this call added."""
        if not names:
            return 0
        stmt = (
            dialect_insert(self.session)(WorkingGroup)
            .values([{"name": name, "created_at": now} for name in names])
            .on_conflict_do_nothing(index_elements=["name"])
        )
        result = await self.session.execute(stmt)
        return max(int(result.rowcount), 0)  # type: ignore[attr-defined]

    async def active(self) -> Sequence[WorkingGroup]:
        stmt = (
            select(WorkingGroup)
            .where(col(WorkingGroup.archived_at).is_(None))
            .order_by(col(WorkingGroup.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def group_ids_of(self, member_id: int) -> set[int]:
        stmt = select(WorkingGroupMember.group_id).where(WorkingGroupMember.member_id == member_id)
        return set((await self.session.execute(stmt)).scalars().all())

    async def groups_of(self, member_id: int) -> Sequence[WorkingGroup]:
        stmt = (
            select(WorkingGroup)
            .join(WorkingGroupMember, col(WorkingGroupMember.group_id) == col(WorkingGroup.id))
            .where(WorkingGroupMember.member_id == member_id)
            .order_by(col(WorkingGroup.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def membership(self, group_id: int, member_id: int) -> WorkingGroupMember | None:
        return await self.session.get(WorkingGroupMember, (group_id, member_id))

    async def join(self, link: WorkingGroupMember) -> bool:
        """Add the member to the group; False if they were in it already (a double press)."""
        stmt = (
            dialect_insert(self.session)(WorkingGroupMember)
            .values(group_id=link.group_id, member_id=link.member_id, joined_at=link.joined_at)
            .on_conflict_do_nothing()
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def leave(self, link: WorkingGroupMember) -> None:
        await self.session.delete(link)
        await self.session.flush()

    async def remove_member_everywhere(self, member_id: int) -> None:
        stmt = delete(WorkingGroupMember).where(col(WorkingGroupMember.member_id) == member_id)
        await self.session.execute(stmt)

    async def member_counts(self) -> dict[int, int]:
        stmt = select(WorkingGroupMember.group_id, func.count()).group_by(
            col(WorkingGroupMember.group_id)
        )
        return {gid: int(n) for gid, n in (await self.session.execute(stmt)).all()}


class UserSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, telegram_id: int) -> UserSettings | None:
        return await self.session.get(UserSettings, telegram_id)

    async def languages(self, telegram_ids: Sequence[int]) -> dict[int, str]:
        """The chosen language of those who chose one."""
        if not telegram_ids:
            return {}
        stmt = select(UserSettings.telegram_id, UserSettings.language)
        if len(telegram_ids) <= LONGEST_IN_LIST:
            stmt = stmt.where(col(UserSettings.telegram_id).in_(telegram_ids))
            return {tid: lang for tid, lang in (await self.session.execute(stmt)).all()}
        # Everyone, e.g. a result to every member: the whole (small) table beats thousands of
        # parameters.
        wanted = set(telegram_ids)
        rows = (await self.session.execute(stmt)).all()
        return {tid: lang for tid, lang in rows if tid in wanted}

    async def put(self, settings: UserSettings) -> None:
        await self.session.merge(settings)
        await self.session.flush()

    async def delete(self, telegram_id: int) -> None:
        stmt = delete(UserSettings).where(col(UserSettings.telegram_id) == telegram_id)
        await self.session.execute(stmt)


class OutboxRepository:
    """The durable outbox. Claims use a lease so that a dead sender's rows come back."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enqueue(self, messages: Sequence[OutboxMessage | Mapping[str, Any]]) -> int:
        """Insert the messages whose dedup_key is new; returns how many were new.

        A message may also be a plain mapping of column values (the rest take their defaults):
        for thousands of rows at once, building ORM objects costs more than the INSERT."""
        if not messages:
            return 0
        columns = [c.name for c in OUTBOX.columns if c.name != "id"]
        # One statement executed with many parameter sets: SQLAlchemy batches them into
        # multi-row INSERTs ("insertmanyvalues") from one cached compilation; RETURNING counts
        # the rows that were new on both databases.
        stmt = (
            dialect_insert(self.session)(OUTBOX)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(OUTBOX.c.id)
        )
        new = 0
        # In slices: SQLAlchemy prepares every parameter set of a call before it sends the
        # first batch, and the event loop would serve nobody else meanwhile (20,000 rows when
        # a vote for 10,000 members closes: 0.36 s).
        for start in range(0, len(messages), ENQUEUE_SLICE):
            rows = [
                {**OUTBOX_DEFAULTS, **m}
                if isinstance(m, Mapping)
                else {name: getattr(m, name) for name in columns}
                for m in messages[start : start + ENQUEUE_SLICE]
            ]
            new += len((await self.session.execute(stmt, rows)).all())
        return new

    async def reschedule(self, prefix: str, messages: Sequence[OutboxMessage]) -> None:
        """Make the pending rows under `prefix` (e.g. "meeting:12:") exactly `messages`.

        For notifications derived from state (reminders): pending rows that are no longer wanted
        are deleted, wanted ones get their new due time and content, new ones are added. Rows
        already sent, failed or skipped stay as they are, so nothing is sent twice.
        """
        wanted = {m.dedup_key: m for m in messages}
        assert all(key.startswith(prefix) for key in wanted), "every key must carry the prefix"
        replaceable = (
            col(OutboxMessage.dedup_key).startswith(prefix, autoescape=True),
            col(OutboxMessage.state) == OutboxState.PENDING,
            col(OutboxMessage.claimed_by).is_(None),
        )
        if not wanted:  # e.g. a voter's reminders once they voted: one statement
            await self.session.execute(delete(OutboxMessage).where(*replaceable))
            return
        pending = (
            (await self.session.execute(select(OutboxMessage).where(*replaceable))).scalars().all()
        )
        for row in pending:
            new = wanted.get(row.dedup_key)
            if new is None:
                await self.session.delete(row)
                continue
            for name in (
                "chat_id",
                "text",
                "document",
                "document_name",
                "buttons",
                "due_at",
                "expires_at",
                "member_id",
            ):
                setattr(row, name, getattr(new, name))
        await self.session.flush()
        await self.enqueue(
            [m for key, m in wanted.items() if key not in {r.dedup_key for r in pending}]
        )

    async def claim_due(
        self, now: datetime, *, claimer: str, lease_until: datetime, limit: int
    ) -> Sequence[OutboxMessage]:
        """Atomically take up to `limit` due rows that nobody holds (or whose lease ran out)."""
        candidates = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.state == OutboxState.PENDING,
                col(OutboxMessage.due_at) <= now,
                or_(
                    col(OutboxMessage.claimed_until).is_(None),
                    col(OutboxMessage.claimed_until) < now,
                ),
            )
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        stmt = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(candidates.scalar_subquery()))
            .values(claimed_by=claimer, claimed_until=lease_until)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.execute(stmt)).scalars().all()
        return sorted(rows, key=lambda row: (row.due_at, row.id or 0))

    async def finish(
        self,
        row_id: int,
        *,
        claimer: str,
        state: OutboxState,
        now: datetime,
        error: str | None = None,
        message_id: int | None = None,
        attempts: int | None = None,
    ) -> bool:
        """Record the outcome of a claimed row. False if the claim was lost meanwhile."""
        values: dict[str, Any] = {
            "state": state,
            "finished_at": now,
            "claimed_by": None,
            "claimed_until": None,
            "last_error": error,
            "telegram_message_id": message_id,
        }
        if attempts is not None:
            values["attempts"] = attempts
        return await self._update_claimed(row_id, claimer, values)

    async def retry_later(
        self, row_id: int, *, claimer: str, due_at: datetime, attempts: int, error: str
    ) -> bool:
        """Give the row back for another try at `due_at`."""
        values = {
            "due_at": due_at,
            "attempts": attempts,
            "last_error": error,
            "claimed_by": None,
            "claimed_until": None,
        }
        return await self._update_claimed(row_id, claimer, values)

    async def hand_back(self, row_id: int, *, claimer: str) -> bool:
        """Give one claimed row back untried (due as before, attempts unchanged)."""
        return await self._update_claimed(
            row_id, claimer, {"claimed_by": None, "claimed_until": None}
        )

    async def release(self, claimer: str) -> int:
        """Hand back every row this sender holds (graceful shutdown)."""
        stmt = (
            update(OutboxMessage)
            .where(
                col(OutboxMessage.claimed_by) == claimer,
                col(OutboxMessage.state) == OutboxState.PENDING,
            )
            .values(claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _update_claimed(self, row_id: int, claimer: str, values: dict[str, Any]) -> bool:
        stmt = (
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.claimed_by) == claimer)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def next_wakeup(self) -> datetime | None:
        """When the next pending row falls due or a lease runs out."""
        due = select(func.min(OutboxMessage.due_at)).where(
            OutboxMessage.state == OutboxState.PENDING, col(OutboxMessage.claimed_until).is_(None)
        )
        lease = select(func.min(OutboxMessage.claimed_until)).where(
            OutboxMessage.state == OutboxState.PENDING
        )
        # min() keeps the column type, so the values come back as aware UTC datetimes.
        times = [
            (await self.session.execute(due)).scalar_one_or_none(),
            (await self.session.execute(lease)).scalar_one_or_none(),
        ]
        return min((t for t in times if t is not None), default=None)

    async def get(self, row_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, row_id)

    async def by_key(self, dedup_key: str) -> OutboxMessage | None:
        stmt = select(OutboxMessage).where(OutboxMessage.dedup_key == dedup_key)
        return (await self.session.execute(stmt)).scalars().first()

    async def sent_messages(self, prefix: str, kinds: Sequence[str]) -> Sequence[SentMessage]:
        """Rows under `prefix` of these kinds that reached their chat, with the message id
        Telegram gave (plain tuples: there may be tens of thousands)."""
        stmt = (
            select(
                OutboxMessage.id,
                OutboxMessage.chat_id,
                OutboxMessage.member_id,
                OutboxMessage.telegram_message_id,
            )
            .where(
                col(OutboxMessage.dedup_key).startswith(prefix, autoescape=True),
                col(OutboxMessage.kind).in_(list(kinds)),
                OutboxMessage.state == OutboxState.SENT,
                col(OutboxMessage.telegram_message_id).is_not(None),
            )
            .order_by(col(OutboxMessage.id))
        )
        return [SentMessage(*row) for row in (await self.session.execute(stmt)).all()]

    async def state_counts(self, broadcast_ids: Sequence[int]) -> dict[int, dict[OutboxState, int]]:
        if not broadcast_ids:
            return {}
        stmt = (
            select(OutboxMessage.broadcast_id, OutboxMessage.state, func.count())
            .where(col(OutboxMessage.broadcast_id).in_(broadcast_ids))
            .group_by(col(OutboxMessage.broadcast_id), col(OutboxMessage.state))
        )
        counts: dict[int, dict[OutboxState, int]] = {}
        for bid, state, n in (await self.session.execute(stmt)).all():
            counts.setdefault(bid, {})[OutboxState(state)] = int(n)
        return counts

    async def unsuccessful(
        self, broadcast_id: int
    ) -> Sequence[tuple[OutboxMessage, Member | None]]:
        stmt = (
            select(OutboxMessage, Member)
            .outerjoin(Member, col(Member.id) == col(OutboxMessage.member_id))
            .where(
                OutboxMessage.broadcast_id == broadcast_id,
                col(OutboxMessage.state).in_([OutboxState.FAILED, OutboxState.SKIPPED]),
            )
            .order_by(col(OutboxMessage.id))
        )
        return [(o, m) for o, m in (await self.session.execute(stmt)).all()]


class BroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, broadcast_id: int) -> Broadcast | None:
        return await self.session.get(Broadcast, broadcast_id)

    async def add(self, broadcast: Broadcast) -> Broadcast:
        self.session.add(broadcast)
        await self.session.flush()
        return broadcast

    async def change_state(
        self, broadcast_id: int, old: BroadcastState, new: BroadcastState, **values: object
    ) -> bool:
        """Move from `old` to `new` only if it is still in `old` (one winner for double presses)."""
        stmt = (
            update(Broadcast)
            .where(col(Broadcast.id) == broadcast_id, col(Broadcast.state) == old)
            .values(state=new, **values)
            .execution_options(synchronize_session=False)
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def recent(self, limit: int) -> Sequence[Broadcast]:
        stmt = (
            select(Broadcast)
            .where(col(Broadcast.state).in_([BroadcastState.SENDING, BroadcastState.DONE]))
            .order_by(col(Broadcast.id).desc())
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()


class MeetingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, meeting: Meeting) -> Meeting:
        self.session.add(meeting)
        await self.session.flush()
        return meeting

    async def get(self, meeting_id: int) -> Meeting | None:
        return await self.session.get(Meeting, meeting_id)

    async def upcoming(self, now: datetime, limit: int) -> Sequence[Meeting]:
        params = {"now": now, "limit": limit}
        return (await self.session.execute(_UPCOMING, params)).scalars().all()

    async def for_feed(self, cancelled_since: datetime) -> Sequence[Meeting]:
        """Every scheduled meeting, and those cancelled after `cancelled_since`."""
        stmt = (
            select(Meeting)
            .where(
                or_(
                    col(Meeting.status) == MeetingStatus.SCHEDULED,
                    col(Meeting.updated_at) >= cancelled_since,
                )
            )
            .order_by(col(Meeting.starts_at), col(Meeting.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

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

    async def of_member(self, member_id: int) -> CalendarFeed | None:
        return await self.session.get(CalendarFeed, member_id)

    async def by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        stmt = select(CalendarFeed).where(CalendarFeed.token_hash == token_hash)
        return (await self.session.execute(stmt)).scalars().first()

    async def put(self, feed: CalendarFeed) -> None:
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


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, task: Task) -> Task:
        self.session.add(task)
        await self.session.flush()
        return task

    async def get(self, task_id: int) -> Task | None:
        return await self.session.get(Task, task_id)

    async def open_tasks(
        self, *, organisation_id: int | None = None, member_id: int | None = None
    ) -> Sequence[Task]:
        """Open tasks, due first; of a member and their organisation or, without, all."""
        if organisation_id is None and member_id is None:
            return (await self.session.execute(_OPEN_TASKS)).scalars().all()
        params = {"organisation_id": organisation_id, "member_id": member_id}
        return (await self.session.execute(_OPEN_TASKS_OF, params)).scalars().all()


class ProposalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, proposal: Proposal) -> Proposal:
        self.session.add(proposal)
        await self.session.flush()
        return proposal

    async def get(self, proposal_id: int) -> Proposal | None:
        return await self.session.get(Proposal, proposal_id)

    async def change_status(
        self,
        proposal_id: int,
        old: Sequence[ProposalStatus],
        new: ProposalStatus,
        **values: object,
    ) -> bool:
        """Move a proposal from one of `old` to `new` in one statement; False if it was not in
        `old` any more (somebody else was quicker)."""
        stmt = (
            update(Proposal)
            .where(col(Proposal.id) == proposal_id, col(Proposal.status).in_(list(old)))
            .values(status=new, **values)
            .execution_options(synchronize_session=False)
        )
        changed = (await self.session.execute(stmt)).rowcount  # type: ignore[attr-defined]
        if changed:
            proposal = await self.session.get(Proposal, proposal_id)
            if proposal is not None:
                await self.session.refresh(proposal)
        return bool(changed)

    async def with_status(
        self, statuses: Sequence[ProposalStatus], limit: int = 50
    ) -> Sequence[Proposal]:
        stmt = (
            select(Proposal)
            .where(col(Proposal.status).in_(list(statuses)))
            .order_by(col(Proposal.id))
            .limit(limit)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def of_member(
        self, member_id: int, statuses: Sequence[ProposalStatus]
    ) -> Sequence[Proposal]:
        stmt = (
            select(Proposal)
            .where(Proposal.member_id == member_id, col(Proposal.status).in_(list(statuses)))
            .order_by(col(Proposal.id))
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def on_meeting(self, meeting_id: int) -> Sequence[Proposal]:
        stmt = select(Proposal).where(
            Proposal.meeting_id == meeting_id, Proposal.status == ProposalStatus.SCHEDULED
        )
        return (await self.session.execute(stmt)).scalars().all()


class BallotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ballot: Ballot) -> Ballot:
        self.session.add(ballot)
        await self.session.flush()
        return ballot

    async def get(self, ballot_id: int) -> Ballot | None:
        return await self.session.get(Ballot, ballot_id)

    async def with_topic(
        self, ballot_id: int
    ) -> tuple[Ballot, Proposal, Member | None, Organisation | None] | None:
        """The ballot, its proposal, who proposed it and their organisation, in one query."""
        row = (await self.session.execute(_BALLOT_TOPIC, {"ballot_id": ballot_id})).first()
        return (row[0], row[1], row[2], row[3]) if row else None

    async def of_proposal(self, proposal_id: int) -> Ballot | None:
        stmt = select(Ballot).where(Ballot.proposal_id == proposal_id)
        return (await self.session.execute(stmt)).scalars().first()

    async def open_ballots(self) -> Sequence[tuple[Ballot, Proposal]]:
        """Ballots not closed yet (also those past their deadline), soonest deadline first."""
        stmt = (
            select(Ballot, Proposal)
            .join(Proposal, col(Proposal.id) == col(Ballot.proposal_id))
            .where(col(Ballot.closed_at).is_(None))
            .order_by(col(Ballot.deadline), col(Ballot.id))
        )
        return [(b, p) for b, p in (await self.session.execute(stmt)).all()]

    async def due(self, now: datetime) -> Sequence[int]:
        stmt = (
            select(Ballot.id)
            .where(col(Ballot.closed_at).is_(None), col(Ballot.deadline) <= now)
            .order_by(col(Ballot.deadline))
        )
        return [int(i) for i in (await self.session.execute(stmt)).scalars().all()]

    async def next_deadline(self) -> datetime | None:
        stmt = select(func.min(Ballot.deadline)).where(col(Ballot.closed_at).is_(None))
        value: datetime | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return value

    async def start_closing(self, ballot_id: int, *, now: datetime, closed_by: int | None) -> bool:
        """Close it once, as the first write of the closing transaction: False if it was closed
        already (by the deadline or another process).

        From here until the transaction ends no vote can be cast: a press that took its share
        of the ballot first (`cast`) has committed before this UPDATE gets the row
        (PostgreSQL) or the database (SQLite), and every later press finds the ballot closed.
        So the votes read after this call are all the votes there will ever be."""
        stmt = (
            update(Ballot)
            .where(col(Ballot.id) == ballot_id, col(Ballot.closed_at).is_(None))
            .values(closed_at=now, closed_by=closed_by)
            .execution_options(synchronize_session=False)
        )
        return bool((await self.session.execute(stmt)).rowcount)  # type: ignore[attr-defined]

    async def record_result(
        self,
        ballot_id: int,
        *,
        closed_at: datetime,
        outcome: BallotOutcome,
        result: dict[str, int],
    ) -> None:
        """The counts of a ballot this transaction has started closing."""
        stmt = (
            update(Ballot)
            .where(col(Ballot.id) == ballot_id)
            .values(closed_at=closed_at, outcome=outcome, result=result)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(stmt)

    async def vote(self, ballot_id: int, voter: str) -> Vote | None:
        params = {"ballot_id": ballot_id, "voter": voter}
        return (await self.session.execute(_VOTE, params)).scalars().first()

    async def cast(self, vote: Vote) -> bool:
        """Store the voter's choice, replacing their earlier one (one row per voter, also
        when two presses arrive at the same moment), only while the ballot is open: one
        statement that reads the ballot and writes the vote. False (nothing stored) once the
        ballot is closed or its deadline (compared with `vote.cast_at`) has passed.

        On PostgreSQL the statement takes a share of the ballot's row (FOR SHARE) until the
        transaction ends, so closing (`start_closing`, an UPDATE of that row) waits for it, and
        a press that comes while a close is under way waits for the close and then finds the
        ballot closed. On SQLite the statement holds the database's write lock, which a close
        needs as well."""
        params = {
            "ballot_id": vote.ballot_id,
            "voter": vote.voter,
            "organisation_id": vote.organisation_id,
            "member_id": vote.member_id,
            "choice": vote.choice,
            "cast_at": vote.cast_at,
        }
        stmt = _CAST[self.session.get_bind().dialect.name == "postgresql"]
        return (await self.session.execute(stmt, params)).first() is not None

    async def votes(self, ballot_id: int) -> Sequence[Vote]:
        # populate_existing: `cast` writes with a core upsert, past the identity map.
        stmt = (
            select(Vote)
            .where(Vote.ballot_id == ballot_id)
            .order_by(col(Vote.cast_at))
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def votes_of(self, ballot_ids: Sequence[int], voters: Sequence[str]) -> Sequence[Vote]:
        """The standing votes of these voters (a member and their organisation) on these
        ballots: one query for a whole list."""
        if not ballot_ids or not voters:
            return []
        stmt = (
            select(Vote)
            .where(col(Vote.ballot_id).in_(list(ballot_ids)), col(Vote.voter).in_(list(voters)))
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(stmt)).scalars().all()

    async def tally(self, ballot_id: int) -> dict[VoteChoice, int]:
        """How many votes each choice has (choices without votes are missing)."""
        rows = (await self.session.execute(_TALLY, {"ballot_id": ballot_id})).all()
        return {VoteChoice(c): int(n) for c, n in rows}

    async def voters(self, ballot_id: int) -> set[str]:
        stmt = select(Vote.voter).where(Vote.ballot_id == ballot_id)
        return set((await self.session.execute(stmt)).scalars().all())

    async def eligible(self, ballot_id: int, mode: VoteMode) -> int:
        """Voters of the ballot: the organisations with an active member (or the active
        members, in member mode), and whoever voted; counted in the database. The keys are
        those of `bot.services.counting.voter_key` ("org:<id>", "member:<id>")."""
        stmt = _ELIGIBLE[mode]
        return int((await self.session.execute(stmt, {"ballot_id": ballot_id})).scalar_one())

    async def voted_counts(self, ballot_ids: Sequence[int]) -> dict[int, int]:
        if not ballot_ids:
            return {}
        stmt = (
            select(Vote.ballot_id, func.count())
            .where(col(Vote.ballot_id).in_(list(ballot_ids)))
            .group_by(col(Vote.ballot_id))
        )
        return {int(b): int(n) for b, n in (await self.session.execute(stmt)).all()}

    async def add_post(self, post: BallotPost) -> None:
        self.session.add(post)
        await self.session.flush()

    async def posts(self, ballot_id: int) -> Sequence[BallotPost]:
        stmt = select(BallotPost).where(BallotPost.ballot_id == ballot_id)
        return (await self.session.execute(stmt)).scalars().all()
