"""Tables of scheduling polls (Terminfindung): a poll with its proposed slots, and each
member's answer per slot (Ja / Vielleicht / Nein). Answers refer to members (and their
organisation): they are part of /meinedaten and are deleted with the member (ON DELETE CASCADE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import RsvpAnswer, _enum
from storage.types import UTCDateTime


class SchedulingPoll(SQLModel, table=True):
    """A poll for a meeting's date among 2 to 12 slots; closed when the coordinator fixes one
    (then `meeting_id` is the meeting it became)."""

    __tablename__ = "scheduling_poll"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    # The working group asked (None: every member).
    group_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("working_group.id", ondelete="SET NULL"), nullable=True
        ),
    )
    # The coordinator's Telegram id.
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    # Answers can be changed until then (None: until the date is fixed).
    deadline: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the messages were edited to say the deadline has passed (without buttons).
    expired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The slot chosen (its position) and the meeting created from it.
    chosen_position: int | None = Field(default=None)
    meeting_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="SET NULL"), nullable=True),
    )


class SchedulingSlot(SQLModel, table=True):
    """One proposed date of a poll, numbered from 1, earliest first."""

    __tablename__ = "scheduling_slot"
    __table_args__ = (UniqueConstraint("poll_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    poll_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("scheduling_poll.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    position: int
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)


class SchedulingAnswer(SQLModel, table=True):
    """A member's answer to one slot (the latest press stands)."""

    __tablename__ = "scheduling_answer"

    slot_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("scheduling_slot.id", ondelete="CASCADE"), primary_key=True
        )
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    poll_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("scheduling_poll.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    # The member's organisation when they answered (availability is per organisation).
    organisation_id: int = Field(
        sa_column=Column(Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False)
    )
    answer: RsvpAnswer = Field(sa_column=Column(_enum(RsvpAnswer, "rsvp_answer"), nullable=False))
    answered_at: datetime = Field(sa_type=UTCDateTime)
