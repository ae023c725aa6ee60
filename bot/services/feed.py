"""Calendar files: a meeting's .ics (invitation, update, cancellation) and the member's personal
feed (webcal) of meetings and their organisation's open tasks, reached by a secret token."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.calendar import (
    CalendarEvent,
    Organizer,
    render_cancellation,
    render_feed,
    render_invitation,
)
from bot.clock import Clock
from bot.services.actor import Actor
from bot.services.ids import id_of
from bot.services.uow import UnitOfWorkFactory
from bot.texts.meetings import Agenda, plain_agenda_line
from storage.models import CalendarFeed, Meeting, MeetingStatus, Task
from storage.models_meetings import CoordinatorFeed

# Cancelled meetings stay in the feed (as cancelled) this long, so that calendars drop them.
FEED_CANCELLED_DAYS = 30


def meeting_event(meeting: Meeting, agenda: Agenda) -> CalendarEvent:
    parts = []
    if meeting.description:
        parts.append(meeting.description)
    if agenda:
        parts.append(
            "Tagesordnung:\n" + "\n".join(plain_agenda_line(item, org) for item, org in agenda)
        )
    if meeting.online_url:
        parts.append(f"Online: {meeting.online_url}")
    cancelled = meeting.status is MeetingStatus.CANCELLED
    if cancelled and meeting.cancel_reason:
        parts.append(f"Abgesagt: {meeting.cancel_reason}")
    return CalendarEvent(
        uid=meeting.uid,
        sequence=meeting.sequence,
        title=meeting.title,
        start=meeting.starts_at,
        end=meeting.ends_at,
        location=meeting.location,
        description="\n\n".join(parts) or None,
        url=meeting.online_url,
        status="CANCELLED" if cancelled else "CONFIRMED",
        created=meeting.created_at,
        last_modified=meeting.updated_at,
    )


def task_event(task: Task) -> CalendarEvent:
    """An open task as an all-day entry on its due date."""
    return CalendarEvent(
        uid=f"task-{task.id}@forum-assistant",
        sequence=0,
        title=f"Aufgabe #{task.id}: {task.title}",
        start=task.due_date,
        end=task.due_date + timedelta(days=1),
        description=task.description,
        categories=("Aufgabe",),
        created=task.created_at,
        last_modified=task.updated_at,
    )


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

    def meeting_file(self, meeting: Meeting, agenda: Agenda) -> bytes:
        """The .ics of one meeting: an invitation (REQUEST), or its cancellation (CANCEL)."""
        render = (
            render_cancellation if meeting.status is MeetingStatus.CANCELLED else render_invitation
        )
        return render(
            meeting_event(meeting, agenda),
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
        if not (20 <= len(token) <= 64) or not token.replace("-", "").replace("_", "").isalnum():
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
