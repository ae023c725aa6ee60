"""The meeting form's draft (handlers/meeting_wizard.py): JSON values only, so that it is
stored with the form's state between answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.timezones import after
from handlers import forms


@dataclass(frozen=True)
class MeetingAnswers:
    """The draft: JSON values only (the start as ISO 8601 text)."""

    meeting_id: int | None = None  # the meeting being edited; None: a new one
    title: str = ""
    start: str = ""
    minutes: int = 0
    # The time came as a range (18-20 Uhr): the duration step was skipped, Zurück skips it too.
    ranged: bool = False
    location: str | None = None
    online_url: str | None = None
    description: str | None = None
    group_id: int | None = None
    group_name: str | None = None
    # A new meeting given in one line, or after Bearbeiten under its preview: each field's
    # step returns to the choice of fields, and from there to the preview.
    review: bool = False
    # A series (issue 18): the rule in the words bot.recurrence reads ("" : one meeting).
    rule: str = ""

    @property
    def editing(self) -> bool:
        return self.meeting_id is not None

    @property
    def choosing(self) -> bool:
        return self.editing or self.review

    @property
    def starts_at(self) -> datetime:
        return datetime.fromisoformat(self.start)

    @property
    def ends_at(self) -> datetime:
        return after(self.starts_at, timedelta(minutes=self.minutes))


Answers = MeetingAnswers
Outcome = forms.Go[Answers] | forms.Finish
