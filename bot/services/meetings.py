"""Meetings (Sitzungen): create, invite, RSVP, move, cancel, agenda, reminders, minutes, feed.

Every change stores its notifications as outbox rows in the same transaction: invitations and
updates with the current .ics, and the reminders, which are derived from the meeting's state and
recomputed whenever it or an answer changes.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.calendar import (
    CalendarEvent,
    Organizer,
    render_cancellation,
    render_feed,
    render_invitation,
)
from bot.clock import Clock
from bot.i18n import Translator, translator
from bot.parsing import clean_block, clean_text
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.ids import id_of
from bot.services.notify import Notifier
from bot.services.uow import UnitOfWork
from storage.models import (
    AgendaItem,
    CalendarFeed,
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    Organisation,
    OutboxMessage,
    Proposal,
    ProposalStatus,
    RsvpAnswer,
)
from storage.repositories import (
    CalendarFeedRepository,
    MeetingRepository,
    ProposalRepository,
    TaskRepository,
)

MAX_TITLE = 200
MAX_LOCATION = 300
MAX_URL = 500
MAX_DESCRIPTION = 2000
# A meeting lasts at most three days; an agenda item at most ten hours.
MAX_MINUTES = 3 * 24 * 60
MAX_AGENDA_MINUTES = 600
MAX_AGENDA_ITEMS = 30
# A member who joins late is invited to at most this many upcoming meetings.
MAX_WELCOME = 20
# Telegram shows at most 1024 characters under a document.
MAX_CAPTION = 1024
FEED_CANCELLED_DAYS = 30


class MeetingUnitOfWork(UnitOfWork, Protocol):
    @property
    def meetings(self) -> MeetingRepository: ...
    @property
    def feeds(self) -> CalendarFeedRepository: ...
    @property
    def tasks(self) -> TaskRepository: ...
    @property
    def proposals(self) -> ProposalRepository: ...


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


@dataclass(frozen=True)
class MeetingView:
    meeting: Meeting
    answer: RsvpAnswer | None


@dataclass(frozen=True)
class MeetingDetails:
    meeting: Meeting
    agenda: list[tuple[AgendaItem, Organisation | None]]
    group_name: str | None
    answer: RsvpAnswer | None
    # For the coordinator: per organisation, who answered what; and who has not answered.
    answers: list[tuple[Organisation, list[tuple[Member, RsvpAnswer]]]]
    silent: list[Organisation]


class MeetingService:
    def __init__(
        self,
        uow: Callable[[], MeetingUnitOfWork],
        clock: Clock,
        notifier: Notifier,
        *,
        zone: ZoneInfo,
        default_duration: timedelta,
        reminders: Sequence[timedelta],
        organizer: Organizer,
        calendar_name: str,
        public_base_url: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.zone = zone
        self._default_duration = default_duration
        self._reminders = tuple(reminders)
        self._organizer = organizer
        self._calendar_name = calendar_name
        self._base_url = public_base_url

    def _work(self) -> MeetingUnitOfWork:
        return self._uow()

    # --- creating and reading ------------------------------------------------------------

    async def create(self, actor: Actor, draft: MeetingDraft) -> Meeting:
        actor.require_coordinator()
        now = self._clock.now()
        title = self.check_title(draft.title)
        end = draft.end or draft.start + self._default_duration
        self._check_times(draft.start, end, now)
        location, online_url, description = self._check_texts(draft)
        async with self._work() as uow:
            if draft.group_id is not None:
                group = await uow.groups.get(draft.group_id)
                if group is None or group.archived_at is not None:
                    raise NotFound("groups.not_found", ref=draft.group_id)
            meeting = await uow.meetings.add(
                Meeting(
                    uid=f"meeting-{secrets.token_hex(8)}@forum-assistant",
                    title=title,
                    starts_at=draft.start,
                    ends_at=end,
                    location=location,
                    online_url=online_url,
                    description=description,
                    group_id=draft.group_id,
                    created_by=actor.telegram_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            await self._notify_all(uow, meeting, "invite")
            await self._reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting

    async def upcoming(self, actor: Actor, limit: int = 10) -> list[MeetingView]:
        if not actor.is_coordinator:
            actor.require_member()
        async with self._work() as uow:
            meetings = await uow.meetings.upcoming(self._clock.now(), limit)
            answers = (
                await uow.meetings.answers_of(actor.member.id, [id_of(m) for m in meetings])
                if actor.member is not None and actor.member.id is not None
                else {}
            )
        return [MeetingView(m, answers.get(id_of(m))) for m in meetings]

    async def details(self, actor: Actor, meeting_id: int) -> MeetingDetails:
        if not actor.is_coordinator:
            actor.require_member()
        async with self._work() as uow:
            meeting = await self._get(uow, meeting_id)
            agenda = await self._agenda(uow, meeting_id)
            group = await uow.groups.get(meeting.group_id) if meeting.group_id else None
            answer = None
            if actor.member is not None and actor.member.id is not None:
                answer = (await uow.meetings.answers_of(actor.member.id, [meeting_id])).get(
                    meeting_id
                )
            per_org: list[tuple[Organisation, list[tuple[Member, RsvpAnswer]]]] = []
            silent: list[Organisation] = []
            if actor.is_coordinator:
                audience = await uow.members.recipients(group_id=meeting.group_id)
                answered = {m.id: (m, r.answer) for r, m in await uow.meetings.answers(meeting_id)}
                organisations = {o.id: o for o in await uow.organisations.all()}
                grouped: dict[int, list[tuple[Member, RsvpAnswer]]] = {}
                invited_orgs: set[int] = set()
                for member in audience:
                    invited_orgs.add(member.organisation_id)
                    if member.id in answered:
                        grouped.setdefault(member.organisation_id, []).append(answered[member.id])
                for org_id in sorted(invited_orgs, key=lambda i: organisations[i].name):
                    if org_id in grouped:
                        per_org.append((organisations[org_id], grouped[org_id]))
                    else:
                        silent.append(organisations[org_id])
        return MeetingDetails(
            meeting=meeting,
            agenda=agenda,
            group_name=group.name if group else None,
            answer=answer,
            answers=per_org,
            silent=silent,
        )

    async def calendar_file(self, actor: Actor, meeting_id: int) -> tuple[Meeting, bytes]:
        if not actor.is_coordinator:
            actor.require_member()
        async with self._work() as uow:
            meeting = await self._get(uow, meeting_id)
            agenda = await self._agenda(uow, meeting_id)
        return meeting, self._ics(meeting, agenda)

    # --- answers -------------------------------------------------------------------------

    async def answer(self, actor: Actor, meeting_id: int, answer: RsvpAnswer) -> MeetingView:
        member = actor.require_member()
        assert member.id is not None
        now = self._clock.now()
        async with self._work() as uow:
            meeting = await self._get(uow, meeting_id)
            if meeting.status is MeetingStatus.CANCELLED:
                raise InvalidInput("meeting.cancelled_already", id=meeting_id)
            if meeting.starts_at <= now:
                raise InvalidInput("meeting.started", id=meeting_id)
            invited = {m.id for m in await uow.members.recipients(group_id=meeting.group_id)}
            if member.id not in invited:
                raise InvalidInput("meeting.not_invited", id=meeting_id)
            await uow.meetings.set_answer(
                MeetingRsvp(
                    meeting_id=meeting_id, member_id=member.id, answer=answer, answered_at=now
                )
            )
            await self._reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return MeetingView(meeting, answer)

    # --- changing ------------------------------------------------------------------------

    async def move(
        self, actor: Actor, meeting_id: int, start: datetime, end: datetime | None
    ) -> Meeting:
        """New start (and end; without one the duration stays), announced to all invited."""
        return await self.update(actor, meeting_id, MeetingChanges(start=start, end=end))

    async def update(self, actor: Actor, meeting_id: int, changes: MeetingChanges) -> Meeting:
        """Change what is given; everyone invited gets the update with SEQUENCE + 1."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._work() as uow:
            meeting = await self._get_scheduled(uow, meeting_id)
            start = changes.start or meeting.starts_at
            end = changes.end or start + (meeting.ends_at - meeting.starts_at)
            if changes.start is not None or changes.end is not None:
                self._check_times(start, end, now)
            draft = MeetingDraft(
                title=changes.title if changes.title is not None else meeting.title,
                start=start,
                end=end,
                location=changes.location if changes.location is not None else meeting.location,
                online_url=(
                    changes.online_url if changes.online_url is not None else meeting.online_url
                ),
                description=(
                    changes.description if changes.description is not None else meeting.description
                ),
            )
            meeting.title = self.check_title(draft.title)
            meeting.location, meeting.online_url, meeting.description = self._check_texts(draft)
            meeting.starts_at, meeting.ends_at = start, end
            meeting.sequence += 1
            meeting.updated_at = now
            await self._notify_all(uow, meeting, "update")
            await self._reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting

    async def get(self, actor: Actor, meeting_id: int) -> Meeting:
        actor.require_coordinator()
        async with self._work() as uow:
            return await self._get_scheduled(uow, meeting_id)

    async def set_reminders(
        self, actor: Actor, meeting_id: int, minutes: Sequence[int] | None
    ) -> Meeting:
        """This meeting's reminders (minutes before the start); None: the configured default."""
        actor.require_coordinator()
        async with self._work() as uow:
            meeting = await self._get_scheduled(uow, meeting_id)
            meeting.reminder_minutes = (
                sorted(set(minutes), reverse=True) if minutes is not None else None
            )
            meeting.updated_at = self._clock.now()
            await self._reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting

    async def cancel(self, actor: Actor, meeting_id: int, reason: str | None) -> Meeting:
        actor.require_coordinator()
        now = self._clock.now()
        reason = clean_text(reason or "")[:500] or None
        async with self._work() as uow:
            meeting = await self._get_scheduled(uow, meeting_id)
            meeting.status = MeetingStatus.CANCELLED
            meeting.cancel_reason = reason
            meeting.sequence += 1
            meeting.updated_at = now
            await self._unschedule_topics(uow, meeting_id)
            await self._notify_all(uow, meeting, "cancel")
            await self._reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting

    # --- agenda --------------------------------------------------------------------------

    async def agenda(
        self, actor: Actor, meeting_id: int
    ) -> tuple[Meeting, list[tuple[AgendaItem, Organisation | None]]]:
        if not actor.is_coordinator:
            actor.require_member()
        async with self._work() as uow:
            return await self._get(uow, meeting_id), await self._agenda(uow, meeting_id)

    async def add_agenda_item(
        self,
        actor: Actor,
        meeting_id: int,
        title: str,
        organisation: str | None = None,
        minutes: int | None = None,
    ) -> AgendaItem:
        actor.require_coordinator()
        title = self.check_title(title, agenda=True)
        if minutes is not None and not 1 <= minutes <= MAX_AGENDA_MINUTES:
            raise InvalidInput("agenda.minutes_invalid")
        async with self._work() as uow:
            meeting = await self._get_scheduled(uow, meeting_id)
            items = list(await uow.meetings.agenda(meeting_id))
            if len(items) >= MAX_AGENDA_ITEMS:
                raise InvalidInput("agenda.full", limit=MAX_AGENDA_ITEMS)
            org_id = None
            if organisation:
                org = await uow.organisations.by_name(clean_text(organisation))
                if org is None:
                    raise NotFound("org.not_found", name=clean_text(organisation))
                org_id = org.id
            item = await uow.meetings.add_agenda_item(
                AgendaItem(
                    meeting_id=meeting_id,
                    position=len(items) + 1,
                    title=title,
                    organisation_id=org_id,
                    duration_minutes=minutes,
                    created_at=self._clock.now(),
                )
            )
            await self._agenda_changed(uow, meeting)
            await uow.commit()
        return item

    async def remove_agenda_item(self, actor: Actor, meeting_id: int, position: int) -> AgendaItem:
        actor.require_coordinator()
        async with self._work() as uow:
            meeting = await self._get_scheduled(uow, meeting_id)
            items = list(await uow.meetings.agenda(meeting_id))
            if not 1 <= position <= len(items):
                raise NotFound("agenda.no_item", position=position, id=meeting_id)
            removed = items.pop(position - 1)
            await uow.meetings.delete_agenda_item(removed)
            if removed.proposal_id is not None:
                await self._unschedule_topics(uow, meeting_id, removed.proposal_id)
            for number, item in enumerate(items, start=1):
                item.position = number
            await self._agenda_changed(uow, meeting)
            await uow.commit()
        return removed

    async def move_agenda_item(
        self, actor: Actor, meeting_id: int, position: int, new_position: int
    ) -> None:
        actor.require_coordinator()
        async with self._work() as uow:
            meeting = await self._get_scheduled(uow, meeting_id)
            items = list(await uow.meetings.agenda(meeting_id))
            if not (1 <= position <= len(items) and 1 <= new_position <= len(items)):
                raise NotFound("agenda.no_item", position=position, id=meeting_id)
            item = items.pop(position - 1)
            items.insert(new_position - 1, item)
            for number, entry in enumerate(items, start=1):
                entry.position = number
            await self._agenda_changed(uow, meeting)
            await uow.commit()

    async def add_topic(
        self, uow: MeetingUnitOfWork, meeting: Meeting, proposal: Proposal
    ) -> AgendaItem:
        """An accepted topic as the next item of `meeting`'s agenda, inside the caller's unit of
        work (the proposal changes in the same transaction)."""
        meeting_id = id_of(meeting)
        items = list(await uow.meetings.agenda(meeting_id))
        if len(items) >= MAX_AGENDA_ITEMS:
            raise InvalidInput("agenda.full", limit=MAX_AGENDA_ITEMS)
        item = await uow.meetings.add_agenda_item(
            AgendaItem(
                meeting_id=meeting_id,
                position=len(items) + 1,
                title=proposal.title,
                organisation_id=proposal.organisation_id,
                proposal_id=proposal.id,
                created_at=self._clock.now(),
            )
        )
        await self._agenda_changed(uow, meeting)
        return item

    async def _unschedule_topics(
        self, uow: MeetingUnitOfWork, meeting_id: int, proposal_id: int | None = None
    ) -> None:
        """Topics taken off an agenda (or whose meeting was cancelled) are back in the backlog."""
        for proposal in await uow.proposals.on_meeting(meeting_id):
            if proposal_id is None or proposal.id == proposal_id:
                assert proposal.id is not None
                await uow.proposals.change_status(
                    proposal.id,
                    [ProposalStatus.SCHEDULED],
                    ProposalStatus.ACCEPTED,
                    meeting_id=None,
                    updated_at=self._clock.now(),
                )

    async def _agenda_changed(self, uow: MeetingUnitOfWork, meeting: Meeting) -> None:
        """The agenda is in the reminders' text and .ics: recompute them (no new SEQUENCE)."""
        meeting.updated_at = self._clock.now()
        await self._reschedule_reminders(uow, meeting)

    # --- minutes -------------------------------------------------------------------------

    async def attach_minutes(
        self,
        actor: Actor,
        meeting_id: int,
        *,
        file_id: str,
        file_name: str | None,
        copy_from: tuple[int, int],
    ) -> tuple[Meeting, int]:
        """Store the minutes and send a copy of the document to every invited member."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._work() as uow:
            meeting = await self._get(uow, meeting_id)
            meeting.minutes_file_id = file_id
            meeting.minutes_file_name = (file_name or "")[:200] or None
            meeting.minutes_added_at = now
            meeting.updated_at = now
            audience = await uow.members.recipients(group_id=meeting.group_id)
            languages = await self._languages(uow, audience)
            rows = []
            for member in audience:
                t = translator(languages.get(member.telegram_id or 0, "de"))
                rows.append(
                    OutboxMessage(
                        dedup_key=f"meeting:{meeting_id}:minutes:{file_id[-40:]}:member:{member.id}",
                        kind="minutes",
                        chat_id=member.telegram_id or 0,
                        member_id=member.id,
                        text=t(
                            "meeting.minutes_caption",
                            id=meeting_id,
                            title=meeting.title,
                            date=t.date(meeting.starts_at, self.zone),
                        ),
                        copy_from_chat_id=copy_from[0],
                        copy_message_id=copy_from[1],
                        due_at=now,
                        created_at=now,
                    )
                )
            await uow.outbox.enqueue(rows)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting, len(rows)

    # --- the personal calendar feed ------------------------------------------------------

    async def feed_url(self, actor: Actor, *, reset: bool = False) -> str:
        """The member's feed address (https form); `reset` revokes the old and issues a new."""
        member = actor.require_member()
        assert member.id is not None
        now = self._clock.now()
        async with self._work() as uow:
            secret = await uow.feeds.secret(secrets.token_urlsafe(32), now)
            feed = await uow.feeds.of_member(member.id)
            generation = 1 if feed is None else feed.generation + (1 if reset else 0)
            token = feed_token(secret, member.id, generation)
            if feed is None or reset:
                await uow.feeds.put(
                    CalendarFeed(
                        member_id=member.id,
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
        async with self._work() as uow:
            feed = await uow.feeds.by_token_hash(hash_token(token))
            if feed is None or not hmac.compare_digest(feed.token_hash, hash_token(token)):
                return None
            member = await uow.members.get(feed.member_id)
            if member is None or member.telegram_id is None:
                return None
            meetings = await uow.meetings.for_feed(now - timedelta(days=FEED_CANCELLED_DAYS))
            agendas = await uow.meetings.agendas([id_of(m) for m in meetings])
            events = [self._event(m, agendas[id_of(m)]) for m in meetings]
            tasks = await uow.tasks.open_tasks(
                organisation_id=member.organisation_id, member_id=member.id
            )
        # The open tasks of the member and their organisation, as all-day entries.
        events += [
            CalendarEvent(
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
            for task in tasks
        ]
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
            zone=self.zone,
            organizer=self._organizer,
            now=stamp,
            name=self._calendar_name,
        )

    # --- internals -----------------------------------------------------------------------

    # --- the rules for what people type (also asked by the guided form, step by step) --

    @staticmethod
    def check_title(raw: str, *, agenda: bool = False) -> str:
        title = clean_text(raw)
        if not title:
            raise InvalidInput("agenda.title_missing" if agenda else "meeting.title_missing")
        if len(title) > MAX_TITLE:
            key = "agenda.title_too_long" if agenda else "meeting.title_too_long"
            raise InvalidInput(key, limit=MAX_TITLE, length=len(title))
        return title

    def check_start(self, start: datetime) -> None:
        if start <= self._clock.now():
            raise InvalidInput("meeting.in_past")

    @staticmethod
    def check_minutes(minutes: int | None) -> int:
        """A meeting's length in minutes: 1 to MAX_MINUTES (None: not a number)."""
        if minutes is None or not 1 <= minutes <= MAX_MINUTES:
            raise InvalidInput("meeting.duration_invalid", limit=MAX_MINUTES)
        return minutes

    @staticmethod
    def check_description(raw: str | None) -> str | None:
        description = clean_block(raw) or None
        if description and len(description) > MAX_DESCRIPTION:
            raise InvalidInput("meeting.description_too_long", limit=MAX_DESCRIPTION)
        return description

    def _check_times(self, start: datetime, end: datetime, now: datetime) -> None:
        if start <= now:
            raise InvalidInput("meeting.in_past")
        if end <= start:
            raise InvalidInput("when.end_before_start")
        if end - start > timedelta(minutes=MAX_MINUTES):
            raise InvalidInput("meeting.too_long_duration")

    def _check_texts(self, draft: MeetingDraft) -> tuple[str | None, str | None, str | None]:
        location = clean_text(draft.location or "") or None
        if location and len(location) > MAX_LOCATION:
            raise InvalidInput("meeting.location_too_long", limit=MAX_LOCATION)
        url = clean_block(draft.online_url) or None
        if url and (len(url) > MAX_URL or not url.lower().startswith(("https://", "http://"))):
            raise InvalidInput("meeting.url_invalid")
        return location, url, self.check_description(draft.description)

    async def _get(self, uow: MeetingUnitOfWork, meeting_id: int) -> Meeting:
        meeting = await uow.meetings.get(meeting_id)
        if meeting is None:
            raise NotFound("meeting.not_found", id=meeting_id)
        return meeting

    async def _get_scheduled(self, uow: MeetingUnitOfWork, meeting_id: int) -> Meeting:
        meeting = await self._get(uow, meeting_id)
        if meeting.status is MeetingStatus.CANCELLED:
            raise InvalidInput("meeting.cancelled_already", id=meeting_id)
        return meeting

    async def _agenda(
        self, uow: MeetingUnitOfWork, meeting_id: int
    ) -> list[tuple[AgendaItem, Organisation | None]]:
        return (await uow.meetings.agendas([meeting_id]))[meeting_id]

    async def _languages(self, uow: MeetingUnitOfWork, members: Sequence[Member]) -> dict[int, str]:
        return await uow.user_settings.languages(
            [m.telegram_id for m in members if m.telegram_id is not None]
        )

    async def welcome(self, member: Member) -> int:
        """A member who joined late gets the invitations to the upcoming meetings they are
        invited to (forum-wide ones: a new member is in no working group yet), and their
        reminders. Returns how many invitations."""
        invited = 0
        async with self._work() as uow:
            for meeting in await uow.meetings.upcoming(self._clock.now(), MAX_WELCOME):
                if meeting.group_id is not None:
                    continue
                await self._notify_all(uow, meeting, "invite", only=member.id)
                await self._reschedule_reminders(uow, meeting)
                invited += 1
            await uow.commit()
        if invited:
            self._notifier.outbox_changed()
        return invited

    async def _notify_all(
        self, uow: MeetingUnitOfWork, meeting: Meeting, purpose: str, only: int | None = None
    ) -> None:
        """Invitation, update or cancellation to everyone invited (or only to the member
        `only`), with the matching .ics."""
        meeting_id = id_of(meeting)
        now = self._clock.now()
        agenda = await self._agenda(uow, meeting_id)
        audience = await uow.members.recipients(group_id=meeting.group_id)
        if only is not None:
            audience = [m for m in audience if m.id == only]
        languages = await self._languages(uow, audience)
        answers = {m.id: r.answer for r, m in await uow.meetings.answers(meeting_id)}
        ics = self._ics(meeting, agenda)
        rows = []
        for member in audience:
            t = translator(languages.get(member.telegram_id or 0, "de"))
            rows.append(
                OutboxMessage(
                    dedup_key=f"meeting:{meeting_id}:{purpose}:s{meeting.sequence}:member:{member.id}",
                    kind=f"meeting_{purpose}",
                    chat_id=member.telegram_id or 0,
                    member_id=member.id,
                    text=self.caption(t, meeting, agenda, purpose, answers.get(member.id)),
                    document=ics,
                    document_name=f"termin-{meeting_id}.ics",
                    buttons=None if purpose == "cancel" else rsvp_buttons(t, meeting_id),
                    due_at=now,
                    expires_at=None if purpose == "cancel" else meeting.starts_at,
                    created_at=now,
                )
            )
        await uow.outbox.enqueue(rows)

    async def _reschedule_reminders(self, uow: MeetingUnitOfWork, meeting: Meeting) -> None:
        """The meeting's pending reminders: one per offset and invited member who has not
        declined, due before the start; none for a cancelled or past meeting."""
        meeting_id = id_of(meeting)
        prefix = f"meeting:{meeting_id}:reminder:"
        rows: list[OutboxMessage] = []
        now = self._clock.now()
        if meeting.status is MeetingStatus.SCHEDULED:
            offsets = (
                [timedelta(minutes=m) for m in meeting.reminder_minutes]
                if meeting.reminder_minutes is not None
                else list(self._reminders)
            )
            # Reminders due before the meeting's last change never made sense; one that fell
            # due after it is kept (sent if still pending; storing a sent one again is a no-op).
            due_times = [
                (o, meeting.starts_at - o)
                for o in offsets
                if meeting.starts_at - o > meeting.updated_at
            ]

            if due_times:
                agenda = await self._agenda(uow, meeting_id)
                audience = await uow.members.recipients(group_id=meeting.group_id)
                answers = {m.id: r.answer for r, m in await uow.meetings.answers(meeting_id)}
                languages = await self._languages(uow, audience)
                ics = self._ics(meeting, agenda)
                for member in audience:
                    answer = answers.get(member.id)
                    if answer is RsvpAnswer.NO:
                        continue
                    t = translator(languages.get(member.telegram_id or 0, "de"))
                    for offset, due in due_times:
                        if due <= now and member.joined_at > due:
                            continue  # it fell due before they joined: not theirs
                        minutes = int(offset.total_seconds() // 60)
                        rows.append(
                            OutboxMessage(
                                dedup_key=(
                                    f"{prefix}{minutes}m:s{meeting.sequence}:member:{member.id}"
                                ),
                                kind="meeting_reminder",
                                chat_id=member.telegram_id or 0,
                                member_id=member.id,
                                text=self.caption(t, meeting, agenda, "reminder", answer),
                                document=ics,
                                document_name=f"termin-{meeting_id}.ics",
                                buttons=rsvp_buttons(t, meeting_id),
                                due_at=due,
                                expires_at=meeting.starts_at,
                                created_at=now,
                            )
                        )
        await uow.outbox.reschedule(prefix, rows)

    def caption(
        self,
        t: Translator,
        meeting: Meeting,
        agenda: Sequence[tuple[AgendaItem, Organisation | None]],
        purpose: str,
        answer: RsvpAnswer | None,
    ) -> str:
        """The text under the .ics: what, when, where, agenda, and the member's answer."""
        head = t(
            HEADS[purpose],
            id=meeting.id,
            title=meeting.title,
            when=t.span(meeting.starts_at, meeting.ends_at, self.zone),
        )
        lines = [head]
        if meeting.location:
            lines.append(t("meeting.line_location", location=meeting.location))
        if meeting.online_url:
            lines.append(t("meeting.line_online", url=meeting.online_url))
        if purpose == "cancel":
            if meeting.cancel_reason:
                lines.append(t("meeting.line_reason", reason=meeting.cancel_reason))
            return "\n".join(lines)
        footer = t(
            "meeting.line_answer", answer=t(f"rsvp.state.{answer.value if answer else 'none'}")
        )
        if agenda:
            lines.append(t("meeting.line_agenda"))
            for item, org in agenda:
                lines.append(agenda_line(t, item, org))
        text = "\n".join(lines)
        if len(text) + len(footer) + 2 > MAX_CAPTION - 24:
            cut = text[: MAX_CAPTION - 24 - len(footer) - 40].rsplit("\n", 1)[0]
            text = cut + "\n" + t("meeting.line_agenda_more", id=meeting.id)
        return f"{text}\n\n{footer}"

    def _event(
        self, meeting: Meeting, agenda: Sequence[tuple[AgendaItem, Organisation | None]]
    ) -> CalendarEvent:
        parts = []
        if meeting.description:
            parts.append(meeting.description)
        if agenda:
            parts.append(
                "Tagesordnung:\n" + "\n".join(plain_agenda_line(item, org) for item, org in agenda)
            )
        if meeting.online_url:
            parts.append(f"Online: {meeting.online_url}")
        if meeting.status is MeetingStatus.CANCELLED and meeting.cancel_reason:
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
            status="CANCELLED" if meeting.status is MeetingStatus.CANCELLED else "CONFIRMED",
            created=meeting.created_at,
            last_modified=meeting.updated_at,
        )

    def _ics(
        self, meeting: Meeting, agenda: Sequence[tuple[AgendaItem, Organisation | None]]
    ) -> bytes:
        event = self._event(meeting, agenda)
        render = (
            render_cancellation if meeting.status is MeetingStatus.CANCELLED else render_invitation
        )
        return render(event, zone=self.zone, organizer=self._organizer, now=self._clock.now())


def answer_line(t: Translator, answer: RsvpAnswer | None) -> str:
    return t("meeting.line_answer", answer=t(f"rsvp.state.{answer.value if answer else 'none'}"))


def agenda_line(t: Translator, item: AgendaItem, org: Organisation | None) -> str:
    extra = []
    if org is not None:
        extra.append(org.name)
    if item.duration_minutes:
        extra.append(t("agenda.minutes", minutes=item.duration_minutes))
    suffix = f" ({', '.join(extra)})" if extra else ""
    return t("agenda.line", position=item.position, title=item.title, extra=suffix)


def plain_agenda_line(item: AgendaItem, org: Organisation | None) -> str:
    extra = [org.name] if org else []
    if item.duration_minutes:
        extra.append(f"{item.duration_minutes} Min.")
    suffix = f" ({', '.join(extra)})" if extra else ""
    return f"TOP {item.position}: {item.title}{suffix}"


HEADS = {
    "invite": "meeting.head_invite",
    "update": "meeting.head_update",
    "cancel": "meeting.head_cancel",
    "reminder": "meeting.head_reminder",
}


def rsvp_buttons(t: Translator, meeting_id: int) -> list[list[dict[str, str]]]:
    return [
        [
            {
                "text": t(f"rsvp.button.{answer.value}"),
                "callback_data": callbacks.Rsvp(meeting_id, answer).data,
            }
            for answer in callbacks.RSVP_CODES
        ]
    ]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token(secret: str, member_id: int, generation: int) -> str:
    digest = hmac.new(
        secret.encode(), f"feed:{member_id}:{generation}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")
