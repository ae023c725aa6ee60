"""What the coordinators hear about the forum's members: someone joined, left or was removed
(name and organisation, whether the organisation still has members, and whether a Stimmführung
or Stellvertretung ended with it), and, with the Monday summary, which organisations have no
member at all. What an organisation's members hear when one of its representatives leaves or
moves, and when their organisation is merged into another. And ending a membership, the same
for /austreten and for the coordinator's Entfernen."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

from bot.i18n import Html, Translator, translator
from bot.services.representation import ROLE_KEYS
from bot.services.uow import UnitOfWork
from bot.texts.representation import person
from storage.enums import RepresentativeRole
from storage.models import Member, MemberStatus, Organisation, OutboxMessage, Task


class Event(enum.StrEnum):
    JOINED = "joined"
    LEFT = "left"
    REMOVED = "removed"
    MOVED = "moved"  # to another organisation (the colleagues' notice only)


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
    role = await role_of(uow, member)
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
            text += role_ended_text(t, role, organisation, remaining)
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


def task_lines(t: Translator, tasks: Sequence[Task]) -> Html:
    """`• #1 „Fotos Brücke“`, a line a task: the tasks a departure or merge hands over."""
    return Html("\n".join(t("leave.notice_task_line", id=x.id, title=x.title) for x in tasks))


def handed_over_section(t: Translator, organisation: Organisation, tasks: Sequence[Task]) -> str:
    """The open tasks that are the organisation's now: number and title, and what to do."""
    return t(
        "leave.notice_tasks",
        organisation=organisation.name,
        count=len(tasks),
        tasks=task_lines(t, tasks),
        id=tasks[0].id,
    )


def remaining_line(t: Translator, organisation: Organisation, remaining: int) -> str:
    if remaining:
        return t("leave.notice_remaining", organisation=organisation.name, count=remaining)
    return t("leave.notice_none_left", organisation=organisation.name)


def role_ended_text(
    t: Translator, role: RepresentativeRole | None, organisation: Organisation, remaining: int
) -> str:
    """For the coordinator: the role that ended with a leave, removal or move (with a line
    break before it), and how to name a new one; nothing without a role."""
    if role is None:
        return ""
    text = "\n" + t("members.role_ended", role=t(ROLE_KEYS[role]), organisation=organisation.name)
    if remaining:
        text += " " + t("members.role_ended_how", organisation=organisation.name)
    return text


async def role_of(uow: UnitOfWork, member: Member) -> RepresentativeRole | None:
    return (await uow.representation.roles([member.id or 0])).get(member.id or 0)


async def tell_colleagues(
    uow: UnitOfWork,
    *,
    default_language: str,
    now: datetime,
    event: Event,
    member: Member,
    organisation: Organisation,
    after: Organisation | None = None,
    tasks: Sequence[Task] = (),
) -> RepresentativeRole | None:
    """A Stimmführung or Stellvertretung leaves, is removed or moves to `after`: the role ends,
    and the organisation's other members are told, with who represents it now and who may name
    someone, and (`tasks`) which of the member's open tasks are theirs now, in one message.
    Call it before the member's name and role are deleted. Returns the role."""
    assert member.id is not None and organisation.id is not None
    role = await role_of(uow, member)
    if role is None:
        return None
    left = [
        (r, m)
        for r, m in await uow.representation.of_organisation(organisation.id)
        if m.id != member.id
    ]
    lead = next((m for r, m in left if r.role is RepresentativeRole.LEAD), None)
    deputies = [m for r, m in left if r.role is RepresentativeRole.DEPUTY]
    colleagues = [
        m
        for m in await uow.members.recipients(organisation_id=organisation.id)
        if m.id != member.id
    ]
    languages = await uow.user_settings.languages([m.telegram_id or 0 for m in colleagues])
    rows = []
    for colleague in colleagues:
        chat_id = colleague.telegram_id or 0
        t = translator(languages.get(chat_id, default_language))
        params = {"name": member.display_name, "organisation": organisation.name}
        lines = [
            t(
                "members.colleague_moved" if event is Event.MOVED else "members.colleague_gone",
                role=t(ROLE_KEYS[role]),
                after=after.name if after else "",
                **params,
            ),
            t("representation.lead", name=person(lead)) if lead else t("representation.no_lead"),
            t("representation.deputies", names=", ".join(person(m) for m in deputies))
            if deputies
            else t("representation.no_deputies"),
            t(
                "members.colleague_how_lead" if lead else "members.colleague_how_coordinator",
                organisation=organisation.name,
            ),
        ]
        if tasks:
            lines.append(
                t(
                    "members.colleague_tasks",
                    name=member.display_name,
                    organisation=organisation.name,
                    tasks=task_lines(t, tasks),
                    id=tasks[0].id,
                )
            )
        rows.append(
            OutboxMessage(
                dedup_key=f"member:{member.id}:role_ended:{event.value}:{now:%Y%m%d%H%M%S}"
                f":member:{colleague.id}",
                kind="representation",
                chat_id=chat_id,
                member_id=colleague.id,
                text="\n".join(lines),
                due_at=now,
                created_at=now,
            )
        )
    await uow.outbox.enqueue(rows)
    return role


