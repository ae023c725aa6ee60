"""Guided task creation: /newtask without arguments asks for owner, due date, title and
description, shows a preview, and stores nothing before the confirmation. And the Kommentar
button: the next message is the comment."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from telegram import Update
from telegram.ext import BaseHandler

from bot.callbacks import Form, FormButton, TaskComment
from bot.i18n import Translator
from bot.parsing import DUE, DUE_STEP, clean_text, parse_day, parse_positive_int
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, ServiceError
from bot.services.tasks import AmbiguousOwner, Owner
from bot.services.uow import UnitOfWork
from bot.texts import previews
from bot.texts import tasks as texts
from handlers import commands, form_engine, forms
from handlers.common import command_text
from handlers.context import ForumContext
from storage.models import Task


@dataclass(frozen=True)
class TaskAnswers:
    """The draft: JSON values only (the due date as ISO 8601 text)."""

    owner: str = ""  # as shown: an organisation's name, or "Name (Organisation)"
    owner_member_id: int | None = None  # a member chosen among namesakes (or found by name)
    due: str = ""
    title: str = ""
    description: str | None = None
    meeting_id: int | None = None  # `/neueaufgabe #3 …`: the task comes from meeting #3
    decision: str | None = None  # `/neueaufgabe B2026/07 …`: linked to decision 2026/07
    # Given in one line, or after Bearbeiten under the preview: each field's step returns to
    # the choice of fields, and from there to the preview.
    review: bool = False


Answers = TaskAnswers
Outcome = forms.Go[Answers] | forms.Finish
FIELDS = ("owner", "due", "title", "description")
WHO = "who"


def _then(draft: Answers, step: str) -> forms.Go[Answers]:
    return forms.Go(draft, "choose" if draft.review else step)


async def _owner(env: forms.Env, draft: Answers, text: str) -> Outcome:
    """An organisation or a member (by name or @username), checked here, not at the end: an
    unknown one is asked again at once; a name several members share: a button for each."""
    ref = clean_text(text)
    try:
        owner = await env.services.tasks.check_owner(ref)
    except AmbiguousOwner:
        return forms.Go(replace(draft, owner=ref, owner_member_id=None), "namesake")
    return _then(_with_owner(draft, owner), "due")


def _with_owner(draft: Answers, owner: Owner) -> Answers:
    member_id = owner.member.id if owner.member is not None else None
    return replace(draft, owner=owner.typed(), owner_member_id=member_id)


async def _ask_namesake(env: forms.Env, draft: Answers) -> forms.Question:
    try:
        owner = await env.services.tasks.find_owner(draft.owner)
        candidates = [(owner.member, owner)] if owner.member is not None else []
    except AmbiguousOwner as ambiguous:
        candidates = [(m, Owner(o, m)) for m, o in ambiguous.candidates]
    rows = tuple(
        (forms.Option(owner.typed(), WHO, str(member.id)),)
        for member, owner in candidates
        if member.id is not None
    )
    return forms.Question(env.t("task.owner_choose", ref=draft.owner), rows)


async def _namesake(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    forms.expect(button, WHO)
    member_id = parse_positive_int(button.value)
    if member_id is None:
        raise InvalidInput("error.button_invalid")
    owner = await env.services.tasks.member_owner(member_id)
    draft = _with_owner(draft, owner)
    # The one-line command had everything else: on to its preview.
    return forms.Go(draft, "preview") if draft.due else _then(draft, "due")


async def _due(env: forms.Env, draft: Answers, text: str) -> Outcome:
    due = parse_day(text, env.services.tasks.zone, env.services.clock.now(), DUE_STEP)
    env.services.tasks.check_due(due)
    return _then(replace(draft, due=due.isoformat()), "title")


async def _title(env: forms.Env, draft: Answers, text: str) -> Outcome:
    return _then(replace(draft, title=env.services.tasks.check_title(text)), "description")


async def _description(env: forms.Env, draft: Answers, text: str | None) -> Outcome:
    description = env.services.tasks.check_description(text)
    return _then(replace(draft, description=description), "preview")


async def _ask_preview(env: forms.Env, draft: Answers) -> forms.Question:
    """What will be sent: to whom (how many people), when due (and how far away), what."""
    services = env.services
    zone = services.tasks.zone
    due = date.fromisoformat(draft.due)
    noon = datetime.combine(due, time(12), tzinfo=zone)
    count = await services.previews.audience(
        owner=draft.owner, owner_member_id=draft.owner_member_id
    )
    text = env.t(
        "taskwizard.preview",
        owner=env.t.plural(
            "taskwizard.audience", count, group=draft.owner, people=previews.people(env.t, count)
        ),
        due=f"{texts.due_label(env.t, due, zone)} "
        f"({previews.in_words(env.t, noon, services.clock.now(), zone)})",
        title=draft.title,
        description=draft.description or "–",
    )
    if draft.meeting_id is not None:
        line = env.t("taskwizard.line_meeting", id=draft.meeting_id)
        text = text.replace("\n\n", f"\n{line}\n\n", 1)
    if draft.decision is not None:
        line = env.t("taskwizard.line_decision", number=draft.decision)
        text = text.replace("\n\n", f"\n{line}\n\n", 1)
    rows = (
        (forms.Option(env.t("taskwizard.create"), "ok"),),
        (forms.Option(env.t("wizard.edit"), "edit"),),
    )
    return forms.Question(text, rows)


async def _ask_choice(env: forms.Env, draft: Answers) -> forms.Question:
    rows = [(forms.Option(env.t(f"taskwizard.field.{f}"), "field", f),) for f in FIELDS]
    rows.append((forms.Option(env.t("wizard.to_preview"), "preview"),))
    return forms.Question(env.t("wizard.choose_field"), tuple(rows))


async def _choose(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    if button.action == "field" and button.value in FIELDS:
        return forms.Go(draft, button.value)
    forms.expect(button, "preview")
    if draft.owner_member_id is None:
        # Back from the namesake question (« Zurück, then « Zur Vorschau): the person is still
        # to be chosen, not previewed as the bare name with nobody to notify.
        try:
            await env.services.tasks.find_owner(draft.owner)
        except AmbiguousOwner:
            return forms.Go(draft, "namesake")
        except ServiceError:
            pass  # gone meanwhile: the preview counts nobody and Vergeben says why
    return forms.Go(draft, "preview")


async def _create(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    if button.action == "edit":  # Bearbeiten: the fields, each returning here
        return forms.Go(replace(draft, review=True), "choose")
    forms.expect(button, "ok")
    service = env.services.tasks
    try:
        task, owner = await service.create(
            env.actor,
            owner_ref=draft.owner,
            owner_member_id=draft.owner_member_id,
            due=date.fromisoformat(draft.due),
            title=draft.title,
            description=draft.description,
            meeting_id=draft.meeting_id,
            link=_decision_link(env, draft.decision),
        )
    except ServiceError as error:
        # Changed meanwhile (the owner left, the meeting was cancelled): the fields again.
        return forms.Go(replace(draft, review=True), "choose", error=error)
    return forms.Finish(texts.created(env.t, task, owner, service.zone))


def _decision_link(
    env: forms.Env, ref: str | None
) -> Callable[[UnitOfWork, Task, datetime], Awaitable[object]] | None:
    """The task's link to decision `ref` (issue 16), made in the transaction creating it."""
    if ref is None:
        return None
    decisions = env.services.decisions
    return lambda uow, task, now: decisions.link_task(uow, ref, task, now)


