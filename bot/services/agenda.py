"""A meeting's agenda (Tagesordnung): read it; the coordinator adds, removes and orders items;
accepted topics go onto it. The agenda is in the reminders' caption and .ics: every change
recomputes the meeting's pending reminders (no new SEQUENCE, no update to everyone)."""

from __future__ import annotations

from bot.clock import Clock
from bot.parsing import checked_title
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.ids import id_of
from bot.services.meeting_notices import MeetingNotices, agenda_of
from bot.services.meeting_rows import (
    MAX_TITLE,
    meeting_of,
    scheduled_meeting,
    unschedule_topics,
)
from bot.services.organisations import find_organisation
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.texts.meetings import Agenda
from storage.models import AgendaItem, Meeting, Proposal

MAX_ITEMS = 30
MAX_ITEM_MINUTES = 600


class AgendaService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, notices: MeetingNotices) -> None:
        self._uow = uow
        self._clock = clock
        self._notices = notices

    async def agenda(self, actor: Actor, meeting_id: int) -> tuple[Meeting, Agenda]:
        if not actor.is_coordinator:
            actor.require_member()
        async with self._uow() as uow:
            return await meeting_of(uow, meeting_id), await agenda_of(uow, meeting_id)

    async def add_item(
        self,
        actor: Actor,
        meeting_id: int,
        title: str,
        organisation: str | None = None,
        minutes: int | None = None,
    ) -> AgendaItem:
        actor.require_coordinator()
        title = checked_title(
            title, limit=MAX_TITLE, missing="agenda.title_missing", too_long="agenda.title_too_long"
        )
        if minutes is not None and not 1 <= minutes <= MAX_ITEM_MINUTES:
            raise InvalidInput("agenda.minutes_invalid")
        async with self._uow() as uow:
            meeting = await scheduled_meeting(uow, meeting_id)
            items = list(await uow.meetings.agenda(meeting_id))
            if len(items) >= MAX_ITEMS:
                raise InvalidInput("agenda.full", limit=MAX_ITEMS)
            org_id = None
            if organisation:
                org = find_organisation(organisation, await uow.organisations.all())
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
            await self._changed(uow, meeting)
            await uow.commit()
        return item

    async def remove_item(self, actor: Actor, meeting_id: int, position: int) -> AgendaItem:
        """Item `position` goes; a topic on it is back in the backlog."""
        actor.require_coordinator()
        async with self._uow() as uow:
            meeting = await scheduled_meeting(uow, meeting_id)
            items = list(await uow.meetings.agenda(meeting_id))
            if not 1 <= position <= len(items):
                raise NotFound("agenda.no_item", position=position, id=meeting_id)
            removed = items.pop(position - 1)
            await uow.meetings.delete_agenda_item(removed)
            if removed.proposal_id is not None:
                now = self._clock.now()
                await unschedule_topics(uow, meeting_id, now, removed.proposal_id)
            for number, item in enumerate(items, start=1):
                item.position = number
            await self._changed(uow, meeting)
            await uow.commit()
        return removed

    async def move_item(
        self, actor: Actor, meeting_id: int, position: int, new_position: int
    ) -> None:
        actor.require_coordinator()
        async with self._uow() as uow:
            meeting = await scheduled_meeting(uow, meeting_id)
            items = list(await uow.meetings.agenda(meeting_id))
            if not (1 <= position <= len(items) and 1 <= new_position <= len(items)):
                raise NotFound("agenda.no_item", position=position, id=meeting_id)
            item = items.pop(position - 1)
            items.insert(new_position - 1, item)
            for number, entry in enumerate(items, start=1):
                entry.position = number
            await self._changed(uow, meeting)
            await uow.commit()

    async def add_topic(self, uow: UnitOfWork, meeting: Meeting, proposal: Proposal) -> AgendaItem:
        """An accepted topic as the next item of `meeting`'s agenda, inside the caller's unit of
        work (the proposal changes in the same transaction)."""
        meeting_id = id_of(meeting)
        items = list(await uow.meetings.agenda(meeting_id))
        if len(items) >= MAX_ITEMS:
            raise InvalidInput("agenda.full", limit=MAX_ITEMS)
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
        await self._changed(uow, meeting)
        return item

    async def _changed(self, uow: UnitOfWork, meeting: Meeting) -> None:
        meeting.updated_at = self._clock.now()
        await self._notices.reschedule_reminders(uow, meeting)
