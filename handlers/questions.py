"""A line to the coordination.

A member's plain text in the private chat (not in a form) is offered for sending: "An die
Koordination senden?" (Senden / Abbrechen; more text typed meanwhile is added). Sent, every
coordinator gets it with the member's name and organisation and an Antworten button; the
coordinator's next message after Antworten, or a reply to the message, is the answer, which
goes back to the member. `/fragen` lists the questions. A stranger's text gets a short
explanation of how to join.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler, MessageHandler, filters

from bot.callbacks import AnswerQuestion, Form, FormButton
from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.texts import questions as texts
from handlers import commands, form_engine, forms
from handlers.common import command_text, forum_handler, markup, reply
from handlers.context import ForumContext


@dataclass(frozen=True)
class QuestionDraft:
    text: str = ""


async def _ask_confirm(env: forms.Env, draft: QuestionDraft) -> forms.Question:
    send = forms.Option(env.t("question.send"), "ok")
    return forms.Question(env.t("question.confirm", text=draft.text), ((send,),))


async def _more(env: forms.Env, draft: QuestionDraft, text: str) -> forms.Go[QuestionDraft]:
    """Another message before Senden: it belongs to the same question."""
    combined = env.services.questions.check_text(f"{draft.text}\n{text}")
    return forms.Go(replace(draft, text=combined), "confirm")


async def _send(env: forms.Env, draft: QuestionDraft, button: FormButton) -> forms.Finish:
    forms.expect(button, "ok")
    question = await env.services.questions.ask(env.actor, draft.text)
    return forms.Finish(env.t("question.sent", id=question.id))


async def _start(env: forms.Env) -> forms.Go[QuestionDraft]:
    """`/frage <Text>`; without a text, how to write one."""
    text = command_text(env.update)
    if not text:
        raise InvalidInput("question.usage")
    return forms.Go(QuestionDraft(env.services.questions.check_text(text)), "confirm")


FORM = forms.FormSpec(
    form=Form.QUESTION,
    name="form.name.qs",
    command=commands.ASK,
    draft=QuestionDraft,
    steps={"confirm": forms.Step(_ask_confirm, on_text=_more, on_button=_send)},
    entries=(forms.Entry(commands.ASK, _start),),
)


# --- plain text ----------------------------------------------------------------------------


@forum_handler()
async def plain_text(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or message.text is None or chat is None:
        return
    service = context.services.questions
    replied = message.reply_to_message
    if replied is not None:
        question_id = await service.replied_to(actor, chat.id, replied.message_id)
        if question_id is not None:
            question, member = await service.answer(actor, question_id, message.text)
            await reply(update, t("question.answered", id=question.id, name=member.display_name))
            return
    if actor.is_member:
        draft = QuestionDraft(service.check_text(message.text))
        env = forms.Env(update, context, actor, t)
        await form_engine.open_form(env, FORM, forms.Go(draft, "confirm"))
    elif actor.is_coordinator:
        await reply(update, t("question.coordinator_plain"))
    else:
        await reply(update, t("question.stranger"))


# --- the coordinator: Antworten, /fragen ---------------------------------------------------


async def _ask_answer(
    context: ForumContext, actor: Actor, t: Translator, button: AnswerQuestion
) -> str:
    question = await context.services.questions.open_question(actor, button.question_id)
    return t("question.ask_answer", id=question.id, text=texts.short(question.text))


async def _save_answer(
    context: ForumContext, actor: Actor, t: Translator, button: AnswerQuestion, text: str
) -> str:
    question, member = await context.services.questions.answer(actor, button.question_id, text)
    return t("question.answered", id=question.id, name=member.display_name)


@forum_handler(commands.QUESTIONS)
async def list_questions(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    service = context.services.questions
    text, buttons = texts.listing(t, await service.recent(actor), service.zone)
    await reply(update, text, reply_markup=markup(buttons))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    answer = form_engine.follow_up_form(
        form=Form.QUESTION_ANSWER,
        name="form.name.qa",
        kind=AnswerQuestion,
        prepare=_ask_answer,
        save=_save_answer,
        retry_keys=frozenset({"question.empty", "question.too_long"}),
    )
    return [
        *form_engine.form_handlers(FORM),
        *answer,
        CommandHandler(commands.QUESTIONS.names, list_questions),
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, plain_text),
    ]