async def merged_notices(
    uow: UnitOfWork,
    *,
    keep: Organisation,
    gone: Organisation,
    people: Sequence[tuple[Member, RepresentativeRole | None]],
    lead: Member | None,
    now: datetime,
    default_language: str,
) -> None:
    """`gone` was merged into `keep`: each of its members hears that they belong to `keep` now;
    one who held a role in `gone`, that it ended, and who is `keep`'s Stimmführung (or that it
    has none and who may name one)."""
    reachable = [(m, r) for m, r in people if m.telegram_id is not None]
    languages = await uow.user_settings.languages([m.telegram_id or 0 for m, _ in reachable])
    rows = []
    for member, role in reachable:
        chat_id = member.telegram_id or 0
        t = translator(languages.get(chat_id, default_language))
        lines = [t("org.merged_notice", keep=keep.name, gone=gone.name)]
        if role is not None:
            lines.append(t("org.merged_role_ended", role=t(ROLE_KEYS[role]), gone=gone.name))
            lines.append(
                t("org.merged_keep_lead", keep=keep.name, name=person(lead))
                if lead
                else t("org.merged_keep_no_lead", keep=keep.name)
            )
        rows.append(
            OutboxMessage(
                dedup_key=f"org:{gone.id}:merged:{keep.id}:{now:%Y%m%d%H%M%S}:member:{member.id}",
                kind="org_merged",
                chat_id=chat_id,
                member_id=member.id,
                text="\n".join(lines),
                due_at=now,
                created_at=now,
            )
        )
    await uow.outbox.enqueue(rows)


async def merged_tasks_notice(
    uow: UnitOfWork,
    *,
    keep: Organisation,
    gone: Organisation,
    newcomers: Sequence[Member],
    tasks: Sequence[Task],
    now: datetime,
    default_language: str,
) -> None:
    """`gone` was merged into `keep`: `keep`'s own members hear who joins them and which open
    tasks of `gone` are theirs now (its members' personal ones stay with them)."""
    joining = {m.id for m in newcomers}
    hosts = [
        m for m in await uow.members.recipients(organisation_id=keep.id) if m.id not in joining
    ]
    languages = await uow.user_settings.languages([m.telegram_id or 0 for m in hosts])
    names = ", ".join(m.display_name for m in newcomers) or "–"
    rows = []
    for member in hosts:
        t = translator(languages.get(member.telegram_id or 0, default_language))
        text = t("org.merged_into_yours", keep=keep.name, gone=gone.name, names=names)
        if tasks:
            text += "\n" + t(
                "org.merged_tasks", keep=keep.name, gone=gone.name, tasks=task_lines(t, tasks)
            )
        rows.append(
            OutboxMessage(
                dedup_key=f"org:{gone.id}:merged:{keep.id}:{now:%Y%m%d%H%M%S}:host:{member.id}",
                kind="org_merged",
                chat_id=member.telegram_id or 0,
                member_id=member.id,
                text=text,
                due_at=now,
                created_at=now,
            )
        )
    await uow.outbox.enqueue(rows)


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
