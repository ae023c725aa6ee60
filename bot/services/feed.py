"""Calendar files: a meeting's .ics (invitation, update, cancellation) and the member's personal
feed (webcal) of meetings and their organisation's open tasks, reached by a secret token."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.calendar import (
    CalendarEvent,
    Organizer,
    render_cancellation,
    render_feed,
    render_invitation,
)
from bot.clock import Clock
from bot.i18n import FALLBACK, LANGUAGES, catalog
from bot.services.actor import Actor
from bot.services.ids import id_of
from bot.services.uow import UnitOfWorkFactory
from bot.texts.meetings import Agenda, plain_agenda_line
from storage.models import CalendarFeed, Meeting, MeetingStatus, RsvpAnswer, Task
from storage.models_meetings import CoordinatorFeed

# Cancelled meetings stay in the feed (as cancelled) this long, so that calendars drop them.
FEED_CANCELLED_DAYS = 30


def calendar_text(language: str, key: str, **params: object) -> str:
    """A text for a calendar file: plain (no HTML escaping), in `language`."""
    messages = catalog(language if language in LANGUAGES else FALLBACK)
    template = messages.get(key) or catalog(FALLBACK)[key]
    return template.format(**params)


def meeting_event(
    meeting: Meeting,
    agenda: Agenda,
    language: str = FALLBACK,
    answer: RsvpAnswer | None = None,
) -> CalendarEvent:
    """The meeting as a calendar entry in `language`; `answer` is the member's (in their feed).

    A cancelled meeting says so in its title ("Abgesagt: …"), since Outlook shows an event
    with STATUS:CANCELLED like any other, and does not block the time; so does a declined one.
    An online meeting without a place has its link as the location (and as CONFERENCE).
    """
    parts = []
    if answer is not None:
        state = calendar_text(language, f"rsvp.state.{answer.value}")
        parts.append(calendar_text(language, "calendar.your_answer", answer=state))
    if meeting.description:
        parts.append(meeting.description)
    if agenda:
        parts.append(
            calendar_text(language, "calendar.agenda")
            + "\n"
            + "\n".join(plain_agenda_line(item, org) for item, org in agenda)
        )
    if meeting.online_url:
        parts.append(calendar_text(language, "calendar.online", url=meeting.online_url))
    cancelled = meeting.status is MeetingStatus.CANCELLED
    title = meeting.title
    if cancelled:
        title = calendar_text(language, "calendar.cancelled", title=title)
        if meeting.cancel_reason:
            parts.append(calendar_text(language, "calendar.reason", reason=meeting.cancel_reason))
    return CalendarEvent(
        uid=meeting.uid,
        sequence=meeting.sequence,
        title=title,
        start=meeting.starts_at,
        end=meeting.ends_at,
        location=meeting.location,
        description="\n\n".join(parts) or None,
        url=meeting.online_url,
        conference_url=meeting.online_url,
        status="CANCELLED" if cancelled else "CONFIRMED",
        transparent=cancelled or answer is RsvpAnswer.NO,
        created=meeting.created_at,
        last_modified=meeting.updated_at,
    )


def task_event(task: Task, language: str = FALLBACK) -> CalendarEvent:
    """An open task as an all-day entry on its due date: it does not block the day, and its
    SEQUENCE counts the task's revisions."""
    return CalendarEvent(
        uid=f"task-{task.id}@forum-assistant",
        sequence=task.revision,
        title=calendar_text(language, "calendar.task", id=task.id, title=task.title),
        start=task.due_date,
        end=task.due_date + timedelta(days=1),
        description=task.description,
        categories=(calendar_text(language, "calendar.task_category"),),
        transparent=True,
        created=task.created_at,
        last_modified=task.updated_at,
    )


@dataclass(frozen=True)
class FeedLinks:
    """The addresses of one member's feed."""

    https: str
    """The feed itself (Google's "From URL", and what the others fetch)."""
    webcal: str
    """The same with `webcal://`: Apple, Outlook and Thunderbird subscribe when it is opened."""
    google: str
    """Google Calendar's one-click subscription with the webcal address."""
    page: str
    """An https page that opens the webcal address: Telegram's buttons take http(s) only."""


def feed_links(https: str) -> FeedLinks:
    webcal = "webcal://" + https.split("://", 1)[1]
    return FeedLinks(
        https=https,
        webcal=webcal,
        google="https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe=""),
        page=https.removesuffix(".ics") + "/subscribe",
    )


