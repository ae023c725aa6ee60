"""Change stamps of the calendar feeds (issue 19): a counter per scope, raised in the same
transaction as any change that a feed shows (see `storage.calendar_stamps`).

Scopes: `meetings` (any meeting or agenda item: every feed lists them), `org:<id>` (that
organisation's tasks), `member:<id>` (the member's own tasks and answers). A feed's ETag is made
of the counters of its scopes, so a `304 Not Modified` needs one small query and no rendering.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class CalendarStamp(SQLModel, table=True):
    __tablename__ = "calendar_stamp"

    scope: str = Field(primary_key=True, max_length=40)
    version: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    # When the counter was first and last raised (OParl's `created` and `modified`, issue 21);
    # NULL for counters from before.
    created_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
