"""What the coordinator sees before something is sent, and the way back after a cancellation.

`audience` and `task_facts` tell a preview or a confirmation who will be invited or notified
and how many people; `restore_meeting` undoes a cancellation within `undo_window` (the
"Rückgängig" button): the meeting is on again and everyone invited is told that it takes place
after all, with the current .ics (next SEQUENCE), and its reminders come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.callbacks import Notice
from bot.clock import Clock
from bot.i18n import translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.feed import FeedService
from bot.services.ids import id_of
from bot.services.meeting_notices import MeetingNotices, agenda_of
from bot.services.meeting_rows import reschedule_topics
from bot.services.notify import Notifier
from bot.services.task_owners import not_open
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.texts.buttons import to_stored
from bot.texts.meetings import rsvp_buttons
from bot.texts.previews import restored_caption
from storage.models import (
    Meeting,
    MeetingStatus,
    OutboxMessage,
    Task,
    TaskStatus,
)

UNDO_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class TaskFacts:
    task: Task
    owner: str  # the organisation's name, or the member's
    people: int  # how many get its notices


class PreviewService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        notices: MeetingNotices,
        files: FeedService,
        *,
        zone: ZoneInfo,
        default_language: str,
        undo_window: timedelta = UNDO_WINDOW,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self._notices = notices
        self._files = files
        self.zone = zone
        self._language = default_language
        self.undo_window = undo_window

    async def audience(
        self,
        *,
        group_id: int | None = None,
        owner: str | None = None,
        owner_member_id: int | None = None,
    ) -> int:
        """How many people a meeting for `group_id` (None: everyone) invites, or a task of
        `owner` (an organisation's name as the task form keeps it) or of the member
        `owner_member_id` notifies."""
        async with self._uow() as uow:
            if owner_member_id is not None:
                return 1
            if owner is None:
                return len(await uow.members.recipients(group_id=group_id))
            if owner.startswith("@"):
                return 1
            organisation = await uow.organisations.by_name(owner)
            if organisation is None:
                return 0
            members = await uow.members.recipients()
            return sum(1 for m in members if m.organisation_id == organisation.id)

    async def task_facts(self, actor: Actor, task_id: int) -> TaskFacts:
        actor.require_coordinator()
        async with self._uow() as uow:
            task = await uow.tasks.get(task_id)
            if task is None:
                raise NotFound("task.not_found", id=task_id)
            if task.status is not TaskStatus.OPEN:
                raise await not_open(uow, task, self.zone)
            if task.member_id is not None:
                member = await uow.members.get(task.member_id)
                return TaskFacts(task, member.display_name if member else "–", 1)
            organisation = (
                await uow.organisations.get(task.organisation_id) if task.organisation_id else None
            )
            members = await uow.members.recipients()
            people = sum(1 for m in members if m.organisation_id == task.organisation_id)
            return TaskFacts(task, organisation.name if organisation else "–", people)

    async def restore_meeting(self, actor: Actor, meeting_id: int) -> tuple[Meeting, int]:
        """Undo a cancellation made less than `undo_window` ago; returns the meeting and how
        many people are told."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            meeting = await uow.meetings.get(meeting_id)
            if meeting is None:
                raise NotFound("meeting.not_found", id=meeting_id)
            if meeting.status is not MeetingStatus.CANCELLED:
                raise InvalidInput("undo.not_cancelled", id=meeting_id)
            if now - meeting.updated_at > self.undo_window or meeting.starts_at <= now:
                raise InvalidInput("undo.too_late", id=meeting_id)
            meeting.status = MeetingStatus.SCHEDULED
            meeting.cancel_reason = None
            meeting.sequence += 1
            meeting.updated_at = now
            await reschedule_topics(uow, meeting_id, now)
            told = await self._tell_restored(uow, meeting)
            await self._notices.reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return meeting, told

    async def _tell_restored(self, uow: UnitOfWork, meeting: Meeting) -> int:
        """Everyone invited: it takes place after all (the .ics as an update)."""
        meeting_id = id_of(meeting)
        now = self._clock.now()
        agenda = await agenda_of(uow, meeting_id)
        audience = await uow.members.recipients(group_id=meeting.group_id)
        languages = await uow.user_settings.languages(
            [m.telegram_id for m in audience if m.telegram_id is not None]
        )
        ics = self._files.meeting_file(meeting, agenda)
        answers = {m.id: r.answer for r, m in await uow.meetings.answers(meeting_id)}
        rows = []
        for member in audience:
            t = translator(languages.get(member.telegram_id or 0, self._language))
            rows.append(
                OutboxMessage(
                    dedup_key=f"meeting:{meeting_id}:restored:s{meeting.sequence}:member:{member.id}",
                    kind="meeting_update",
                    chat_id=member.telegram_id or 0,
                    member_id=member.id,
                    text=restored_caption(t, meeting, agenda, answers.get(member.id), self.zone),
                    document=ics,
                    document_name=f"termin-{meeting_id}.ics",
                    buttons=to_stored(rsvp_buttons(t, meeting_id, Notice.UPDATE)),
                    due_at=now,
                    expires_at=meeting.starts_at,
                    created_at=now,
                )
            )
        await uow.outbox.enqueue(rows)
        return len(rows)
