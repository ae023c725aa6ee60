"""Tables of meetings beyond storage/models.py: who cancelled a meeting and when, and the
answers members gave before a meeting was moved (asked again, the earlier one is shown)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from storage.models import RsvpAnswer, _enum
from storage.types import UTCDateTime


class MeetingCancellation(SQLModel, table=True):
    """When a meeting was cancelled and by which coordinator (a second /terminabsagen says so)."""

    __tablename__ = "meeting_cancellation"

    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    )
    cancelled_at: datetime = Field(sa_type=UTCDateTime)
    # The coordinator's Telegram id and name as Telegram gave it then.
    cancelled_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    cancelled_by_name: str = Field(max_length=200)


class MeetingEarlierAnswer(SQLModel, table=True):
    """A member's answer to a meeting before its time changed: no longer standing (they are
    asked again), shown as "bisher: Zusage" until they answer anew."""

    __tablename__ = "meeting_rsvp_earlier"

    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    )
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    answer: RsvpAnswer = Field(sa_column=Column(_enum(RsvpAnswer, "rsvp_answer"), nullable=False))
    answered_at: datetime = Field(sa_type=UTCDateTime)
    # When the meeting moved and the answer stopped standing.
    superseded_at: datetime = Field(sa_type=UTCDateTime)


class CoordinatorFeed(SQLModel, table=True):
    """A coordinator's calendar feed (every meeting), like a member's `calendar_feed` but for
    a coordinator from COORDINATOR_IDS, who need not be a member."""

    __tablename__ = "coordinator_feed"

    telegram_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    generation: int = 1
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
