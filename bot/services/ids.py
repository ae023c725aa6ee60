"""The id of a stored record, for the places that need it as an int."""

from __future__ import annotations

from typing import Protocol


class Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(record: Stored) -> int:
    """A record's id; it has one once it is stored (flushed), which every caller ensures."""
    if record.id is None:
        raise ValueError(f"{type(record).__name__} is not stored yet")
    return record.id
