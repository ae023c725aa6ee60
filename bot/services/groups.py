"""Working groups (Arbeitsgruppen): members join and leave; the coordinator manages the list."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.clock import Clock
from bot.parsing import parse_group_name, parse_positive_int
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.meeting_notices import MeetingNotices
from bot.services.notify import Notifier
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from storage.models import WorkingGroup, WorkingGroupMember


@dataclass(frozen=True)
class GroupView:
    group: WorkingGroup
    joined: bool
    member_count: int

    @property
    def id(self) -> int:
        assert self.group.id is not None
        return self.group.id


async def group_to_ask(uow: UnitOfWork, group_id: int) -> WorkingGroup:
    """The working group a meeting, series or date poll goes to: it is there and has someone
    to ask; a group nobody has joined yet is refused (nothing would reach anyone)."""
    group = await uow.groups.get(group_id)
    if group is None or group.archived_at is not None:
        raise NotFound("groups.not_found", ref=group_id)
    if not await uow.members.recipients(group_id=group_id):
        raise InvalidInput("groups.empty", name=group.name)
    return group


# At most this many upcoming meetings of a group are looked at when someone joins or leaves it.
MAX_GROUP_MEETINGS = 50


class GroupService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notices: MeetingNotices | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notices = notices
        self._notifier = notifier

    async def seed(self, names: Iterable[str]) -> int:
        """Create the configured groups on a database that never had any. Returns how many."""
        async with self._uow() as uow:
            if await uow.groups.count() > 0:
                return 0
            unique = list(dict.fromkeys(parse_group_name(raw) for raw in names))
            added = await uow.groups.add_missing(unique, self._clock.now())
            await uow.commit()
            return added

    async def overview(self, actor: Actor) -> list[GroupView]:
        member = actor.require_member() if not actor.is_coordinator else actor.member
        async with self._uow() as uow:
            groups = await uow.groups.active()
            counts = await uow.groups.member_counts()
            mine = await uow.groups.group_ids_of(member.id) if member and member.id else set()
        return [GroupView(g, g.id in mine, counts.get(g.id or 0, 0)) for g in groups]

    async def check_audience(self, group_id: int | None) -> None:
        """Refuse a working group without members as a meeting's or a poll's audience (where
        it is chosen, before the preview); None, the whole forum, is fine."""
        if group_id is None:
            return
        async with self._uow() as uow:
            await group_to_ask(uow, group_id)

    async def overview_all(self) -> list[WorkingGroup]:
        """The active groups (for choosing one, e.g. as a meeting's audience)."""
        async with self._uow() as uow:
            return list(await uow.groups.active())

    async def toggle(self, actor: Actor, group_id: int) -> tuple[WorkingGroup, bool]:
        """Join the group if not in it, else leave it. Returns the group and the new state."""
        member = actor.require_member()
        assert member.id is not None
        async with self._uow() as uow:
            group = await uow.groups.get(group_id)
            if group is None or group.archived_at is not None:
                raise NotFound("groups.not_found", ref=group_id)
            link = await uow.groups.membership(group_id, member.id)
            if link is None:
                # False only if a simultaneous press joined first: the member is in either way.
                await uow.groups.join(
                    WorkingGroupMember(
                        group_id=group_id, member_id=member.id, joined_at=self._clock.now()
                    )
                )
                joined = True
            else:
                await uow.groups.leave(link)
                joined = False
            await self._follow_meetings(uow, group_id, member.id, joined=joined)
            await uow.commit()
        if self._notifier is not None:
            self._notifier.outbox_changed()
        return group, joined

    async def _follow_meetings(
        self, uow: UnitOfWork, group_id: int, member_id: int, *, joined: bool
    ) -> None:
        """Who joins a group is invited to its upcoming meetings; who leaves it gets no more
        of their reminders (what a member receives is what they are invited to)."""
        if self._notices is None:
            return
        upcoming = await uow.meetings.upcoming(
            self._clock.now(), MAX_GROUP_MEETINGS, group_ids={group_id}
        )
        for meeting in upcoming:
            if meeting.group_id != group_id:
                continue
            if joined:
                await self._notices.invite_late(uow, meeting, member_id)  # a series: once
            await self._notices.reschedule_reminders(uow, meeting)

    async def add(self, actor: Actor, raw_name: str) -> WorkingGroup:
        actor.require_coordinator()
        name = parse_group_name(raw_name)
        async with self._uow() as uow:
            if await uow.groups.by_name(name) is not None:
                raise InvalidInput("groups.exists", name=name)
            group = await uow.groups.add(WorkingGroup(name=name, created_at=self._clock.now()))
            await uow.commit()
            return group

    async def rename(self, actor: Actor, ref: str, raw_name: str) -> tuple[str, WorkingGroup]:
        actor.require_coordinator()
        name = parse_group_name(raw_name)
        async with self._uow() as uow:
            group = await self._find(uow, ref)
            other = await uow.groups.by_name(name)
            if other is not None and other.id != group.id:
                raise InvalidInput("groups.exists", name=name)
            old = group.name
            group.name = name
            await uow.commit()
            return old, group

    async def archive(self, actor: Actor, ref: str) -> WorkingGroup:
        actor.require_coordinator()
        async with self._uow() as uow:
            group = await self._find(uow, ref)
            group.archived_at = self._clock.now()
            await uow.commit()
            return group

    @staticmethod
    async def _find(uow: UnitOfWork, ref: str) -> WorkingGroup:
        """An active group by number (`3`, `#3`) or by name."""
        group_id = parse_positive_int(ref)
        group = (
            await uow.groups.get(group_id)
            if group_id is not None
            else await uow.groups.by_name(parse_group_name(ref))
        )
        if group is None or group.archived_at is not None:
            raise NotFound("groups.not_found", ref=ref.strip())
        return group
