"""/terminfindung without arguments: the guided form (title → slots → deadline → whom to ask →
preview → send), on the forms engine (handlers/forms.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from telegram import Update
from telegram.ext import BaseHandler

from bot.callbacks import Form, FormButton
from bot.i18n import Html
from bot.parsing import DEADLINE, parse_deadline
from bot.services.meetings import MeetingService
from bot.services.scheduling import PollDraft
from bot.slots import SLOTS_STEP, parse_slots
from bot.texts import scheduling as texts
from handlers import commands, form_engine, forms
from handlers.context import ForumContext
from handlers.scheduling import default_length


@dataclass(frozen=True)
class PollAnswers:
    """The draft: JSON values only (the slots as ISO instants, `start/end;start/end`)."""

    title: str = ""
    slots: str = ""
    deadline: str | None = None
    group_id: int | None = None
    group_name: str | None = None


Answers = PollAnswers
Outcome = forms.Go[Answers] | forms.Finish


def _slots(draft: Answers) -> list[tuple[datetime, datetime]]:
    pairs = [p.split("/") for p in draft.slots.split(";") if p]
    return [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in pairs]


def _draft(draft: Answers) -> PollDraft:
    deadline = datetime.fromisoformat(draft.deadline) if draft.deadline else None
    return PollDraft(draft.title, _slots(draft), deadline, draft.group_id)


async def _ask_title(env: forms.Env, draft: Answers) -> forms.Question:
    """The first question; the open polls named above it, with how to see their overview."""
    text = env.t("pollwizard.ask_title")
    open_polls = await env.services.scheduling.open_polls(env.actor)
    if open_polls:
        names = "\n".join(
            env.t("pollwizard.open_line", id=p.id, title=p.title) for p in open_polls[-10:]
        )
        text = env.t("pollwizard.open_polls", polls=Html(names)) + "\n\n" + text
    return forms.Question(text)


async def _title(env: forms.Env, draft: Answers, text: str) -> Outcome:
    return forms.Go(replace(draft, title=MeetingService.check_title(text)), "slots")


async def _slots_step(env: forms.Env, draft: Answers, text: str) -> Outcome:
    service = env.services.scheduling
    now = env.services.clock.now()
    slots = parse_slots(text, service.zone, now, default_length(env.context), SLOTS_STEP)
    service.check(env.actor, PollDraft(draft.title, slots))
    stored = ";".join(f"{a.isoformat()}/{b.isoformat()}" for a, b in slots)
    return forms.Go(replace(draft, slots=stored, deadline=None), "deadline")


async def _deadline(env: forms.Env, draft: Answers, text: str | None) -> Outcome:
    if text is None:
        return forms.Go(replace(draft, deadline=None), "group")
    service = env.services.scheduling
    at = parse_deadline(text, service.zone, env.services.clock.now(), DEADLINE).at
    service.check_deadline(env.actor, at, _slots(draft))
    return forms.Go(replace(draft, deadline=at.isoformat()), "group")


async def _ask_group(env: forms.Env, draft: Answers) -> forms.Question:
    rows = [forms.no_group(env.t("pollwizard.everyone")), *await forms.group_options(env)]
    return forms.Question(env.t("pollwizard.ask_group"), tuple(rows))


async def _group(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    group_id, group_name = await forms.chosen_group(env, button)
    await env.services.groups.check_audience(group_id)
    return forms.Go(replace(draft, group_id=group_id, group_name=group_name), "preview")


async def _ask_preview(env: forms.Env, draft: Answers) -> forms.Question:
    t, zone = env.t, env.services.scheduling.zone
    slots = "\n".join(
        t("poll.slot_plain", n=n, slot=t.span(a, b, zone))
        for n, (a, b) in enumerate(_slots(draft), start=1)
    )
    deadline = (
        t.datetime(datetime.fromisoformat(draft.deadline), zone)
        if draft.deadline
        else t("pollwizard.no_deadline")
    )
    text = t(
        "pollwizard.preview",
        title=draft.title,
        slots=Html(slots),
        deadline=deadline,
        audience=draft.group_name or t("poll.everyone"),
    )
    return forms.Question(text, ((forms.Option(t("pollwizard.send"), "ok"),),))


async def _send(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    forms.expect(button, "ok")
    service = env.services.scheduling
    view = await service.create(env.actor, _draft(draft))
    return forms.Finish(texts.created_text(env.t, view, service.zone))


STEPS: dict[str, forms.Step[Answers]] = {
    "title": forms.Step(_ask_title, on_text=_title),
    "slots": forms.Step(
        forms.question("pollwizard.ask_slots"), on_text=_slots_step, back=forms.previous("title")
    ),
    "deadline": forms.optional(
        "pollwizard.ask_deadline", "pollwizard.no_deadline", _deadline, back="slots"
    ),
    "group": forms.Step(_ask_group, on_button=_group, back=forms.previous("deadline")),
    "preview": forms.Step(_ask_preview, on_button=_send, back=forms.previous("group")),
}

FORM = forms.FormSpec(
    Form.FINDTIME,
    "form.name.fd",
    commands.FINDTIME,
    PollAnswers,
    STEPS,
    buttons_only="pollwizard.use_buttons",
)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return form_engine.form_handlers(FORM)