def _back(step: str | None) -> Callable[[Answers], str | None]:
    return lambda draft: "choose" if draft.review else step


STEPS: dict[str, forms.Step[Answers]] = {
    "owner": forms.Step(forms.question("taskwizard.ask_owner"), on_text=_owner, back=_back(None)),
    "due": forms.Step(forms.question("taskwizard.ask_due"), on_text=_due, back=_back("owner")),
    "title": forms.Step(forms.question("taskwizard.ask_title"), on_text=_title, back=_back("due")),
    "description": forms.optional(
        "taskwizard.ask_description", "taskwizard.no_description", _description, back="title"
    ),
    "preview": forms.Step(
        _ask_preview, on_button=_create, back=lambda d: None if d.review else "description"
    ),
    "choose": forms.Step(_ask_choice, on_button=_choose),
    # Several members go by the name given: one button each (or another name typed).
    "namesake": forms.Step(_ask_namesake, on_text=_owner, on_button=_namesake, back=_back("owner")),
}


async def _start_line(env: forms.Env) -> forms.Go[Answers]:
    """`/neueaufgabe [#Termin] <Mitgliedskommune oder @name> | <Datum> | <Titel> [| …]`:
    checked, then the preview (nothing is sent before Vergeben)."""
    text = command_text(env.update)
    services = env.services
    meeting_id = None
    decision = None
    for _ in range(2):  # `#3` (a meeting) and `B2026/07` (a decision), in either order
        if text.startswith("#") and meeting_id is None:
            first, _, text = text.partition(" ")
            meeting_id = parse_positive_int(first)
            if meeting_id is None:
                raise InvalidInput("task.usage")
            await services.meetings.get(env.actor, meeting_id)
        elif text[:1] in ("B", "b") and text[1:2].isdigit() and decision is None:
            first, _, text = text.partition(" ")
            found = await services.decisions.check_ref(first)
            decision = f"{found.year}/{found.number:02d}"
    pieces = [p.strip() for p in text.split("|")]
    if len(pieces) < 3 or len(pieces) > 4:
        raise InvalidInput("task.usage")
    service = services.tasks
    due = parse_day(pieces[1], service.zone, services.clock.now(), DUE)
    service.check_due(due)
    draft = TaskAnswers(
        due=due.isoformat(),
        title=service.check_title(pieces[2]),
        description=service.check_description(pieces[3] if len(pieces) > 3 else None),
        meeting_id=meeting_id,
        decision=decision,
        review=True,
    )
    ref = clean_text(pieces[0])
    try:
        owner = await service.check_owner(ref)
    except AmbiguousOwner:
        return forms.Go(replace(draft, owner=ref), "namesake")
    return forms.Go(_with_owner(draft, owner), "preview")


FORM = forms.FormSpec(
    Form.TASK,
    "form.name.nt",
    commands.NEWTASK,
    TaskAnswers,
    STEPS,
    entries=(
        forms.Entry(commands.NEWTASK, has_args=False),
        forms.Entry(commands.NEWTASK, _start_line, has_args=True),
    ),
)

# /neueaufgabe in one line, run again with the organisation chosen under "Meinten Sie …?".
new_task = form_engine.entry_callback(FORM, FORM.entries[1])


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
