"""SQLModel tables: organisations, members, invitations, working groups, user settings.

The database is the only store of record. Every datetime column is timezone-aware UTC.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.enums import (
    BallotOutcome,
    BroadcastState,
    MeetingStatus,
    MemberStatus,
    OrganisationKind,
    OrganisationStatus,
    OutboxState,
    ProposalStatus,
    RsvpAnswer,
    TaskStatus,
    VoteCapacity,
    VoteChoice,
    VoteMode,
    VoteRight,
)
from storage.types import UTCDateTime

# Constraint names that Alembic and PostgreSQL agree on.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# The enums (storage.enums, no database needed) are re-exported here, beside the tables using them.
__all__ = [
    "BallotOutcome",
    "BroadcastState",
    "MeetingStatus",
    "MemberStatus",
    "OrganisationKind",
    "OrganisationStatus",
    "OutboxState",
    "ProposalStatus",
    "RsvpAnswer",
    "TaskStatus",
    "VoteCapacity",
    "VoteChoice",
    "VoteMode",
    "VoteRight",
]


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    # Stored as plain strings (no native enum type): adding a value later is a no-op migration.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class OrganisationBase(SQLModel):
    name: str = Field(max_length=200, unique=True, index=True)
    kind: OrganisationKind | None = Field(
        default=None, sa_column=Column(_enum(OrganisationKind, "organisation_kind"), nullable=True)
    )
    ags: str | None = Field(default=None, max_length=8)


class Organisation(OrganisationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Mitglied (votes), beratend (no vote), archiviert: see OrganisationStatus.
    status: OrganisationStatus = Field(
        default=OrganisationStatus.MEMBER,
        sa_column=Column(_enum(OrganisationStatus, "organisation_status"), nullable=False),
    )


class MemberBase(SQLModel):
    first_name: str | None = Field(default=None, max_length=200)
    last_name: str | None = Field(default=None, max_length=200)
    username: str | None = Field(default=None, max_length=64)


class Member(MemberBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # NULL once the member has left and their personal data was deleted.
    telegram_id: int | None = Field(
        default=None, sa_column=Column(BigInteger, unique=True, nullable=True)
    )
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="RESTRICT"), nullable=False, index=True
        )
    )
    status: MemberStatus = Field(
        default=MemberStatus.ACTIVE,
        sa_column=Column(_enum(MemberStatus, "member_status"), nullable=False),
    )
    invitation_id: int | None = Field(default=None, foreign_key="invitation.id")
    joined_at: datetime = Field(sa_type=UTCDateTime)
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set when Telegram answered 403 (bot blocked, account deleted); cleared when they write again.
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The person's role in their organisation ("Bürgermeister", "Bauamt"), set by the
    # coordinator (/mitglied); deleted with the name when they leave.
    role: str | None = Field(default=None, max_length=100)

    @property
    def former(self) -> bool:
        """Left, and their name deleted with it: the texts call them "ehemaliges Mitglied"
        (bot/texts/people.py), never by their record's number."""
        return self.status is MemberStatus.LEFT and not (
            self.first_name or self.last_name or self.username
        )

    @property
    def display_name(self) -> str:
        parts = [p for p in (self.first_name, self.last_name) if p]
        return " ".join(parts) if parts else (f"@{self.username}" if self.username else "–")


class Invitation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    # SHA-256 of the code: the code itself is shown once and never stored.
    code_hash: str = Field(max_length=64, unique=True, index=True)
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WorkingGroup(SQLModel, table=True):
    __tablename__ = "working_group"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WorkingGroupMember(SQLModel, table=True):
    __tablename__ = "working_group_member"
    group_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("working_group.id", ondelete="CASCADE"), primary_key=True
        )
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    joined_at: datetime = Field(sa_type=UTCDateTime)


