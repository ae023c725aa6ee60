"""Tables of the OParl interface (issue 21): which meetings are internal, each member
organisation's own council system, and which members agreed to be named.

The objects' `created` and `modified` come from the change stamps (storage.calendar_stamps),
which this issue gave a first and a latest time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class MeetingInternal(SQLModel, table=True):
    """A meeting marked internal (`/termin <nr> intern`): not in OParl. No row: public."""

    __tablename__ = "meeting_internal"

    meeting_id: int = Field(
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    )
    marked_at: datetime = Field(sa_type=UTCDateTime)
    # The coordinator's Telegram id.
    marked_by: int = Field(sa_column=Column(BigInteger, nullable=False))


class OrganisationExternalBody(SQLModel, table=True):
    """The URL of a member organisation's own OParl body (its council information system)."""

    __tablename__ = "organisation_external_body"

    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
        )
    )
    url: str = Field(max_length=500)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class MemberVisibility(SQLModel, table=True):
    """A member who agreed (`/sichtbarkeit`) to be named in OParl as a Person (only with
    OPARL_PERSONS=true). No row: hidden."""

    __tablename__ = "member_visibility"

    member_id: int = Field(
        sa_column=Column(Integer, ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    )
    agreed_at: datetime = Field(sa_type=UTCDateTime)
