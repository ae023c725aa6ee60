"""What every kind of callback data shares (bot/callbacks.py): the ids it may carry, its length,
and the base class that checks the ids and spells the data."""

from __future__ import annotations

from typing import ClassVar

# A record's id in callback data: positive, at most nine digits (fits every id column).
ID = r"[1-9][0-9]{0,8}"
MAX_ID = 999_999_999
MAX_BYTES = 64


def check_id(value: int) -> None:
    if not 1 <= value <= MAX_ID:
        raise ValueError(f"an id in callback data is 1 to {MAX_ID}, not {value}")


class Kind:
    """What every kind shares: its ids are checked when it is made, and `FORMAT`, filled in
    with its fields, spells its data (kinds that carry letters or words spell it themselves)."""

    FORMAT: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for value in vars(self).values():
            if type(value) is int:
                check_id(value)

    @property
    def data(self) -> str:
        return self.FORMAT.format(**vars(self))
