"""The coordinator looks after the forum's members and organisations over the years: one
member's card (/mitglied) with Entfernen, Andere Organisation and Rolle; an organisation
renamed, two merged (/zusammenlegen), one deleted while it has no history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.clock import Clock
from bot.i18n import translator
from bot.parsing import MAX_ORGANISATION_NAME, clean_text, parse_positive_int
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.feature_ports import OrganisationsUnitOfWork, OrganisationsUnitOfWorkFactory
from bot.services.member_notices import (
    Event,
    active_count,
    end_membership,
    merged_notices,
    merged_tasks_notice,
    role_of,
    tell_colleagues,
    tell_coordinators,
)
from bot.services.notify import NoNotifier, Notifier
from bot.services.organisation_import import ImportReport, import_organisations
from bot.services.organisations import find_organisation
from bot.services.representation import ROLE_KEYS
from bot.services.task_handover import hand_over_tasks
from bot.services.task_owners import find_person
from storage.enums import RepresentativeRole
from storage.models import Member, MemberStatus, Organisation, OutboxMessage, Task

MAX_ROLE = 100


# History rows that are no history of their own (see storage/repositories/organisation_history).
def _column(table: str) -> str:
    """How the history repository names a table's reference to the organisation."""
    return f"{table}.organisation_id"


# An invitation goes with its organisation; a Stimmführung or Stellvertretung ends with a merge
# (MergeCounts.roles names them), so neither is history that moves.
_NOT_HISTORY = {_column("invitation"), _column("representative")}


@dataclass(frozen=True)
class MemberCard:
    member: Member
    organisation: Organisation
    groups: list[str]
    last_activity: datetime | None


@dataclass(frozen=True)
class Removed:
    name: str
    organisation: Organisation
    remaining: int  # its members now
    role: RepresentativeRole | None  # the role in it that ended
    tasks: tuple[Task, ...] = ()  # their open tasks, the organisation's now


@dataclass(frozen=True)
class Moved:
    member: Member
    before: Organisation
    after: Organisation
    remaining: int  # members of `before` now
    role: RepresentativeRole | None  # the role in `before` that ended


@dataclass(frozen=True)
class MergeCounts:
    """What moves from `gone` to `keep` (the confirmation lists it)."""

    keep: Organisation
    gone: Organisation
    members: int  # active members
    former: int  # members who left or were removed (anonymous records)
    votes: int  # votes that move
    dropped: int  # B's votes on ballots A voted on too: A's vote stands, B's is dropped
    tasks: int
    other: int  # task history, proposals, agenda items, date-poll answers …
    # B's Stimmführung and deputies (name, role): their roles end, they become members of A.
    roles: tuple[tuple[str, RepresentativeRole], ...] = ()


