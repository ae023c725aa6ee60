"""Members' messages to the coordination: texts and buttons, Telegram-free."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.callbacks import AnswerQuestion
from bot.i18n import Translator
from bot.texts.buttons import Button, Keyboard
from storage.models import Member, Organisation
from storage.models_forms import Question

SHORT = 80  # characters of a message quoted in a list or an answer


def short(text: str) -> str:
    """One line of at most SHORT characters."""
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 1].rstrip() + "…"


def sender(member: Member, organisation: Organisation | None) -> str:
    name = member.display_name
    return f"{name} ({organisation.name})" if organisation is not None else name


def for_coordinator(
    t: Translator,
    question: Question,
    member: Member,
    organisation: Organisation | None,
    zone: ZoneInfo,
) -> str:
    return t(
        "question.to_coordinator",
        id=question.id,
        sender=sender(member, organisation),
        when=t.datetime(question.asked_at, zone),
        text=question.text,
    )


def answer_buttons(t: Translator, question_id: int) -> Keyboard:
    return ((Button(t("question.answer_button"), AnswerQuestion(question_id)),),)


def answer_to_member(t: Translator, question: Question, answer: str) -> str:
    return t(
        "question.answer_to_member", id=question.id, question=short(question.text), answer=answer
    )


def listing(
    t: Translator,
    rows: Sequence[tuple[Question, Member, Organisation | None]],
    zone: ZoneInfo,
) -> tuple[str, Keyboard]:
    """/fragen: open ones first (with an Antworten button each), then the answered."""
    if not rows:
        return t("question.none"), ()
    open_rows = [r for r in rows if r[0].answered_at is None]
    answered = [r for r in rows if r[0].answered_at is not None]
    lines = [t("question.list_open", count=len(open_rows))]
    for question, member, organisation in open_rows:
        lines.append(
            t(
                "question.list_item",
                id=question.id,
                sender=sender(member, organisation),
                when=t.datetime(question.asked_at, zone),
                text=short(question.text),
            )
        )
    if answered:
        lines += ["", t("question.list_answered")]
        for question, member, organisation in answered:
            lines.append(
                t(
                    "question.list_answered_item",
                    id=question.id,
                    sender=sender(member, organisation),
                    text=short(question.text),
                )
            )
    buttons = tuple(
        (Button(t("question.answer_to", id=q.id), AnswerQuestion(q.id)),)
        for q, _, _ in open_rows
        if q.id is not None
    )
    return "\n".join(lines), buttons