class UserSettings(SQLModel, table=True):
    """Per-person preferences, also for coordinators who are not members themselves."""

    __tablename__ = "user_settings"

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    language: str = Field(max_length=5)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Broadcast(SQLModel, table=True):
    """A coordinator's Rundschreiben: a draft until Senden, then one outbox row per recipient."""

    id: int | None = Field(default=None, primary_key=True)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    state: BroadcastState = Field(
        default=BroadcastState.DRAFT,
        sa_column=Column(_enum(BroadcastState, "broadcast_state"), nullable=False),
    )
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    copy_from_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    copy_message_id: int | None = None
    # "kind:landkreis", "group:3" or NULL for every active member.
    target: str | None = Field(default=None, max_length=40)
    target_label: str | None = Field(default=None, max_length=120)
    recipients: int = 0
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    language: str = Field(default="de", max_length=5)
    progress_message_id: int | None = None
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """One notification to one chat, durable until Telegram confirmed it (or it was given up)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_state_due_at", "state", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # Unique per (recipient, purpose), e.g. "broadcast:4:member:17": enqueuing twice is a no-op.
    dedup_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    broadcast_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("broadcast.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    document: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    document_name: str | None = Field(default=None, max_length=200)
    # Inline keyboard: rows of {"text": ..., "callback_data": ...} or {"text": ..., "url": ...}.
    buttons: list[list[dict[str, str]]] | None = Field(
        default=None, sa_column=Column(JSON, nullable=True)
    )
    copy_from_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    copy_message_id: int | None = None
    due_at: datetime = Field(sa_type=UTCDateTime)
    # After this moment the notification no longer makes sense (the meeting began): skipped.
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    state: OutboxState = Field(
        default=OutboxState.PENDING,
        sa_column=Column(_enum(OutboxState, "outbox_state"), nullable=False),
    )
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    telegram_message_id: int | None = None
    # Set for an edit of a message sent earlier (a ballot closed): editMessageText, not send.
    edit_message_id: int | None = None
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Meeting(SQLModel, table=True):
    """A Sitzung of the forum (group_id NULL: all members are invited) or of a working group."""

    id: int | None = Field(default=None, primary_key=True)
    # The calendar UID: stable for the meeting's life; SEQUENCE counts its published changes.
    uid: str = Field(max_length=120, unique=True)
    sequence: int = 0
    title: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    location: str | None = Field(default=None, max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    group_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("working_group.id", ondelete="SET NULL")),
    )
    status: MeetingStatus = Field(
        default=MeetingStatus.SCHEDULED,
        sa_column=Column(_enum(MeetingStatus, "meeting_status"), nullable=False),
    )
    cancel_reason: str | None = Field(default=None, max_length=500)
    # Minutes before the start at which members are reminded; NULL: the configured default.
    reminder_minutes: list[int] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    minutes_file_id: str | None = Field(default=None, max_length=200)
    minutes_file_name: str | None = Field(default=None, max_length=200)
    minutes_added_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MeetingRsvp(SQLModel, table=True):
    __tablename__ = "meeting_rsvp"

    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    answer: RsvpAnswer = Field(sa_column=Column(_enum(RsvpAnswer, "rsvp_answer"), nullable=False))
    answered_at: datetime = Field(sa_type=UTCDateTime)


class AgendaItem(SQLModel, table=True):
    """A Tagesordnungspunkt (TOP)."""

    __tablename__ = "agenda_item"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    position: int
    title: str = Field(max_length=200)
    organisation_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="SET NULL")),
    )
    duration_minutes: int | None = None
    # Set when the item is an accepted topic proposal put on the agenda.
    proposal_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("proposal.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(sa_type=UTCDateTime)


class CalendarFeed(SQLModel, table=True):
    """A member's personal feed address. The token is derived from the instance secret and the
    generation (so it can be shown again) and looked up by its hash."""

    __tablename__ = "calendar_feed"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    generation: int = 1
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)


class InstanceSecret(SQLModel, table=True):
    """One random key per installation, made on first start (for feed tokens)."""

    __tablename__ = "instance_secret"

    id: int = Field(default=1, primary_key=True)
    secret: str = Field(max_length=128)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Task(SQLModel, table=True):
    """An Aufgabe owned by a member organisation (any of its members may report) or a member."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    organisation_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="SET NULL"), index=True),
    )
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), index=True),
    )
    meeting_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="SET NULL"))
    )
    # The day it is due (fällig am), a calendar date in the configured zone.
    due_date: date
    status: TaskStatus = Field(
        default=TaskStatus.OPEN,
        sa_column=Column(_enum(TaskStatus, "task_status"), nullable=False, index=True),
    )
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: int | None = Field(default=None, foreign_key="member.id")
    comment: str | None = Field(default=None, max_length=1000)
    revision: int = 0  # its calendar SEQUENCE: changes of due date, title, state, owner
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Proposal(SQLModel, table=True):
    """A Themenvorschlag: a member proposes, the coordinator puts it to the vote (or not)."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    group_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("working_group.id", ondelete="SET NULL")),
    )
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), index=True),
    )
    organisation_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="SET NULL")),
    )
    status: ProposalStatus = Field(
        default=ProposalStatus.SUBMITTED,
        sa_column=Column(_enum(ProposalStatus, "proposal_status"), nullable=False, index=True),
    )
    reason: str | None = Field(default=None, max_length=1000)
    # The meeting whose agenda it is on (status scheduled).
    meeting_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="SET NULL"))
    )
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Ballot(SQLModel, table=True):
    """One round of the vote on a proposal (again after no quorum); rules fixed when it opens."""

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("proposal.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    mode: VoteMode = Field(sa_column=Column(_enum(VoteMode, "vote_mode"), nullable=False))
    # Who may cast an organisation's vote (VOTE_RIGHT when it opened).
    vote_right: VoteRight = Field(
        default=VoteRight.ANYONE, sa_column=Column(_enum(VoteRight, "vote_right"), nullable=False)
    )
    opened_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    opened_at: datetime = Field(sa_type=UTCDateTime)
    deadline: datetime = Field(sa_type=UTCDateTime, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # NULL: closed by the deadline; else the coordinator who closed it early.
    closed_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    outcome: BallotOutcome | None = Field(
        default=None, sa_column=Column(_enum(BallotOutcome, "ballot_outcome"), nullable=True)
    )
    # The counts when it closed (see bot.services.counting.Result.as_dict).
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Vote(SQLModel, table=True):
    """The standing choice of one voter on one ballot. `voter` is "org:<id>" when each member
    organisation has one vote (the latest choice of any of its people counts) or "member:<id>";
    the unique constraint makes a second row for the same voter impossible."""

    __table_args__ = (UniqueConstraint("ballot_id", "voter", name="uq_vote_ballot_id_voter"),)

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ballot.id", ondelete="CASCADE"), nullable=False)
    )
    voter: str = Field(max_length=30)
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    )
    # Who cast the standing choice (NULL once they left and their data was deleted).
    member_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    choice: VoteChoice = Field(sa_column=Column(_enum(VoteChoice, "vote_choice"), nullable=False))
    cast_at: datetime = Field(sa_type=UTCDateTime)
    # In which capacity `member_id` cast it (NULL: before representation existed, a member).
    capacity: VoteCapacity | None = Field(
        default=None, sa_column=Column(_enum(VoteCapacity, "vote_capacity"), nullable=True)
    )


class BallotPost(SQLModel, table=True):
    """A ballot posted into a group chat by /topics: edited when the vote closes."""

    __tablename__ = "ballot_post"

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("ballot.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    message_id: int
    posted_at: datetime = Field(sa_type=UTCDateTime)
