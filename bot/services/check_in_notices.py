"""The check-in message of a meeting (issue 17), derived from the database like the reminders
(bot/services/meeting_notices.py): one per invited member who has not declined, due
CHECK_IN_BEFORE ahead of the start, expiring at the end; recomputed with the reminders
whenever the meeting, its agenda or an answer changes (none for a cancelled meeting)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import translator
from bot.services.ids import id_of
from bot.services.meeting_day import CHECK_IN_BEFORE
from bot.texts.buttons import to_stored
from bot.texts.meeting_day import check_in_buttons, check_in_text
from storage.models import Meeting, MeetingStatus, OutboxMessage, RsvpAnswer

if TYPE_CHECKING:
    from bot.services.uow import UnitOfWork


def check_in_prefix(meeting_id: int) -> str:
    return f"meeting:{meeting_id}:checkin:"


class CheckInNotices:
    def __init__(self, clock: Clock, *, zone: ZoneInfo, default_language: str) -> None:
        self._clock = clock
        self._zone = zone
        self._language = default_language

    async def reschedule(self, uow: UnitOfWork, meeting: Meeting) -> None:
        meeting_id = id_of(meeting)
        prefix = check_in_prefix(meeting_id)
        now = self._clock.now()
        rows: list[OutboxMessage] = []
        if meeting.status is MeetingStatus.SCHEDULED and meeting.ends_at > now:
            audience = await uow.members.recipients(group_id=meeting.group_id)
            answers = {m.id: r.answer for r, m in await uow.meetings.answers(meeting_id)}
            languages = await uow.user_settings.languages(
                [m.telegram_id for m in audience if m.telegram_id is not None]
            )
            for member in audience:
                if answers.get(member.id) is RsvpAnswer.NO or member.telegram_id is None:
                    continue
                t = translator(languages.get(member.telegram_id, self._language))
                rows.append(
                    OutboxMessage(
                        dedup_key=f"{prefix}s{meeting.sequence}:member:{member.id}",
                        kind="meeting_checkin",
                        chat_id=member.telegram_id,
                        member_id=member.id,
                        text=check_in_text(t, meeting, self._zone),
                        buttons=to_stored(check_in_buttons(t, meeting)),
                        due_at=meeting.starts_at - CHECK_IN_BEFORE,
                        expires_at=meeting.ends_at,
                        created_at=now,
                    )
                )
        await uow.outbox.reschedule(prefix, rows)
