"""Change stamps of the calendar feeds (issue 19): a counter per scope, raised in the same
transaction as any change that a feed shows (see `storage.calendar_stamps`).

Scopes: `meetings` (any meeting or agenda item: every feed lists them), `org:<id>` (that
organisation's tasks), `member:<id>` (the member's own tasks and answers). A feed's ETag is made
of the counters of its scopes, so a `304 Not Modified` needs one small query and no rendering.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel


class CalendarStamp(SQLModel, table=True):
    __tablename__ = "calendar_stamp"

    scope: str = Field(primary_key=True, max_length=40)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