class OrganisationAdminService:
    def __init__(
        self,
        uow: OrganisationsUnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier | None = None,
        *,
        coordinator_ids: frozenset[int],
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier or NoNotifier()
        self._coordinators = coordinator_ids
        self._language = default_language

    # --- a member ----------------------------------------------------------------------

    async def find_member(self, actor: Actor, ref: str) -> Member:
        """Whom `ref` names, as /neueaufgabe finds people (@username, name, "Name
        (Organisation)"); namesakes raise AmbiguousOwner (a button for each)."""
        actor.require_coordinator()
        if not clean_text(ref):
            raise InvalidInput("members.usage")
        async with self._uow() as uow:
            try:
                member, _ = await find_person(uow, ref)
            except NotFound as error:
                raise NotFound("members.not_found", ref=clean_text(ref)) from error
        return member

    async def card(self, actor: Actor, member_id: int) -> MemberCard:
        actor.require_coordinator()
        async with self._uow() as uow:
            member = await self._active(uow, member_id)
            organisation = await uow.organisations.get(member.organisation_id)
            assert organisation is not None
            groups = [g.name for g in await uow.groups.groups_of(member_id)]
            last = await uow.history.last_activity(member_id)
        return MemberCard(member, organisation, groups, last)

    async def remove(self, actor: Actor, member_id: int) -> Removed:
        """As the member's own /austreten; they are told, and so are the other coordinators
        (and, if they were its Stimmführung or Stellvertretung, the organisation's members)."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            member = await self._active(uow, member_id)
            organisation = await uow.organisations.get(member.organisation_id)
            assert organisation is not None and organisation.id is not None
            name, chat_id = member.display_name, member.telegram_id
            languages = await uow.user_settings.languages([chat_id] if chat_id else [])
            held = await role_of(uow, member)  # with a role: one message tells both
            tasks = await hand_over_tasks(
                uow, member, now, default_language=self._language, tell=held is None
            )
            await tell_coordinators(
                uow,
                coordinators=self._coordinators,
                default_language=self._language,
                now=now,
                event=Event.REMOVED,
                member=member,
                organisation=organisation,
                skip=actor.telegram_id,
                tasks=tasks,
            )
            role = await tell_colleagues(
                uow,
                default_language=self._language,
                now=now,
                event=Event.REMOVED,
                member=member,
                organisation=organisation,
                tasks=tasks,
            )
            await end_membership(uow, member, now)
            if chat_id is not None:
                # After the personal data is gone: the one message that still goes to them.
                t = translator(languages.get(chat_id, self._language))
                await uow.outbox.enqueue(
                    [
                        OutboxMessage(
                            dedup_key=f"member:{member_id}:removed:notice",
                            kind="member_removed",
                            chat_id=chat_id,
                            text=t("members.removed_notice", organisation=organisation.name),
                            due_at=now,
                            created_at=now,
                        )
                    ]
                )
            remaining = await active_count(uow, organisation.id, but=member_id)
            await uow.commit()
        self._notifier.outbox_changed()
        return Removed(name, organisation, remaining, role, tuple(tasks))

    async def move(self, actor: Actor, member_id: int, organisation_id: int) -> Moved:
        """To another organisation; what they did stays with the organisation it was done for
        (votes, answers to date polls are stored per organisation); a Stimmführung or deputy role
        in the old one ends. They are told, and so, if a role ended, are the old one's members."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            member = await self._active(uow, member_id)
            before = await uow.organisations.get(member.organisation_id)
            after = await uow.organisations.get(organisation_id)
            if before is None or after is None:
                raise NotFound("org.gone")
            if before.id == after.id:
                raise InvalidInput("members.move_same", organisation=after.name)
            role = await tell_colleagues(
                uow,
                default_language=self._language,
                now=now,
                event=Event.MOVED,
                member=member,
                organisation=before,
                after=after,
            )
            remaining = await active_count(uow, before.id or 0, but=member_id)
            member.organisation_id = organisation_id
            await uow.history.drop_roles(member_id)
            if member.telegram_id is not None:
                languages = await uow.user_settings.languages([member.telegram_id])
                t = translator(languages.get(member.telegram_id, self._language))
                text = t("members.moved_notice", before=before.name, after=after.name)
                if role is not None:
                    text += "\n" + t(
                        "members.moved_role_ended", role=t(ROLE_KEYS[role]), before=before.name
                    )
                await uow.outbox.enqueue(
                    [
                        OutboxMessage(
                            dedup_key=f"member:{member_id}:moved:{organisation_id}:"
                            f"{now:%Y%m%d%H%M%S}",
                            kind="member_moved",
                            chat_id=member.telegram_id,
                            member_id=member_id,
                            text=text,
                            due_at=now,
                            created_at=now,
                        )
                    ]
                )
            await uow.commit()
        self._notifier.outbox_changed()
        return Moved(member, before, after, remaining, role)

    async def organisation_for_move(self, actor: Actor, typed: str) -> Organisation:
        """The organisation typed (one resolver; several raise OrganisationChoice)."""
        actor.require_coordinator()
        async with self._uow() as uow:
            return find_organisation(clean_text(typed), await uow.organisations.all())

    async def organisation(self, actor: Actor, organisation_id: int) -> Organisation:
        actor.require_coordinator()
        async with self._uow() as uow:
            found = await uow.organisations.get(organisation_id)
        if found is None:
            raise NotFound("org.gone")
        return found

    async def set_role(self, actor: Actor, member_id: int, text: str) -> Member:
        """The role in their organisation; `-` clears it."""
        actor.require_coordinator()
        role = clean_text(text)
        if not role:
            raise InvalidInput("members.role_missing")
        if len(role) > MAX_ROLE:
            raise InvalidInput("members.role_too_long", limit=MAX_ROLE)
        async with self._uow() as uow:
            member = await self._active(uow, member_id)
            member.role = None if role == "-" else role
            await uow.commit()
        return member

    @staticmethod
    async def _active(uow: OrganisationsUnitOfWork, member_id: int) -> Member:
        member = await uow.members.get(member_id)
        if member is None or member.status != MemberStatus.ACTIVE:
            raise NotFound("members.gone")
        return member

    # --- organisations -----------------------------------------------------------------

    async def import_table(self, data: bytes) -> ImportReport:
        """`forumbot import-organisations`: all rows or none (bot/services/organisation_import)."""
        return await import_organisations(self._uow, self._clock, data)

    async def rename(self, actor: Actor, typed: str, new_name: str) -> tuple[str, Organisation]:
        """`typed`: its number or name. Returns the old name and the organisation."""
        actor.require_coordinator()
        if len(new_name) > MAX_ORGANISATION_NAME:
            raise InvalidInput("org.name_too_long", limit=MAX_ORGANISATION_NAME)
        async with self._uow() as uow:
            organisations = await uow.organisations.all()
            organisation = _by_number_or_name(typed, organisations)
            taken = [
                o
                for o in organisations
                if o.id != organisation.id and o.name.casefold() == new_name.casefold()
            ]
            if taken:
                raise InvalidInput("org.rename_taken", name=taken[0].name)
            old = organisation.name
            organisation.name = new_name
            await uow.commit()
        return old, organisation

    async def merge_counts(self, actor: Actor, keep_id: int, gone_id: int) -> MergeCounts:
        actor.require_coordinator()
        async with self._uow() as uow:
            return await self._counts(uow, keep_id, gone_id)

    async def pair(self, actor: Actor, keep: str, gone: str) -> tuple[int, int]:
        """`/zusammenlegen <A> | <B>`: the two organisations' ids."""
        actor.require_coordinator()
        async with self._uow() as uow:
            organisations = await uow.organisations.all()
            a = _by_number_or_name(keep, organisations)
            b = _by_number_or_name(gone, organisations)
        if a.id == b.id:
            raise InvalidInput("org.merge_same", name=a.name)
        assert a.id is not None and b.id is not None
        return a.id, b.id

    async def merge(self, actor: Actor, keep_id: int, gone_id: int) -> MergeCounts:
        """B's members, votes, tasks and history to A, then B is deleted; in one transaction."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            counts = await self._counts(uow, keep_id, gone_id)
            people = [
                m for m, o in await uow.members.active_with_organisations() if o.id == gone_id
            ]
            roles = await uow.representation.roles([m.id or 0 for m in people])
            tasks = [  # the organisation's own open tasks (its members' pass with them)
                task
                for task in await uow.tasks.open_tasks(organisation_id=gone_id)
                if task.member_id is None and task.organisation_id == gone_id
            ]
            await uow.history.merge(keep_id, gone_id)
            kept = await uow.representation.of_organisation(keep_id)
            lead = next((m for r, m in kept if r.role is RepresentativeRole.LEAD), None)
            await merged_notices(
                uow,
                keep=counts.keep,
                gone=counts.gone,
                people=[(m, roles.get(m.id or 0)) for m in people],
                lead=lead,
                now=now,
                default_language=self._language,
            )
            await merged_tasks_notice(
                uow,
                keep=counts.keep,
                gone=counts.gone,
                newcomers=people,
                tasks=tasks,
                now=now,
                default_language=self._language,
            )
            await uow.commit()
        self._notifier.outbox_changed()
        return counts

    async def delete(self, actor: Actor, typed: str) -> str:
        """Only an organisation without any history (members, votes, tasks …, also former
        members); its open invitations go with it."""
        actor.require_coordinator()
        async with self._uow() as uow:
            organisation = _by_number_or_name(typed, await uow.organisations.all())
            assert organisation.id is not None
            history = {
                k: v
                for k, v in (await uow.history.counts(organisation.id)).items()
                if k not in _NOT_HISTORY
            }
            if history:
                raise InvalidInput(
                    "org.delete_has_history", name=organisation.name, rows=sum(history.values())
                )
            name = organisation.name
            await uow.history.delete(organisation.id)
            await uow.commit()
        return name

    @staticmethod
    async def _counts(uow: OrganisationsUnitOfWork, keep_id: int, gone_id: int) -> MergeCounts:
        keep = await uow.organisations.get(keep_id)
        gone = await uow.organisations.get(gone_id)
        if keep is None or gone is None:
            raise NotFound("org.gone")
        counts = await uow.history.counts(gone_id)
        members = await active_count(uow, gone_id)
        votes = counts.pop(_column("vote"), 0)
        dropped = await uow.history.vote_conflicts(keep_id, gone_id)
        former = counts.pop(_column("member"), 0) - members
        tasks = counts.pop(_column("task"), 0)
        other = sum(v for k, v in counts.items() if k not in _NOT_HISTORY)
        roles = tuple(
            (m.display_name, r.role) for r, m in await uow.representation.of_organisation(gone_id)
        )
        return MergeCounts(
            keep, gone, members, former, votes - dropped, dropped, tasks, other, roles
        )


def _by_number_or_name(typed: str, organisations: Sequence[Organisation]) -> Organisation:
    typed = clean_text(typed)
    number = parse_positive_int(typed)
    if number is not None:
        for organisation in organisations:
            if organisation.id == number:
                return organisation
        raise NotFound("org.number_unknown", id=number)
    return find_organisation(typed, organisations)
