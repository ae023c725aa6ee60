"""Guided task creation: /newtask without arguments asks for owner, due date, title and
description, shows a preview, and stores nothing before the confirmation. And the Kommentar
button: the next message is the comment."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from telegram import Update
from telegram.ext import BaseHandler

from bot.callbacks import Form, FormButton, TaskComment
from bot.i18n import Translator
from bot.parsing import clean_text, parse_date
from bot.services.actor import Actor
from bot.services.errors import ServiceError
from bot.texts import tasks as texts
from handlers import commands, form_engine, forms
from handlers.context import ForumContext


@dataclass(frozen=True)
class TaskAnswers:
    """The draft: JSON values only (the due date as ISO 8601 text)."""

    owner: str = ""
    due: str = ""
    title: str = ""
    description: str | None = None


Answers = TaskAnswers
Outcome = forms.Go[Answers] | forms.Finish


async def _owner(env: forms.Env, draft: Answers, text: str) -> Outcome:
    # Checked here, not at the end: an unknown owner is asked again at once.
    owner = await env.services.tasks.check_owner(clean_text(text))
    return forms.Go(replace(draft, owner=owner), "due")


async def _due(env: forms.Env, draft: Answers, text: str) -> Outcome:
    due = parse_date(text)
    env.services.tasks.check_due(due)
    return forms.Go(replace(draft, due=due.isoformat()), "title")


async def _title(env: forms.Env, draft: Answers, text: str) -> Outcome:
    return forms.Go(replace(draft, title=env.services.tasks.check_title(text)), "description")


async def _description(env: forms.Env, draft: Answers, text: str | None) -> Outcome:
    description = env.services.tasks.check_description(text)
    return forms.Go(replace(draft, description=description), "preview")


async def _ask_preview(env: forms.Env, draft: Answers) -> forms.Question:
    service = env.services.tasks
    text = env.t(
        "taskwizard.preview",
        owner=draft.owner,
        due=texts.due_label(env.t, date.fromisoformat(draft.due), service.zone),
        title=draft.title,
        description=draft.description or "–",
    )
    return forms.Question(text, ((forms.Option(env.t("taskwizard.create"), "ok"),),))


async def _create(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    forms.expect(button, "ok")
    service = env.services.tasks
    try:
        task, owner = await service.create(
            env.actor,
            owner_ref=draft.owner,
            due=date.fromisoformat(draft.due),
            title=draft.title,
            description=draft.description,
            meeting_id=None,
        )
    except ServiceError as error:
        # The owner is checked here: asked again, the rest of the draft stays.
        return forms.Go(draft, "owner", error=error)
    return forms.Finish(texts.created(env.t, task, owner, service.zone))


STEPS: dict[str, forms.Step[Answers]] = {
    "owner": forms.Step(forms.question("taskwizard.ask_owner"), on_text=_owner),
    "due": forms.Step(
        forms.question("taskwizard.ask_due"), on_text=_due, back=forms.previous("owner")
    ),
    "title": forms.Step(
        forms.question("taskwizard.ask_title"), on_text=_title, back=forms.previous("due")
    ),
    "description": forms.optional(
        "taskwizard.ask_description", "taskwizard.no_description", _description, back="title"
    ),
    "preview": forms.Step(_ask_preview, on_button=_create, back=forms.previous("description")),
}


FORM = forms.FormSpec(Form.TASK, "form.name.nt", commands.NEWTASK, TaskAnswers, STEPS)


# --- the Kommentar button: the next message is the comment --------------------------------


async def _ask_comment(
    context: ForumContext, actor: Actor, t: Translator, button: TaskComment
) -> str:
    # Refused at once (not after the text) where the comment would be refused.
    await context.services.tasks.check_may_comment(actor, button.task_id)
    return t("task.ask_comment", id=button.task_id)


async def _save_comment(
    context: ForumContext, actor: Actor, t: Translator, button: TaskComment, text: str
) -> str:
    task = await context.services.tasks.comment(actor, button.task_id, text)
    return t("task.comment_saved", id=task.id)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    comment = form_engine.follow_up_form(
        form=Form.TASK_COMMENT,
        name="form.name.tc",
        kind=TaskComment,
        prepare=_ask_comment,
        save=_save_comment,
    )
    return [*form_engine.form_handlers(FORM), *comment]
