"""The OParl interface's agenda items with what was decided on their topic (issue 21): the
outcome of the topic's last closed vote and the forum's decision of it (issue 16), read in the
same statement as the items (no query per item), for meetings, agenda items, consultations and
papers alike."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import col

from storage.models import AgendaItem, Ballot, Meeting
from storage.models_calendar import CalendarStamp
from storage.models_decisions import Decision
from storage.repositories.oparl_persons import later, scope
from storage.repositories.oparl_rows import AgendaRow

STAMP = CalendarStamp.__table__  # type: ignore[attr-defined]
BALLOT = Ballot.__table__  # type: ignore[attr-defined]
# The columns of agenda_query(), in order (agenda_row reads them by position).
AGENDA_COLUMNS = 15


@cache
def latest_ballots() -> Any:
    """Each proposal's last closed vote (one row per proposal: the latest closing, then the
    highest id)."""
    b = BALLOT.alias("b")
    newer = BALLOT.alias("newer")
    superseded = (
        select(newer.c.id)
        .where(newer.c.proposal_id == b.c.proposal_id, newer.c.closed_at.is_not(None))
        .where(
            or_(
                newer.c.closed_at > b.c.closed_at,
                and_(newer.c.closed_at == b.c.closed_at, newer.c.id > b.c.id),
            )
        )
        .exists()
    )
    return (
        select(b.c.id, b.c.proposal_id, b.c.outcome, b.c.closed_at)
        .where(b.c.closed_at.is_not(None), ~superseded)
        .subquery("latest")
    )


@cache
def decided_meetings() -> Any:
    """Per meeting, when the votes on its items' topics last closed and their decisions last
    changed (the embedded agenda items' result and resolutionText are the meeting's)."""
    latest = latest_ballots()
    return (
        select(
            col(AgendaItem.meeting_id).label("meeting_id"),
            func.max(latest.c.closed_at).label("closed_at"),
            func.max(col(Decision.updated_at)).label("changed_at"),
        )
        .join(latest, latest.c.proposal_id == col(AgendaItem.proposal_id))
        .outerjoin(Decision, col(Decision.ballot_id) == latest.c.id)
        .group_by(col(AgendaItem.meeting_id))
        .subquery("decided")
    )


@cache  # built once: the statement is the same for every request
def agenda_query() -> Select[Any]:
    stamp = STAMP.alias("s")
    latest = latest_ballots()
    modified = later(
        later(later(col(AgendaItem.created_at), stamp.c.changed_at), latest.c.closed_at),
        col(Decision.updated_at),
    )
    return (
        select(
            col(AgendaItem.id),
            col(AgendaItem.meeting_id),
            col(AgendaItem.position),
            col(AgendaItem.title),
            col(AgendaItem.proposal_id),
            latest.c.outcome,
            col(AgendaItem.created_at),
            modified,
            col(Meeting.group_id),
            latest.c.closed_at,
            col(Decision.year),
            col(Decision.number),
            col(Decision.text),
            col(Decision.title),
            col(Decision.status),
        )
        .join(Meeting, col(Meeting.id) == col(AgendaItem.meeting_id))
        .outerjoin(latest, latest.c.proposal_id == col(AgendaItem.proposal_id))
        .outerjoin(Decision, col(Decision.ballot_id) == latest.c.id)
        .outerjoin(stamp, stamp.c.scope == scope("agenda", col(AgendaItem.id)))
    )


def agenda_row(r: Any) -> AgendaRow:
    decided = r[10] is not None
    return AgendaRow(
        id=r[0],
        meeting_id=r[1],
        position=r[2],
        title=r[3],
        proposal_id=r[4],
        outcome=None if r[5] is None else str(r[5]),
        created=r[6],
        modified=r[7],
        group_id=r[8],
        decided_at=r[9],
        decision=f"{r[10]}/{r[11]:02d}" if decided else None,
        decision_text=(r[12] or r[13]) if decided else None,
        decision_status=str(r[14]) if decided else None,
    )
