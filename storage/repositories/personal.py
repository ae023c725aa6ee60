"""A member's rows in every table `storage.personal_data` declares: to export them and, when
the member leaves, to delete or anonymise them as declared."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (every table on the metadata)
from storage.personal_data import OnLeave, Ref, Reference, member_references


def _condition(ref: Reference, member_id: int, telegram_id: int | None) -> ColumnElement[bool]:
    column = SQLModel.metadata.tables[ref.table].c[ref.column]
    match ref.ref:
        case Ref.MEMBER_ID:
            return column == member_id
        case Ref.TELEGRAM_ID:
            return column == (telegram_id if telegram_id is not None else -1)
        case Ref.VOTER:
            return column == f"member:{member_id}"
        case Ref.CHAT_KEY:
            return column.like(f"%:{telegram_id if telegram_id is not None else -1}")
    raise ValueError(f"{ref.table}.{ref.column} names no member")


class PersonalDataRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rows_of(
        self, member_id: int, telegram_id: int | None
    ) -> dict[str, list[dict[str, Any]]]:
        """Table name -> the member's rows (every column), for every exported declaration."""
        found: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {}
        for ref in member_references():
            if not ref.export:
                continue
            table = SQLModel.metadata.tables[ref.table]
            stmt = select(table).where(_condition(ref, member_id, telegram_id))
            rows = found.setdefault(ref.table, {})
            for row in (await self.session.execute(stmt)).mappings():
                key = tuple(row[c.name] for c in table.primary_key.columns)
                rows[key] = dict(row)
        return {name: list(rows.values()) for name, rows in found.items()}

    async def forget(self, member_id: int, telegram_id: int | None) -> None:
        """Delete or anonymise the member's rows as declared (KEEP: left as they are)."""
        for ref in member_references():
            table = SQLModel.metadata.tables[ref.table]
            condition = _condition(ref, member_id, telegram_id)
            if ref.on_leave is OnLeave.DELETE:
                await self.session.execute(delete(table).where(condition))
            elif ref.on_leave is OnLeave.ANONYMISE and ref.clear:
                await self.session.execute(update(table).where(condition).values(dict(ref.clear)))
        await self.session.flush()
