"""A line to the coordination on in-memory fakes: the message goes to every coordinator with
Antworten, the answer to the member who asked, once; without coordinators nothing is stored."""

from __future__ import annotations

import pytest

from bot.callbacks import AnswerQuestion
from bot.services.errors import InvalidInput, NotAMember
from bot.services.questions import QuestionService
from tests.support import COORDINATOR_ID
from tests.unit.forum import COORDINATORS, ZONE, Forum


def service(forum: Forum, coordinators: frozenset[int] = COORDINATORS) -> QuestionService:
    return QuestionService(
        forum.uow,
        forum.clock,
        forum.notifier,
        zone=ZONE,
        coordinator_ids=coordinators,
        default_language="de",
    )


async def test_a_question_reaches_the_coordinators_and_the_answer_the_member() -> None:
    forum = Forum()
    questions = service(forum)
    question = await questions.ask(forum.actor(forum.zora), "  Wann tagt die AG?  ")
    assert question.text == "Wann tagt die AG?"
    rows = list(forum.uow.outbox.rows.values())
    assert [r.chat_id for r in rows] == [COORDINATOR_ID]
    assert "Zora (Gemeinde Zöllnitz)" in (rows[0].text or "")
    assert rows[0].buttons == [
        [{"text": "↩️ Antworten", "callback_data": AnswerQuestion(question.id or 0).data}]
    ]
    answered, member = await questions.answer(forum.coordinator, question.id or 0, "Am 10.12.")
    assert member.id == forum.zora.id and answered.id == question.id
    answer = forum.uow.outbox.rows[f"question:{question.id}:answer"]
    assert answer.chat_id == forum.zora.telegram_id and "Am 10.12." in (answer.text or "")
    with pytest.raises(InvalidInput):  # answered once
        await questions.answer(forum.coordinator, question.id or 0, "Noch einmal")
    with pytest.raises(InvalidInput):
        await questions.open_question(forum.coordinator, question.id or 0)


async def test_without_coordinators_or_as_a_stranger_nothing_is_stored() -> None:
    forum = Forum()
    with pytest.raises(InvalidInput):
        await service(forum, frozenset()).ask(forum.actor(forum.zora), "Hallo")
    with pytest.raises(NotAMember):
        await service(forum).ask(forum.coordinator, "Hallo")
    with pytest.raises(InvalidInput):
        await service(forum).ask(forum.actor(forum.zora), " \n ")
    assert forum.uow.questions.rows == {} and forum.uow.outbox.rows == {}
