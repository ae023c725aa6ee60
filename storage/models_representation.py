"""Who speaks for an organisation in votes (issue 15): one Stimmführung and any number of
Stellvertretungen, each a member of that organisation. A person has at most one role; an
organisation at most one Stimmführung (the partial unique index)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, text
from sqlmodel import Field, SQLModel

from storage.enums import RepresentativeRole
from storage.models import _enum
from storage.types import UTCDateTime


class Representative(SQLModel, table=True):
    __table_args__ = (
        Index(
            "ix_representative_one_lead",
            "organisation_id",
            unique=True,
            sqlite_where=text("role = 'lead'"),
            postgresql_where=text("role = 'lead'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    member_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("member.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    role: RepresentativeRole = Field(
        sa_column=Column(_enum(RepresentativeRole, "representative_role"), nullable=False)
    )
    appointed_at: datetime = Field(sa_type=UTCDateTime)
