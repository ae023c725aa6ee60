"""Ballots and votes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, Table, and_, bindparam, case, func, literal, or_, union
from sqlalchemy import cast as sql_cast
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select, update

from storage.enums import VOTING_STATUSES, OrganisationStatus, VoteCapacity, VoteRight
from storage.models import (
    Ballot,
    BallotOutcome,
    BallotPost,
    Member,
    MemberStatus,
    Organisation,
    Proposal,
    Vote,
    VoteChoice,
    VoteMode,
)
from storage.models_representation import Representative
from storage.rows import BallotTopic

VOTE: Table = Vote.__table__  # type: ignore[attr-defined]

# Statements of every update, built once and executed with parameters (see the package's
# docstring).
_ROUNDS = aliased(Ballot)
_BALLOT_TOPIC_COLUMNS: list[Any] = [
    Ballot,
    Proposal,
    Member,
    Organisation,
    select(func.count())
    .where(col(_ROUNDS.proposal_id) == col(Proposal.id))
    .correlate(Proposal)
    .scalar_subquery(),
]
_BALLOT_TOPIC = (
    select(*_BALLOT_TOPIC_COLUMNS)
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


def _cast(insert: Any, lead_first: bool) -> Any:
    """`BallotRepository.cast`: INSERT … SELECT from the open ballot … ON CONFLICT DO UPDATE
    (with `lead_first`: … WHERE the standing vote is not the Stimmführung's or the new one is
    not a deputy's, so a deputy never replaces the Stimmführung's choice). The capacity is the
    member's role in the organisation they vote for, read in the same statement."""
    columns = VOTE.c
    names = ["ballot_id", "voter", "organisation_id", "member_id", "choice", "cast_at", "capacity"]
    role = (
        sa_select(col(Representative.role))
        .where(
            col(Representative.member_id)
            == bindparam("member_id", type_=columns["member_id"].type),
            col(Representative.organisation_id)
            == bindparam("organisation_id", type_=columns["organisation_id"].type),
        )
        .scalar_subquery()
    )
    # RepresentativeRole's values are VoteCapacity's (lead, deputy); no role: a member.
    capacity = func.coalesce(role, VoteCapacity.MEMBER.value)
    open_ballot = (
        sa_select(
            col(Ballot.id),
            *(bindparam(name, type_=columns[name].type) for name in names[1:-1]),
            capacity,
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
    where = None
    if lead_first:
        # PostgreSQL evaluates this on the latest version of the row it has locked, so two
        # presses at once cannot get past it; SQLite writes one statement at a time.
        where = or_(
            func.coalesce(VOTE.c.capacity, VoteCapacity.MEMBER.value) != VoteCapacity.LEAD.value,
            stmt.excluded.capacity != VoteCapacity.DEPUTY.value,
        )
    return stmt.on_conflict_do_update(
        index_elements=["ballot_id", "voter"],
        set_={name: stmt.excluded[name] for name in names[2:]},
        where=where,
    ).returning(VOTE.c.id, VOTE.c.capacity)


_CAST = {
    (postgresql, lead_first): _cast(postgresql_insert if postgresql else sqlite_insert, lead_first)
    for postgresql in (False, True)
    for lead_first in (False, True)
}


def _eligible(mode: VoteMode, right: VoteRight) -> Select[Any]:
    """The count of `BallotRepository.eligible`: only organisations whose status has a vote
    (`OrganisationStatus.has_vote`, as `VOTING_STATUSES`) count."""
    if mode is VoteMode.ORGANISATION:
        key = literal("org:") + sql_cast(col(Member.organisation_id), String)
    else:
        key = literal("member:") + sql_cast(col(Member.id), String)
    of_members: Select[Any] = (
        sa_select(key.label("voter"))
        .join(Organisation, col(Organisation.id) == col(Member.organisation_id))
        .where(
            col(Member.status) == MemberStatus.ACTIVE,
            col(Member.telegram_id).is_not(None),
            col(Organisation.status).in_(VOTING_STATUSES),
        )
    )
    if mode is VoteMode.MEMBER and right is VoteRight.REPRESENTATIVES:
        # Each person has a vote, but only the representatives may cast one.
        of_members = of_members.join(
            Representative,
            and_(
                col(Representative.member_id) == col(Member.id),
                col(Representative.organisation_id) == col(Member.organisation_id),
            ),
        )
    of_votes: Select[Any] = sa_select(col(Vote.voter).label("voter")).where(
        col(Vote.ballot_id) == bindparam("ballot_id")
    )
    return sa_select(func.count()).select_from(union(of_members, of_votes).subquery())


_ELIGIBLE = {(mode, right): _eligible(mode, right) for mode in VoteMode for right in VoteRight}
_ADVISORY = sa_select(func.count()).where(col(Organisation.status) == OrganisationStatus.ADVISORY)
# Both in one statement (`BallotRepository.electorate`).
_ELECTORATE = {
    key: sa_select(stmt.scalar_subquery(), _ADVISORY.scalar_subquery())
    for key, stmt in _ELIGIBLE.items()
}
# And the tally, a count for each choice, in the same statement (`BallotRepository.counts`).
_CHOICES = tuple(VoteChoice)
_TALLY_ROW = (
    sa_select(*(func.count(case((col(Vote.choice) == c, 1))) for c in _CHOICES))
    .where(col(Vote.ballot_id) == bindparam("ballot_id"))
    .subquery()
)
_COUNTS = {
    key: sa_select(stmt.scalar_subquery(), _ADVISORY.scalar_subquery(), *_TALLY_ROW.c)
    for key, stmt in _ELIGIBLE.items()
}


_POSTS = select(BallotPost).where(BallotPost.ballot_id == bindparam("ballot_id"))


class BallotRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, ballot: Ballot) -> Ballot:
        self.session.add(ballot)
        await self.session.flush()
        return ballot

    async def get(self, ballot_id: int) -> Ballot | None:
        return await self.session.get(Ballot, ballot_id)

    async def with_topic(self, ballot_id: int) -> BallotTopic | None:
        """The ballot, its proposal, who proposed it, their organisation and the proposal's
        rounds, in one query."""
        row = (await self.session.execute(_BALLOT_TOPIC, {"ballot_id": ballot_id})).first()
        return BallotTopic(row[0], row[1], row[2], row[3], int(row[4])) if row else None

    async def of_proposal(self, proposal_id: int) -> Ballot | None:
        """The latest round of the proposal's vote."""
        stmt = (
            select(Ballot)
            .where(Ballot.proposal_id == proposal_id)
            .order_by(col(Ballot.id).desc())
            .limit(1)
        )
        return (await self.session.execute(stmt)).scalars().first()

    async def round_counts(self, proposal_ids: Sequence[int]) -> dict[int, int]:
        """How many rounds each proposal's vote has had (proposals without a vote: missing)."""
        if not proposal_ids:
            return {}
        stmt = (
            select(Ballot.proposal_id, func.count())
            .where(col(Ballot.proposal_id).in_(list(proposal_ids)))
            .group_by(col(Ballot.proposal_id))
        )
        return {int(p): int(n) for p, n in (await self.session.execute(stmt)).all()}

    async def rounds(self, proposal_id: int) -> Sequence[Ballot]:
        """Every round of the proposal's vote, the first first."""
        stmt = select(Ballot).where(Ballot.proposal_id == proposal_id).order_by(col(Ballot.id))
        return (await self.session.execute(stmt)).scalars().all()

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
        result: dict[str, Any],
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

    async def cast(self, vote: Vote, *, lead_first: bool = False) -> VoteCapacity | None:
        """Store the voter's choice, replacing their earlier one (one row per voter, also
        when two presses arrive at the same moment), only while the ballot is open: one
        statement that reads the ballot and writes the vote. False (nothing stored) once the
        ballot is closed or its deadline (compared with `vote.cast_at`) has passed.

        On PostgreSQL the statement takes a share of the ballot's row (FOR SHARE) until the
        transaction ends, so closing (`start_closing`, an UPDATE of that row) waits for it, and
        a press that comes while a close is under way waits for the close and then finds the
        ballot closed. On SQLite the statement holds the database's write lock, which a close
        needs as well.

        `lead_first` (VOTE_RIGHT=representatives): a deputy's vote does not replace the
        Stimmführung's (None, nothing stored, also when both press at the same moment).

        Returns the capacity it was stored in (the member's role, `vote.capacity` is not
        used), or None: not stored."""
        params = {
            "ballot_id": vote.ballot_id,
            "voter": vote.voter,
            "organisation_id": vote.organisation_id,
            "member_id": vote.member_id,
            "choice": vote.choice,
            "cast_at": vote.cast_at,
        }
        stmt = _CAST[self.session.get_bind().dialect.name == "postgresql", lead_first]
        row = (await self.session.execute(stmt, params)).first()
        return VoteCapacity(row[1]) if row is not None else None

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

    async def eligible(
        self, ballot_id: int, mode: VoteMode, right: VoteRight = VoteRight.ANYONE
    ) -> int:
        """Voters of the ballot: the organisations with a vote and an active member (or the
        active members of such organisations, in member mode; with VOTE_RIGHT=representatives
        their representatives), and whoever voted; counted in the database. The keys are
        those of `bot.services.counting.voter_key` ("org:<id>", "member:<id>")."""
        stmt = _ELIGIBLE[mode, right]
        return int((await self.session.execute(stmt, {"ballot_id": ballot_id})).scalar_one())

    async def electorate(self, ballot_id: int, mode: VoteMode, right: VoteRight) -> tuple[int, int]:
        """`eligible`, and how many organisations are advisory (beratend), in one query."""
        row = (await self.session.execute(_ELECTORATE[mode, right], {"ballot_id": ballot_id})).one()
        return int(row[0]), int(row[1])

    async def counts(
        self, ballot_id: int, mode: VoteMode, right: VoteRight
    ) -> tuple[dict[VoteChoice, int], int, int]:
        """`tally` and `electorate` in one query (a vote press shows both)."""
        row = (await self.session.execute(_COUNTS[mode, right], {"ballot_id": ballot_id})).one()
        tally = {c: int(n) for c, n in zip(_CHOICES, row[2:], strict=True) if n}
        return tally, int(row[0]), int(row[1])

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
        return (await self.session.execute(_POSTS, {"ballot_id": ballot_id})).scalars().all()
