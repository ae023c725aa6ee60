"""OParl's persons (storage.repositories.oparl): members who agreed to be named
(`/sichtbarkeit`), with their memberships; a withdrawn consent or a member who left as a
tombstone."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, cast, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Member, MemberStatus, WorkingGroupMember
from storage.models_calendar import CalendarStamp
from storage.models_oparl import MemberVisibility
from storage.repositories.oparl_rows import MembershipRow, PersonRow, Tombstone, Window

STAMP = CalendarStamp.__table__  # type: ignore[attr-defined]


def scope(prefix: str, id_column: Any) -> ColumnElement[str]:
    return literal(f"{prefix}:") + cast(id_column, String)


def later(a: Any, b: Any) -> ColumnElement[Any]:
    """The later of two times, either of which may be NULL (not both)."""
    return case((b.is_(None), a), (a.is_(None), b), (a >= b, a), else_=b)


def filtered(stmt: Any, created: Any, modified: Any, window: Window) -> Any:
    if window.created_since is not None:
        stmt = stmt.where(created >= window.created_since)
    if window.created_until is not None:
        stmt = stmt.where(created <= window.created_until)
    if window.modified_since is not None:
        stmt = stmt.where(modified >= window.modified_since)
    if window.modified_until is not None:
        stmt = stmt.where(modified <= window.modified_until)
    return stmt


class PersonQueries:
    session: AsyncSession

    @staticmethod
    @cache  # built once: the statements are the same for every request
    def _person_query() -> tuple[Any, Any, Any, Any, Any]:
        stamp, consent = STAMP.alias("s"), STAMP.alias("c")
        created = col(Member.joined_at)
        modified = later(
            later(later(col(Member.joined_at), stamp.c.changed_at), col(Member.left_at)),
            later(col(MemberVisibility.agreed_at), consent.c.changed_at),
        )
        named = and_(
            col(MemberVisibility.member_id).is_not(None),
            col(Member.status) == MemberStatus.ACTIVE,
        )
        # Was named once (a consent given and perhaps withdrawn): may leave a tombstone.
        was_named = consent.c.scope.is_not(None)
        stmt = (
            select(
                col(Member.id),
                col(Member.first_name),
                col(Member.last_name),
                created,
                modified,
                named,
                was_named,
            )
            .outerjoin(MemberVisibility, col(MemberVisibility.member_id) == col(Member.id))
            .outerjoin(stamp, stamp.c.scope == scope("person", col(Member.id)))
            .outerjoin(consent, consent.c.scope == scope("consent", col(Member.id)))
        )
        return stmt, created, modified, named, was_named

    async def persons(self, window: Window) -> list[PersonRow | Tombstone]:
        stmt, created, modified, named, stamped = self._person_query()
        stmt = filtered(stmt, created, modified, window).where(col(Member.id) > window.after)
        # With modified_since also tombstones, only of members who were named once: a consent
        # withdrawn, a member who left.
        stmt = stmt.where(named if window.modified_since is None else named | stamped)
        stmt = stmt.order_by(col(Member.id)).limit(window.limit)
        return await self._persons_from((await self.session.execute(stmt)).all())

    async def person(self, member_id: int) -> PersonRow | Tombstone | None:
        stmt, *_ = self._person_query()
        rows = (await self.session.execute(stmt.where(col(Member.id) == member_id))).all()
        found = await self._persons_from(rows)
        if not found:
            return None
        person = found[0]
        if isinstance(person, Tombstone) and not rows[0][6]:
            return None  # never named
        return person

    async def _persons_from(self, rows: Sequence[Any]) -> list[PersonRow | Tombstone]:
        named = [r[0] for r in rows if r[5]]
        memberships = await self._memberships(named)
        return [
            PersonRow(r[0], r[1], r[2], r[3], r[4], memberships.get(r[0], []))
            if r[5]
            else Tombstone(r[0], r[3], r[4])
            for r in rows
        ]

    async def _memberships(self, member_ids: Sequence[int]) -> dict[int, list[MembershipRow]]:
        if not member_ids:
            return {}
        found: dict[int, list[MembershipRow]] = {}
        stmt = select(col(Member.id), col(Member.organisation_id), col(Member.joined_at)).where(
            col(Member.id).in_(list(member_ids))
        )
        members: Sequence[Any] = (await self.session.execute(stmt)).all()
        for r in members:
            found.setdefault(r[0], []).append(MembershipRow(r[1], None, r[2]))
        groups = (
            select(
                col(WorkingGroupMember.member_id),
                col(WorkingGroupMember.group_id),
                col(WorkingGroupMember.joined_at),
            )
            .where(col(WorkingGroupMember.member_id).in_(list(member_ids)))
            .order_by(col(WorkingGroupMember.group_id))
        )
        for r in (await self.session.execute(groups)).all():
            found.setdefault(r[0], []).append(MembershipRow(None, r[1], r[2]))
        return found
