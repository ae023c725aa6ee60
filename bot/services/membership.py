"""Membership use cases: who is asking, invitations, joining, language, data export, leaving."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.clock import Clock
from bot.i18n import LANGUAGES
from bot.parsing import OrganisationSpec
from bot.services.actor import Actor, Profile
from bot.services.errors import AlreadyMember, InvalidInput, InvitationRejected, NotFound
from bot.services.member_notices import (
    Event,
    end_membership,
    role_of,
    tell_colleagues,
    tell_coordinators,
)
from bot.services.notify import NoNotifier, Notifier
from bot.services.organisations import find_organisation, organisation_to_invite
from bot.services.task_handover import hand_over_tasks
from bot.services.uow import InvitationRepo, UnitOfWork, UnitOfWorkFactory
from storage.enums import RepresentativeRole
from storage.models import (
    Invitation,
    Member,
    MemberStatus,
    Organisation,
    Task,
    UserSettings,
)
from storage.personal_data import HIDDEN_COLUMNS
from storage.rows import StoredForm

# 24 random bytes = 192 bits, 32 URL-safe characters (a deep-link start parameter allows 64).
CODE_BYTES = 24
_CODE_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def looks_like_code(code: str) -> bool:
    return 16 <= len(code) <= 64 and set(code) <= _CODE_ALPHABET


def language_from(code: str | None, default: str) -> str:
    """Telegram's `language_code` (e.g. `en-GB`) → one of ours, else the default."""
    if code:
        primary = code.split("-")[0].lower()
        if primary in LANGUAGES:
            return primary
    return default


@dataclass(frozen=True)
class CreatedInvitation:
    invitation: Invitation
    code: str
    organisation: Organisation
    organisation_created: bool


@dataclass(frozen=True)
class OrganisationMembers:
    organisation: Organisation
    members: list[Member]
    # Stimmführung, Stellvertretung of its members (issue 15), by member id.
    roles: dict[int, RepresentativeRole] = field(default_factory=dict)


