"""The columns of every export, one list per kind: a header (a catalog key) and how its value
is read from a row's record. Adding a column is one line here and its header in both catalogs.

Values are typed (numbers stay numbers, moments are aware and in the forum's zone, days are
dates); words (a status, a choice) are in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo

from bot.exports.sheet import Cell
from bot.i18n import Translator, plain_text
from bot.services.counting import Result
from bot.services.electorate import capacity_label_key
from bot.texts.people import FORMER
from storage.enums import OrganisationStatus, VoteCapacity, VoteRight
from storage.models import (
    Ballot,
    BallotOutcome,
    Meeting,
    MeetingStatus,
    Member,
    MemberStatus,
    Organisation,
    Proposal,
    RsvpAnswer,
    Task,
    TaskStatus,
    Vote,
    VoteChoice,
    VoteMode,
    WorkingGroup,
)

R = TypeVar("R")

CHOICES = {
    VoteChoice.YES: "vote.choice_yes",
    VoteChoice.YES_COUNCIL: "vote.choice_yes_council",
    VoteChoice.NO: "vote.choice_no",
    VoteChoice.ABSTAIN: "vote.choice_abstain",
}
OUTCOMES = {
    BallotOutcome.ACCEPTED: "export.outcome_accepted",
    BallotOutcome.REJECTED: "export.outcome_rejected",
    BallotOutcome.NOT_QUORATE: "export.outcome_not_quorate",
}
TASK_STATUSES = {
    TaskStatus.OPEN: "export.task_open",
    TaskStatus.DONE: "export.task_done",
    TaskStatus.CANCELLED: "export.task_cancelled",
}
MEETING_STATUSES = {
    MeetingStatus.SCHEDULED: "export.meeting_scheduled",
    MeetingStatus.CANCELLED: "export.meeting_cancelled",
}
MEMBER_STATUSES = {
    MemberStatus.ACTIVE: "export.member_active",
    MemberStatus.LEFT: "export.member_left",
}
MODES = {
    VoteMode.ORGANISATION: "export.mode_organisation",
    VoteMode.MEMBER: "export.mode_member",
}


def mode_key(ballot: Ballot) -> str:
    """How the vote counts (the Zählweise), as a catalog key."""
    if ballot.mode is VoteMode.MEMBER and ballot.vote_right is VoteRight.REPRESENTATIVES:
        return "export.mode_member_representatives"
    return MODES[ballot.mode]


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str  # catalog key
    value: Callable[[R, Context], Cell]


@dataclass
class Context:
    """What the columns look things up in: the whole forum, read once per export."""

    t: Translator
    zone: ZoneInfo
    today: date
    organisations: dict[int, Organisation] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    groups: dict[int, WorkingGroup] = field(default_factory=dict)
    groups_of: dict[int, list[str]] = field(default_factory=dict)  # member id → group names
    active_members: dict[int, int] = field(default_factory=dict)  # organisation id → count
    open_tasks: dict[int, int] = field(default_factory=dict)  # organisation id → count
    rsvps: dict[int, dict[RsvpAnswer, int]] = field(default_factory=dict)
    agenda_items: dict[int, int] = field(default_factory=dict)
    # Ballot id → its result (stored once closed; while open, None unless running results
    # are shown) and how many have voted.
    results: dict[int, Result | None] = field(default_factory=dict)
    voted: dict[int, int] = field(default_factory=dict)
    eligible: dict[int, int] = field(default_factory=dict)
    quorum_needed: dict[int, int] = field(default_factory=dict)
    rounds: dict[int, int] = field(default_factory=dict)  # ballot id → its round (1, 2, …)
    # (member id, organisation id) of the Stimmführungen and Stellvertretungen: read for a vote
    # in member mode with VOTE_RIGHT=representatives (only they may vote there).
    representatives: frozenset[tuple[int, int]] = frozenset()

    def text(self, key: str, **params: object) -> str:
        return plain_text(self.t(key, **params))

    def when(self, value: datetime | None) -> datetime | None:
        return value.astimezone(self.zone) if value is not None else None

    def organisation(self, organisation_id: int | None) -> str | None:
        org = self.organisations.get(organisation_id or 0)
        return org.name if org else None

    def kind(self, organisation_id: int | None) -> str | None:
        org = self.organisations.get(organisation_id or 0)
        if org is None or org.kind is None:
            return None
        return self.text(f"org.kind.{org.kind.value}")

    def person(self, member_id: int | None) -> str | None:
        member = self.members.get(member_id or 0)
        if member is None:
            return None
        return self.text(FORMER) if member.former else member.display_name

    def yes_no(self, value: bool) -> str:
        return self.text("export.yes" if value else "export.no")


# --- /export mitglieder ----------------------------------------------------------------

MEMBER_COLUMNS: tuple[Column[Member], ...] = (
    Column("export.col.number", lambda m, c: m.id),
    Column("export.col.last_name", lambda m, c: m.last_name),
    Column("export.col.first_name", lambda m, c: m.first_name),
    Column("export.col.username", lambda m, c: f"@{m.username}" if m.username else None),
    Column("export.col.organisation", lambda m, c: c.organisation(m.organisation_id)),
    Column("export.col.kind", lambda m, c: c.kind(m.organisation_id)),
    Column("export.col.groups", lambda m, c: ", ".join(c.groups_of.get(m.id or 0, [])) or None),
    Column("export.col.joined_at", lambda m, c: c.when(m.joined_at)),
    Column("export.col.status", lambda m, c: c.text(MEMBER_STATUSES[m.status])),
    Column("export.col.left_at", lambda m, c: c.when(m.left_at)),
    Column("export.col.unreachable_since", lambda m, c: c.when(m.unreachable_at)),
)

# --- /export organisationen ------------------------------------------------------------

ORGANISATION_STATUSES = {
    OrganisationStatus.MEMBER: "orgstatus.member",
    OrganisationStatus.ADVISORY: "orgstatus.advisory",
    OrganisationStatus.ARCHIVED: "orgstatus.archived",
}

ORGANISATION_COLUMNS: tuple[Column[Organisation], ...] = (
    Column("export.col.number", lambda o, c: o.id),
    Column("export.col.name", lambda o, c: o.name),
    Column("export.col.kind", lambda o, c: c.kind(o.id)),
    Column("export.col.ags", lambda o, c: o.ags),
    # Mitglied, beratend, archiviert (issue 15).
    Column("export.col.status", lambda o, c: c.text(ORGANISATION_STATUSES[o.status])),
    Column("export.col.active_members", lambda o, c: c.active_members.get(o.id or 0, 0)),
    Column("export.col.open_tasks", lambda o, c: c.open_tasks.get(o.id or 0, 0)),
    Column("export.col.created_at", lambda o, c: c.when(o.created_at)),
)

# --- /export abstimmungen: one row per vote --------------------------------------------

BallotRow = tuple[Ballot, Proposal]


def _count(choice: VoteChoice) -> Callable[[BallotRow, Context], Cell]:
    def value(row: BallotRow, c: Context) -> Cell:
        result = c.results.get(row[0].id or 0)
        if result is None:
            return None
        return {
            VoteChoice.YES: result.yes,
            VoteChoice.YES_COUNCIL: result.yes_council,
            VoteChoice.NO: result.no,
            VoteChoice.ABSTAIN: result.abstain,
        }[choice]

    return value


def closed_by(ballot: Ballot, c: Context) -> Cell:
    if ballot.closed_at is None:
        return None
    return c.text(
        "export.closed_by_deadline" if ballot.closed_by is None else "export.closed_early"
    )


def proposer(proposal: Proposal, c: Context) -> Cell:
    """Who proposed it; `Koordination` for the coordinator's own motion."""
    if proposal.member_id is None and proposal.organisation_id is None:
        return c.text("proposal.by_coordinator")
    return c.person(proposal.member_id)


