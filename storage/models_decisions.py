"""Tables of the decision register (issue 16).

`decision`: a vote that ended accepted, numbered per year (`2026/07`), created in the
transaction that closes the vote (one per ballot). `ratification`: one organisation's council
on a decision its vote agreed to "vorbehaltlich Ratsbeschluss". `decision_task`: tasks linked to
a decision. Every row keeps created_at/updated_at (read by the OParl interface later).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, Enum, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.enums import DecisionStatus, RatificationStatus
from storage.types import UTCDateTime


def _enum(kind: type[DecisionStatus] | type[RatificationStatus], name: str) -> Enum:
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class Decision(SQLModel, table=True):
    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("year", "number", name="uq_decision_year_number"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    number: int
    ballot_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("ballot.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    proposal_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("proposal.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    title: str = Field(max_length=200)
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime = Field(sa_type=UTCDateTime)
    meeting_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("meeting.id", ondelete="SET NULL"), nullable=True),
    )
    group_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("working_group.id", ondelete="SET NULL"), nullable=True
        ),
    )
    status: DecisionStatus = Field(
        sa_column=Column(_enum(DecisionStatus, "decision_status"), nullable=False)
    )
    # When the decision is announced to every member (its wording may change until then).
    announce_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Ratification(SQLModel, table=True):
    __tablename__ = "ratification"
    __table_args__ = (
        UniqueConstraint("decision_id", "organisation_id", name="uq_ratification_decision_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(
        sa_column=Column(Integer, ForeignKey("decision.id", ondelete="CASCADE"), nullable=False)
    )
    organisation_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # How many "Ja, vorbehaltlich" it stands for (one per organisation; people in member mode).
    weight: int = Field(default=1)
    status: RatificationStatus = Field(
        sa_column=Column(_enum(RatificationStatus, "ratification_status"), nullable=False)
    )
    body: str | None = Field(default=None, max_length=100)  # Gemeinderat, Kreistag …
    council_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    outcome_date: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    link: str | None = Field(default=None, max_length=500)
    # Since when a council date is missing (the decision, or a deferral without a new date).
    waiting_since: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class DecisionTask(SQLModel, table=True):
    __tablename__ = "decision_task"

    decision_id: int = Field(
        sa_column=Column(Integer, ForeignKey("decision.id", ondelete="CASCADE"), primary_key=True)
    )
    task_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("task.id", ondelete="CASCADE"), primary_key=True, unique=True
        )
    )
    created_at: datetime = Field(sa_type=UTCDateTime)
