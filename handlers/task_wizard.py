"""Task creation: /newtask without arguments asks for owner, due date, title and description,
shows a preview, and stores nothing before the confirmation; /newtask with everything in one
line creates the task at once. Either way an owner named by a name several members share is
chosen with a button each. And the Kommentar button: the next message is the comment."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from telegram import Update
from telegram.ext import BaseHandler

from bot.callbacks import Form, FormButton, TaskComment
from bot.i18n import Translator
from bot.parsing import DUE, DUE_STEP, clean_text, parse_day, parse_positive_int
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, ServiceError
from bot.services.tasks import AmbiguousOwner, Owner
from bot.texts import tasks as texts
from handlers import commands, forms
from handlers.common import command_text
from handlers.context import ForumContext
from storage.models import Task


@dataclass(frozen=True)
class TaskAnswers:
    """The draft: JSON values only (the due date as ISO 8601 text). `owner` as typed (or the
    chosen member's name); `owner_member_id` once a member is chosen among namesakes."""

    owner: str = ""
    due: str = ""
    title: str = ""
    description: str | None = None
    owner_member_id: int | None = None
    meeting_id: int | None = None
    one_line: bool = False  # given in one line: created once the owner is clear


Answers = TaskAnswers
Outcome = forms.Go[Answers] | forms.Finish
WHO = "who"


async def _one_line(env: forms.Env) -> Outcome:
    """/neueaufgabe [#Termin] Owner | Datum | Titel [| Beschreibung]: created at once, or, when
    the owner's name fits several members, a button for each."""
    text = command_text(env.update)
    meeting_id = None
    if text.startswith("#"):
        first, _, text = text.partition(" ")
        meeting_id = parse_positive_int(first)
        if meeting_id is None:
            raise InvalidInput("task.usage")
    pieces = [p.strip() for p in text.split("|")]
    if len(pieces) < 3 or len(pieces) > 4:
        raise InvalidInput("task.usage")
    service = env.services.tasks
    draft = TaskAnswers(
        owner=clean_text(pieces[0]),
        due=parse_day(pieces[1], service.zone, env.services.clock.now(), DUE).isoformat(),
        title=pieces[2],
        description=pieces[3] if len(pieces) > 3 else None,
        meeting_id=meeting_id,
        one_line=True,
    )
    try:
        task, owner = await _created(env, draft)
    except AmbiguousOwner:
        return forms.Go(draft, "choose")
    return forms.Finish(texts.created(env.t, task, owner, service.zone))


async def _created(env: forms.Env, draft: Answers) -> tuple[Task, Owner]:
    return await env.services.tasks.create(
        env.actor,
        owner_ref=draft.owner,
        owner_member_id=draft.owner_member_id,
        due=date.fromisoformat(draft.due),
        title=draft.title,
        description=draft.description,
        meeting_id=draft.meeting_id,
    )


async def _owner(env: forms.Env, draft: Answers, text: str) -> Outcome:
    """An organisation or a member (by name or @username), checked at once; a name that fits
    several members is asked for with a button each."""
    ref = clean_text(text)
    try:
        owner = await env.services.tasks.find_owner(ref)
    except AmbiguousOwner:
        return forms.Go(replace(draft, owner=ref, owner_member_id=None), "choose")
    return await _chosen(
        env, replace(draft, owner=owner.label(), owner_member_id=_member_id(owner))
    )


async def _chosen(env: forms.Env, draft: Answers) -> Outcome:
    """The owner is clear: the guided form goes on; the one-line command had everything else."""
    if not draft.one_line:
        return forms.Go(draft, "due")
    task, owner = await _created(env, draft)
    return forms.Finish(texts.created(env.t, task, owner, env.services.tasks.zone))


def _member_id(owner: Owner) -> int | None:
    return owner.member.id if owner.member is not None else None


async def _ask_choice(env: forms.Env, draft: Answers) -> forms.Question:
    try:
        owner = await env.services.tasks.find_owner(draft.owner)
        candidates = [(owner.member, owner)] if owner.member is not None else []
    except AmbiguousOwner as ambiguous:
        candidates = [(m, Owner(o, m)) for m, o in ambiguous.candidates]
    rows = tuple(
        (forms.Option(owner.label(), WHO, str(member.id)),)
        for member, owner in candidates
        if member.id is not None
    )
    return forms.Question(env.t("task.owner_choose", ref=draft.owner), rows)


async def _choose(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    forms.expect(button, WHO)
    member_id = parse_positive_int(button.value)
    if member_id is None:
        raise InvalidInput("error.button_invalid")
    owner = await env.services.tasks.member_owner(member_id)
    return await _chosen(env, replace(draft, owner=owner.label(), owner_member_id=member_id))


async def _due(env: forms.Env, draft: Answers, text: str) -> Outcome:
    due = parse_day(text, env.services.tasks.zone, env.services.clock.now(), DUE_STEP)
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
    try:
        task, owner = await _created(env, draft)
    except ServiceError as error:
        # The owner is checked here once more (a member may have left): asked again, the
        # rest of the draft stays.
        return forms.Go(replace(draft, owner_member_id=None), "owner", error=error)
    return forms.Finish(texts.created(env.t, task, owner, env.services.tasks.zone))


STEPS: dict[str, forms.Step[Answers]] = {
    "owner": forms.Step(forms.question("taskwizard.ask_owner"), on_text=_owner),
    # Several members go by the name given: one button each (or another name typed).
    "choose": forms.Step(
        _ask_choice,
        on_text=_owner,
        on_button=_choose,
        back=lambda draft: None if draft.one_line else "owner",
    ),
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


FORM = forms.FormSpec(
    Form.TASK,
    "task_wizard",
    commands.NEWTASK,
    TaskAnswers,
    STEPS,
    entries=(
        forms.Entry(commands.NEWTASK, has_args=False),
        forms.Entry(commands.NEWTASK, _one_line, has_args=True),
    ),
)

# /neueaufgabe in one line, run again with the organisation chosen under "Meinten Sie …?".
new_task = forms.entry_callback(FORM, FORM.entries[1])


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
    comment = forms.follow_up_form(
        name="task_comment",
        kind=TaskComment,
        prepare=_ask_comment,
        save=_save_comment,
    )
    return [forms.form_handler(FORM), comment]  # type: ignore[list-item]