def outcome_text(ballot: Ballot, c: Context) -> str:
    if ballot.closed_at is None or ballot.outcome is None:
        return c.text("export.outcome_running")
    return c.text(OUTCOMES[ballot.outcome])


VOTE_LIST_COLUMNS: tuple[Column[BallotRow], ...] = (
    Column("export.col.topic", lambda r, c: r[1].id),
    Column("export.col.title", lambda r, c: r[1].title),
    Column("export.col.round_short", lambda r, c: c.rounds.get(r[0].id or 0, 1)),
    Column("export.col.proposed_by", lambda r, c: proposer(r[1], c)),
    Column("export.col.organisation", lambda r, c: c.organisation(r[1].organisation_id)),
    Column("export.col.mode", lambda r, c: c.text(mode_key(r[0]))),
    Column("export.col.opened_at", lambda r, c: c.when(r[0].opened_at)),
    Column("export.col.deadline", lambda r, c: c.when(r[0].deadline)),
    Column("export.col.closed_at", lambda r, c: c.when(r[0].closed_at)),
    Column("export.col.closed_by", lambda r, c: closed_by(r[0], c)),
    Column("export.col.yes", _count(VoteChoice.YES)),
    Column("export.col.yes_council", _count(VoteChoice.YES_COUNCIL)),
    Column("export.col.no", _count(VoteChoice.NO)),
    Column("export.col.abstain", _count(VoteChoice.ABSTAIN)),
    Column("export.col.voted", lambda r, c: c.voted.get(r[0].id or 0, 0)),
    Column("export.col.eligible", lambda r, c: c.eligible.get(r[0].id or 0)),
    Column("export.col.quorum_needed", lambda r, c: c.quorum_needed.get(r[0].id or 0)),
    Column("export.col.outcome", lambda r, c: outcome_text(r[0], c)),
)

# --- /export abstimmung <nr>: one row per voter (organisation, or person) --------------


@dataclass(frozen=True)
class VoterRow:
    organisation_id: int
    member_id: int | None  # the voter in member mode
    vote: Vote | None
    secret: bool  # the vote is open and its choices are not shown yet
    absent: bool = False  # a meeting's vote: the organisation was not present, did not vote