class MembershipService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        coordinator_ids: frozenset[int],
        default_language: str,
        invite_ttl: timedelta,
        notifier: Notifier | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier or NoNotifier()
        self._coordinators = coordinator_ids
        self._default_language = default_language
        self._invite_ttl = invite_ttl

    # --- who is asking -------------------------------------------------------------------

    async def identify(self, profile: Profile) -> Actor:
        async with self._uow() as uow:
            identity = await uow.members.identity(profile.telegram_id)
            return await self._actor(uow, profile, *identity)

    async def identify_in_chat(
        self, profile: Profile, chat_id: int
    ) -> tuple[Actor, StoredForm | None]:
        """`identify`, and the person's open form in `chat_id` (read in the same query: the
        guided forms' router asks this for every command and text)."""
        async with self._uow() as uow:
            member, organisation, settings, form = await uow.members.identity_in_chat(
                profile.telegram_id, chat_id
            )
            return await self._actor(uow, profile, member, organisation, settings), form

    async def _actor(
        self,
        uow: UnitOfWork,
        profile: Profile,
        member: Member | None,
        organisation: Organisation | None,
        settings: UserSettings | None,
    ) -> Actor:
        if member is not None and member.status != MemberStatus.ACTIVE:
            member, organisation = None, None
        if member is not None:
            changed = False
            if member.unreachable_at is not None:
                # They write to the bot again, so messages reach them again.
                member.unreachable_at = None
                changed = True
            # Telegram tells us the current name with every update: keep ours up to date.
            current = (
                profile.first_name[:200] or None,
                (profile.last_name or "")[:200] or None,
                (profile.username or "")[:64] or None,
            )
            if (member.first_name, member.last_name, member.username) != current:
                member.first_name, member.last_name, member.username = current
                changed = True
            if changed:
                # Bookkeeping, not what the update asks for: it does not complete it.
                await uow.commit(completes_update=False)
        language = (
            settings.language
            if settings is not None
            else language_from(profile.language_code, self._default_language)
        )
        return Actor(
            profile=profile,
            member=member,
            organisation=organisation,
            is_coordinator=profile.telegram_id in self._coordinators,
            language=language,
        )

    async def set_language(self, actor: Actor, language: str) -> str:
        language = language.strip().lower()
        if language not in LANGUAGES:
            raise InvalidInput("language.unknown", choices=", ".join(LANGUAGES))
        async with self._uow() as uow:
            await uow.user_settings.put(
                UserSettings(
                    telegram_id=actor.telegram_id, language=language, updated_at=self._clock.now()
                )
            )
            await uow.commit()
        return language

    # --- invitations ---------------------------------------------------------------------

    async def create_invitation(self, actor: Actor, spec: OrganisationSpec) -> CreatedInvitation:
        (created,) = await self.create_invitations(actor, spec, 1)
        return created

    async def create_invitations(
        self, actor: Actor, spec: OrganisationSpec, count: int
    ) -> list[CreatedInvitation]:
        """`count` single-use invitations for one organisation (created if new), in one
        transaction."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            organisation = organisation_to_invite(spec.name, await uow.organisations.all())
            created = organisation is None
            if organisation is None:
                organisation = await uow.organisations.add(
                    Organisation(name=spec.name, kind=spec.kind, ags=spec.ags, created_at=now)
                )
            else:
                if spec.kind_given:
                    organisation.kind = spec.kind
                if spec.ags is not None:
                    organisation.ags = spec.ags
            assert organisation.id is not None
            made = []
            for _ in range(count):
                code = secrets.token_urlsafe(CODE_BYTES)
                invitation = await uow.invitations.add(
                    Invitation(
                        code_hash=hash_code(code),
                        organisation_id=organisation.id,
                        created_by=actor.telegram_id,
                        created_at=now,
                        expires_at=now + self._invite_ttl,
                    )
                )
                made.append(CreatedInvitation(invitation, code, organisation, created))
            await uow.commit()
        return made

    async def open_invitations(self, actor: Actor) -> list[tuple[Invitation, Organisation]]:
        actor.require_coordinator()
        async with self._uow() as uow:
            return list(await uow.invitations.open_with_organisations(self._clock.now()))

    async def revoke_invitation(self, actor: Actor, invitation_id: int) -> Invitation:
        actor.require_coordinator()
        async with self._uow() as uow:
            invitation = await uow.invitations.get(invitation_id)
            if invitation is None:
                raise NotFound("invite.not_found", id=invitation_id)
            if invitation.used_at is not None:
                raise InvalidInput("invite.revoke_used", id=invitation_id)
            if invitation.revoked_at is None:
                invitation.revoked_at = self._clock.now()
                await uow.commit()
            return invitation

    async def join(self, profile: Profile, code: str) -> tuple[Member, Organisation]:
        """Redeem an invitation code. Raises InvitationRejected or AlreadyMember; else commits."""
        now = self._clock.now()
        async with self._uow() as uow:
            existing = await uow.members.by_telegram_id(profile.telegram_id)
            if existing is not None and existing.status == MemberStatus.ACTIVE:
                organisation = await uow.organisations.get(existing.organisation_id)
                raise AlreadyMember(organisation=organisation.name if organisation else "")
            invitation = await self._find_invitation(uow.invitations, code)
            if invitation is None:
                raise InvitationRejected("join.code_unknown")
            if invitation.revoked_at is not None:
                raise InvitationRejected("join.code_revoked")
            if invitation.used_at is not None:
                raise InvitationRejected("join.code_used")
            if invitation.expires_at <= now:
                raise InvitationRejected("join.code_expired")
            if not await uow.invitations.mark_used(invitation, now):
                # Someone else redeemed it a moment ago.
                raise InvitationRejected("join.code_used")
            organisation = await uow.organisations.get(invitation.organisation_id)
            assert organisation is not None
            member = await uow.members.add(
                Member(
                    telegram_id=profile.telegram_id,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                    username=profile.username,
                    organisation_id=invitation.organisation_id,
                    invitation_id=invitation.id,
                    joined_at=now,
                )
            )
            await self._tell(uow, Event.JOINED, member)
            await uow.commit()
        self._notifier.outbox_changed()
        return member, organisation

    @staticmethod
    async def _find_invitation(repo: InvitationRepo, code: str) -> Invitation | None:
        if not looks_like_code(code):
            return None
        digest = hash_code(code)
        invitation = await repo.by_code_hash(digest)
        # The lookup is by hash; compare once more in constant time for good measure.
        if invitation is None or not hmac.compare_digest(invitation.code_hash, digest):
            return None
        return invitation

    # --- the coordinator's view ----------------------------------------------------------

    async def members_overview(self, actor: Actor) -> list[OrganisationMembers]:
        actor.require_coordinator()
        async with self._uow() as uow:
            organisations = await uow.organisations.all()
            rows = await uow.members.active_with_organisations()
            roles = await uow.representation.roles([m.id or 0 for m, _ in rows])
        by_org: dict[int, list[Member]] = {}
        for member, organisation in rows:
            assert organisation.id is not None
            by_org.setdefault(organisation.id, []).append(member)
        return [OrganisationMembers(o, by_org.get(o.id or 0, []), roles) for o in organisations]

    async def update_organisation(self, actor: Actor, spec: OrganisationSpec) -> Organisation:
        actor.require_coordinator()
        async with self._uow() as uow:
            organisation = find_organisation(spec.name, await uow.organisations.all())
            if spec.kind_given:
                organisation.kind = spec.kind
            if spec.ags is not None:
                organisation.ags = spec.ags
            await uow.commit()
            return organisation

    # --- the member's own data -----------------------------------------------------------

    async def export_data(self, actor: Actor) -> dict[str, Any]:
        member = actor.require_member()
        assert member.id is not None
        async with self._uow() as uow:
            fresh = await uow.members.get(member.id)
            assert fresh is not None
            organisation = await uow.organisations.get(fresh.organisation_id)
            groups = await uow.groups.groups_of(member.id)
            settings = await uow.user_settings.get(actor.telegram_id)
            invitation = (
                await uow.invitations.get(fresh.invitation_id) if fresh.invitation_id else None
            )
            stored = await uow.personal.rows_of(member.id, fresh.telegram_id)
        assert organisation is not None
        return {
            "exported_at": _iso(self._clock.now()),
            "member": {
                "id": fresh.id,
                "telegram_id": fresh.telegram_id,
                "first_name": fresh.first_name,
                "last_name": fresh.last_name,
                "username": fresh.username,
                "role": fresh.role,
                "status": fresh.status.value,
                "joined_at": _iso(fresh.joined_at),
            },
            "organisation": {
                "id": organisation.id,
                "name": organisation.name,
                "kind": organisation.kind.value if organisation.kind else None,
                "ags": organisation.ags,
            },
            "invitation": (
                {
                    "id": invitation.id,
                    "created_at": _iso(invitation.created_at),
                    "used_at": _iso(invitation.used_at) if invitation.used_at else None,
                }
                if invitation
                else None
            ),
            "working_groups": [{"id": g.id, "name": g.name} for g in groups],
            "settings": {"language": settings.language if settings else None},
            # Every stored row that refers to the member, by table (storage/personal_data.py):
            # answers to meetings, votes, proposals, task reports, messages sent to them …
            "stored_rows": {
                table: [_plain_row(row) for row in rows] for table, rows in sorted(stored.items())
            },
        }

    async def leave(self, actor: Actor) -> None:
        """End the membership and delete the personal data (name, username, Telegram id).
        The coordinators are told who left, for which organisation, and whether it now has
        no member left."""
        member = actor.require_member()
        assert member.id is not None
        async with self._uow() as uow:
            fresh = await uow.members.get(member.id)
            if fresh is None or fresh.status != MemberStatus.ACTIVE:
                raise NotFound("leave.already_left")
            role = await role_of(uow, fresh)  # with a role: one message tells both
            tasks = await hand_over_tasks(
                uow,
                fresh,
                self._clock.now(),
                default_language=self._default_language,
                tell=role is None,
            )
            await self._tell(uow, Event.LEFT, fresh, tasks=tasks)
            organisation = await uow.organisations.get(fresh.organisation_id)
            assert organisation is not None
            await tell_colleagues(
                uow,
                default_language=self._default_language,
                now=self._clock.now(),
                event=Event.LEFT,
                member=fresh,
                organisation=organisation,
                tasks=tasks,
            )
            await end_membership(uow, fresh, self._clock.now())
            await uow.commit()
        self._notifier.outbox_changed()

    async def _tell(
        self,
        uow: UnitOfWork,
        event: Event,
        member: Member,
        skip: int | None = None,
        tasks: Sequence[Task] = (),
    ) -> None:
        organisation = await uow.organisations.get(member.organisation_id)
        assert organisation is not None
        await tell_coordinators(
            uow,
            coordinators=self._coordinators,
            default_language=self._default_language,
            now=self._clock.now(),
            event=event,
            member=member,
            organisation=organisation,
            skip=skip,
            tasks=tasks,
        )


def _iso(value: datetime) -> str:
    return value.isoformat()


def _plain(value: object) -> object:
    """A stored value as JSON: times as ISO 8601, enums by their value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _plain_row(row: dict[str, Any]) -> dict[str, object]:
    return {
        name: _plain(value)
        for name, value in row.items()
        if name not in HIDDEN_COLUMNS and not isinstance(value, bytes)
    }
