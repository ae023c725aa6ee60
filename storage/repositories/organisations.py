"""Organisations and their members."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import BigInteger, and_, bindparam, func
from sqlalchemy import select as sa_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select, update

from storage.enums import RECEIVING_STATUSES
from storage.models import (
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    UserSettings,
    WorkingGroupMember,
)
from storage.models_forms import FormStateRow
from storage.repositories.common import in_slices
from storage.rows import StoredForm

# Statements of every update, built once and executed with parameters (see the package's
# docstring).
_ASKING = sa_select(
    # Typed like the columns it is compared with (Telegram ids need 64 bits).
    bindparam("telegram_id", type_=BigInteger).label("telegram_id")
).subquery()
_IDENTITY = (
    select(Member, Organisation, UserSettings)
    .select_from(_ASKING)
    .outerjoin(Member, col(Member.telegram_id) == _ASKING.c.telegram_id)
    .outerjoin(Organisation, col(Organisation.id) == col(Member.organisation_id))
    .outerjoin(UserSettings, col(UserSettings.telegram_id) == _ASKING.c.telegram_id)
)
# The same, with the person's open form in the chat they write in (None: none).
_IDENTITY_IN_CHAT = _IDENTITY.add_columns(
    col(FormStateRow.state), col(FormStateRow.updated_at)
).outerjoin(
    FormStateRow,
    and_(
        col(FormStateRow.chat_id) == bindparam("chat_id", type_=BigInteger),
        col(FormStateRow.user_id) == _ASKING.c.telegram_id,
    ),
)


# A vote press reads its organisation's people (bot/services/ballot_edits.py).
_WITH_LANGUAGES = (
    select(Member, UserSettings.language)
    .join(Organisation, col(Organisation.id) == col(Member.organisation_id))
    .outerjoin(UserSettings, col(UserSettings.telegram_id) == col(Member.telegram_id))
    .where(
        col(Member.organisation_id) == bindparam("organisation_id"),
        Member.status == MemberStatus.ACTIVE,
        col(Member.telegram_id).is_not(None),
        col(Organisation.status).in_(RECEIVING_STATUSES),
    )
    .order_by(col(Member.id))
)


class OrganisationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def by_name(self, name: str) -> Organisation | None:
        stmt = select(Organisation).where(func.lower(Organisation.name) == name.lower())
        return (await self.session.execute(stmt)).scalars().first()

    async def add(self, organisation: Organisation) -> Organisation:
        self.session.add(organisation)
        await self.session.flush()
        return organisation

    async def all(self) -> Sequence[Organisation]:
        stmt = select(Organisation).order_by(col(Organisation.name))
        return (await self.session.execute(stmt)).scalars().all()


class MemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, member_id: int) -> Member | None:
        return await self.session.get(Member, member_id)

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        stmt = select(Member).where(Member.telegram_id == telegram_id)
        return (await self.session.execute(stmt)).scalars().first()

    async def identity(
        self, telegram_id: int
    ) -> tuple[Member | None, Organisation | None, UserSettings | None]:
        """Who writes: the member with this Telegram id, their organisation and their settings
        (each may be missing), in one query for every update."""
        row = (await self.session.execute(_IDENTITY, {"telegram_id": telegram_id})).one()
        return row[0], row[1], row[2]

    async def identity_in_chat(
        self, telegram_id: int, chat_id: int
    ) -> tuple[Member | None, Organisation | None, UserSettings | None, StoredForm | None]:
        """`identity`, and the person's open form in `chat_id`, in the same query."""
        params = {"telegram_id": telegram_id, "chat_id": chat_id}
        row = (await self.session.execute(_IDENTITY_IN_CHAT, params)).one()
        form = StoredForm(row[3], row[4]) if row[3] is not None else None
        return row[0], row[1], row[2], form

    async def add(self, member: Member) -> Member:
        self.session.add(member)
        await self.session.flush()
        return member

    async def active_with_organisations(self) -> Sequence[tuple[Member, Organisation]]:
        stmt = (
            select(Member, Organisation)
            .join(Organisation, col(Member.organisation_id) == col(Organisation.id))
            .where(Member.status == MemberStatus.ACTIVE)
            .order_by(col(Organisation.name), col(Member.last_name), col(Member.first_name))
        )
        return [(m, o) for m, o in (await self.session.execute(stmt)).all()]

    async def by_ids(self, member_ids: set[int]) -> dict[int, Member]:
        if not member_ids:
            return {}
        stmt = select(Member).where(col(Member.id).in_(member_ids))
        return {m.id or 0: m for m in (await self.session.execute(stmt)).scalars().all()}

    async def not_active(self, member_ids: set[int]) -> set[int]:
        """Those of `member_ids` that have left (or no longer exist), or whose organisation
        is archived: the outbox skips what was queued for them (they get nothing new)."""
        if not member_ids:
            return set()
        stmt = (
            select(Member.id)
            .join(Organisation, col(Organisation.id) == col(Member.organisation_id))
            .where(
                col(Member.id).in_(member_ids),
                Member.status == MemberStatus.ACTIVE,
                col(Organisation.status).in_(RECEIVING_STATUSES),
            )
        )
        active = {mid for mid in (await self.session.execute(stmt)).scalars().all()}
        return member_ids - active

    async def mark_unreachable(self, member_id: int, now: datetime) -> None:
        stmt = (
            update(Member)
            .where(col(Member.id) == member_id)
            .values(unreachable_at=now)
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(stmt)

    async def recipients(
        self,
        *,
        kind: OrganisationKind | None = None,
        group_id: int | None = None,
        organisation_id: int | None = None,
    ) -> Sequence[Member]:
        """Active members with a Telegram id (not of an archived organisation), optionally of
        one organisation kind or group, or of one organisation."""
        # Members of an archived organisation get nothing new (OrganisationStatus.receives).
        stmt = (
            select(Member)
            .join(Organisation, col(Organisation.id) == col(Member.organisation_id))
            .where(
                Member.status == MemberStatus.ACTIVE,
                col(Member.telegram_id).is_not(None),
                col(Organisation.status).in_(RECEIVING_STATUSES),
            )
        )
        if organisation_id is not None:
            stmt = stmt.where(col(Member.organisation_id) == organisation_id)
        if kind is not None:
            stmt = stmt.where(Organisation.kind == kind)
        if group_id is not None:
            stmt = stmt.join(
                WorkingGroupMember, col(WorkingGroupMember.member_id) == col(Member.id)
            ).where(WorkingGroupMember.group_id == group_id)
        return await in_slices(self.session, stmt.order_by(col(Member.id)), scalars=True)

    async def of_organisation_with_languages(
        self, organisation_id: int
    ) -> Sequence[tuple[Member, str | None]]:
        """The organisation's members `recipients` would give, each with their chosen language
        (None: the default), in one query."""
        params = {"organisation_id": organisation_id}
        return [(m, lang) for m, lang in (await self.session.execute(_WITH_LANGUAGES, params))]
