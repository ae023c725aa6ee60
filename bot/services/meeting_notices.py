"""What a meeting sends, as outbox rows in the caller's transaction: invitations, updates and
cancellations with the current .ics, and the reminders, which are derived from the meeting's
state and recomputed whenever it, its agenda or an answer changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import Notice
from bot.clock import Clock
from bot.i18n import translator
from bot.services.check_in_notices import CheckInNotices
from bot.services.feed import FeedService
from bot.services.ids import id_of
from bot.texts.buttons import to_stored
from bot.texts.meetings import Agenda, caption, rsvp_buttons
from storage.models import Meeting, MeetingStatus, Member, OutboxMessage, RsvpAnswer

if TYPE_CHECKING:
    from bot.services.series_files import SeriesFiles
    from bot.services.uow import UnitOfWork


@dataclass(frozen=True)
class MeetingChange:
    """What an edit or a move changed, with the values before (None: unchanged)."""

    title: str | None = None
    time: tuple[datetime, datetime] | None = None
    # (location, online link) before
    place: tuple[str | None, str | None] | None = None
    description: bool = False

    @property
    def fields(self) -> list[str]:
        """The changed fields, in the order the texts name them."""
        named = {
            "title": self.title is not None,
            "time": self.time is not None,
            "place": self.place is not None,
            "description": self.description,
        }
        return [name for name, changed in named.items() if changed]


_COMPARED = ("title", "starts_at", "ends_at", "location", "online_url", "description")


def snapshot(meeting: Meeting) -> Meeting:
    """A detached copy of what an edit may change (to compare with afterwards)."""
    return Meeting(**{name: getattr(meeting, name) for name in _COMPARED})


def change_between(before: Meeting, after: Meeting) -> MeetingChange:
    """Compare a `snapshot` taken before the change with the meeting after it."""
    return MeetingChange(
        title=before.title if before.title != after.title else None,
        time=(
            (before.starts_at, before.ends_at)
            if (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at)
            else None
        ),
        place=(
            (before.location, before.online_url)
            if (before.location, before.online_url) != (after.location, after.online_url)
            else None
        ),
        description=before.description != after.description,
    )


async def agenda_of(uow: UnitOfWork, meeting_id: int) -> Agenda:
    return (await uow.meetings.agendas([meeting_id]))[meeting_id]


class MeetingNotices:
    def __init__(
        self,
        clock: Clock,
        files: FeedService,
        *,
        zone: ZoneInfo,
        reminders: Sequence[timedelta],
        default_language: str,
        series: SeriesFiles | None = None,
    ) -> None:
        self._clock = clock
        self._files = files
        self._series = series
        self._zone = zone
        self._reminders = tuple(reminders)
        self._language = default_language
        self.check_ins = CheckInNotices(clock, zone=zone, default_language=default_language)

    async def notify_all(
        self,
        uow: UnitOfWork,
        meeting: Meeting,
        notice: Notice,
        only: int | None = None,
        change: MeetingChange | None = None,
    ) -> None:
        """Invitation, update (naming the `change`) or cancellation to everyone invited (or
        only to the member `only`), with the matching .ics."""
        meeting_id = id_of(meeting)
        now = self._clock.now()
        agenda = await agenda_of(uow, meeting_id)
        audience = await uow.members.recipients(group_id=meeting.group_id)
        if only is not None:
            audience = [m for m in audience if m.id == only]
        languages = await self._languages(uow, audience)
        answers = {m.id: r.answer for r, m in await uow.meetings.answers(meeting_id)}
        earlier = await uow.meetings.earlier_answers([meeting_id])
        files: dict[str, bytes] = {}  # the .ics per language
        cancel = notice is Notice.CANCEL
        rows = []
        for member in audience:
            t = translator(languages.get(member.telegram_id or 0, self._language))
            if t.language not in files:
                files[t.language] = await self.file(uow, meeting, agenda, t.language)
            ics = files[t.language]
            text = caption(
                t,
                meeting,
                agenda,
                notice,
                answers.get(member.id),
                self._zone,
                change=change,
                earlier=earlier.get((meeting_id, id_of(member))),
            )
            rows.append(
                OutboxMessage(
                    dedup_key=f"meeting:{meeting_id}:{notice}:s{meeting.sequence}:member:{member.id}",
                    kind=f"meeting_{notice}",
                    chat_id=member.telegram_id or 0,
                    member_id=member.id,
                    text=text,
                    document=ics,
                    document_name=f"termin-{meeting_id}.ics",
                    buttons=None if cancel else to_stored(rsvp_buttons(t, meeting_id, notice)),
                    due_at=now,
                    expires_at=None if cancel else meeting.starts_at,
                    created_at=now,
                )
            )
        await uow.outbox.enqueue(rows)

    async def reschedule_reminders(self, uow: UnitOfWork, meeting: Meeting) -> None:
        """The meeting's pending reminders: one per offset and invited member who has not
        declined, due before the start; none for a cancelled or past meeting."""
        meeting_id = id_of(meeting)
        prefix = f"meeting:{meeting_id}:reminder:"
        rows: list[OutboxMessage] = []
        now = self._clock.now()
        offsets = (
            [timedelta(minutes=m) for m in meeting.reminder_minutes]
            if meeting.reminder_minutes is not None
            else list(self._reminders)
        )
        # Reminders due before the meeting's last change never made sense; one that fell due
        # after it is kept (sent if still pending; storing a sent one again is a no-op).
        due_times = [
            (offset, meeting.starts_at - offset)
            for offset in offsets
            if meeting.starts_at - offset > meeting.updated_at
        ]
        if meeting.status is MeetingStatus.SCHEDULED and due_times:
            agenda = await agenda_of(uow, meeting_id)
            audience = await uow.members.recipients(group_id=meeting.group_id)
            answers = {m.id: r.answer for r, m in await uow.meetings.answers(meeting_id)}
            earlier = await uow.meetings.earlier_answers([meeting_id])
            languages = await self._languages(uow, audience)
            files: dict[str, bytes] = {}  # the .ics per language
            for member in audience:
                answer = answers.get(member.id)
                if answer is RsvpAnswer.NO:
                    continue
                t = translator(languages.get(member.telegram_id or 0, self._language))
                if t.language not in files:
                    files[t.language] = await self.file(uow, meeting, agenda, t.language)
                ics = files[t.language]
                text = caption(
                    t,
                    meeting,
                    agenda,
                    Notice.REMINDER,
                    answer,
                    self._zone,
                    earlier=earlier.get((meeting_id, id_of(member))),
                )
                buttons = to_stored(rsvp_buttons(t, meeting_id, Notice.REMINDER))
                for offset, due in due_times:
                    if due <= now and member.joined_at > due:
                        continue  # it fell due before they joined: not theirs
                    minutes = int(offset.total_seconds() // 60)
                    rows.append(
                        OutboxMessage(
                            dedup_key=f"{prefix}{minutes}m:s{meeting.sequence}:member:{member.id}",
                            kind="meeting_reminder",
                            chat_id=member.telegram_id or 0,
                            member_id=member.id,
                            text=text,
                            document=ics,
                            document_name=f"termin-{meeting_id}.ics",
                            buttons=buttons,
                            due_at=due,
                            expires_at=meeting.starts_at,
                            created_at=now,
                        )
                    )
        await uow.outbox.reschedule(prefix, rows)
        await self.check_ins.reschedule(uow, meeting)  # the meeting day's check-in (issue 17)

    async def invite_late(self, uow: UnitOfWork, meeting: Meeting, member_id: int) -> bool:
        """A member who came later (joined the forum or a working group) gets the invitation
        to `meeting`; of a series only its next meeting's (carrying the series file), not one
        per meeting. Call in start order; reminders are the caller's. True: one was sent."""
        found = await uow.series.of_meeting(id_of(meeting))
        if found is not None:
            series_id = id_of(found[0])
            earlier = [
                m
                for _, m in await uow.series.occurrences(series_id)
                if m.status is MeetingStatus.SCHEDULED
                and self._clock.now() < m.starts_at < meeting.starts_at
            ]
            if earlier:
                return False
        await self.notify_all(uow, meeting, Notice.INVITE, only=member_id)
        return True

    async def file(self, uow: UnitOfWork, meeting: Meeting, agenda: Agenda, language: str) -> bytes:
        """The meeting's .ics; a meeting of a series: the series file (issue 18), or its
        METHOD:CANCEL with RECURRENCE-ID when it alone is cancelled."""
        if self._series is not None:
            own = await self._series.meeting_file(uow, meeting, agenda, language)
            if own is not None:
                return own
        return self._files.meeting_file(meeting, agenda, language)

    async def _languages(self, uow: UnitOfWork, members: Sequence[Member]) -> dict[int, str]:
        return await uow.user_settings.languages(
            [m.telegram_id for m in members if m.telegram_id is not None]
        )
