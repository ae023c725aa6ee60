"""Meetings (Sitzungen): create, read, answer, move, edit, cancel, reminders, minutes.

The agenda is `bot/services/agenda.py`, what a meeting sends `meeting_notices.py` (in the same
transaction as the change, through the outbox), the calendar files and the feed `feed.py`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import Organizer
from bot.callbacks import Notice
from bot.clock import Clock
from bot.i18n import Day, Msg, translator
from bot.parsing import checked_block, checked_title, clean_text
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.feed import FeedService
from bot.services.ids import id_of
from bot.services.meeting_notices import (
    MeetingNotices,
    agenda_of,
    change_between,
    snapshot,
)
from bot.services.meeting_rows import (
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_MINUTES,
    MAX_TITLE,
    MAX_URL,
    MAX_WELCOME,
    meeting_of,
    scheduled_meeting,
    unschedule_topics,
)
from bot.services.meeting_types import (
    Answered,
    MeetingChanges,
    MeetingDetails,
    MeetingDraft,
    MeetingUpdate,
    MeetingView,
    changed_draft,
)
from bot.services.notify import Notifier
from bot.services.series_files import SeriesFiles
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.texts.meetings import minutes_caption
from bot.timezones import after
from storage.models import (
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    Organisation,
    OutboxMessage,
    RsvpAnswer,
)
from storage.models_meetings import MeetingCancellation


class MeetingService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        *,
        zone: ZoneInfo,
        default_duration: timedelta,
        reminders: Sequence[timedelta],
        organizer: Organizer,
        calendar_name: str,
        public_base_url: str,
        default_language: str,
        coordinator_ids: frozenset[int] = frozenset(),
        feed_past_days: int = 365,
        feed_changes: Callable[[], int] | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.zone = zone
        self._default_duration = default_duration
        self._language = default_language
        self.files = FeedService(
            uow,
            clock,
            zone=zone,
            organizer=organizer,
            calendar_name=calendar_name,
            public_base_url=public_base_url,
            coordinator_ids=coordinator_ids,
            default_language=default_language,
            past_days=feed_past_days,
            changes=feed_changes,
        )
        self.series_files = SeriesFiles(clock, zone=zone, organizer=organizer)
        self.files.series = self.series_files
        self.notices = MeetingNotices(
            clock,
            self.files,
            zone=zone,
            reminders=reminders,
            default_language=default_language,
            series=self.series_files,
        )
        # The personal calendar feed.
        self.feed_url = self.files.feed_url
        self.feed = self.files.feed

    @property
    def default_duration(self) -> timedelta:
        return self._default_duration

    def _work(self) -> UnitOfWork:
        return self._uow()

    # --- creating and reading ------------------------------------------------------------

    async def create(self, actor: Actor, draft: MeetingDraft) -> Meeting:
        actor.require_coordinator()
        now = self._clock.now()
        title = self.check_title(draft.title)
        end = draft.end or after(draft.start, self._default_duration)
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
            await self.notices.notify_all(uow, meeting, Notice.INVITE)
            await self.notices.reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting

    async def upcoming(
        self, actor: Actor, limit: int = 10, *, shared: bool = False, others: bool = False
    ) -> list[MeetingView]:
        """The next meetings a member is invited to, with their answers (the coordinator:
        all); `others` (/termine alle): also the working groups' meetings they are not
        invited to, marked; `shared` (for a group chat): the forum's meetings, no answers."""
        if not actor.is_coordinator:
            actor.require_member()
        member_id = actor.member.id if actor.member is not None else None
        async with self._work() as uow:
            now = self._clock.now()
            if shared:
                meetings = await uow.meetings.upcoming(now, limit, group_ids=set())
                linked = await uow.series.links([id_of(m) for m in meetings])
                return [MeetingView(m, None, in_series=id_of(m) in linked) for m in meetings]
            everything = actor.is_coordinator or others
            rows = await uow.meetings.upcoming_of(now, limit, member_id, everything=everything)
        return [
            MeetingView(
                row.meeting,
                row.answer,
                row.earlier,
                invited=row.meeting.group_id is None or row.in_group or not member_id,
                group_name=row.group_name,
                in_series=row.in_series,
            )
            for row in rows
        ]

    async def details(self, actor: Actor, meeting_id: int) -> MeetingDetails:
        if not actor.is_coordinator:
            actor.require_member()
        async with self._work() as uow:
            meeting = await meeting_of(uow, meeting_id)
            agenda = await agenda_of(uow, meeting_id)
            group = await uow.groups.get(meeting.group_id) if meeting.group_id else None
            answer = None
            invited = True
            if actor.member is not None and actor.member.id is not None:
                answer = (await uow.meetings.answers_of(actor.member.id, [meeting_id])).get(
                    meeting_id
                )
                if meeting.group_id is not None:
                    invited = meeting.group_id in await uow.groups.group_ids_of(actor.member.id)
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
            invited=invited,
        )

    async def calendar_file(self, actor: Actor, meeting_id: int) -> tuple[Meeting, bytes]:
        if not actor.is_coordinator:
            actor.require_member()
        async with self._work() as uow:
            meeting = await meeting_of(uow, meeting_id)
            agenda = await agenda_of(uow, meeting_id)
            ics = await self.notices.file(uow, meeting, agenda, actor.language)
        return meeting, ics

    # --- answers -------------------------------------------------------------------------

    async def answer(self, actor: Actor, meeting_id: int, answer: RsvpAnswer) -> Answered:
        member = actor.require_member()
        member_id = id_of(member)
        now = self._clock.now()
        async with self._work() as uow:
            meeting = await meeting_of(uow, meeting_id)
            if meeting.status is MeetingStatus.CANCELLED:
                raise InvalidInput("meeting.cancelled_already", id=meeting_id)
            if meeting.starts_at <= now:
                raise InvalidInput("meeting.started", id=meeting_id)
            invited = {m.id for m in await uow.members.recipients(group_id=meeting.group_id)}
            if member_id not in invited:
                raise InvalidInput("meeting.not_invited", id=meeting_id)
            await uow.meetings.set_answer(
                MeetingRsvp(
                    meeting_id=meeting_id, member_id=member_id, answer=answer, answered_at=now
                )
            )
            await self.notices.reschedule_reminders(uow, meeting)
            await uow.commit()
            agenda = await agenda_of(uow, meeting_id)
        self._notifier.outbox_changed()
        return Answered(meeting, agenda, answer)

    # --- changing ------------------------------------------------------------------------

    async def move(
        self, actor: Actor, meeting_id: int, start: datetime, end: datetime | None
    ) -> MeetingUpdate:
        """New start (and end; without one the duration stays), announced to all invited."""
        return await self.update(actor, meeting_id, MeetingChanges(start=start, end=end))

    async def update(self, actor: Actor, meeting_id: int, changes: MeetingChanges) -> MeetingUpdate:
        """Change what is given; everyone invited gets the update with SEQUENCE + 1, naming
        what changed. A new time asks everyone again (their answers become earlier ones);
        a new place, title or description keeps the answers. Nothing changed: nothing sent."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._work() as uow:
            meeting = await scheduled_meeting(uow, meeting_id)
            before = snapshot(meeting)
            start = changes.start or meeting.starts_at
            end = changes.end or after(start, meeting.ends_at - meeting.starts_at)
            if changes.start is not None or changes.end is not None:
                self._check_times(start, end, now)
            draft = changed_draft(meeting, changes, start, end)
            meeting.title = self.check_title(draft.title)
            meeting.location, meeting.online_url, meeting.description = self._check_texts(draft)
            meeting.starts_at, meeting.ends_at = start, end
            change = change_between(before, meeting)
            if not change.fields:
                raise InvalidInput("meeting.nothing_changed", id=meeting_id)
            meeting.sequence += 1
            meeting.updated_at = now
            if change.time is not None:
                await uow.meetings.supersede_answers(meeting_id, now)
            await self.notices.notify_all(uow, meeting, Notice.UPDATE, change=change)
            await self.notices.reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return MeetingUpdate(meeting, change)

    async def get(self, actor: Actor, meeting_id: int) -> Meeting:
        actor.require_coordinator()
        async with self._work() as uow:
            return await scheduled_meeting(uow, meeting_id)

    async def set_reminders(
        self, actor: Actor, meeting_id: int, minutes: Sequence[int] | None
    ) -> Meeting:
        """This meeting's reminders (minutes before the start); None: the configured default."""
        actor.require_coordinator()
        async with self._work() as uow:
            meeting = await scheduled_meeting(uow, meeting_id)
            meeting.reminder_minutes = (
                sorted(set(minutes), reverse=True) if minutes is not None else None
            )
            meeting.updated_at = self._clock.now()
            await self.notices.reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting

    async def check_cancellable(self, actor: Actor, meeting_id: int) -> Meeting:
        """The meeting, if it may be cancelled (asked before the confirmation): one cancelled
        already is refused with when and by whom."""
        actor.require_coordinator()
        async with self._work() as uow:
            meeting = await meeting_of(uow, meeting_id)
            if meeting.status is MeetingStatus.CANCELLED:
                raise await self._already_cancelled(uow, actor, meeting)
        return meeting

    async def cancel(self, actor: Actor, meeting_id: int, reason: str | None) -> Meeting:
        """Cancelled for everyone invited; its topics go back to the backlog. A meeting that
        is cancelled already stays as it is: the answer says when and by whom."""
        actor.require_coordinator()
        now = self._clock.now()
        reason = clean_text(reason or "")[:500] or None
        async with self._work() as uow:
            meeting = await meeting_of(uow, meeting_id)
            if meeting.status is MeetingStatus.CANCELLED:
                raise await self._already_cancelled(uow, actor, meeting)
            name = " ".join(p for p in (actor.profile.first_name, actor.profile.last_name) if p)
            await uow.meetings.add_cancellation(
                MeetingCancellation(
                    meeting_id=meeting_id,
                    cancelled_at=now,
                    cancelled_by=actor.telegram_id,
                    cancelled_by_name=clean_text(name)[:200] or str(actor.telegram_id),
                )
            )
            meeting.status = MeetingStatus.CANCELLED
            meeting.cancel_reason = reason
            meeting.sequence += 1
            meeting.updated_at = now
            await unschedule_topics(uow, meeting_id, now)
            await self.notices.notify_all(uow, meeting, Notice.CANCEL)
            await self.notices.reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting

    async def _already_cancelled(
        self, uow: UnitOfWork, actor: Actor, meeting: Meeting
    ) -> InvalidInput:
        t = translator(actor.language)
        done = await uow.meetings.cancellation(id_of(meeting))
        if done is None:  # cancelled before who and when were kept
            return InvalidInput(
                "meeting.already_cancelled_earlier", id=meeting.id, title=meeting.title
            )
        return InvalidInput(
            "meeting.already_cancelled",
            id=meeting.id,
            title=meeting.title,
            when=t.datetime(done.cancelled_at, self.zone),
            by=done.cancelled_by_name,
        )

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
        """Store the minutes and send a copy of the document to every invited member (the
        same document again: only to those who did not have it yet)."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._work() as uow:
            meeting = await meeting_of(uow, meeting_id)
            earlier = meeting.minutes_added_at if meeting.minutes_file_id == file_id else None
            meeting.minutes_file_id = file_id
            meeting.minutes_file_name = (file_name or "")[:200] or None
            meeting.minutes_added_at = now
            meeting.updated_at = now
            audience = await uow.members.recipients(group_id=meeting.group_id)
            languages = await uow.user_settings.languages(
                [m.telegram_id for m in audience if m.telegram_id is not None]
            )
            rows = []
            for member in audience:
                t = translator(languages.get(member.telegram_id or 0, self._language))
                rows.append(
                    OutboxMessage(
                        dedup_key=f"meeting:{meeting_id}:minutes:{file_id[-40:]}:member:{member.id}",
                        kind="minutes",
                        chat_id=member.telegram_id or 0,
                        member_id=member.id,
                        text=minutes_caption(t, meeting, self.zone),
                        copy_from_chat_id=copy_from[0],
                        copy_message_id=copy_from[1],
                        due_at=now,
                        created_at=now,
                    )
                )
            count = await uow.outbox.enqueue(rows)
            if earlier is not None and count == 0:
                raise InvalidInput(
                    "meeting.minutes_already_sent",
                    id=meeting_id,
                    title=meeting.title,
                    day=Day(earlier, self.zone),
                    people=Msg("preview.people_one")
                    if len(rows) == 1
                    else Msg("preview.people", count=len(rows)),
                )
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting, count

    async def welcome(self, member: Member) -> int:
        """A member who joined late gets the invitations to the upcoming meetings they are
        invited to (forum-wide ones: a new member is in no working group yet), and their
        reminders. Returns how many invitations."""
        invited = 0
        async with self._work() as uow:
            for meeting in await uow.meetings.upcoming(self._clock.now(), MAX_WELCOME):
                if meeting.group_id is not None:
                    continue
                # A series: the invitation to its next meeting only (with the series file).
                invited += await self.notices.invite_late(uow, meeting, id_of(member))
                await self.notices.reschedule_reminders(uow, meeting)
            await uow.commit()
        if invited:
            self._notifier.outbox_changed()
        return invited

    # --- the rules for what people type (also asked by the guided form, step by step) --

    @staticmethod
    def check_title(raw: str) -> str:
        return checked_title(
            raw, limit=MAX_TITLE, missing="meeting.title_missing", too_long="meeting.title_too_long"
        )

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
        return checked_block(raw, limit=MAX_DESCRIPTION, too_long="meeting.description_too_long")

    def _check_times(self, start: datetime, end: datetime, now: datetime) -> None:
        if start <= now:
            raise InvalidInput("meeting.in_past")
        if end <= start:
            raise InvalidInput("when.end_before_start")
        if end - start > timedelta(minutes=MAX_MINUTES):
            raise InvalidInput("meeting.too_long_duration")

    def check_texts(self, draft: MeetingDraft) -> tuple[str | None, str | None, str | None]:
        """Place, online link and description of a draft, checked (also for a series)."""
        return self._check_texts(draft)

    def _check_texts(self, draft: MeetingDraft) -> tuple[str | None, str | None, str | None]:
        location = clean_text(draft.location or "") or None
        if location and len(location) > MAX_LOCATION:
            raise InvalidInput("meeting.location_too_long", limit=MAX_LOCATION)
        url = checked_block(draft.online_url, limit=MAX_URL, too_long="meeting.url_invalid")
        if url and not url.lower().startswith(("https://", "http://")):
            raise InvalidInput("meeting.url_invalid")
        return location, url, self.check_description(draft.description)
