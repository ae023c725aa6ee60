"""One export as plain data: a title, headers, rows of typed values, and label/value notes
under the table (the totals of a vote record). No translation, no formatting of values: the
writers decide how a date or a number is written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# A cell: text, a number, a calendar day, or a moment (always aware: the service converts it
# to the forum's time zone, and the writers write that zone's wall-clock time).
Cell = str | int | float | date | datetime | None
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Sheet:
    title: str  # the worksheet's name (Excel allows 31 characters)
    filename: str  # without extension, e.g. "abstimmung-3_2026-12-03"
    headers: tuple[str, ...]
    rows: list[Row]
    notes: list[tuple[str, Cell]] = field(default_factory=list)
    # Number formats for days and moments, in the reader's language.
    date_format: str = "DD.MM.YYYY"
    datetime_format: str = "DD.MM.YYYY HH:MM"

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.headers):
                raise ValueError(f"a row of {len(row)} cells under {len(self.headers)} headers")
            for value in row:
                if isinstance(value, datetime) and value.tzinfo is None:
                    raise ValueError("a moment in a sheet must be aware")


def wall_clock(value: datetime) -> datetime:
    """The moment as its own zone's wall-clock time, without the zone (spreadsheets have none)."""
    return value.replace(tzinfo=None)
