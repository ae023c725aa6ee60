"""Meeting series (issue 18): a rule and the calendar UID the series has as one object; each of
its meetings is an ordinary `meeting` row (its own answers, agenda, reminders, attendance,
minutes), linked here with the start the rule gives it (its RECURRENCE-ID)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class MeetingSeries(SQLModel, table=True):
    """What every meeting of the series has unless changed for one: the master VEVENT."""

    __tablename__ = "meeting_series"

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(max_length=120, unique=True)
    # The master's SEQUENCE: raised when the whole series changes (its end, a split).
    sequence: int = 0
    # The RRULE value (bot.recurrence.rrule_text), UNTIL or COUNT included.
    rule: str = Field(max_length=200)
    # DTSTART: the first meeting's start as the rule gives it, and every meeting's length.
    first_start: datetime = Field(sa_type=UTCDateTime)
    minutes: int
    title: str = Field(max_length=200)
    location: str | None = Field(default=None, max_length=300)
    online_url: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    group_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("working_group.id", ondelete="SET NULL")),
    )
    # Meetings exist as rows up to here (the daily job moves it on for an open-ended series).
    materialised_until: datetime = Field(sa_type=UTCDateTime)
    # The series split off this one ("alle folgenden" moved): its meetings from there on.
    continued_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("meeting_series.id", ondelete="SET NULL")),
    )
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MeetingOccurrence(SQLModel, table=True):
    """A meeting that belongs to a series, and the start the rule gives it."""

    __tablename__ = "meeting_occurrence"
    __table_args__ = (UniqueConstraint("series_id", "recurrence_id"),)

    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    )
    series_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("meeting_series.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        )
    )
    recurrence_id: datetime = Field(sa_type=UTCDateTime)