def _choice(row: VoterRow, c: Context) -> Cell:
    if row.absent and row.vote is None:
        return c.text("export.not_present")
    if row.vote is None:
        return c.text("export.no_vote")
    if row.secret:
        return c.text("export.vote_cast")
    return c.text(CHOICES[row.vote.choice])


def _capacity(row: VoterRow, c: Context) -> Cell:
    if row.vote is None:
        return None
    if row.vote.capacity in (None, VoteCapacity.MEMBER):
        return c.text("export.capacity_member")
    return c.text(capacity_label_key(row.vote.capacity))


VOTER_COLUMNS: tuple[Column[VoterRow], ...] = (
    Column("export.col.organisation", lambda r, c: c.organisation(r.organisation_id)),
    Column("export.col.kind", lambda r, c: c.kind(r.organisation_id)),
    Column("export.col.choice", _choice),
    Column("export.col.cast_by", lambda r, c: c.person(r.vote.member_id) if r.vote else None),
    # Stimmführung, Stellvertretung, or a member (VOTE_RIGHT=anyone, no role).
    Column("export.col.capacity", lambda r, c: _capacity(r, c)),
    Column("export.col.cast_at", lambda r, c: c.when(r.vote.cast_at) if r.vote else None),
)
# In member mode each person votes: their name comes first.
MEMBER_VOTER_COLUMN: Column[VoterRow] = Column(
    "export.col.member", lambda r, c: c.person(r.member_id)
)

# --- /export aufgaben ------------------------------------------------------------------


def _owner(task: Task, c: Context) -> Cell:
    return c.person(task.member_id) or c.organisation(task.organisation_id)


def _task_organisation(task: Task, c: Context) -> Cell:
    if task.organisation_id is not None:
        return c.organisation(task.organisation_id)
    member = c.members.get(task.member_id or 0)
    return c.organisation(member.organisation_id) if member else None


TASK_COLUMNS: tuple[Column[Task], ...] = (
    Column("export.col.number", lambda k, c: k.id),
    Column("export.col.title", lambda k, c: k.title),
    Column("export.col.description", lambda k, c: k.description),
    Column("export.col.owner", _owner),
    Column("export.col.organisation", _task_organisation),
    Column("export.col.due_date", lambda k, c: k.due_date),
    Column("export.col.status", lambda k, c: c.text(TASK_STATUSES[k.status])),
    Column(
        "export.col.overdue",
        lambda k, c: c.yes_no(k.status is TaskStatus.OPEN and k.due_date < c.today),
    ),
    Column("export.col.done_at", lambda k, c: c.when(k.done_at)),
    Column("export.col.done_by", lambda k, c: c.person(k.done_by)),
    Column("export.col.comment", lambda k, c: k.comment),
    Column("export.col.meeting", lambda k, c: k.meeting_id),
    Column("export.col.created_at", lambda k, c: c.when(k.created_at)),
)

# --- /export termine -------------------------------------------------------------------


def _audience(meeting: Meeting, c: Context) -> Cell:
    group = c.groups.get(meeting.group_id or 0)
    return group.name if group else c.text("export.whole_forum")


def _answers(answer: RsvpAnswer) -> Callable[[Meeting, Context], Cell]:
    return lambda m, c: c.rsvps.get(m.id or 0, {}).get(answer, 0)


MEETING_COLUMNS: tuple[Column[Meeting], ...] = (
    Column("export.col.number", lambda m, c: m.id),
    Column("export.col.title", lambda m, c: m.title),
    Column("export.col.starts_at", lambda m, c: c.when(m.starts_at)),
    Column("export.col.ends_at", lambda m, c: c.when(m.ends_at)),
    Column("export.col.location", lambda m, c: m.location),
    Column("export.col.online_url", lambda m, c: m.online_url),
    Column("export.col.audience", _audience),
    Column("export.col.status", lambda m, c: c.text(MEETING_STATUSES[m.status])),
    Column("export.col.cancel_reason", lambda m, c: m.cancel_reason),
    Column("export.col.rsvp_yes", _answers(RsvpAnswer.YES)),
    Column("export.col.rsvp_no", _answers(RsvpAnswer.NO)),
    Column("export.col.rsvp_maybe", _answers(RsvpAnswer.MAYBE)),
    Column("export.col.agenda_items", lambda m, c: c.agenda_items.get(m.id or 0, 0)),
    Column("export.col.minutes_at", lambda m, c: c.when(m.minutes_added_at)),
    Column("export.col.created_at", lambda m, c: c.when(m.created_at)),
)


def headers(columns: tuple[Column[R], ...], c: Context) -> tuple[str, ...]:
    return tuple(c.text(column.header) for column in columns)


def rows(columns: tuple[Column[R], ...], records: list[R], c: Context) -> list[tuple[Cell, ...]]:
    return [tuple(column.value(record, c) for column in columns) for record in records]
