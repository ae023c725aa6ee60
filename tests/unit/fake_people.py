"""In-memory repositories of people: organisations, members, invitations, working groups,
languages, representation, personal data and history (see tests/unit/fakes.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.unit.fake_votes import FakeBallots
    from tests.unit.fakes import FakeForms

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from storage.enums import RepresentativeRole
from storage.models import (
    Invitation,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    UserSettings,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.models_representation import Representative
from storage.rows import (
    StoredForm,
)

T = TypeVar("T")


class FakeTable(Generic[T]):
    """Rows by id, the next id one above the highest."""

    def __init__(self) -> None:
        self.rows: dict[int, T] = {}

    def insert(self, row: T) -> T:
        row_id = max(self.rows, default=0) + 1
        row.id = row_id  # type: ignore[attr-defined]
        self.rows[row_id] = row
        return row


class FakeOrganisations(FakeTable[Organisation]):
    async def get(self, organisation_id: int) -> Organisation | None:
        return self.rows.get(organisation_id)

    async def by_name(self, name: str) -> Organisation | None:
        return next((o for o in self.rows.values() if o.name.lower() == name.lower()), None)

    async def add(self, organisation: Organisation) -> Organisation:
        return self.insert(organisation)

    async def all(self) -> Sequence[Organisation]:
        return sorted(self.rows.values(), key=lambda o: o.name)


class FakeMembers(FakeTable[Member]):
    def __init__(
        self, organisations: FakeOrganisations, settings: FakeUserSettings, groups: FakeGroups
    ) -> None:
        super().__init__()
        self._organisations = organisations
        self.settings = settings
        self._groups = groups
        self.forms: FakeForms | None = None  # set by FakeUnitOfWork

    async def get(self, member_id: int) -> Member | None:
        return self.rows.get(member_id)

    async def by_ids(self, member_ids: set[int]) -> dict[int, Member]:
        return {i: self.rows[i] for i in member_ids if i in self.rows}

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        return next((m for m in self.rows.values() if m.telegram_id == telegram_id), None)

    async def identity(
        self, telegram_id: int
    ) -> tuple[Member | None, Organisation | None, UserSettings | None]:
        member = await self.by_telegram_id(telegram_id)
        organisation = self._organisations.rows.get(member.organisation_id) if member else None
        return member, organisation, self.settings.rows.get(telegram_id)

    async def identity_in_chat(
        self, telegram_id: int, chat_id: int
    ) -> tuple[Member | None, Organisation | None, UserSettings | None, StoredForm | None]:
        row = self.forms.rows.get((chat_id, telegram_id)) if self.forms is not None else None
        form = StoredForm(row.state, row.updated_at) if row is not None else None
        return (*await self.identity(telegram_id), form)

    async def of_organisation_with_languages(
        self, organisation_id: int
    ) -> Sequence[tuple[Member, str | None]]:
        return [
            (m, s.language if (s := self.settings.rows.get(m.telegram_id or 0)) else None)
            for m in await self.recipients(organisation_id=organisation_id)
        ]

    async def add(self, member: Member) -> Member:
        if member.telegram_id is not None and await self.by_telegram_id(member.telegram_id):
            raise ValueError("telegram_id is unique")
        return self.insert(member)

    async def recipients(
        self,
        *,
        kind: OrganisationKind | None = None,
        group_id: int | None = None,
        organisation_id: int | None = None,
    ) -> Sequence[Member]:
        return [
            m
            for m in self.rows.values()
            if m.status is MemberStatus.ACTIVE
            and m.telegram_id is not None
            and self._organisations.rows[m.organisation_id].status.receives
            and (organisation_id is None or m.organisation_id == organisation_id)
            and (kind is None or self._organisations.rows[m.organisation_id].kind is kind)
            and (group_id is None or (group_id, m.id) in self._groups.links)
        ]

    async def active_with_organisations(self) -> Sequence[tuple[Member, Organisation]]:
        return [
            (m, self._organisations.rows[m.organisation_id])
            for m in self.rows.values()
            if m.status is MemberStatus.ACTIVE
        ]


class FakeInvitations(FakeTable[Invitation]):
    def __init__(self, organisations: FakeOrganisations) -> None:
        super().__init__()
        self._organisations = organisations

    async def get(self, invitation_id: int) -> Invitation | None:
        return self.rows.get(invitation_id)

    async def by_code_hash(self, code_hash: str) -> Invitation | None:
        return next((i for i in self.rows.values() if i.code_hash == code_hash), None)

    async def add(self, invitation: Invitation) -> Invitation:
        return self.insert(invitation)

    async def mark_used(self, invitation: Invitation, now: datetime) -> bool:
        if invitation.used_at is not None:
            return False
        invitation.used_at = now
        return True

    async def open_with_organisations(
        self, now: datetime
    ) -> Sequence[tuple[Invitation, Organisation]]:
        return [
            (i, self._organisations.rows[i.organisation_id])
            for i in self.rows.values()
            if i.revoked_at is None and i.used_at is None and i.expires_at > now
        ]


class FakeGroups(FakeTable[WorkingGroup]):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[tuple[int, int], WorkingGroupMember] = {}

    async def get(self, group_id: int) -> WorkingGroup | None:
        return self.rows.get(group_id)

    async def by_name(self, name: str) -> WorkingGroup | None:
        return next((g for g in self.rows.values() if g.name.lower() == name.lower()), None)

    async def count(self) -> int:
        return len(self.rows)

    async def add(self, group: WorkingGroup) -> WorkingGroup:
        return self.insert(group)

    async def add_missing(self, names: Sequence[str], now: datetime) -> int:
        known = {g.name for g in self.rows.values()}
        new = [name for name in names if name not in known]
        for name in new:
            self.insert(WorkingGroup(name=name, created_at=now))
        return len(new)

    async def active(self) -> Sequence[WorkingGroup]:
        return [g for g in self.rows.values() if g.archived_at is None]

    async def group_ids_of(self, member_id: int) -> set[int]:
        return {gid for gid, mid in self.links if mid == member_id}

    async def groups_of(self, member_id: int) -> Sequence[WorkingGroup]:
        return [self.rows[gid] for gid in sorted(await self.group_ids_of(member_id))]

    async def membership(self, group_id: int, member_id: int) -> WorkingGroupMember | None:
        return self.links.get((group_id, member_id))

    async def join(self, link: WorkingGroupMember) -> bool:
        key = (link.group_id, link.member_id)
        if key in self.links:
            return False
        self.links[key] = link
        return True

    async def leave(self, link: WorkingGroupMember) -> None:
        self.links.pop((link.group_id, link.member_id), None)

    async def remove_member_everywhere(self, member_id: int) -> None:
        for key in [k for k in self.links if k[1] == member_id]:
            del self.links[key]

    async def member_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for gid, _ in self.links:
            counts[gid] = counts.get(gid, 0) + 1
        return counts


class FakeUserSettings:
    def __init__(self) -> None:
        self.rows: dict[int, UserSettings] = {}

    async def get(self, telegram_id: int) -> UserSettings | None:
        return self.rows.get(telegram_id)

    async def languages(self, telegram_ids: Sequence[int]) -> dict[int, str]:
        return {t: self.rows[t].language for t in telegram_ids if t in self.rows}

    async def put(self, settings: UserSettings) -> None:
        self.rows[settings.telegram_id] = settings

    async def delete(self, telegram_id: int) -> None:
        self.rows.pop(telegram_id, None)


class FakeRepresentation:
    def __init__(self, members: FakeMembers, ballots: FakeBallots) -> None:
        self._members = members
        self._ballots = ballots
        self.rows: list[Representative] = []

    def _sync(self) -> None:
        self._ballots.representatives = {r.member_id for r in self.rows}
        self._ballots.roles = {r.member_id: (r.organisation_id, r.role) for r in self.rows}

    async def of_organisation(
        self, organisation_id: int
    ) -> Sequence[tuple[Representative, Member]]:
        rows = [
            (r, self._members.rows[r.member_id])
            for r in self.rows
            if r.organisation_id == organisation_id
            and self._members.rows[r.member_id].status is MemberStatus.ACTIVE
        ]
        return sorted(rows, key=lambda p: (p[0].role is not RepresentativeRole.LEAD, p[0].id or 0))

    async def roles(self, member_ids: Sequence[int]) -> dict[int, RepresentativeRole]:
        return {
            r.member_id: r.role
            for r in self.rows
            if r.member_id in member_ids
            and self._members.rows[r.member_id].organisation_id == r.organisation_id
        }

    async def all(self) -> Sequence[Representative]:
        return [
            r for r in self.rows if self._members.rows[r.member_id].status is MemberStatus.ACTIVE
        ]

    async def replace(
        self, organisation_id: int, lead_id: int | None, deputy_ids: Sequence[int], now: datetime
    ) -> None:
        ids = {i for i in (lead_id, *deputy_ids) if i is not None}
        self.rows = [
            r for r in self.rows if r.organisation_id != organisation_id and r.member_id not in ids
        ]
        if lead_id is not None:
            for member_id, role in [(lead_id, RepresentativeRole.LEAD)] + [
                (d, RepresentativeRole.DEPUTY) for d in deputy_ids
            ]:
                self.rows.append(
                    Representative(
                        id=len(self.rows) + 1,
                        organisation_id=organisation_id,
                        member_id=member_id,
                        role=role,
                        appointed_at=now,
                    )
                )
        self._sync()


class FakePersonalData:
    """The registry-driven export and forgetting run on the real database (tests/e2e/
    test_privacy.py); on fakes the services' own steps are what is tested."""

    async def rows_of(
        self, member_id: int, telegram_id: int | None
    ) -> dict[str, list[dict[str, Any]]]:
        return {}

    async def forget(self, member_id: int, telegram_id: int | None) -> None:
        return None


