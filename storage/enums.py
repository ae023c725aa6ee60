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


class OrganisationStatus(enum.StrEnum):
    """An organisation's place in the forum (issue 15). Only `MEMBER` votes (see
    `OrganisationStatus.has_vote`, the one rule every count of voters and quorum follows)."""

    MEMBER = "member"  # Mitglied: votes, counts for quorum and majority
    ADVISORY = "advisory"  # beratend: receives everything, proposes, discusses; no vote
    ARCHIVED = "archived"  # kept in history; gone from lists and quorum, nothing new sent

    @property
    def has_vote(self) -> bool:
        return self is OrganisationStatus.MEMBER

    @property
    def receives(self) -> bool:
        """Its members get new messages (ballots, invitations, broadcasts …)."""
        return self is not OrganisationStatus.ARCHIVED


# The statuses with a vote, for queries (from `has_vote`).
VOTING_STATUSES: tuple[OrganisationStatus, ...] = tuple(s for s in OrganisationStatus if s.has_vote)
RECEIVING_STATUSES: tuple[OrganisationStatus, ...] = tuple(
    s for s in OrganisationStatus if s.receives
)


class VoteRight(enum.StrEnum):
    """Who of an organisation may cast its vote (VOTE_RIGHT, fixed per ballot when it opens)."""

    ANYONE = "anyone"  # any member (the latest choice counts)
    REPRESENTATIVES = "representatives"  # the Stimmführung and the Stellvertretung only


class RepresentativeRole(enum.StrEnum):
    LEAD = "lead"  # Stimmführung
    DEPUTY = "deputy"  # Stellvertretung


class VoteCapacity(enum.StrEnum):
    """In which capacity a vote was cast (recorded with it)."""

    MEMBER = "member"  # a member of the organisation (VOTE_RIGHT=anyone, no role)
    LEAD = "lead"  # as its Stimmführung
    DEPUTY = "deputy"  # as its Stellvertretung


class DecisionStatus(enum.StrEnum):
    """A decision's standing (issue 16): effective once every council reservation is resolved."""

    PROVISIONAL = "provisional"  # vorläufig: ratifications open
    EFFECTIVE = "effective"  # wirksam
    NOT_EFFECTIVE = "not_effective"  # nicht wirksam: a council rejected (RATIFICATION_RULE)


class RatificationStatus(enum.StrEnum):
    """One organisation's council on a decision it agreed to subject to its council."""

    OPEN = "open"  # offen: no council date yet
    SCHEDULED = "scheduled"  # terminiert
    DEFERRED = "deferred"  # vertagt (to a new date, or none yet)
    APPROVED = "approved"  # zugestimmt
    REJECTED = "rejected"  # abgelehnt
    WITHDRAWN = "withdrawn"  # Vorbehalt entfällt: counts as ratified


PENDING_RATIFICATION = frozenset(
    {RatificationStatus.OPEN, RatificationStatus.SCHEDULED, RatificationStatus.DEFERRED}
)