def plausible_token(token: str) -> bool:
    return 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token(secret: str, owner: int | str, generation: int) -> str:
    """A feed's token: a member's (`owner` their id) or a coordinator's."""
    digest = hmac.new(
        secret.encode(), f"feed:{owner}:{generation}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


class FeedService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        zone: ZoneInfo,
        organizer: Organizer,
        calendar_name: str,
        public_base_url: str,
        coordinator_ids: frozenset[int] = frozenset(),
    ) -> None:
        self._uow = uow
        self._coordinators = coordinator_ids
        self._clock = clock
        self._zone = zone
        self._organizer = organizer
        self._calendar_name = calendar_name
        self._base_url = public_base_url

    def meeting_file(self, meeting: Meeting, agenda: Agenda, language: str = FALLBACK) -> bytes:
        """The .ics of one meeting: an invitation (PUBLISH), or its cancellation (CANCEL)."""
        render = (
            render_cancellation if meeting.status is MeetingStatus.CANCELLED else render_invitation
        )
        return render(
            meeting_event(meeting, agenda, language),
            zone=self._zone,
            organizer=self._organizer,
            now=self._clock.now(),
        )

    async def feed_url(self, actor: Actor, *, reset: bool = False) -> str:
        """The member's feed address (https form); `reset` revokes the old and issues a new.
        A coordinator's feed has every meeting."""
        if actor.is_coordinator:
            return await self._coordinator_url(actor.telegram_id, reset=reset)
        member = actor.require_member()
        member_id = id_of(member)
        now = self._clock.now()
        async with self._uow() as uow:
            secret = await uow.feeds.secret(secrets.token_urlsafe(32), now)
            feed = await uow.feeds.of_member(member_id)
            generation = 1 if feed is None else feed.generation + (1 if reset else 0)
            token = feed_token(secret, member_id, generation)
            if feed is None or reset:
                await uow.feeds.put(
                    CalendarFeed(
                        member_id=member_id,
                        generation=generation,
                        token_hash=hash_token(token),
                        created_at=now,
                    )
                )
            await uow.commit()
        return f"{self._base_url}/calendar/{token}.ics"

    def links(self, token: str) -> FeedLinks:
        return feed_links(f"{self._base_url}/calendar/{token}.ics")

    async def subscription(self, token: str) -> FeedLinks | None:
        """The links of a feed for its subscription page, or None (no such feed)."""
        if not plausible_token(token):
            return None
        async with self._uow() as uow:
            feed = await uow.feeds.by_token_hash(hash_token(token))
            if feed is None:  # a coordinator's feed, while they coordinate
                own = await uow.feeds.coordinator_by_token_hash(hash_token(token))
                valid = own is not None and own.telegram_id in self._coordinators
                return self.links(token) if valid else None
            member = await uow.members.get(feed.member_id)
        if member is None or member.telegram_id is None:
            return None
        return self.links(token)

    async def _coordinator_url(self, telegram_id: int, *, reset: bool) -> str:
        now = self._clock.now()
        async with self._uow() as uow:
            secret = await uow.feeds.secret(secrets.token_urlsafe(32), now)
            feed = await uow.feeds.of_coordinator(telegram_id)
            generation = 1 if feed is None else feed.generation + (1 if reset else 0)
            token = feed_token(secret, f"coordinator-{telegram_id}", generation)
            if feed is None or reset:
                await uow.feeds.put_coordinator(
                    CoordinatorFeed(
                        telegram_id=telegram_id,
                        generation=generation,
                        token_hash=hash_token(token),
                        created_at=now,
                    )
                )
            await uow.commit()
        return f"{self._base_url}/calendar/{token}.ics"

    async def feed(self, token: str) -> bytes | None:
        """The feed for a token, or None (unknown, revoked, or its member left)."""
        if not plausible_token(token):
            return None
        now = self._clock.now()
        async with self._uow() as uow:
            feed: CalendarFeed | CoordinatorFeed | None
            feed = await uow.feeds.by_token_hash(hash_token(token))
            if feed is None:
                feed = await uow.feeds.coordinator_by_token_hash(hash_token(token))
            if feed is None or not hmac.compare_digest(feed.token_hash, hash_token(token)):
                return None
            meetings = await uow.meetings.for_feed(now - timedelta(days=FEED_CANCELLED_DAYS))
            tasks: Sequence[Task] = []
            if isinstance(feed, CoordinatorFeed):  # every meeting, while they coordinate
                if feed.telegram_id not in self._coordinators:
                    return None
            else:
                member = await uow.members.get(feed.member_id)
                if member is None or member.telegram_id is None:
                    return None
                # Only what the member is invited to: the forum's and their groups' meetings.
                mine = await uow.groups.group_ids_of(feed.member_id)
                meetings = [m for m in meetings if m.group_id is None or m.group_id in mine]
                tasks = await uow.tasks.open_tasks(
                    organisation_id=member.organisation_id, member_id=member.id
                )
            agendas = await uow.meetings.agendas([id_of(m) for m in meetings])
        # The meetings, and the open tasks of the member and their organisation.
        events = [meeting_event(m, agendas[id_of(m)]) for m in meetings]
        events += [task_event(task) for task in tasks]
        # DTSTAMP is the newest change, not the current time: the file (and its ETag) stays
        # the same until something changes, so hourly polls get 304 Not Modified.
        stamp = max(
            [m.updated_at for m in meetings] + [task.updated_at for task in tasks],
            default=feed.created_at,
        )
        # Rendering a large feed takes a while: off the event loop that serves Telegram.
        return await asyncio.to_thread(
            render_feed,
            events,
            zone=self._zone,
            organizer=self._organizer,
            now=stamp,
            name=self._calendar_name,
        )