class FakeHistory:
    """An organisation's history on fakes: its members (the walk over every table runs on the
    real database, tests/e2e/test_organisations_admin.py)."""

    def __init__(
        self,
        organisations: FakeOrganisations,
        members: FakeMembers,
        representation: FakeRepresentation,
    ) -> None:
        self.dropped_roles: list[int] = []
        self._organisations = organisations
        self._members = members
        self._representation = representation

    async def counts(self, organisation_id: int) -> dict[str, int]:
        found = {
            "member.organisation_id": sum(
                1 for m in self._members.rows.values() if m.organisation_id == organisation_id
            ),
            "representative.organisation_id": sum(
                1 for r in self._representation.rows if r.organisation_id == organisation_id
            ),
        }
        return {k: v for k, v in found.items() if v}

    async def last_activity(self, member_id: int) -> datetime | None:
        return None

    async def vote_conflicts(self, keep: int, gone: int) -> int:
        return 0

    async def merge(self, keep: int, gone: int) -> None:
        # `gone`'s Stimmführung and deputies become ordinary members of `keep`.
        self._representation.rows = [
            r for r in self._representation.rows if r.organisation_id != gone
        ]
        self._representation._sync()
        for member in self._members.rows.values():
            if member.organisation_id == gone:
                member.organisation_id = keep
        await self.delete(gone)

    async def drop_roles(self, member_id: int) -> None:
        self.dropped_roles.append(member_id)
        self._representation.rows = [
            r for r in self._representation.rows if r.member_id != member_id
        ]
        self._representation._sync()

    async def delete(self, organisation_id: int) -> None:
        self._organisations.rows.pop(organisation_id, None)
