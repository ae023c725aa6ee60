"""An organisation's history in every table: counted (before a merge or a delete), moved to
another organisation (merge), or removed with it (delete, only without history).

The tables are found by their foreign keys to `organisation.id` in the SQLModel metadata, so a
table added later (by any feature) is counted and moved without a change here. Votes are the
one table with a rule of their own: an organisation votes once per ballot (`voter`
"org:<id>"), so where both voted, the surviving organisation's vote stands and the other's is
dropped (the ballot's stored result, taken when it closed, stays as it was)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Table, and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

# Rows that are no history: an invitation (open or not) goes with its organisation.
NOT_HISTORY = frozenset({"invitation.organisation_id"})


def references() -> list[tuple[Table, Column[int]]]:
    """Every (table, column) with a foreign key to `organisation.id`, in a stable order."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name == "organisation" and key.column.name == "id":
                    found.append((table, column))
    return found


def _voter(organisation_id: int) -> str:
    return f"org:{organisation_id}"


class OrganisationHistoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, organisation_id: int) -> dict[str, int]:
        """Rows that refer to the organisation, by "table.column" (only those with any)."""
        found: dict[str, int] = {}
        for table, column in references():
            stmt = select(func.count()).select_from(table).where(column == organisation_id)
            count = int((await self.session.execute(stmt)).scalar_one())
            if count:
                found[f"{table.name}.{column.name}"] = count
        return found

    async def last_activity(self, member_id: int) -> datetime | None:
        """The latest vote, answer, proposal, task report or question of the member."""
        return await last_activity(self.session, member_id)

    async def vote_conflicts(self, keep: int, gone: int) -> int:
        """Ballots on which both organisations voted as organisations."""
        vote = SQLModel.metadata.tables["vote"]
        other = vote.alias("other")
        stmt = (
            select(func.count())
            .select_from(vote)
            .join(
                other,
                and_(other.c.ballot_id == vote.c.ballot_id, other.c.voter == _voter(keep)),
            )
            .where(vote.c.voter == _voter(gone))
        )
        return int((await self.session.execute(stmt)).scalar_one())

    async def merge(self, keep: int, gone: int) -> None:
        """Everything of `gone` to `keep`; then `gone` is deleted. Where both have a row that may
        exist once per organisation, `keep`'s stands: its vote on a ballot, its council's
        ratification of a decision, and its representation (`gone`'s Stimmführung and deputies
        become ordinary members of `keep`; `keep`'s roles stay)."""
        vote = SQLModel.metadata.tables["vote"]
        both = select(vote.c.ballot_id).where(vote.c.voter == _voter(keep)).scalar_subquery()
        await self.session.execute(
            delete(vote).where(vote.c.voter == _voter(gone), vote.c.ballot_id.in_(both))
        )
        ratification = SQLModel.metadata.tables["ratification"]
        kept = (
            select(ratification.c.decision_id)
            .where(ratification.c.organisation_id == keep)
            .scalar_subquery()
        )
        await self.session.execute(
            delete(ratification).where(
                ratification.c.organisation_id == gone, ratification.c.decision_id.in_(kept)
            )
        )
        representative = SQLModel.metadata.tables["representative"]
        await self.session.execute(
            delete(representative).where(representative.c.organisation_id == gone)
        )
        await self.session.execute(
            update(vote).where(vote.c.voter == _voter(gone)).values(voter=_voter(keep))
        )
        for table, column in references():
            await self.session.execute(
                update(table).where(column == gone).values({column.name: keep})
            )
        await self._delete(gone)

    async def drop_roles(self, member_id: int) -> None:
        """A member who moves to another organisation no longer speaks for the old one."""
        representative = SQLModel.metadata.tables["representative"]
        await self.session.execute(
            delete(representative).where(representative.c.member_id == member_id)
        )

    async def delete(self, organisation_id: int) -> None:
        """The organisation and its invitations (the caller checked it has no history)."""
        invitation = SQLModel.metadata.tables["invitation"]
        await self.session.execute(
            delete(invitation).where(invitation.c.organisation_id == organisation_id)
        )
        await self._delete(organisation_id)

    async def _delete(self, organisation_id: int) -> None:
        organisation = SQLModel.metadata.tables["organisation"]
        await self.session.execute(delete(organisation).where(organisation.c.id == organisation_id))
        self.session.expunge_all()  # objects loaded before are stale now


# What a member did, and when: the latest of these is their last activity (/mitglied).
_ACTIVITY = (
    ("vote", "member_id", "cast_at"),
    ("meeting_rsvp", "member_id", "answered_at"),
    ("scheduling_answer", "member_id", "answered_at"),
    ("proposal", "member_id", "created_at"),
    ("task_event", "member_id", "at"),
    ("question", "member_id", "asked_at"),
)


async def last_activity(session: AsyncSession, member_id: int) -> datetime | None:
    latest: datetime | None = None
    for name, who, when in _ACTIVITY:
        table = SQLModel.metadata.tables[name]
        stmt = select(func.max(table.c[when])).where(table.c[who] == member_id)
        value = (await session.execute(stmt)).scalar_one()
        if value is not None and (latest is None or value > latest):
            latest = value
    return latest
