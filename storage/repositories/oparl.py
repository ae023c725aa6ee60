"""What the OParl interface reads (issue 21): public meetings with their agendas, papers (topic
proposals put to a vote) with their votes, organisations, working groups and the members who
agreed to be named; each with the change stamps that give `created` and `modified`.

Lists are read a page at a time in the order of the objects' ids (stable), after the cursor
`after`, filtered by created/modified. Objects that are gone or no longer public (a meeting
marked internal, a member who withdrew consent) come back as tombstones (`deleted`), only when
asked with `modified_since`, as the specification says.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlmodel import col

from storage.models import (
    AgendaItem,
    Ballot,
    Meeting,
    MeetingStatus,
    Organisation,
    Proposal,
    Vote,
    WorkingGroup,
)
from storage.models_calendar import CalendarStamp
from storage.models_decisions import Decision, Ratification
from storage.models_oparl import MeetingInternal, OrganisationExternalBody
from storage.repositories.oparl_agenda import (
    AGENDA_COLUMNS,
    agenda_query,
    agenda_row,
    decided_meetings,
    latest_ballots,
)
from storage.repositories.oparl_persons import PersonQueries
from storage.repositories.oparl_persons import filtered as _filtered
from storage.repositories.oparl_persons import later as _later
from storage.repositories.oparl_persons import scope as _scope
from storage.repositories.oparl_rows import (
    AgendaRow,
    GroupRow,
    MeetingRow,
    OrganisationRow,
    PaperRow,
    RatificationRow,
    Tombstone,
    VoteRow,
    Window,
)

STAMP = CalendarStamp.__table__  # type: ignore[attr-defined]
BALLOT = Ballot.__table__  # type: ignore[attr-defined]
# The stamp that stands for the interface itself (System, Body, the plenary).
SYSTEM_SCOPE = "oparl"


class OParlRepository(PersonQueries):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- the interface itself -------------------------------------------------------------

    async def system_times(self) -> tuple[datetime, datetime] | None:
        """When the interface was set up and last changed in what it says of itself."""
        stmt = select(STAMP.c.created_at, STAMP.c.changed_at).where(STAMP.c.scope == SYSTEM_SCOPE)
        row = (await self.session.execute(stmt)).first()
        if row is None or row[0] is None:
            return None
        return row[0], row[1]

    # --- organisations and working groups --------------------------------------------------

    async def organisations(self, ids: Sequence[int] | None = None) -> list[OrganisationRow]:
        stamp = STAMP.alias("s")
        modified = _later(col(Organisation.created_at), stamp.c.changed_at)
        stmt = (
            select(
                col(Organisation.id),
                col(Organisation.name),
                col(Organisation.kind),
                col(OrganisationExternalBody.url),
                col(Organisation.created_at),
                modified,
            )
            .outerjoin(
                OrganisationExternalBody,
                col(OrganisationExternalBody.organisation_id) == col(Organisation.id),
            )
            .outerjoin(stamp, stamp.c.scope == _scope("organisation", col(Organisation.id)))
            .order_by(col(Organisation.id))
        )
        if ids is not None:
            stmt = stmt.where(col(Organisation.id).in_(list(ids)))
        rows: Sequence[Any] = (await self.session.execute(stmt)).all()
        return [
            OrganisationRow(
                id=r[0],
                name=r[1],
                kind=str(r[2]) if r[2] is not None else None,
                external_body=r[3],
                created=r[4],
                modified=r[5],
            )
            for r in rows
        ]

    async def groups(self, ids: Sequence[int] | None = None) -> list[GroupRow]:
        stamp = STAMP.alias("s")
        modified = _later(col(WorkingGroup.created_at), stamp.c.changed_at)
        stmt = (
            select(
                col(WorkingGroup.id),
                col(WorkingGroup.name),
                col(WorkingGroup.archived_at),
                col(WorkingGroup.created_at),
                modified,
            )
            .outerjoin(stamp, stamp.c.scope == _scope("group", col(WorkingGroup.id)))
            .order_by(col(WorkingGroup.id))
        )
        if ids is not None:
            stmt = stmt.where(col(WorkingGroup.id).in_(list(ids)))
        rows: Sequence[Any] = (await self.session.execute(stmt)).all()
        return [GroupRow(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    # --- meetings ---------------------------------------------------------------------------

    @staticmethod
    @cache  # built once: the statements are the same for every request
    def _meeting_query() -> tuple[Any, Any, Any, Any]:
        stamp = STAMP.alias("s")
        decided = decided_meetings()
        created = col(Meeting.created_at)
        modified = _later(
            _later(_later(col(Meeting.updated_at), stamp.c.changed_at), decided.c.closed_at),
            decided.c.changed_at,
        )
        internal = col(MeetingInternal.meeting_id).is_not(None)
        stmt = (
            select(
                col(Meeting.id),
                col(Meeting.title),
                col(Meeting.starts_at),
                col(Meeting.ends_at),
                col(Meeting.location),
                col(Meeting.group_id),
                col(Meeting.status),
                col(Meeting.minutes_file_name),
                col(Meeting.minutes_added_at),
                col(Meeting.minutes_file_id),
                created,
                modified,
                internal,
            )
            .outerjoin(MeetingInternal, col(MeetingInternal.meeting_id) == col(Meeting.id))
            .outerjoin(stamp, stamp.c.scope == _scope("meeting", col(Meeting.id)))
            .outerjoin(decided, decided.c.meeting_id == col(Meeting.id))
        )
        return stmt, created, modified, internal

    async def meetings(
        self, window: Window, *, group_id: int | None = None, plenary: bool = False
    ) -> list[MeetingRow | Tombstone]:
        """A page of meetings (public ones; internal ones as tombstones with modified_since)."""
        stmt, created, modified, internal = self._meeting_query()
        stmt = _filtered(stmt, created, modified, window)
        stmt = stmt.where(col(Meeting.id) > window.after)
        if window.modified_since is None:
            stmt = stmt.where(~internal)
        if group_id is not None:
            stmt = stmt.where(col(Meeting.group_id) == group_id)
        if plenary:
            stmt = stmt.where(col(Meeting.group_id).is_(None))
        stmt = stmt.order_by(col(Meeting.id)).limit(window.limit)
        rows: Sequence[Any] = (await self.session.execute(stmt)).all()
        return await self._meetings_from(rows)

    async def meeting(self, meeting_id: int) -> MeetingRow | Tombstone | None:
        stmt, *_ = self._meeting_query()
        rows = (await self.session.execute(stmt.where(col(Meeting.id) == meeting_id))).all()
        found = await self._meetings_from(rows)
        return found[0] if found else None

    async def _meetings_from(self, rows: Sequence[Any]) -> list[MeetingRow | Tombstone]:
        public = [r[0] for r in rows if not r[12]]
        agendas = await self._agendas(public)
        result: list[MeetingRow | Tombstone] = []
        for r in rows:
            if r[12]:
                result.append(Tombstone(r[0], r[10], r[11]))
                continue
            result.append(
                MeetingRow(
                    id=r[0],
                    title=r[1],
                    starts_at=r[2],
                    ends_at=r[3],
                    location=r[4],
                    group_id=r[5],
                    cancelled=r[6] == MeetingStatus.CANCELLED,
                    minutes_name=r[7],
                    minutes_at=r[8],
                    minutes_file_id=r[9],
                    created=r[10],
                    modified=r[11],
                    agenda=agendas.get(r[0], []),
                )
            )
        return result

    async def _agendas(self, meeting_ids: Sequence[int]) -> dict[int, list[AgendaRow]]:
        if not meeting_ids:
            return {}
        stmt = (
            agenda_query()
            .where(col(AgendaItem.meeting_id).in_(list(meeting_ids)))
            .order_by(col(AgendaItem.meeting_id), col(AgendaItem.position), col(AgendaItem.id))
        )
        agendas: dict[int, list[AgendaRow]] = {}
        for r in (await self.session.execute(stmt)).all():
            row = agenda_row(r)
            agendas.setdefault(row.meeting_id, []).append(row)
        return agendas

    async def agenda_item(self, item_id: int) -> AgendaRow | Tombstone | None:
        """The item of a public meeting; a tombstone if it was deleted or its meeting is
        internal."""
        stmt = agenda_query().add_columns(col(MeetingInternal.meeting_id).is_not(None))
        stmt = stmt.outerjoin(
            MeetingInternal, col(MeetingInternal.meeting_id) == col(AgendaItem.meeting_id)
        ).where(col(AgendaItem.id) == item_id)
        r = (await self.session.execute(stmt)).first()
        if r is None:
            return await self._tombstone("agenda", item_id)
        if r[AGENDA_COLUMNS]:
            return Tombstone(r[0], r[6], r[7])
        return agenda_row(r)

    async def _deliberations(self, proposal_ids: Sequence[int]) -> dict[int, list[AgendaRow]]:
        """The public agenda items whose topic's vote closed, by topic (a paper's
        consultations in the forum's meetings)."""
        if not proposal_ids:
            return {}
        stmt = (
            agenda_query()
            .outerjoin(
                MeetingInternal, col(MeetingInternal.meeting_id) == col(AgendaItem.meeting_id)
            )
            .where(col(AgendaItem.proposal_id).in_(list(proposal_ids)))
            .where(col(MeetingInternal.meeting_id).is_(None))
            .where(latest_ballots().c.id.is_not(None))
            .order_by(col(AgendaItem.proposal_id), col(AgendaItem.id))
        )
        found: dict[int, list[AgendaRow]] = {}
        for r in (await self.session.execute(stmt)).all():
            found.setdefault(r[4], []).append(agenda_row(r))
        return found

    async def _tombstone(self, prefix: str, object_id: int) -> Tombstone | None:
        stmt = select(STAMP.c.created_at, STAMP.c.changed_at).where(
            STAMP.c.scope == f"{prefix}:{object_id}"
        )
        r = (await self.session.execute(stmt)).first()
        if r is None or r[0] is None:
            return None
        return Tombstone(object_id, r[0], r[1])

    # --- papers: topic proposals put to a vote ---------------------------------------------

    @staticmethod
    @cache  # built once: the statements are the same for every request
    def _paper_query() -> tuple[Any, Any, Any]:
        stamp = STAMP.alias("s")
        # A proposal put to a vote (a round opened) is a paper; its votes only once closed.
        rounds = (
            select(
                col(Ballot.proposal_id).label("proposal_id"),
                func.max(col(Ballot.opened_at)).label("opened_at"),
                func.max(col(Ballot.closed_at)).label("closed_at"),
            )
            .group_by(col(Ballot.proposal_id))
            .subquery("rounds")
        )
        # The councils' ratifications are embedded: their changes are the paper's.
        councils = (
            select(
                col(Decision.proposal_id).label("proposal_id"),
                func.max(col(Ratification.updated_at)).label("changed_at"),
            )
            .join(Ratification, col(Ratification.decision_id) == col(Decision.id))
            .group_by(col(Decision.proposal_id))
            .subquery("councils")
        )
        # A topic put on an agenda after its vote: a new consultation.
        agendas = (
            select(
                col(AgendaItem.proposal_id).label("proposal_id"),
                func.max(col(AgendaItem.created_at)).label("created_at"),
            )
            .where(col(AgendaItem.proposal_id).is_not(None))
            .group_by(col(AgendaItem.proposal_id))
            .subquery("agendas")
        )
        latest = latest_ballots()
        created = col(Proposal.created_at)
        modified: Any = col(Proposal.updated_at)
        for changed in (
            rounds.c.opened_at,
            rounds.c.closed_at,
            councils.c.changed_at,
            col(Decision.updated_at),  # its wording or status
            agendas.c.created_at,
            stamp.c.changed_at,
        ):
            modified = _later(modified, changed)
        stmt = (
            select(
                col(Proposal.id),
                col(Proposal.title),
                col(Proposal.organisation_id),
                col(Proposal.status),
                latest.c.outcome,
                created,
                modified,
                col(Decision.year),
                col(Decision.number),
                col(Decision.status),
            )
            .join(rounds, rounds.c.proposal_id == col(Proposal.id))
            .outerjoin(councils, councils.c.proposal_id == col(Proposal.id))
            .outerjoin(latest, latest.c.proposal_id == col(Proposal.id))
            .outerjoin(Decision, col(Decision.ballot_id) == latest.c.id)
            .outerjoin(agendas, agendas.c.proposal_id == col(Proposal.id))
            .outerjoin(stamp, stamp.c.scope == _scope("paper", col(Proposal.id)))
        )
        return stmt, created, modified

    async def papers(self, window: Window) -> list[PaperRow | Tombstone]:
        stmt, created, modified = self._paper_query()
        stmt = _filtered(stmt, created, modified, window).where(col(Proposal.id) > window.after)
        stmt = stmt.order_by(col(Proposal.id)).limit(window.limit)
        papers = await self._papers_from((await self.session.execute(stmt)).all())
        found: list[PaperRow | Tombstone] = list(papers)
        if window.modified_since is not None:
            # Papers whose proposal is gone (its rows deleted): as tombstones, in id order.
            gone = await self._gone("paper", Proposal, window)
            found = sorted([*found, *gone], key=lambda p: p.id)[: window.limit]
        return found

    async def paper(self, paper_id: int) -> PaperRow | Tombstone | None:
        stmt, *_ = self._paper_query()
        rows = (await self.session.execute(stmt.where(col(Proposal.id) == paper_id))).all()
        papers = await self._papers_from(rows)
        if papers:
            return papers[0]
        if await self.session.get(Proposal, paper_id) is not None:
            return None  # never put to a vote: never published
        return await self._tombstone("paper", paper_id)

    async def _papers_from(self, rows: Sequence[Any]) -> list[PaperRow]:
        votes = await self._votes([r[0] for r in rows])
        councils = await self._ratifications([r[0] for r in rows])
        deliberations = await self._deliberations([r[0] for r in rows])
        return [
            PaperRow(
                id=r[0],
                title=r[1],
                organisation_id=r[2],
                status=str(r[3]),
                outcome=_text(r[4]),
                created=r[5],
                modified=r[6],
                votes=votes.get(r[0], []),
                ratifications=councils.get(r[0], []),
                decision=None if r[7] is None else f"{r[7]}/{r[8]:02d}",
                decision_status=None if r[9] is None else str(r[9]),
                deliberations=deliberations.get(r[0], []),
            )
            for r in rows
        ]

    @staticmethod
    @cache
    def _ratification_query() -> Any:
        return select(
            col(Ratification.id),
            col(Decision.proposal_id),
            col(Ratification.organisation_id),
            col(Ratification.status),
            col(Ratification.body),
            col(Ratification.council_date),
            col(Ratification.outcome_date),
            col(Decision.year),
            col(Decision.number),
            col(Ratification.created_at),
            col(Ratification.updated_at),
        ).join(Decision, col(Decision.id) == col(Ratification.decision_id))

    @staticmethod
    def _ratification_row(r: Any) -> RatificationRow:
        return RatificationRow(
            id=r[0],
            organisation_id=r[2],
            status=str(r[3]),
            body=r[4],
            council_date=r[5],
            outcome_date=r[6],
            decision=f"{r[7]}/{r[8]:02d}",
            created=r[9],
            modified=r[10],
        )

    async def _ratifications(self, proposal_ids: Sequence[int]) -> dict[int, list[RatificationRow]]:
        if not proposal_ids:
            return {}
        stmt = (
            self._ratification_query()
            .where(col(Decision.proposal_id).in_(list(proposal_ids)))
            .order_by(col(Decision.id), col(Ratification.organisation_id), col(Ratification.id))
        )
        found: dict[int, list[RatificationRow]] = {}
        for r in (await self.session.execute(stmt)).all():
            found.setdefault(r[1], []).append(self._ratification_row(r))
        return found

    async def ratification(self, ratification_id: int) -> tuple[int, RatificationRow] | None:
        """A council's ratification, with its paper's id."""
        stmt = self._ratification_query().where(col(Ratification.id) == ratification_id)
        r = (await self.session.execute(stmt)).first()
        return None if r is None else (r[1], self._ratification_row(r))

    @staticmethod
    @cache  # built once: the statements are the same for every request
    def _vote_query() -> Select[Any]:
        earlier = BALLOT.alias("earlier")
        round_number = (
            select(func.count())
            .select_from(earlier)
            .where(earlier.c.proposal_id == col(Ballot.proposal_id), earlier.c.id <= col(Ballot.id))
            .scalar_subquery()
        )
        return (
            select(
                col(Vote.id),
                col(Ballot.proposal_id),
                col(Vote.organisation_id),
                col(Vote.choice),
                round_number,
                col(Vote.cast_at),
                col(Ballot.closed_at),
            )
            .join(Ballot, col(Ballot.id) == col(Vote.ballot_id))
            .where(col(Ballot.closed_at).is_not(None))
        )

    async def _votes(self, proposal_ids: Sequence[int]) -> dict[int, list[VoteRow]]:
        if not proposal_ids:
            return {}
        stmt = (
            self._vote_query()
            .where(col(Ballot.proposal_id).in_(list(proposal_ids)))
            .order_by(col(Ballot.id), col(Vote.organisation_id), col(Vote.id))
        )
        votes: dict[int, list[VoteRow]] = {}
        for r in (await self.session.execute(stmt)).all():
            votes.setdefault(r[1], []).append(VoteRow(r[0], r[2], r[3], r[4], r[5], r[6]))
        return votes

    async def vote(self, vote_id: int) -> tuple[int, VoteRow] | None:
        """A vote of a closed round, with its paper's id."""
        stmt = self._vote_query().where(col(Vote.id) == vote_id)
        r = (await self.session.execute(stmt)).first()
        if r is None:
            return None
        return r[1], VoteRow(r[0], r[2], r[3], r[4], r[5], r[6])

    async def _gone(self, prefix: str, table: Any, window: Window) -> list[Tombstone]:
        """Stamps of `prefix:<id>` whose row no longer exists, in the window."""
        object_id = cast(func.substr(STAMP.c.scope, len(prefix) + 2), Integer)
        stmt = (
            select(object_id, STAMP.c.created_at, STAMP.c.changed_at)
            .where(STAMP.c.scope.like(f"{prefix}:%"), STAMP.c.created_at.is_not(None))
            .where(~select(table.id).where(table.id == object_id).exists())
        )
        stmt = _filtered(stmt, STAMP.c.created_at, STAMP.c.changed_at, window)
        stmt = stmt.where(object_id > window.after).order_by(object_id).limit(window.limit)
        return [Tombstone(r[0], r[1], r[2]) for r in (await self.session.execute(stmt)).all()]


def _text(value: object) -> str | None:
    return None if value is None else str(value)
