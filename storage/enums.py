"""The states and kinds the tables store: plain enums, usable without the database."""

from __future__ import annotations

import enum


class OrganisationKind(enum.StrEnum):
    STADT = "stadt"
    GEMEINDE = "gemeinde"
    LANDKREIS = "landkreis"
    VERBAND = "verband"
    INSTITUTION = "institution"


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class BroadcastState(enum.StrEnum):
    DRAFT = "draft"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RsvpAnswer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"


class ProposalStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # waiting for the coordinator
    DEFERRED = "deferred"  # "Später": still waiting, set aside
    REJECTED = "rejected"  # by the coordinator, with a reason
    WITHDRAWN = "withdrawn"  # by the proposer, before the vote
    VOTING = "voting"
    ACCEPTED = "accepted"  # the vote accepted it; in the backlog until it is on an agenda
    NOT_ACCEPTED = "not_accepted"  # the vote rejected it
    NOT_QUORATE = "not_quorate"  # too few voted: the coordinator may open a new round
    SCHEDULED = "scheduled"  # on an upcoming meeting's agenda


class VoteMode(enum.StrEnum):
    ORGANISATION = "organisation"  # one vote per member organisation
    MEMBER = "member"  # one vote per person


class VoteChoice(enum.StrEnum):
    YES = "yes"
    YES_COUNCIL = "yes_council"  # Ja, vorbehaltlich Ratsbeschluss
    NO = "no"
    ABSTAIN = "abstain"


class BallotOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    NOT_QUORATE = "not_quorate"
