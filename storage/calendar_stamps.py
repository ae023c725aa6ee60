"""The calendar feeds' change stamps (storage.models_calendar), raised by the database layer
itself: before every flush, each scope that the flushed rows touch gets its counter raised, in
the same transaction as the change. No service has to remember it, and a change that is rolled
back raises nothing.

What raises what:
- a meeting, or an agenda item of it: `meetings` (every feed lists meetings) and
  `meeting:<id>` (that meeting's revision, part of the key its rendered VEVENT is kept under);
- an answer (RSVP), or a working group joined or left: `member:<id>` of that member;
- a task: `org:<id>` and `member:<id>` of its owners, before and after the change.

Not covered: bulk UPDATE/DELETE statements (none touch these tables) and database cascades.

OParl (issue 21) reads the same counters as its objects' `created` (first raised) and
`modified` (last raised): a meeting is `meeting:<id>`, and for it also an agenda item
`agenda:<id>`, a member organisation `organisation:<id>`, a working group `group:<id>`, a topic
proposal `paper:<id>` (also raised by an agenda item on its topic, and by marking that item's
meeting internal or public again: the paper's consultations change), a member `person:<id>`
(and `consent:<id>` when their consent to be named changes). The counter of a new agenda item
or proposal is raised after the flush that gave it its id (their rows can be deleted: the
tombstone keeps when they were created).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import (
    AgendaItem,
    CalendarFeed,
    Meeting,
    MeetingRsvp,
    Member,
    Organisation,
    Proposal,
    Task,
    UserSettings,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.models_calendar import CalendarStamp
from storage.models_meetings import CoordinatorFeed
from storage.models_oparl import MeetingInternal, MemberVisibility, OrganisationExternalBody
from storage.models_series import MeetingOccurrence, MeetingSeries

STAMP = CalendarStamp.__table__  # type: ignore[attr-defined]
AGENDA = AgendaItem.__table__  # type: ignore[attr-defined]
MEETINGS = "meetings"


def _wall_clock() -> datetime:
    return datetime.now(UTC)


# The time a counter is raised at (tests set their own).
clock: Callable[[], datetime] = _wall_clock


def meeting_scope(meeting_id: int) -> str:
    return f"meeting:{meeting_id}"


def _values(obj: object, attribute: str) -> set[Any]:
    """The attribute's value now and, if this flush changes it, before."""
    history = inspect(obj).attrs[attribute].history
    values = {getattr(obj, attribute), *history.deleted}
    return {value for value in values if value is not None}


def scopes_of(objects: Iterable[object]) -> set[str]:
    scopes: set[str] = set()
    for obj in objects:
        if isinstance(obj, MeetingSeries | MeetingOccurrence):
            scopes.add(MEETINGS)  # a series' master (its end, SEQUENCE) is in every feed
        elif isinstance(obj, Meeting):
            scopes.add(MEETINGS)
            if obj.id is not None:
                scopes.add(meeting_scope(obj.id))
        elif isinstance(obj, AgendaItem):
            scopes.add(MEETINGS)
            scopes.update(meeting_scope(mid) for mid in _values(obj, "meeting_id"))
            # Its topic's paper shows it as a consultation (OParl), also once it is gone.
            scopes.update(f"paper:{pid}" for pid in _values(obj, "proposal_id"))
        elif isinstance(obj, MeetingRsvp | WorkingGroupMember):
            # an answer, or a working group joined or left (whose meetings the feed shows)
            scopes.update(f"member:{mid}" for mid in _values(obj, "member_id"))
        elif isinstance(obj, Task):
            scopes.update(f"org:{oid}" for oid in _values(obj, "organisation_id"))
            scopes.update(f"member:{mid}" for mid in _values(obj, "member_id"))
        scopes.update(_oparl_scopes(obj))
    return scopes


