"""The buttons of the decision register's ratifications (issue 16) and of the meeting day
(issue 17); read and re-exported by bot/callbacks.py, which all code uses."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.callback_base import Kind


@dataclass(frozen=True)
class CouncilDate(Kind):
    """Ratstermin eintragen (or change it) under a ratification message: the next message is
    the date and the council body (issue 16)."""

    FORMAT = "rt:date:{ratification_id}"

    ratification_id: int


@dataclass(frozen=True)
class CouncilDefer(Kind):
    """Rat hat vertagt: the next message is the new date (or "offen")."""

    FORMAT = "rt:defer:{ratification_id}"

    ratification_id: int


class CouncilAnswer(enum.StrEnum):
    APPROVED = "yes"
    REJECTED = "no"
    WITHDRAWN = "drop"  # Vorbehalt entfällt


@dataclass(frozen=True)
class CouncilOutcome(Kind):
    """Rat hat zugestimmt / abgelehnt, or Vorbehalt entfällt, under a ratification message."""

    answer: CouncilAnswer
    ratification_id: int

    @property
    def data(self) -> str:
        return f"rt:{self.answer.value}:{self.ratification_id}"


@dataclass(frozen=True)
class CheckIn(Kind):
    """Ich bin da (in person, or online) under a meeting's check-in message (issue 17)."""

    meeting_id: int
    online: bool

    @property
    def data(self) -> str:
        return f"ci:{self.meeting_id}:{'o' if self.online else 'p'}"


ATTENDANCE_CODES: dict[str, str] = {"present": "p", "absent": "a", "excused": "e"}
ATTENDANCE_OF = {code: mark for mark, code in ATTENDANCE_CODES.items()}


@dataclass(frozen=True)
class MarkAttendance(Kind):
    """Under /anwesenheit: an organisation marked present, absent or excused by hand (`mark`
    None: the view shown again, refreshed)."""

    meeting_id: int
    organisation_id: int | None = None
    mark: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.organisation_id is None) != (self.mark is None) or (
            self.mark is not None and self.mark not in ATTENDANCE_CODES
        ):
            raise ValueError("an organisation goes with a mark and nothing else")

    @property
    def data(self) -> str:
        if self.mark is None:
            return f"at:{self.meeting_id}"
        return f"at:{self.meeting_id}:{self.organisation_id}:{ATTENDANCE_CODES[self.mark]}"
