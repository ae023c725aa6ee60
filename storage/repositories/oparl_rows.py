"""The rows the OParl repository (storage.repositories.oparl) reads, for bot.oparl's mapping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from storage.enums import VoteChoice


@dataclass(frozen=True)
class Window:
    """The filters of a list (all optional) and where the page starts."""

    created_since: datetime | None = None
    created_until: datetime | None = None
    modified_since: datetime | None = None
    modified_until: datetime | None = None
    after: int = 0
    limit: int = 100

    def admits(self, created: datetime, modified: datetime) -> bool:
        return (
            (self.created_since is None or created >= self.created_since)
            and (self.created_until is None or created <= self.created_until)
            and (self.modified_since is None or modified >= self.modified_since)
            and (self.modified_until is None or modified <= self.modified_until)
        )


@dataclass(frozen=True)
class Tombstone:
    """An object that was published and is not any more (`deleted: true`)."""

    id: int
    created: datetime
    modified: datetime


@dataclass(frozen=True)
class OrganisationRow:
    id: int
    name: str
    kind: str | None
    external_body: str | None
    created: datetime
    modified: datetime


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    archived: datetime | None
    created: datetime
    modified: datetime


@dataclass(frozen=True)
class AgendaRow:
    id: int
    meeting_id: int
    position: int
    title: str
    proposal_id: int | None
    # The decision on its topic, if a vote on it closed (ballot outcome), and the paper.
    outcome: str | None
    created: datetime
    modified: datetime  # also when its topic's vote closed or the decision's wording changed
    group_id: int | None = None  # its meeting's working group (None: the plenary)
    decided_at: datetime | None = None  # when the vote on its topic closed
    # The forum's decision (issue 16) of that vote, if it was accepted: number (2026/07),
    # wording (the title when none was set) and status (provisional, effective, ...).
    decision: str | None = None
    decision_text: str | None = None
    decision_status: str | None = None


@dataclass(frozen=True)
class MeetingRow:
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    group_id: int | None
    cancelled: bool
    minutes_name: str | None
    minutes_at: datetime | None
    # Telegram's id of the minutes' file (the bot downloads it for `file/<id>/download`).
    minutes_file_id: str | None
    created: datetime
    modified: datetime
    agenda: list[AgendaRow] = field(default_factory=list)


@dataclass(frozen=True)
class VoteRow:
    id: int
    organisation_id: int
    choice: VoteChoice
    round: int
    cast_at: datetime
    closed_at: datetime


@dataclass(frozen=True)
class RatificationRow:
    """A member council's ratification of the forum's decision on a paper (issue 16)."""

    id: int
    organisation_id: int
    status: str
    body: str | None
    council_date: date | None
    outcome_date: date | None
    decision: str  # its number, e.g. 2026/07
    created: datetime
    modified: datetime


@dataclass(frozen=True)
class PaperRow:
    id: int
    title: str
    organisation_id: int | None
    status: str
    outcome: str | None
    created: datetime
    modified: datetime
    votes: list[VoteRow] = field(default_factory=list)
    ratifications: list[RatificationRow] = field(default_factory=list)
    # The forum's decision on it (issue 16): number and status.
    decision: str | None = None
    decision_status: str | None = None
    # The public agenda items its topic was decided under (their consultations).
    deliberations: list[AgendaRow] = field(default_factory=list)


@dataclass(frozen=True)
class MembershipRow:
    organisation_id: int | None
    group_id: int | None
    since: datetime


@dataclass(frozen=True)
class PersonRow:
    id: int
    first_name: str | None
    last_name: str | None
    created: datetime
    modified: datetime
    memberships: list[MembershipRow] = field(default_factory=list)