def _oparl_scopes(obj: object) -> set[str]:
    """The OParl objects a changed row is (part of)."""
    if isinstance(obj, Member):
        # What a Person shows (not the bookkeeping: reachable, username).
        state = inspect(obj)
        shown = ("first_name", "last_name", "status", "organisation_id")
        if obj.id is None or not (
            state.deleted or any(state.attrs[a].history.has_changes() for a in shown)
        ):
            return set()
    kind = _OPARL_KINDS.get(type(obj))
    if kind is not None:
        object_id = getattr(obj, "id", None)
        return {f"{kind}:{object_id}"} if object_id is not None else set()
    if isinstance(obj, MeetingInternal):
        return {meeting_scope(mid) for mid in _values(obj, "meeting_id")}
    if isinstance(obj, OrganisationExternalBody):
        return {f"organisation:{oid}" for oid in _values(obj, "organisation_id")}
    if isinstance(obj, MemberVisibility):
        # `consent:` too: a member who was never named leaves no tombstone.
        return {f"{kind}:{mid}" for mid in _values(obj, "member_id") for kind in _CONSENT}
    return set()


_CONSENT = ("person", "consent")
# Rows that can be deleted while OParl showed them: their stamp starts with the row, so that
# the tombstone keeps its `created`.
_STAMPED_AT_INSERT = (AgendaItem, Proposal)
_OPARL_KINDS: dict[type, str] = {
    Meeting: "meeting",
    AgendaItem: "agenda",
    Organisation: "organisation",
    WorkingGroup: "group",
    Proposal: "paper",
    Member: "person",
}


def bump(session: Session, scopes: Iterable[str]) -> None:
    """Raise the counters of `scopes` (made at 1 if new) inside the session's transaction."""
    connection = session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    now = clock()
    for scope in sorted(scopes):  # one order everywhere: no deadlock between two writers
        stmt = insert(STAMP).values(scope=scope, version=1, created_at=now, changed_at=now)
        connection.execute(
            stmt.on_conflict_do_update(
                index_elements=[STAMP.c.scope],
                set_={"version": STAMP.c.version + 1, "changed_at": now},
            )
        )


# Rows whose change can change a feed's answer (its ETag, or whether the token is valid).
_FEED_INPUTS = (
    Meeting,
    AgendaItem,
    MeetingRsvp,
    Task,
    UserSettings,
    Member,
    CalendarFeed,
    CoordinatorFeed,
    WorkingGroupMember,
)
_PENDING = "calendar_feed_inputs_changed"


class Committed:
    """Counts this process's commits that changed a feed's inputs: whoever keeps a feed's
    state in memory compares it to know when to read it again."""

    count = 0


def changed_outside_the_orm(session: Session, scopes: Iterable[str]) -> None:
    """For a change made by a core statement (the flush hook does not see those): raise
    `scopes` and count the commit as one that changed what feeds show."""
    bump(session, scopes)
    session.info[_PENDING] = True


def _topics_of_hidden_meetings(session: Session, changed: Iterable[object]) -> set[str]:
    """A meeting marked internal (or public again) takes its agenda items' consultations out
    of (or back into) their papers: those papers changed too."""
    meetings = {
        mid
        for obj in changed
        if isinstance(obj, MeetingInternal)
        for mid in _values(obj, "meeting_id")
    }
    if not meetings:
        return set()
    stmt = select(AGENDA.c.proposal_id).where(
        AGENDA.c.meeting_id.in_(sorted(meetings)), AGENDA.c.proposal_id.is_not(None)
    )
    return {f"paper:{pid}" for pid in session.connection().execute(stmt).scalars()}


def _before_flush(session: Session, _context: object, _instances: object) -> None:
    dirty = [obj for obj in session.dirty if session.is_modified(obj)]
    changed = [*session.new, *dirty, *session.deleted]
    scopes = scopes_of(changed) | _topics_of_hidden_meetings(session, changed)
    if scopes:
        bump(session, scopes)
    if any(isinstance(obj, _FEED_INPUTS) for obj in changed):
        session.info[_PENDING] = True


def _after_flush(session: Session, _context: object) -> None:
    # The rows inserted now have their ids: their OParl counters start (`created`).
    scopes: set[str] = set()
    for obj in session.new:
        if isinstance(obj, _STAMPED_AT_INSERT):
            scopes.update(_oparl_scopes(obj))
    if scopes:
        bump(session, scopes)


def _after_commit(session: Session) -> None:
    if session.info.pop(_PENDING, False):
        Committed.count += 1


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def install() -> None:
    """Listen on every ORM session of the process (idempotent)."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


install()
