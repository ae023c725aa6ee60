"""A task's history (`task_event`): what happened to it, who did it, when, and why.

One row per event: created, a comment, a done report, reopened, reassigned, a new due date,
cancelled. The reason or comment the person gave is kept in `text`; a change of due date or
owner keeps the value before and after it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, Text
from sqlmodel import Field, SQLModel

from storage.models import _enum
from storage.types import UTCDateTime


class TaskEventKind(enum.StrEnum):
    CREATED = "created"
    COMMENT = "comment"
    DONE = "done"
    REOPENED = "reopened"
    REASSIGNED = "reassigned"
    DUE_CHANGED = "due_changed"
    CANCELLED = "cancelled"
    # The member who owned it left the forum: it passed to their organisation.
    HANDED_OVER = "handed_over"


def _member() -> Column[int]:
    return Column(Integer, ForeignKey("member.id", ondelete="SET NULL"), nullable=True)


def _organisation() -> Column[int]:
    return Column(Integer, ForeignKey("organisation.id", ondelete="SET NULL"), nullable=True)


class TaskEvent(SQLModel, table=True):
    __tablename__ = "task_event"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("task.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: TaskEventKind = Field(
        sa_column=Column(_enum(TaskEventKind, "task_event_kind"), nullable=False)
    )
    at: datetime = Field(sa_type=UTCDateTime)
    # Who: a member (name and organisation are shown), and/or the coordination.
    member_id: int | None = Field(default=None, sa_column=_member())
    by_coordinator: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, default=False)
    )
    # The comment, or the reason given for a change.
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # A new due date (created, due_changed) and the one before it (due_changed).
    due_date: date | None = None
    previous_due_date: date | None = None
    # The owner after the event (created, reassigned) and before it (reassigned).
    owner_organisation_id: int | None = Field(default=None, sa_column=_organisation())
    owner_member_id: int | None = Field(default=None, sa_column=_member())
    previous_organisation_id: int | None = Field(default=None, sa_column=_organisation())
    previous_member_id: int | None = Field(default=None, sa_column=_member())
