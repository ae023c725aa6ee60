"""What a scheduling poll sends, as outbox rows in the caller's transaction: each member's
message with the answer buttons and its reminder, the edits that show a member their answers
(a newer edit replaces a waiting older one, as with ballots: bot/services/ballot_edits.py), the
coordinators' notice at the deadline, and, once the date is fixed, the notice which slot won and
the poll messages edited to say so."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.i18n import translator
from bot.services.counting import reminder_time
from bot.services.feature_ports import SchedulingUnitOfWork
from bot.services.ids import id_of
from bot.texts import scheduling as render
from bot.texts.buttons import to_stored
from storage.models import Meeting, Member, RsvpAnswer
from storage.models_scheduling import SchedulingSlot

if TYPE_CHECKING:
    from bot.services.scheduling import PollView


def poll_key(poll_id: int) -> str:
    """The prefix of every outbox row of the poll."""
    return f"poll:{poll_id}:"


def reminder_key(poll_id: int, member: Member) -> str:
    """Under the organisation's prefix: its reminders are dropped once it has answered."""
    return f"{poll_key(poll_id)}remind:org:{member.organisation_id}:member:{member.id}"


def edit_row(
    poll_id: int,
    chat_id: int,
    message_id: int,
    member_id: int | None,
    body: str,
    buttons: Any,
    now: datetime,
    expires: datetime | None,
) -> dict[str, Any]:
    # A key of its own for every edit (see bot/services/ballot_edits.py).
    version = f"{now:%Y%m%dT%H%M%S%f}:{uuid.uuid4().hex[:12]}"
    return {
        "dedup_key": f"{poll_key(poll_id)}edit:{chat_id}:{message_id}:{version}",
        "kind": "poll_edit",
        "chat_id": chat_id,
        "member_id": member_id,
        "edit_message_id": message_id,
        "text": body,
        "buttons": buttons,
        "due_at": now,
        "expires_at": expires,
        "created_at": now,
    }


