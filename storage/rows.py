"""Plain values the repositories return besides the table rows: no SQL, so the services (and
their in-memory fakes) may use them without depending on the database."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from storage.enums import RsvpAnswer

if TYPE_CHECKING:
    from storage.models import Ballot, Meeting, Member, Organisation, Proposal


class StoredForm(NamedTuple):
    """A person's open guided form in one chat, as stored (`form_state`): read with the
    identification, so that a command or a text needs no query of its own for it."""

    state: str
    updated_at: datetime


class SentMessage(NamedTuple):
    """An outbox row that reached its chat, with the message id Telegram gave."""

    id: int
    chat_id: int
    member_id: int | None
    telegram_message_id: int


class FeedState(NamedTuple):
    """What a member's calendar feed depends on, read in one query: its ETag is made of this."""

    member_id: int
    organisation_id: int | None
    telegram_id: int | None
    language: str | None
    """The member's chosen language (None: the default)."""
    meetings: int
    """Change counters (storage.models_calendar): any meeting, the organisation's tasks, the
    member's own tasks and answers."""
    organisation: int
    member: int
    groups: tuple[int, ...] = ()
    """The member's working groups: their meetings are in the feed too."""
    everything: bool = False
    """A coordinator's feed: every meeting, no tasks (member_id 0, telegram_id theirs)."""


class FeedEntry(NamedTuple):
    """A meeting of a feed, without its texts: enough to find its rendered VEVENT."""

    id: int
    uid: str
    sequence: int
    revision: int
    """The meeting's change counter: raised by any change of it or its agenda."""
    answer: RsvpAnswer | None
    """The member's answer to it."""
    group_id: int | None = None
    """The working group it is for (None: the whole forum)."""


class UpcomingMeeting(NamedTuple):
    """A meeting of a member's `/termine`, with what the list shows of it, read in one query."""

    meeting: Meeting
    answer: RsvpAnswer | None
    """The member's standing answer."""
    earlier: RsvpAnswer | None
    """Their answer before the meeting moved (they are asked again)."""
    group_name: str | None
    """The working group's name (an active group's meeting)."""
    in_series: bool
    in_group: bool
    """The member belongs to the meeting's working group."""


class BallotTopic(NamedTuple):
    """A ballot with its proposal, who proposed it and their organisation, and how many rounds
    the proposal's vote has had (right for its open, latest ballot), read in one query."""

    ballot: Ballot
    proposal: Proposal
    proposer: Member | None
    organisation: Organisation | None
    rounds: int
