"""Members' messages to the coordination."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from storage.models import Member, Organisation
from storage.models_forms import Question


class QuestionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, question: Question) -> Question:
        self.session.add(question)
        await self.session.flush()
        return question

    async def get(self, question_id: int) -> Question | None:
        return await self.session.get(Question, question_id)

    async def answer(self, question_id: int, *, text: str, by: int, now: datetime) -> bool:
        """Record the answer unless it has one already (True: this one is it)."""
        stmt = (
            update(Question)
            .where(col(Question.id) == question_id, col(Question.answered_at).is_(None))
            .values(answer=text, answered_by=by, answered_at=now)
        )
        result = await self.session.execute(stmt)
        return bool(getattr(result, "rowcount", 0))

    async def recent(self, limit: int) -> Sequence[tuple[Question, Member, Organisation | None]]:
        """The newest questions first, with who asked (open and answered alike)."""
        stmt = (
            select(Question, Member, Organisation)
            .join(Member, col(Member.id) == col(Question.member_id))
            .outerjoin(Organisation, col(Organisation.id) == col(Member.organisation_id))
            .order_by(col(Question.id).desc())
            .limit(limit)
        )
        return [(q, m, o) for q, m, o in (await self.session.execute(stmt)).all()]
