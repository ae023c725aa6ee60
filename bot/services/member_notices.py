"""What the coordinators hear about the forum's members: someone joined, left or was removed
(name and organisation, and whether the organisation still has members), and, with the Monday
summary, which organisations have no member at all. And ending a membership, the same for
/austreten and for the coordinator's Entfernen."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

from bot.i18n import Html, Translator, translator
from bot.services.uow import UnitOfWork
from storage.models import Member, MemberStatus, Organisation, OutboxMessage, Task


class Event(enum.StrEnum):
    JOINED = "joined"
    LEFT = "left"
    REMOVED = "removed"


_NOTICE = {
    Event.JOINED: "members.notice_joined",
    Event.LEFT: "leave.notice_coordinator",
    Event.REMOVED: "members.notice_removed",
}


def is_archived(organisation: Organisation) -> bool:
    """Archived organisations (a status another feature adds) are out of the lists; the one
    place that knows how it is spelled."""
    status = getattr(organisation, "status", None)
    return str(getattr(status, "value", status)) == "archived"


async def end_membership(uow: UnitOfWork, member: Member, now: datetime) -> None:
    """End the membership and delete the personal data (name, username, Telegram id, role;
    every other row as storage/personal_data.py declares). The caller commits."""
    assert member.id is not None
    telegram_id = member.telegram_id
    member.status = MemberStatus.LEFT
    member.left_at = now
    member.telegram_id = None
    member.first_name = None
    member.last_name = None
    member.username = None
    member.role = None
    await uow.groups.remove_member_everywhere(member.id)
    if telegram_id is not None:
        await uow.user_settings.delete(telegram_id)
    await uow.personal.forget(member.id, telegram_id)


async def active_count(uow: UnitOfWork, organisation_id: int, *, but: int | None = None) -> int:
    return sum(
        1
        for member, organisation in await uow.members.active_with_organisations()
        if organisation.id == organisation_id and member.id != but
    )


async def tell_coordinators(
    uow: UnitOfWork,
    *,
    coordinators: frozenset[int],
    default_language: str,
    now: datetime,
    event: Event,
    member: Member,
    organisation: Organisation,
    skip: int | None = None,
    tasks: Sequence[Task] = (),
) -> None:
    """One message to each coordinator (but `skip`, who did it and is answered anyway). Call
    it before the member's name is deleted. `tasks`: the open tasks that passed from the
    member to the organisation (bot/services/task_handover.py), listed with what to do."""
    assert member.id is not None and organisation.id is not None
    remaining = await active_count(uow, organisation.id, but=member.id)
    if event is Event.JOINED:
        remaining += 1
    chats = sorted(c for c in coordinators if c != skip)
    languages = await uow.user_settings.languages(chats)
    rows = []
    for chat_id in chats:
        t = translator(languages.get(chat_id, default_language))
        text = t(
            _NOTICE[event],
            name=member.display_name,
            organisation=organisation.name,
            count=remaining,
        )
        if event is not Event.JOINED:
            text += "\n" + remaining_line(t, organisation, remaining)
        if tasks:
            text += "\n\n" + handed_over_section(t, organisation, tasks)
        stamp = f"{member.joined_at:%Y%m%d%H%M%S}"
        # /austreten's key as it always was; joining and removal their own.
        tail = "left" if event is Event.LEFT else event.value
        rows.append(
            OutboxMessage(
                dedup_key=f"member:{member.id}:{tail}:{stamp}:chat:{chat_id}",
                kind=f"member_{event.value}",
                chat_id=chat_id,
                text=text,
                due_at=now,
                created_at=now,
            )
        )
    await uow.outbox.enqueue(rows)


def handed_over_section(t: Translator, organisation: Organisation, tasks: Sequence[Task]) -> str:
    """The open tasks that are the organisation's now: number and title, and what to do."""
    lines = "\n".join(t("leave.notice_task_line", id=task.id, title=task.title) for task in tasks)
    return t(
        "leave.notice_tasks",
        organisation=organisation.name,
        count=len(tasks),
        tasks=Html(lines),
        id=tasks[0].id,
    )


def remaining_line(t: Translator, organisation: Organisation, remaining: int) -> str:
    if remaining:
        return t("leave.notice_remaining", organisation=organisation.name, count=remaining)
    return t("leave.notice_none_left", organisation=organisation.name)


async def without_members(uow: UnitOfWork) -> list[Organisation]:
    """The organisations that have no active member (whatever else they have)."""
    with_members = {o.id for _, o in await uow.members.active_with_organisations()}
    return [
        o for o in await uow.organisations.all() if o.id not in with_members and not is_archived(o)
    ]


def without_members_section(t: Translator, organisations: Sequence[Organisation]) -> str | None:
    """The Monday summary's section: organisations without any member, with what to do."""
    if not organisations:
        return None
    names = "\n".join(f"• {o.name}" for o in organisations)
    return t("members.summary_empty", count=len(organisations), names=names)
