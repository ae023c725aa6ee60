"""An organisation's status in the forum (Mitglied, beratend, archiviert) and who speaks for it
in votes (Stimmführung, Stellvertretung): /kommunestatus, /kommunearchivieren, /vertretung.

Who votes follows from both (bot/services/electorate.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from bot.clock import Clock
from bot.i18n import translator
from bot.parsing import clean_text
from bot.services.actor import Actor
from bot.services.electorate import has_vote
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.notify import Notifier
from bot.services.organisations import find_organisation, fold
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from storage.enums import OrganisationStatus, RepresentativeRole, VoteRight
from storage.models import Member, Organisation, OutboxMessage

# What may be typed after /kommunestatus <Organisation> | (folded, see `fold`).
STATUS_WORDS: dict[str, OrganisationStatus] = {
    "mitglied": OrganisationStatus.MEMBER,
    "member": OrganisationStatus.MEMBER,
    "stimmberechtigt": OrganisationStatus.MEMBER,
    "voting": OrganisationStatus.MEMBER,
    "beratend": OrganisationStatus.ADVISORY,
    "advisory": OrganisationStatus.ADVISORY,
    "archiviert": OrganisationStatus.ARCHIVED,
    "archivieren": OrganisationStatus.ARCHIVED,
    "archived": OrganisationStatus.ARCHIVED,
    "archive": OrganisationStatus.ARCHIVED,
}
# After /vertretung <Organisation> |: nobody (the organisation's representation is removed).
NOBODY = frozenset({"-", "–", "keine", "keiner", "niemand", "none", "nobody"})
MAX_DEPUTIES = 20
ROLE_KEYS = {
    RepresentativeRole.LEAD: "vote.capacity_lead",
    RepresentativeRole.DEPUTY: "vote.capacity_deputy",
}


@dataclass(frozen=True)
class Representation:
    organisation: Organisation
    lead: Member | None
    deputies: tuple[Member, ...]
    right: VoteRight  # VOTE_RIGHT now (a running vote keeps the one it opened with)


@dataclass(frozen=True)
class Appointment:
    """The representation after /vertretung …|…, and the role of the one who changed it,
    before and after (None: none; both None for the coordinator)."""

    view: Representation
    had: RepresentativeRole | None
    has: RepresentativeRole | None


def _role_of(view: Representation, member_id: int | None) -> RepresentativeRole | None:
    if member_id is None:
        return None
    if view.lead is not None and view.lead.id == member_id:
        return RepresentativeRole.LEAD
    if any(m.id == member_id for m in view.deputies):
        return RepresentativeRole.DEPUTY
    return None


@dataclass(frozen=True)
class StatusChange:
    organisation: Organisation
    before: OrganisationStatus
    # Open votes it takes part in from now on (or no longer): counted by today's status.
    open_votes: int


class RepresentationService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        *,
        right: VoteRight,
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.right = right
        self._language = default_language

    # --- status ----------------------------------------------------------------------------

    async def set_status(self, actor: Actor, text: str) -> StatusChange:
        """`<Organisation> | Mitglied|beratend|archiviert` (coordinator)."""
        actor.require_coordinator()
        name, _, word = text.partition("|")
        status = STATUS_WORDS.get(fold(word))
        if not clean_text(name) or status is None:
            raise InvalidInput("orgstatus.usage")
        return await self._change(name, status)

    async def archive(self, actor: Actor, name: str) -> StatusChange:
        actor.require_coordinator()
        if not clean_text(name):
            raise InvalidInput("orgarchive.usage")
        return await self._change(name, OrganisationStatus.ARCHIVED)

    async def _change(self, name: str, status: OrganisationStatus) -> StatusChange:
        async with self._uow() as uow:
            organisation = find_organisation(name, await uow.organisations.all())
            before = organisation.status
            organisation.status = status
            open_votes = len(await uow.ballots.open_ballots())
            await uow.commit()
        return StatusChange(organisation, before, open_votes)

    # --- representation --------------------------------------------------------------------

    async def show(self, actor: Actor, name: str) -> Representation:
        """Who speaks for the organisation (members and the coordinator may ask)."""
        if not actor.is_coordinator:
            actor.require_member()
        if not clean_text(name):
            raise InvalidInput("representation.usage")
        async with self._uow() as uow:
            organisation = find_organisation(name, await uow.organisations.all())
            return await self._representation(uow, organisation)

    async def appoint(self, actor: Actor, text: str) -> Appointment:
        """`<Organisation> | @Stimmführung [| @Stellvertretung …]` by the coordinator or the
        organisation's Stimmführung; `| -` as the Stimmführung removes the organisation's
        representation, as the Stellvertretung (`| @dirk | -`) the deputies. Everyone whose
        role changed is told, but the actor, whose answer says it (`Appointment.yours`)."""
        if not actor.is_coordinator:
            actor.require_member()
        name, *fields = text.split("|")
        refs = [clean_text(r) for field in fields for r in field.split(",") if clean_text(r)]
        if not clean_text(name) or not refs:
            raise InvalidInput("representation.usage")
        lead_ref, deputy_refs = refs[0], [r for r in refs[1:] if r.casefold() not in NOBODY]
        async with self._uow() as uow:
            organisation = find_organisation(name, await uow.organisations.all())
            assert organisation.id is not None
            await self._may_appoint(uow, actor, organisation)
            if organisation.status is OrganisationStatus.ARCHIVED:
                raise InvalidInput("representation.archived", organisation=organisation.name)
            now = self._clock.now()
            before = await self._representation(uow, organisation)
            if lead_ref.casefold() in NOBODY:
                if deputy_refs:  # deputies stand in for a Stimmführung
                    raise InvalidInput(
                        "representation.deputies_without_lead", organisation=organisation.name
                    )
                await uow.representation.replace(organisation.id, None, [], now)
            else:
                people = await self._members_of(uow, organisation)
                lead = await self._find(uow, lead_ref, organisation, people)
                deputies: list[Member] = []
                for ref in deputy_refs[:MAX_DEPUTIES]:
                    member = await self._find(uow, ref, organisation, people)
                    if member.id == lead.id:
                        raise InvalidInput(
                            "representation.lead_and_deputy",
                            name=member.display_name,
                            organisation=organisation.name,
                        )
                    if member not in deputies:
                        deputies.append(member)
                await uow.representation.replace(
                    organisation.id, lead.id, [d.id or 0 for d in deputies], now
                )
            view = await self._representation(uow, organisation)
            me = actor.member.id if actor.member is not None else None
            told = await self._tell(uow, before, view, actor.is_coordinator, skip=me)
            await uow.commit()
        if told:
            self._notifier.outbox_changed()
        return Appointment(view, _role_of(before, me), _role_of(view, me))

    async def _tell(
        self,
        uow: UnitOfWork,
        before: Representation,
        after: Representation,
        by_coordinator: bool,
        *,
        skip: int | None,
    ) -> bool:
        """Everyone whose role changed is told: named (which role) or no longer named; not
        `skip`, who made the change and is answered."""

        def roles(view: Representation) -> dict[int, tuple[Member, RepresentativeRole]]:
            found = {m.id or 0: (m, RepresentativeRole.DEPUTY) for m in view.deputies}
            if view.lead is not None:
                found[view.lead.id or 0] = (view.lead, RepresentativeRole.LEAD)
            return found

        old, new = roles(before), roles(after)
        changed = [
            (member, role)
            for member_id, (member, role) in new.items()
            if old.get(member_id, (None, None))[1] is not role
        ] + [(member, None) for member_id, (member, _) in old.items() if member_id not in new]
        people = [(m, r) for m, r in changed if m.telegram_id is not None and m.id != skip]
        if not people:
            return False
        languages = await uow.user_settings.languages([m.telegram_id or 0 for m, _ in people])
        now = self._clock.now()
        name = after.organisation.name
        change = f"{now:%Y%m%dT%H%M%S%f}:{uuid.uuid4().hex[:12]}"
        rows = []
        for member, role in people:
            chat = member.telegram_id or 0
            t = translator(languages.get(chat, self._language))
            by = t("representation.by_coordinator" if by_coordinator else "representation.by_lead")
            if role is None:
                text = t("representation.told_removed", organisation=name, by=by)
            else:
                role_name = t(ROLE_KEYS[role])
                text = t("representation.told_named", organisation=name, role=role_name, by=by)
            rows.append(
                OutboxMessage(
                    # A key of its own for each change (the clock may stand still between two).
                    dedup_key=f"representation:{after.organisation.id}:{change}:member:{member.id}",
                    kind="representation",
                    chat_id=chat,
                    member_id=member.id,
                    text=text,
                    due_at=now,
                    created_at=now,
                )
            )
        await uow.outbox.enqueue(rows)
        return True

    async def _may_appoint(self, uow: UnitOfWork, actor: Actor, organisation: Organisation) -> None:
        if actor.is_coordinator:
            return
        member = actor.require_member()
        roles = await uow.representation.roles([member.id or 0])
        if (
            member.organisation_id != organisation.id
            or roles.get(member.id or 0) is not RepresentativeRole.LEAD
        ):
            raise NotAllowed("representation.not_allowed", organisation=organisation.name)

    async def _representation(self, uow: UnitOfWork, organisation: Organisation) -> Representation:
        rows = await uow.representation.of_organisation(organisation.id or 0)
        lead = next((m for r, m in rows if r.role is RepresentativeRole.LEAD), None)
        deputies = tuple(m for r, m in rows if r.role is RepresentativeRole.DEPUTY)
        return Representation(organisation, lead, deputies, self.right)

    @staticmethod
    async def _members_of(uow: UnitOfWork, organisation: Organisation) -> list[Member]:
        return [
            m for m, o in await uow.members.active_with_organisations() if o.id == organisation.id
        ]

    @staticmethod
    async def _find(
        uow: UnitOfWork, ref: str, organisation: Organisation, people: Sequence[Member]
    ) -> Member:
        """A member of `organisation` by @username or by name (full, first or last)."""
        wanted = ref[1:] if ref.startswith("@") else ref
        folded = fold(wanted)
        if ref.startswith("@"):
            found = [m for m in people if m.username and m.username.casefold() == wanted.casefold()]
        else:
            found = [m for m in people if fold(m.display_name) == folded]
            if not found:
                found = [
                    m
                    for m in people
                    if folded in {fold(m.first_name or ""), fold(m.last_name or "")}
                ]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(f"{m.display_name} (@{m.username or '–'})" for m in found)
            raise InvalidInput("representation.ambiguous", ref=ref, names=names)
        # Someone of another organisation? Say so rather than "unknown".
        for member, org in await uow.members.active_with_organisations():
            if ref.startswith("@") and (member.username or "").casefold() == wanted.casefold():
                raise InvalidInput(
                    "representation.other_organisation",
                    name=member.display_name,
                    other=org.name,
                    organisation=organisation.name,
                )
        names = ", ".join(m.display_name for m in people) or "–"
        raise NotFound(
            "representation.unknown", ref=ref, organisation=organisation.name, names=names
        )


def counts_of(organisations: Sequence[Organisation]) -> tuple[int, int]:
    """(voting, advisory) organisations, for /mitglieder."""
    voting = sum(1 for o in organisations if has_vote(o))
    advisory = sum(1 for o in organisations if o.status is OrganisationStatus.ADVISORY)
    return voting, advisory
