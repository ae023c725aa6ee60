"""Scheduling polls (Terminfindung): the coordinator proposes 2 to 12 slots, every invited
member answers Ja / Vielleicht / Nein per slot in one message (changeable until the deadline or
until the date is fixed), those whose organisation has not answered are reminded before the
deadline, and "Termin festlegen" turns a slot into a meeting with the usual invitations.

Everything goes out through the outbox in the transaction of the change: the poll's messages,
their reminders (derived rows, dropped once the organisation answers), the edits that show a
member their current answers (a newer edit replaces a waiting older one, as with ballots), the
notice which slot won, and the invitations (`MeetingNotices`, as `/neuertermin` sends them)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.callbacks import Notice
from bot.clock import Clock
from bot.i18n import translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.feature_ports import SchedulingUnitOfWork, SchedulingUnitOfWorkFactory
from bot.services.groups import group_to_ask
from bot.services.ids import id_of
from bot.services.meeting_rows import MAX_MINUTES
from bot.services.meetings import MeetingService
from bot.services.notify import Notifier
from bot.services.poll_notices import PollNotices, poll_key
from bot.services.poll_rules import Cast, Matrix, SlotScore, matrix, ranked, scores
from bot.slots import MAX_SLOTS, MIN_SLOTS
from storage.models import Meeting, MeetingRsvp, Member, Organisation, RsvpAnswer
from storage.models_scheduling import SchedulingAnswer, SchedulingPoll, SchedulingSlot

MAX_TITLE = 200


@dataclass(frozen=True)
class PollDraft:
    title: str
    slots: Sequence[tuple[datetime, datetime]]
    deadline: datetime | None = None
    group_id: int | None = None


@dataclass(frozen=True)
class PollView:
    poll: SchedulingPoll
    slots: Sequence[SchedulingSlot]
    group_name: str | None
    invited: int = 0


@dataclass(frozen=True)
class PollOverview:
    """The coordinator's view: organisations × slots, the ranking, who has not answered."""

    view: PollView
    organisations: list[Organisation]  # invited or answered, by name
    cells: Matrix
    ranking: list[SlotScore]
    silent: list[Organisation]


@dataclass(frozen=True)
class Fixed:
    poll: SchedulingPoll
    slot: SchedulingSlot
    meeting: Meeting
    confirmed: int  # members marked Zusage


_key = poll_key


