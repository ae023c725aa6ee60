"""A line to the coordination: a member's message goes to every coordinator with an Antworten
button; the answer goes back to the member. Both through the outbox, in the transaction that
stores the question (the answer)."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import translator
from bot.parsing import clean_block
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.notify import Notifier
from bot.services.uow import UnitOfWorkFactory
from bot.texts import questions as texts
from bot.texts.buttons import to_stored
from storage.models import Member, Organisation, OutboxMessage
from storage.models_forms import Question

MAX_TEXT = 3000
KIND = "question"  # the outbox kind of a question sent to a coordinator
RECENT = 30


class QuestionService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        *,
        zone: ZoneInfo,
        coordinator_ids: frozenset[int],
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.zone = zone
        self._coordinators = sorted(coordinator_ids)
        self._language = default_language

    @staticmethod
    def check_text(raw: str) -> str:
        text = clean_block(raw)
        if not text:
            raise InvalidInput("question.empty")
        if len(text) > MAX_TEXT:
            raise InvalidInput("question.too_long", limit=MAX_TEXT)
        return text

    async def ask(self, actor: Actor, raw: str) -> Question:
        """The member's message to every coordinator (with Antworten)."""
        member = actor.require_member()
        text = self.check_text(raw)
        if not self._coordinators:  # COORDINATOR_IDS empty: nobody would read it
            raise InvalidInput("question.nobody")
        now = self._clock.now()
        async with self._uow() as uow:
            assert member.id is not None
            question = await uow.questions.add(
                Question(member_id=member.id, text=text, asked_at=now)
            )
            assert question.id is not None
            languages = await uow.user_settings.languages(self._coordinators)
            rows = []
            for chat_id in self._coordinators:
                t = translator(languages.get(chat_id, self._language))
                rows.append(
                    OutboxMessage(
                        dedup_key=f"question:{question.id}:coordinator:{chat_id}",
                        kind=KIND,
                        chat_id=chat_id,
                        text=texts.for_coordinator(
                            t, question, member, actor.organisation, self.zone
                        ),
                        buttons=to_stored(texts.answer_buttons(t, question.id)),
                        due_at=now,
                        created_at=now,
                    )
                )
            await uow.outbox.enqueue(rows)
            await uow.commit()
        self._notifier.outbox_changed()
        return question

    async def replied_to(self, actor: Actor, chat_id: int, message_id: int) -> int | None:
        """The question a coordinator's reply to `message_id` answers (None: not one)."""
        if not actor.is_coordinator:
            return None
        async with self._uow() as uow:
            key = await uow.outbox.sent_as(chat_id, message_id, KIND)
        if key is None:
            return None
        return int(key.split(":")[1])

    async def open_question(self, actor: Actor, question_id: int) -> Question:
        """The question, if it may be answered now."""
        actor.require_coordinator()
        async with self._uow() as uow:
            question = await uow.questions.get(question_id)
        if question is None:
            raise NotFound("question.not_found", id=question_id)
        if question.answered_at is not None:
            raise InvalidInput("question.already_answered", id=question_id)
        return question

    async def answer(self, actor: Actor, question_id: int, raw: str) -> tuple[Question, Member]:
        """The answer goes to the member; the question is marked answered."""
        actor.require_coordinator()
        text = self.check_text(raw)
        now = self._clock.now()
        async with self._uow() as uow:
            question = await uow.questions.get(question_id)
            member = await uow.members.get(question.member_id) if question else None
            if question is None or member is None:
                raise NotFound("question.not_found", id=question_id)
            if not await uow.questions.answer(
                question_id, text=text, by=actor.telegram_id, now=now
            ):
                raise InvalidInput("question.already_answered", id=question_id)
            if member.telegram_id is not None:
                languages = await uow.user_settings.languages([member.telegram_id])
                t = translator(languages.get(member.telegram_id, self._language))
                await uow.outbox.enqueue(
                    [
                        OutboxMessage(
                            dedup_key=f"question:{question_id}:answer",
                            kind="question_answer",
                            chat_id=member.telegram_id,
                            member_id=member.id,
                            text=texts.answer_to_member(t, question, text),
                            due_at=now,
                            created_at=now,
                        )
                    ]
                )
            await uow.commit()
        self._notifier.outbox_changed()
        return question, member

    async def recent(self, actor: Actor) -> Sequence[tuple[Question, Member, Organisation | None]]:
        actor.require_coordinator()
        async with self._uow() as uow:
            return await uow.questions.recent(RECENT)
