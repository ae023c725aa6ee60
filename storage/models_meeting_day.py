"""The meeting day (issue 17): who comes and who does not, who is there, notes per agenda item
and the votes taken during a meeting. Additive tables keyed by the meeting's id."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from storage.models import _enum
from storage.types import UTCDateTime


class AttendanceMark(enum.StrEnum):
    """An organisation marked by the coordinator (for people without Telegram at hand)."""

    PRESENT = "present"
    ABSENT = "absent"
    EXCUSED = "excused"


class CheckInMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"


def _meeting() -> Column[int]:
    return Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)


class MeetingAbsence(SQLModel, table=True):
    """A member's Absage with its optional reason and substitute (of the same organisation)."""

    __tablename__ = "meeting_absence"

    meeting_id: int = Field(sa_column=_meeting())
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    reason: str | None = Field(default=None, max_length=300)
    substitute_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True),
    )
    updated_at: datetime = Field(sa_type=UTCDateTime)


class MeetingCheckIn(SQLModel, table=True):
    """A member pressed "Ich bin da" (in person or online)."""

    __tablename__ = "meeting_checkin"

    meeting_id: int = Field(sa_column=_meeting())
    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    mode: CheckInMode = Field(sa_column=Column(_enum(CheckInMode, "checkin_mode"), nullable=False))
    checked_in_at: datetime = Field(sa_type=UTCDateTime)


class MeetingAttendanceMark(SQLModel, table=True):
    """An organisation marked present, absent or excused by hand: it wins over check-ins."""

    __tablename__ = "meeting_attendance_mark"

    meeting_id: int = Field(sa_column=_meeting())
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    mark: AttendanceMark = Field(
        sa_column=Column(_enum(AttendanceMark, "attendance_mark"), nullable=False)
    )
    # The coordinator's Telegram id.
    marked_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    marked_at: datetime = Field(sa_type=UTCDateTime)


class MeetingNote(SQLModel, table=True):
    """A note on an agenda item (None: on the meeting as a whole), for the minutes."""

    __tablename__ = "meeting_note"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    agenda_item_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("agenda_item.id", ondelete="SET NULL"), nullable=True),
    )
    text: str = Field(sa_column=Column(Text, nullable=False))
    # The coordinator's Telegram id.
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime)


class MeetingAttendancePost(SQLModel, table=True):
    """A coordinator's /anwesenheit message: edited (through the outbox) as people check in."""

    __tablename__ = "meeting_attendance_post"

    chat_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    message_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    posted_at: datetime = Field(sa_type=UTCDateTime)


class MeetingBallot(SQLModel, table=True):
    """A vote taken during a meeting: its meeting and agenda item."""

    __tablename__ = "meeting_ballot"

    ballot_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True)
    )
    meeting_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    agenda_item_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("agenda_item.id", ondelete="SET NULL"), nullable=True),
    )


class MeetingBallotVoter(SQLModel, table=True):
    """The organisations present when a meeting's vote opened: only they vote on it."""

    __tablename__ = "meeting_ballot_voter"

    ballot_id: int = Field(
        sa_column=Column(Integer, ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True)
    )
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
        )
    )
