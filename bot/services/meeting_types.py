"""What the meeting use cases take and give: drafts and changes in, views out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.meeting_notices import MeetingChange
from bot.texts.meetings import Agenda
from storage.models import Meeting, Member, Organisation, RsvpAnswer


@dataclass(frozen=True)
class MeetingDraft:
    title: str
    start: datetime
    end: datetime | None
    location: str | None = None
    online_url: str | None = None
    description: str | None = None
    group_id: int | None = None


@dataclass(frozen=True)
class MeetingChanges:
    """What an edit changes; None: stays as it is ("" clears a place or description)."""

    title: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    location: str | None = None
    online_url: str | None = None
    description: str | None = None


def changed_draft(
    meeting: Meeting, changes: MeetingChanges, start: datetime, end: datetime
) -> MeetingDraft:
    """The meeting as a draft with `changes` applied (None keeps the meeting's value), to be
    checked like a new one."""

    def pick(new: str | None, old: str | None) -> str | None:
        return old if new is None else new

    return MeetingDraft(
        title=pick(changes.title, meeting.title) or "",
        start=start,
        end=end,
        location=pick(changes.location, meeting.location),
        online_url=pick(changes.online_url, meeting.online_url),
        description=pick(changes.description, meeting.description),
    )


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    answer: RsvpAnswer | None
    # The member's answer before the meeting moved (they are asked again), if any.
    earlier: RsvpAnswer | None = None
    # False: a working group's meeting the member is not invited to (/termine alle).
    invited: bool = True
    group_name: str | None = None
    # One of a series' meetings (issue 18): /termine marks it.
    in_series: bool = False


@dataclass(frozen=True)
class MeetingUpdate:
    """A meeting after an edit or a move, and what changed."""

    meeting: Meeting
    change: MeetingChange


@dataclass(frozen=True)
class Answered:
    """A member's answer, with what the caption under the invitation shows."""

    meeting: Meeting
    agenda: Agenda
    answer: RsvpAnswer


@dataclass(frozen=True)
class MeetingDetails:
    meeting: Meeting
    agenda: Agenda
    group_name: str | None
    answer: RsvpAnswer | None
    # For the coordinator: per organisation, who answered what; and who has not answered.
    answers: list[tuple[Organisation, list[tuple[Member, RsvpAnswer]]]]
    silent: list[Organisation]
    # False: a working group's meeting the asking member is not invited to.
    invited: bool = True
