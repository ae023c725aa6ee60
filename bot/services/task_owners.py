"""Who owns a task: an organisation or a member, found by what the coordinator types (the
organisation's name, @username, a member's name; namesakes raise AmbiguousOwner), and who did
something to it (`Who`), as the texts show them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.i18n import Day, Msg
from bot.parsing import clean_text
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.organisations import find_organisation
from bot.services.uow import UnitOfWork
from bot.texts.people import name_with
from storage.models import Member, Organisation, Task, TaskStatus

# "Anna Schmidt (Stadt Jena)": a name with the organisation that tells two Annas apart.
_NAME_WITH_ORGANISATION = re.compile(r"(.+?)\s*\((.+)\)")


@dataclass(frozen=True)
class Owner:
    """A task's owner: an organisation, or one member (with their organisation)."""

    organisation: Organisation | None
    member: Member | None

    def label(self) -> str | Msg:
        """`Anna Schmidt (Gemeinde Zöllnitz)`, `ehemaliges Mitglied (…)` or the organisation."""
        if self.member is not None:
            return name_with(self.member, self.organisation)
        assert self.organisation is not None
        return self.organisation.name

    def typed(self) -> str:
        """How the coordinator would type an active owner: `Anna Schmidt (Gemeinde Zöllnitz)`
        or the organisation's name (buttons, a form's draft)."""
        if self.member is not None:
            name = self.member.display_name
            return f"{name} ({self.organisation.name})" if self.organisation else name
        assert self.organisation is not None
        return self.organisation.name


@dataclass(frozen=True)
class Who:
    """Who did something: a member (shown with their organisation), else the coordination."""

    member: Member | None
    organisation: Organisation | None

    @classmethod
    def of(cls, actor: Actor) -> Who:
        return cls(actor.member, actor.organisation)


class AmbiguousOwner(InvalidInput):
    """More than one member goes by the name given: the person chooses (`candidates`)."""

    key = "task.owner_ambiguous"

    def __init__(self, ref: str, candidates: Sequence[tuple[Member, Organisation]]) -> None:
        self.candidates = list(candidates)
        names = ", ".join(Owner(o, m).typed() for m, o in self.candidates)
        super().__init__(self.key, ref=ref, names=names)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _names(member: Member) -> set[str]:
    """What a member may be called by: first name, last name, both."""
    parts = [p for p in (member.first_name, member.last_name) if p]
    return {_fold(p) for p in parts} | ({_fold(" ".join(parts))} if parts else set())


async def find_owner(uow: UnitOfWork, ref: str) -> Owner:
    """An organisation by its name; else a member by @username or by name (first name,
    last name, both; "Name (Organisation)" tells namesakes apart)."""
    ref = clean_text(ref)
    if not ref or ref == "@":
        raise NotFound("task.owner_unknown", ref=ref or "–")
    if not ref.startswith("@"):
        # One way to find an organisation (case, kind word, umlauts, a unique prefix);
        # several → a button for each; none → maybe a person's name.
        try:
            return Owner(find_organisation(ref, await uow.organisations.all()), None)
        except NotFound:
            pass
    member, organisation = await find_person(uow, ref)
    return Owner(organisation, member)


async def find_person(uow: UnitOfWork, ref: str) -> tuple[Member, Organisation]:
    """An active member by @username or by name (first name, last name, both; "Name
    (Organisation)" tells namesakes apart); several raise AmbiguousOwner, none NotFound."""
    ref = clean_text(ref)
    name = ref[1:] if ref.startswith("@") else ref
    if not name:
        raise NotFound("task.owner_unknown", ref=ref or "–")
    people = await uow.members.active_with_organisations()
    username = [
        (m, o)
        for m, o in people
        if ref.startswith("@") and (m.username or "").casefold() == _fold(name)
    ]
    if username:
        return username[0]
    wanted, of = _fold(name), None
    match = _NAME_WITH_ORGANISATION.fullmatch(name)
    if match is not None:
        wanted, of = _fold(match[1]), _fold(match[2])
    found = [
        (m, o) for m, o in people if wanted in _names(m) and (of is None or _fold(o.name) == of)
    ]
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousOwner(ref, found)
    raise NotFound("task.owner_unknown", ref=ref)


