"""Calendar files: a meeting's .ics (invitation, update, cancellation) and the member's personal
feed (webcal) of meetings and their organisation's open tasks, reached by a secret token."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import TYPE_CHECKING
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.calendar import (
    CalendarEvent,
    Organizer,
    assemble_feed,
    feed_event,
    render_cancellation,
    render_invitation,
)
from bot.clock import Clock
from bot.collector import collector_paused
from bot.i18n import FALLBACK, LANGUAGES, catalog
from bot.services.actor import Actor
from bot.services.ids import id_of
from bot.services.lru import Lru as _Lru
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.texts.meetings import Agenda, plain_agenda_line
from storage.models import CalendarFeed, Meeting, MeetingStatus, RsvpAnswer, Task
from storage.models_meetings import CoordinatorFeed
from storage.rows import FeedEntry, FeedState

if TYPE_CHECKING:
    from bot.services.series_files import SeriesFiles

# Cancelled meetings stay in the feed (as cancelled) this long, so that calendars drop them.
FEED_CANCELLED_DAYS = 30
# Past meetings in the feed: those of the last FEED_PAST_DAYS (the setting's default).
FEED_PAST_DAYS = 365
# Raise when what the feed renders changes: new ETags, so clients fetch the new form.
FEED_FORMAT = 2
# Rendered VEVENTs kept (about 1 KB each), and the last feeds whole (raw and gzip).
EVENT_CACHE_ENTRIES = 50_000
BODY_CACHE_BYTES = 32 * 1024 * 1024
# A feed's state (its ETag's inputs) read from the database is trusted this long when no
# commit of this process changed a feed since: changes made by another process show after it.
STATE_SECONDS = 5.0
STATE_ENTRIES = 10_000
# Up to this many VEVENTs are rendered on the event loop (under a millisecond each).
RENDER_INLINE = 8


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


def feed_token(secret: str, member_id: int | str, generation: int) -> str:
    digest = hmac.new(
        secret.encode(), f"feed:{member_id}:{generation}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


class FeedBody:
    """A rendered feed and its ETag; the gzip form is made once, when first asked for."""

    __slots__ = ("_gzipped", "data", "etag")

    def __init__(self, etag: str, data: bytes) -> None:
        self.etag = etag
        self.data = data
        self._gzipped: bytes | None = None

    async def gzipped(self) -> bytes:
        if self._gzipped is None:
            # mtime 0: the same bytes every time (and in every process).
            self._gzipped = await asyncio.to_thread(gzip.compress, self.data, 6, mtime=0)
        return self._gzipped

    @property
    def size(self) -> int:
        return len(self.data) + len(self._gzipped or b"")


async def feed_meetings(
    uow: UnitOfWork, state: FeedState, *, ended_after: datetime, cancelled_since: datetime
) -> Sequence[FeedEntry]:
    """The meetings in a member's feed, by start: those ending after `ended_after` (cancelled
    ones only if cancelled after `cancelled_since`). What this depends on must be in the feed's
    ETag: every meeting (the `meetings` stamp) and the member's working groups (`groups`).
    A member's feed has what they are invited to: the forum's meetings and their working
    groups'; a coordinator's has every meeting."""
    entries = await uow.meetings.feed_entries(ended_after, cancelled_since, state.member_id)
    if state.everything:
        return entries
    return [e for e in entries if e.group_id is None or e.group_id in state.groups]


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
        default_language: str = FALLBACK,
        past_days: int = FEED_PAST_DAYS,
        changes: Callable[[], int] | None = None,
        coordinator_ids: frozenset[int] = frozenset(),
    ) -> None:
        """`changes` counts this process's commits that changed what feeds show
        (`storage.calendar_stamps.Committed`): with it, a feed's state is kept in memory until
        the next such commit, STATE_SECONDS at most; without it, read for every request."""
        self._uow = uow
        self._coordinators = coordinator_ids
        self._clock = clock
        self._zone = zone
        self._organizer = organizer
        self._calendar_name = calendar_name
        self._base_url = public_base_url
        self._language = default_language
        self._past_days = past_days
        self._changes = changes
        self._states: _Lru[str, tuple[FeedState, int, float]] = _Lru(STATE_ENTRIES)
        # Each VEVENT rendered once per revision; the last feeds whole, by ETag.
        self._events: _Lru[tuple[object, ...], bytes] = _Lru(EVENT_CACHE_ENTRIES)
        self._bodies: _Lru[str, FeedBody] = _Lru(BODY_CACHE_BYTES, lambda body: body.size)
        self.series: SeriesFiles | None = None  # a series' meetings as one object (issue 18)

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

    async def etag(self, token: str) -> str | None:
        """The ETag of a token's feed, from one small query (or none) and without rendering
        it; None for an unknown or revoked token or a member who left."""
        if not plausible_token(token):
            return None
        token_hash = hash_token(token)
        state = self._known_state(token_hash)
        if state is None:
            async with self._uow() as uow:
                state = await self._read_state(uow, token_hash)
        if state is None:
            return None
        return self._etag(state, self._clock.now().astimezone(UTC).date())

    async def body(self, token: str) -> FeedBody | None:
        """The feed for a token with its ETag, or None (as `etag`)."""
        if not plausible_token(token):
            return None
        today = self._clock.now().astimezone(UTC).date()
        token_hash = hash_token(token)
        known = self._known_state(token_hash)
        if known is not None:
            cached = self._bodies.get(self._etag(known, today))
            if cached is not None:
                return cached
        async with self._uow() as uow:
            state = await self._read_state(uow, token_hash)
            if state is None:
                return None
            etag = self._etag(state, today)
            cached = self._bodies.get(etag)
            if cached is not None:
                return cached
            with collector_paused():  # a feed's worth of rows read and rendered: bulk work
                parts = await self._parts(uow, state, today)
        body = FeedBody(etag, await self._assemble(parts, today))
        self._bodies.put(etag, body)
        return body

    def _known_state(self, token_hash: str) -> FeedState | None:
        """The feed's state as read lately, if no commit of this process changed what feeds
        show since and it is at most STATE_SECONDS old (changes by other processes)."""
        if self._changes is None:
            return None
        known = self._states.get(token_hash)
        if known is None:
            return None
        state, changes, read_at = known
        if changes != self._changes() or time.monotonic() - read_at > STATE_SECONDS:
            return None
        return state

    async def _read_state(self, uow: UnitOfWork, token_hash: str) -> FeedState | None:
        changes = self._changes() if self._changes is not None else 0  # before the query
        state = await uow.feeds.state(token_hash)
        if state is None or state.telegram_id is None:
            return None
        if state.everything and state.telegram_id not in self._coordinators:
            return None  # no longer a coordinator: their feed ends
        if self._changes is not None:
            self._states.put(token_hash, (state, changes, time.monotonic()))
        return state

    async def feed(self, token: str) -> bytes | None:
        """The feed for a token, or None (unknown, revoked, or its member left)."""
        body = await self.body(token)
        return None if body is None else body.data

    def _etag(self, state: FeedState, today: date) -> str:
        # Today's date: the feed's window moves on by itself, once a day.
        key = ":".join(
            str(part)
            for part in (
                FEED_FORMAT,
                state.member_id,
                state.organisation_id,
                self._language_of(state),
                state.meetings,
                state.organisation,
                state.member,
                ",".join(map(str, state.groups)),
                state.everything,
                state.telegram_id if state.everything else "",
                today.isoformat(),
                self._past_days,
                self._calendar_name,
            )
        )
        return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'

    def _language_of(self, state: FeedState) -> str:
        language = state.language or self._language
        return language if language in LANGUAGES else FALLBACK

    async def _parts(self, uow: UnitOfWork, state: FeedState, today: date) -> list[bytes]:
        """The VEVENTs of the feed: from the cache, the missing ones rendered (and kept)."""
        midnight = datetime.combine(today, clock_time(), UTC)
        around = self._around(today)
        language = self._language_of(state)
        entries = await feed_meetings(
            uow,
            state,
            ended_after=midnight - timedelta(days=self._past_days),
            cancelled_since=midnight - timedelta(days=FEED_CANCELLED_DAYS),
        )
        series: list[tuple[tuple[object, ...], list[CalendarEvent]]] = []
        if self.series is not None:  # a series' meetings: its master and overrides
            entries, series = await self.series.feed_events(uow, entries, language)
        keys = [
            ("m", e.uid, e.sequence, e.revision, e.answer, language, around.year) for e in entries
        ]
        parts: list[bytes | None] = [self._events.get(key) for key in keys]
        missing = [entry.id for entry, part in zip(entries, parts, strict=True) if part is None]
        if missing:
            meetings = await uow.meetings.with_agendas(missing)
            todo = [
                (index, meeting_event(*meetings[e.id], language, e.answer))
                for index, e in enumerate(entries)
                if parts[index] is None and e.id in meetings
            ]
            rendered = await self._render([event for _, event in todo], around)
            for (index, _), data in zip(todo, rendered, strict=True):
                parts[index] = data
                self._events.put(keys[index], data)
        # The open tasks of the member and of their organisation (a few: rendered each time
        # they change, kept like the meetings).
        tasks = (
            []
            if state.everything
            else await uow.tasks.open_tasks(
                organisation_id=state.organisation_id, member_id=state.member_id
            )
        )
        for task in tasks:
            key = ("t", task.id, task.revision, task.updated_at, language, around.year)
            cached = self._events.get(key)
            if cached is None:
                (cached,) = await self._render([task_event(task, language)], around)
                self._events.put(key, cached)
            parts.append(cached)
        for series_key, events in series:
            cached = self._events.get((*series_key, around.year))
            if cached is None:
                cached = b"".join(await self._render(events, around))
                self._events.put((*series_key, around.year), cached)
            parts.append(cached)
        return [part for part in parts if part is not None]

    def _around(self, today: date) -> datetime:
        """The instant whose year's time-zone rules the feed's VTIMEZONE states."""
        return datetime.combine(today, clock_time(12), UTC)

    async def _render(self, events: Sequence[CalendarEvent], around: datetime) -> list[bytes]:
        def render() -> list[bytes]:
            return [
                feed_event(e, zone=self._zone, organizer=self._organizer, around=around)
                for e in events
            ]

        if len(events) <= RENDER_INLINE:
            return render()
        # Many at once (a cold cache) take a while: off the event loop that serves Telegram.
        return await asyncio.to_thread(render)

    async def _assemble(self, parts: Sequence[bytes], today: date) -> bytes:
        return assemble_feed(
            parts, zone=self._zone, now=self._around(today), name=self._calendar_name
        )