class PollNotices:
    def __init__(
        self,
        clock_now: Callable[[], datetime],
        *,
        zone: ZoneInfo,
        reminder_before: timedelta,
        coordinator_ids: frozenset[int],
        default_language: str,
    ) -> None:
        self._now = clock_now
        self.zone = zone
        self._reminder_before = reminder_before
        self._coordinators = coordinator_ids
        self._language = default_language

    async def send(
        self,
        uow: SchedulingUnitOfWork,
        view: PollView,
        members: Sequence[Member],
        *,
        answered: frozenset[int] = frozenset(),
    ) -> None:
        """Each member's poll message; the reminder before the deadline for those whose
        organisation has not answered (`answered`: those that have; dropped once it does);
        the coordinators' notice when the deadline has passed."""
        poll = view.poll
        poll_id = id_of(poll)
        now = self._now()
        languages = await uow.user_settings.languages(
            [m.telegram_id for m in members if m.telegram_id is not None]
        )
        remind_at = None
        if poll.deadline is not None:
            remind_at = reminder_time(poll.created_at, poll.deadline, self._reminder_before)
        texts: dict[str, tuple[str, str, Any]] = {}
        rows: list[dict[str, Any]] = []
        for member in members:
            if member.telegram_id is None:
                continue
            language = languages.get(member.telegram_id, self._language)
            if language not in texts:
                t = translator(language)
                texts[language] = (
                    render.poll_text(t, view, {}, self.zone),
                    render.poll_text(t, view, {}, self.zone, reminder=True),
                    to_stored(render.poll_buttons(t, view, {})),
                )
            body, reminder, buttons = texts[language]
            common = {
                "chat_id": member.telegram_id,
                "member_id": member.id,
                "buttons": buttons,
                "expires_at": poll.deadline,
                "created_at": now,
            }
            rows.append(
                {
                    "dedup_key": f"{poll_key(poll_id)}member:{member.id}",
                    "kind": "poll",
                    "text": body,
                    "due_at": now,
                    **common,
                }
            )
            if remind_at is not None and remind_at > now and member.organisation_id not in answered:
                rows.append(
                    {
                        "dedup_key": reminder_key(poll_id, member),
                        "kind": "poll_reminder",
                        "text": reminder,
                        "due_at": remind_at,
                        **common,
                    }
                )
        if poll.deadline is not None:
            for chat_id in self._coordinators:
                t = translator(languages.get(chat_id, self._language))
                rows.append(
                    {
                        "dedup_key": f"{poll_key(poll_id)}deadline:chat:{chat_id}",
                        "kind": "poll_deadline",
                        "chat_id": chat_id,
                        "text": render.deadline_notice(t, poll),
                        "due_at": poll.deadline,
                        "created_at": now,
                    }
                )
        await uow.outbox.enqueue(rows)

    async def edit(
        self,
        uow: SchedulingUnitOfWork,
        view: PollView,
        member: Member,
        mine: dict[int, RsvpAnswer],
        now: datetime,
    ) -> int:
        """The member's poll message and reminder, edited to show their answers. Their
        organisation has answered now, so the reminder no longer says an answer is missing."""
        poll_id = id_of(view.poll)
        keys = [f"{poll_key(poll_id)}member:{member.id}", reminder_key(poll_id, member)]
        sent = await uow.outbox.sent_by_keys(keys)
        if not sent:
            return 0
        language = (
            await uow.user_settings.languages([member.telegram_id] if member.telegram_id else [])
        ).get(member.telegram_id or 0, self._language)
        t = translator(language)
        buttons = to_stored(render.poll_buttons(t, view, mine))
        rows = [
            edit_row(
                poll_id,
                message.chat_id,
                message.telegram_message_id,
                member.id,
                render.poll_text(t, view, mine, self.zone),
                buttons,
                now,
                view.poll.deadline,
            )
            for _, message in sent
        ]
        return await uow.outbox.replace_edits(rows)

    async def answered(
        self, uow: SchedulingUnitOfWork, view: PollView, member: Member, now: datetime
    ) -> int:
        """The organisation's first answer: the reminders its other members got already are
        edited to no longer say an answer is missing (they have given none: no answers shown)."""
        poll_id = id_of(view.poll)
        prefix = f"{poll_key(poll_id)}remind:org:{member.organisation_id}:"
        sent = [
            m
            for m in await uow.outbox.sent_messages(prefix, ("poll_reminder",))
            if m.member_id != member.id
        ]
        if not sent:
            return 0
        languages = await uow.user_settings.languages(list({m.chat_id for m in sent}))
        rows = []
        for message in sent:
            t = translator(languages.get(message.chat_id, self._language))
            rows.append(
                edit_row(
                    poll_id,
                    message.chat_id,
                    message.telegram_message_id,
                    message.member_id,
                    render.poll_text(t, view, {}, self.zone),
                    to_stored(render.poll_buttons(t, view, {})),
                    now,
                    view.poll.deadline,
                )
            )
        return await uow.outbox.replace_edits(rows)

    async def expired(self, uow: SchedulingUnitOfWork, view: PollView) -> int:
        """The poll messages that went out, edited once the deadline has passed: each with its
        reader's answers, without buttons."""
        poll_id = id_of(view.poll)
        now = self._now()
        sent = await uow.outbox.sent_messages(poll_key(poll_id), ("poll", "poll_reminder"))
        if not sent:
            return 0
        positions = {id_of(s): s.position for s in view.slots}
        answers: dict[int, dict[int, RsvpAnswer]] = {}
        for a in await uow.polls.answers(poll_id):
            if a.slot_id in positions:
                answers.setdefault(a.member_id, {})[positions[a.slot_id]] = a.answer
        languages = await uow.user_settings.languages(list({m.chat_id for m in sent}))
        rows = [
            edit_row(
                poll_id,
                message.chat_id,
                message.telegram_message_id,
                message.member_id,
                render.poll_text(
                    translator(languages.get(message.chat_id, self._language)),
                    view,
                    answers.get(message.member_id or 0, {}),
                    self.zone,
                    expired=True,
                ),
                None,
                now,
                None,
            )
            for message in sent
        ]
        return await uow.outbox.replace_edits(rows)

    async def tell_fixed(
        self,
        uow: SchedulingUnitOfWork,
        view: PollView,
        slot: SchedulingSlot,
        meeting: Meeting,
        audience: Sequence[Member],
        said_yes: set[int],
        now: datetime,
    ) -> None:
        """Everyone asked learns which slot won (before the invitation arrives); the poll
        messages that went out say it too, without buttons."""
        poll_id = id_of(view.poll)
        chats = [m.telegram_id for m in audience if m.telegram_id is not None]
        languages = await uow.user_settings.languages(chats)
        rows: list[dict[str, Any]] = []
        for member in audience:
            if member.telegram_id is None:
                continue
            t = translator(languages.get(member.telegram_id, self._language))
            rows.append(
                {
                    "dedup_key": f"{poll_key(poll_id)}fixed:member:{member.id}",
                    "kind": "poll_fixed",
                    "chat_id": member.telegram_id,
                    "member_id": member.id,
                    "text": render.fixed_notice(
                        t, view, slot, meeting, self.zone, said_yes=member.id in said_yes
                    ),
                    "due_at": now,
                    "created_at": now,
                }
            )
        sent = await uow.outbox.sent_messages(poll_key(poll_id), ("poll", "poll_reminder"))
        for message in sent:
            t = translator(languages.get(message.chat_id, self._language))
            rows.append(
                {
                    "dedup_key": f"{poll_key(poll_id)}closed:{message.id}",
                    "kind": "poll_closed",
                    "chat_id": message.chat_id,
                    "member_id": message.member_id,
                    "edit_message_id": message.telegram_message_id,
                    "text": render.closed_text(t, view, slot, self.zone),
                    "due_at": now,
                    "created_at": now,
                }
            )
        await uow.outbox.enqueue(rows)