async def member_owner(uow: UnitOfWork, member_id: int) -> Owner:
    for member, organisation in await uow.members.active_with_organisations():
        if member.id == member_id:
            return Owner(organisation, member)
    raise NotFound("task.owner_gone")


async def owner_of(uow: UnitOfWork, task: Task) -> Owner:
    if task.member_id is not None:
        member = await uow.members.get(task.member_id)
        org = await uow.organisations.get(member.organisation_id) if member else None
        return Owner(org, member)
    org = await uow.organisations.get(task.organisation_id) if task.organisation_id else None
    return Owner(org, None)


def row_id(row: Member | Organisation | None) -> int | None:
    return row.id if row is not None else None


def owner_organisation(owner: Owner | None) -> int | None:
    """The organisation that owns a task (none when a member owns it)."""
    return row_id(owner.organisation) if owner is not None and owner.member is None else None


def only_own(
    own: Organisation | None, tasks: Sequence[Task], members: dict[int, Member]
) -> dict[int | None, Organisation] | None:
    """The owners' organisations of a member's task list when they are all the member's own
    (`own`, as identified: no need to read it again); None: they are to be read."""
    needed: set[int | None] = {m.organisation_id for m in members.values()}
    needed |= {t.organisation_id for t in tasks if t.member_id is None}
    return {own.id: own} if own is not None and needed <= {own.id} else None


def owner_from(
    organisation_id: int | None,
    member_id: int | None,
    organisations: dict[int | None, Organisation],
    members: dict[int, Member],
) -> Owner:
    if member_id is not None:
        member = members.get(member_id)
        return Owner(organisations.get(member.organisation_id) if member else None, member)
    return Owner(organisations.get(organisation_id), None)


def owner_or_none(
    organisation_id: int | None,
    member_id: int | None,
    organisations: dict[int | None, Organisation],
    members: dict[int, Member],
) -> Owner | None:
    if organisation_id is None and member_id is None:
        return None
    owner = owner_from(organisation_id, member_id, organisations, members)
    return owner if owner.member or owner.organisation else None


async def not_open(uow: UnitOfWork, task: Task, zone: ZoneInfo) -> InvalidInput:
    """The refusal for a task that is no longer open, saying who reported it done and when
    (a colleague, often), or when it was cancelled."""
    task_id = task.id or 0
    if task.status is TaskStatus.DONE and task.done_at is not None:
        member = await uow.members.get(task.done_by) if task.done_by is not None else None
        if member is None:
            by: object = Msg("task.by_coordination")
        else:
            organisation = await uow.organisations.get(member.organisation_id)
            by = Owner(organisation, member).label()
        return InvalidInput("task.not_open_done", id=task_id, by=by, when=Day(task.done_at, zone))
    if task.status is TaskStatus.CANCELLED:
        return InvalidInput("task.not_open_cancelled", id=task_id, when=Day(task.updated_at, zone))
    return InvalidInput("task.not_open", id=task_id)


async def check_may_report(uow: UnitOfWork, actor: Actor, task: Task) -> None:
    """Who may report a task done or comment on it: the coordination, the person it is given
    to, or anyone of the organisation it is given to. A colleague of the person is told whose
    it is (they see it, but it is that person's own)."""
    if actor.is_coordinator:
        return
    member = actor.require_member()
    if task.member_id == member.id:
        return
    if task.member_id is None and task.organisation_id == member.organisation_id:
        return
    owner = await uow.members.get(task.member_id) if task.member_id is not None else None
    if owner is not None and owner.organisation_id == member.organisation_id:
        raise NotAllowed("task.not_yours_personal", id=task.id, name=owner.display_name)
    raise NotAllowed("task.not_yours", id=task.id)