class SchedulingService:
    def __init__(
        self,
        uow: SchedulingUnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        meetings: MeetingService,
        *,
        zone: ZoneInfo,
        reminder_before: timedelta,
        coordinator_ids: frozenset[int],
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self._meetings = meetings
        self.zone = zone
        self._reminder_before = reminder_before
        self._coordinators = coordinator_ids
        self._language = default_language
        self._notices = PollNotices(
            clock.now,
            zone=zone,
            reminder_before=reminder_before,
            coordinator_ids=coordinator_ids,
            default_language=default_language,
        )

    # --- creating ------------------------------------------------------------------------

    def check(self, actor: Actor, draft: PollDraft) -> str:
        """The draft's title, once the rules hold (also asked by the guided form)."""
        title = MeetingService.check_title(draft.title)
        if len(draft.slots) < MIN_SLOTS:
            raise InvalidInput("poll.too_few_slots", count=len(draft.slots), least=MIN_SLOTS)
        if len(draft.slots) > MAX_SLOTS:
            raise InvalidInput("poll.too_many_slots", most=MAX_SLOTS)
        if len(set(draft.slots)) != len(draft.slots):
            raise InvalidInput("poll.slot_twice")
        now = self._clock.now()
        t = translator(actor.language)
        for start, end in draft.slots:
            if start <= now:
                raise InvalidInput("poll.slot_past", slot=t.span(start, end, self.zone))
            if end <= start or end - start > timedelta(minutes=MAX_MINUTES):
                raise InvalidInput("meeting.too_long_duration")
        if draft.deadline is not None:
            self.check_deadline(actor, draft.deadline, draft.slots)
        return title

    def check_deadline(
        self, actor: Actor, deadline: datetime, slots: Sequence[tuple[datetime, datetime]]
    ) -> None:
        if deadline <= self._clock.now():
            raise InvalidInput("poll.deadline_past")
        first = min(start for start, _ in slots) if slots else None
        if first is not None and deadline > first:
            t = translator(actor.language)
            raise InvalidInput("poll.deadline_after_slot", first=t.datetime(first, self.zone))

    async def create(self, actor: Actor, draft: PollDraft) -> PollView:
        actor.require_coordinator()
        title = self.check(actor, draft)
        now = self._clock.now()
        async with self._uow() as uow:
            group_name = None
            if draft.group_id is not None:
                group_name = (await group_to_ask(uow, draft.group_id)).name
            poll, slots = await uow.polls.add(
                SchedulingPoll(
                    title=title,
                    group_id=draft.group_id,
                    created_by=actor.telegram_id,
                    created_at=now,
                    deadline=draft.deadline,
                ),
                sorted(draft.slots),  # numbered earliest first
            )
            view = PollView(poll, slots, group_name)
            members = await uow.members.recipients(group_id=draft.group_id)
            await self._notices.send(uow, view, members)
            await uow.commit()
        self._notifier.outbox_changed()
        return PollView(poll, slots, group_name, invited=len(members))

    async def welcome(self, member: Member) -> int:
        """A member who joined late gets the open polls asked of every member (a new member is
        in no working group yet) whose deadline has not passed. Returns how many."""
        now = self._clock.now()
        sent = 0
        async with self._uow() as uow:
            for poll in await uow.polls.open_polls():
                if poll.group_id is not None or (poll.deadline and poll.deadline <= now):
                    continue
                view = await self._view(uow, id_of(poll))
                answered = frozenset(
                    a.organisation_id for a in await uow.polls.answers(id_of(poll))
                )
                await self._notices.send(uow, view, [member], answered=answered)
                sent += 1
            await uow.commit()
        if sent:
            self._notifier.outbox_changed()
        return sent

    # --- answering -----------------------------------------------------------------------

    async def answer(
        self, actor: Actor, poll_id: int, position: int, answer: RsvpAnswer
    ) -> dict[int, RsvpAnswer]:
        """Store the member's answer to one slot; returns all their answers (by position).
        Their poll message (and reminder) is edited to show them."""
        member = actor.require_member()
        member_id = id_of(member)
        now = self._clock.now()
        async with self._uow() as uow:
            view = await self._view(uow, poll_id)
            poll = view.poll
            self._check_open(poll, now)
            slot = next((s for s in view.slots if s.position == position), None)
            if slot is None:
                raise InvalidInput("error.button_invalid")
            invited = {m.id for m in await uow.members.recipients(group_id=poll.group_id)}
            if member_id not in invited:
                raise InvalidInput("poll.not_invited", id=poll_id)
            if not await uow.polls.hold_open(poll_id):
                raise InvalidInput("poll.closed", id=poll_id, title=poll.title)
            first = not any(
                a.organisation_id == member.organisation_id
                for a in await uow.polls.answers(poll_id)
            )
            await uow.polls.set_answer(
                SchedulingAnswer(
                    slot_id=id_of(slot),
                    member_id=member_id,
                    poll_id=poll_id,
                    organisation_id=member.organisation_id,
                    answer=answer,
                    answered_at=now,
                )
            )
            # Their organisation has answered: nobody of it needs the reminder any more.
            await uow.outbox.reschedule(f"{_key(poll_id)}remind:org:{member.organisation_id}:", [])
            mine = await self._answers_of(uow, view, member_id)
            edited = await self._notices.edit(uow, view, member, mine, now)
            if first:
                edited += await self._notices.answered(uow, view, member, now)
            await uow.commit()
        if edited:
            self._notifier.outbox_changed()
        return mine

    def _check_open(self, poll: SchedulingPoll, now: datetime) -> None:
        if poll.closed_at is not None:
            raise InvalidInput("poll.closed", id=poll.id, title=poll.title)
        if poll.deadline is not None and poll.deadline <= now:
            raise InvalidInput("poll.deadline_passed", id=poll.id, title=poll.title)

    async def _answers_of(
        self, uow: SchedulingUnitOfWork, view: PollView, member_id: int
    ) -> dict[int, RsvpAnswer]:
        positions = {id_of(s): s.position for s in view.slots}
        return {
            positions[a.slot_id]: a.answer
            for a in await uow.polls.answers(id_of(view.poll), member_id)
            if a.slot_id in positions
        }

    # --- reading -------------------------------------------------------------------------

    async def _view(self, uow: SchedulingUnitOfWork, poll_id: int) -> PollView:
        poll = await uow.polls.get(poll_id)
        if poll is None:
            raise NotFound("poll.not_found", id=poll_id)
        group = await uow.groups.get(poll.group_id) if poll.group_id else None
        return PollView(poll, list(await uow.polls.slots(poll_id)), group.name if group else None)

    async def mine(self, actor: Actor, poll_id: int) -> tuple[PollView, dict[int, RsvpAnswer]]:
        member = actor.require_member()
        async with self._uow() as uow:
            view = await self._view(uow, poll_id)
            return view, await self._answers_of(uow, view, id_of(member))

    async def overview(self, actor: Actor, poll_id: int) -> PollOverview:
        actor.require_coordinator()
        async with self._uow() as uow:
            view = await self._view(uow, poll_id)
            invited = await uow.members.recipients(group_id=view.poll.group_id)
            answers = await uow.polls.answers(poll_id)
            everyone = {o.id: o for o in await uow.organisations.all()}
        positions = {id_of(s): s.position for s in view.slots}
        casts = [
            Cast(a.organisation_id, a.member_id, positions[a.slot_id], a.answer)
            for a in answers
            if a.slot_id in positions
        ]
        cells = matrix(casts)
        org_ids = {m.organisation_id for m in invited} | {c.organisation_id for c in casts}
        organisations = sorted(
            (everyone[o] for o in org_ids if o in everyone), key=lambda o: o.name.casefold()
        )
        answered = {c.organisation_id for c in casts}
        return PollOverview(
            view=PollView(view.poll, view.slots, view.group_name, invited=len(invited)),
            organisations=organisations,
            cells=cells,
            ranking=ranked(scores([s.position for s in view.slots], cells)),
            silent=[o for o in organisations if o.id not in answered],
        )

    async def expire_due(self) -> int:
        """Polls whose deadline has passed: their messages say so, without buttons (once,
        whichever process comes first; also after downtime). Returns how many polls."""
        now = self._clock.now()
        async with self._uow() as uow:
            due = await uow.polls.past_deadline(now)
        expired = 0
        for poll_id in due:
            async with self._uow() as uow:
                if not await uow.polls.mark_expired(poll_id, now):
                    continue
                view = await self._view(uow, poll_id)
                await self._notices.expired(uow, view)
                await uow.commit()
                expired += 1
        if expired:
            self._notifier.outbox_changed()
        return expired

    async def open_polls(self, actor: Actor) -> list[SchedulingPoll]:
        actor.require_coordinator()
        async with self._uow() as uow:
            return list(await uow.polls.open_polls())

    # --- fixing the date -----------------------------------------------------------------

    async def fix(self, actor: Actor, poll_id: int, position: int) -> Fixed:
        """The slot becomes a meeting: invitations with .ics to everyone the poll asked, those
        who said Ja to the slot marked Zusage; the poll closes and everyone is told."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            view = await self._view(uow, poll_id)
            poll = view.poll
            if poll.closed_at is not None:
                raise await self._closed_already(uow, actor, poll)
            slot = next((s for s in view.slots if s.position == position), None)
            if slot is None:
                raise InvalidInput("error.button_invalid")
            if slot.starts_at <= now:
                t = translator(actor.language)
                raise InvalidInput(
                    "poll.slot_past", slot=t.span(slot.starts_at, slot.ends_at, self.zone)
                )
            meeting = await uow.meetings.add(
                Meeting(
                    uid=f"meeting-{secrets.token_hex(8)}@forum-assistant",
                    title=poll.title,
                    starts_at=slot.starts_at,
                    ends_at=slot.ends_at,
                    group_id=poll.group_id,
                    created_by=actor.telegram_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            if not await uow.polls.close(
                poll_id, now=now, position=position, meeting_id=id_of(meeting)
            ):
                raise InvalidInput("poll.closed", id=poll_id, title=poll.title)
            poll.closed_at, poll.chosen_position, poll.meeting_id = now, position, meeting.id
            audience = await uow.members.recipients(group_id=poll.group_id)
            invited = {id_of(m) for m in audience}
            said_yes = {
                a.member_id
                for a in await uow.polls.answers(poll_id)
                if a.slot_id == slot.id and a.answer is RsvpAnswer.YES and a.member_id in invited
            }
            for member_id in sorted(said_yes):
                await uow.meetings.set_answer(
                    MeetingRsvp(
                        meeting_id=id_of(meeting),
                        member_id=member_id,
                        answer=RsvpAnswer.YES,
                        answered_at=now,
                    )
                )
            # What has not gone out yet is of no use now.
            for part in ("member:", "remind:", "deadline:", "edit:"):
                await uow.outbox.reschedule(f"{_key(poll_id)}{part}", [])
            await self._notices.tell_fixed(uow, view, slot, meeting, audience, said_yes, now)
            notices = self._meetings.notices
            await notices.notify_all(uow, meeting, Notice.INVITE)
            await notices.reschedule_reminders(uow, meeting)
            await uow.commit()
        self._notifier.outbox_changed()
        return Fixed(poll, slot, meeting, len(said_yes))

    async def _closed_already(
        self, uow: SchedulingUnitOfWork, actor: Actor, poll: SchedulingPoll
    ) -> InvalidInput:
        if poll.meeting_id is None:
            return InvalidInput("poll.closed", id=poll.id, title=poll.title)
        return InvalidInput(
            "poll.fixed_already", id=poll.id, title=poll.title, meeting=poll.meeting_id
        )
