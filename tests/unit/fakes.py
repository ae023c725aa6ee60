"""In-memory repositories and unit of work for service tests (no database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from storage.models import (
    Broadcast,
    BroadcastState,
    Invitation,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    OutboxState,
    UserSettings,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.repositories import SentMessage

T = TypeVar("T")


class _Table(Generic[T]):
    def __init__(self) -> None:
        self.rows: dict[int, T] = {}

    def insert(self, row: T) -> T:
        row_id = max(self.rows, default=0) + 1
        row.id = row_id  # type: ignore[attr-defined]
        self.rows[row_id] = row
        return row


class FakeOrganisations(_Table[Organisation]):
    async def get(self, organisation_id: int) -> Organisation | None:
        return self.rows.get(organisation_id)

    async def by_name(self, name: str) -> Organisation | None:
        return next((o for o in self.rows.values() if o.name.lower() == name.lower()), None)

    async def add(self, organisation: Organisation) -> Organisation:
        return self.insert(organisation)

    async def all(self) -> Sequence[Organisation]:
        return sorted(self.rows.values(), key=lambda o: o.name)


class FakeMembers(_Table[Member]):
    def __init__(self, organisations: FakeOrganisations, settings: FakeUserSettings) -> None:
        super().__init__()
        self._organisations = organisations
        self.settings = settings

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

    async def add(self, member: Member) -> Member:
        if member.telegram_id is not None and await self.by_telegram_id(member.telegram_id):
            raise ValueError("telegram_id is unique")
        return self.insert(member)

    async def recipients(
        self, *, kind: OrganisationKind | None = None, group_id: int | None = None
    ) -> Sequence[Member]:
        assert group_id is None, "not needed by the unit tests yet"
        return [
            m
            for m in self.rows.values()
            if m.status is MemberStatus.ACTIVE
            and m.telegram_id is not None
            and (kind is None or self._organisations.rows[m.organisation_id].kind is kind)
        ]

    async def active_with_organisations(self) -> Sequence[tuple[Member, Organisation]]:
        return [
            (m, self._organisations.rows[m.organisation_id])
            for m in self.rows.values()
            if m.status is MemberStatus.ACTIVE
        ]


class FakeInvitations(_Table[Invitation]):
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


class FakeGroups(_Table[WorkingGroup]):
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


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: dict[str, OutboxMessage] = {}

    async def enqueue(self, messages: Sequence[OutboxMessage | Mapping[str, Any]]) -> int:
        rows = [m if isinstance(m, OutboxMessage) else OutboxMessage(**m) for m in messages]
        new = [m for m in rows if m.dedup_key not in self.rows]
        self.rows.update({m.dedup_key: m for m in new})
        return len(new)

    async def reschedule(self, prefix: str, messages: Sequence[OutboxMessage]) -> None:
        for key in [k for k, r in self.rows.items() if k.startswith(prefix)]:
            if self.rows[key].state is OutboxState.PENDING:
                del self.rows[key]
        await self.enqueue(messages)

    async def sent_messages(self, prefix: str, kinds: Sequence[str]) -> Sequence[SentMessage]:
        return [
            SentMessage(r.id or 0, r.chat_id, r.member_id, r.telegram_message_id)
            for key, r in self.rows.items()
            if key.startswith(prefix)
            and r.kind in kinds
            and r.state is OutboxState.SENT
            and r.telegram_message_id is not None
        ]

    async def state_counts(self, broadcast_ids: Sequence[int]) -> dict[int, dict[OutboxState, int]]:
        counts: dict[int, dict[OutboxState, int]] = {}
        for row in self.rows.values():
            if row.broadcast_id is not None and row.broadcast_id in broadcast_ids:
                per = counts.setdefault(row.broadcast_id, {})
                per[row.state] = per.get(row.state, 0) + 1
        return counts

    async def unsuccessful(
        self, broadcast_id: int
    ) -> Sequence[tuple[OutboxMessage, Member | None]]:
        return [
            (row, None)
            for row in self.rows.values()
            if row.broadcast_id == broadcast_id
            and row.state in (OutboxState.FAILED, OutboxState.SKIPPED)
        ]


class FakeBroadcasts(_Table[Broadcast]):
    async def get(self, broadcast_id: int) -> Broadcast | None:
        return self.rows.get(broadcast_id)

    async def add(self, broadcast: Broadcast) -> Broadcast:
        return self.insert(broadcast)

    async def change_state(
        self, broadcast_id: int, old: BroadcastState, new: BroadcastState, **values: object
    ) -> bool:
        broadcast = self.rows.get(broadcast_id)
        if broadcast is None or broadcast.state is not old:
            return False
        broadcast.state = new
        for name, value in values.items():
            setattr(broadcast, name, value)
        return True

    async def recent(self, limit: int) -> Sequence[Broadcast]:
        return sorted(self.rows.values(), key=lambda b: -(b.id or 0))[:limit]


class FakeUnitOfWork:
    """One shared in-memory store; `commits` counts how often a use case committed."""

    def __init__(self) -> None:
        self.organisations = FakeOrganisations()
        self.user_settings = FakeUserSettings()
        self.members = FakeMembers(self.organisations, self.user_settings)
        self.invitations = FakeInvitations(self.organisations)
        self.groups = FakeGroups()
        self.outbox = FakeOutbox()
        self.broadcasts = FakeBroadcasts()
        self.commits = 0

    def __call__(self) -> Self:
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self, *, completes_update: bool = True) -> None:
        self.commits += 1
