"""Asked before it happens: /terminabsagen and /aufgabestreichen show what will be cancelled
and who will be told, with Ja / Abbrechen; a cancelled meeting can be restored for a few
minutes with Rückgängig (everyone invited hears that it takes place after all)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.callbacks import Form, FormButton, UndoCancel, matches
from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.texts import previews as texts
from handlers import commands, form_engine, forms, series
from handlers.common import forum_handler, pressed, reply, required_number
from handlers.context import ForumContext


@dataclass(frozen=True)
class CancelDraft:
    target: int = 0  # the meeting's or the task's id
    reason: str | None = None
    # A meeting of a series (issue 18): "only" this one, or "all" following ("" : not asked).
    scope: str = ""


def _yes(env: forms.Env, key: str) -> tuple[tuple[forms.Option, ...], ...]:
    return ((forms.Option(env.t(key), "ok"),),)


# --- /terminabsagen ------------------------------------------------------------------------


async def _start_meeting(env: forms.Env) -> forms.Go[CancelDraft]:
    args = env.context.args or []
    meeting_id = required_number(args, "meeting.cancel_usage")
    await env.services.meetings.check_cancellable(env.actor, meeting_id)  # said, if not
    reason = " ".join(args[1:]).strip() or None
    if await env.services.series.of_meeting(env.actor, meeting_id) is not None:
        return forms.Go(CancelDraft(meeting_id, reason), "scope")
    return forms.Go(CancelDraft(meeting_id, reason), "confirm")


async def _ask_scope(env: forms.Env, draft: CancelDraft) -> forms.Question:
    text = await series.scope_text(env, draft.target, cancel=True)
    return forms.Question(text, series.scope_options(env))


async def _scope(env: forms.Env, draft: CancelDraft, button: FormButton) -> forms.Go[CancelDraft]:
    forms.expect(button, "scope")
    if button.value not in (series.ONLY, series.FOLLOWING):
        raise InvalidInput("error.button_invalid")
    return forms.Go(replace(draft, scope=button.value), "confirm")


async def _ask_meeting(env: forms.Env, draft: CancelDraft) -> forms.Question:
    services = env.services
    meeting = await services.meetings.get(env.actor, draft.target)
    count = await services.previews.audience(group_id=meeting.group_id)
    now = services.clock.now()
    text = texts.cancel_meeting_question(env.t, meeting, count, now, services.meetings.zone)
    if draft.scope == series.FOLLOWING:
        text += "\n" + env.t("series.cancel_following_note")
    if draft.reason:
        text += "\n" + env.t("meeting.line_reason", reason=draft.reason)
    return forms.Question(text, _yes(env, "confirm.cancel_meeting_yes"))


async def _cancel_meeting(env: forms.Env, draft: CancelDraft, button: FormButton) -> forms.Finish:
    forms.expect(button, "ok")
    if draft.scope == series.FOLLOWING:
        result = await env.services.series.cancel_following(env.actor, draft.target, draft.reason)
        return forms.Finish(
            env.t(
                "series.cancelled_following",
                title=result.series.title,
                count=len(result.meetings),
                people=result.told,
            )
        )
    meeting = await env.services.meetings.cancel(env.actor, draft.target, draft.reason)
    minutes = int(env.services.previews.undo_window.total_seconds() // 60)
    text = env.t("meeting.cancelled", id=meeting.id, title=meeting.title)
    text += "\n" + env.t("undo.hint", minutes=minutes)
    return forms.Finish(text, texts.undo_buttons(env.t, draft.target))


CANCEL_MEETING = forms.FormSpec(
    form=Form.CANCEL_MEETING,
    name="form.name.cm",
    command=commands.CANCELMEETING,
    draft=CancelDraft,
    steps={
        "confirm": forms.Step(_ask_meeting, on_button=_cancel_meeting),
        "scope": forms.Step(_ask_scope, on_button=_scope),
    },
    entries=(forms.Entry(commands.CANCELMEETING, _start_meeting),),
)


@forum_handler(button=True)
async def undo(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, UndoCancel)
    meeting, told = await context.services.previews.restore_meeting(actor, button.meeting_id)
    message = query.message
    if isinstance(message, Message) and message.text:
        # No longer "ist abgesagt … Rückgängig": the button goes, and the text says it was undone.
        await query.edit_message_text(t("undo.undone", id=meeting.id, title=meeting.title))
    await reply(update, t.plural("undo.done", told, id=meeting.id, title=meeting.title))
    await query.answer()


# --- /aufgabestreichen ---------------------------------------------------------------------


async def _start_task(env: forms.Env) -> forms.Go[CancelDraft]:
    args = env.context.args or []
    task_id = required_number(args, "task.change_usage")
    await env.services.previews.task_facts(env.actor, task_id)  # there, and open
    reason = " ".join(args[1:]).strip() or None  # kept in the history, sent with the notice
    return forms.Go(CancelDraft(task_id, reason), "confirm")


async def _ask_task(env: forms.Env, draft: CancelDraft) -> forms.Question:
    facts = await env.services.previews.task_facts(env.actor, draft.target)
    text = texts.cancel_task_question(env.t, facts.task, facts.owner, facts.people)
    if draft.reason:
        text += "\n" + env.t("task.notice_reason", reason=draft.reason)
    return forms.Question(text, _yes(env, "confirm.cancel_task_yes"))


async def _cancel_task(env: forms.Env, draft: CancelDraft, button: FormButton) -> forms.Finish:
    forms.expect(button, "ok")
    task, _ = await env.services.tasks.change(
        env.actor, draft.target, cancel=True, reason=draft.reason
    )
    text = env.t("task.cancelled", id=task.id, title=task.title)
    if draft.reason:
        text += "\n" + env.t("task.notice_reason", reason=draft.reason)
    return forms.Finish(text)


CANCEL_TASK = forms.FormSpec(
    form=Form.CANCEL_TASK,
    name="form.name.ck",
    command=commands.CANCELTASK,
    draft=CancelDraft,
    steps={"confirm": forms.Step(_ask_task, on_button=_cancel_task)},
    entries=(forms.Entry(commands.CANCELTASK, _start_task),),
)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        *form_engine.form_handlers(CANCEL_MEETING),
        *form_engine.form_handlers(CANCEL_TASK),
        CallbackQueryHandler(undo, pattern=matches(UndoCancel)),
    ]
