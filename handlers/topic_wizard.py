"""Guided forms for topics: /propose without arguments (title → description → working group →
preview → submit), and the reason a coordinator gives after pressing Ablehnen."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Update
from telegram.ext import BaseHandler

from bot.callbacks import Form, FormButton, RejectTopic
from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.proposals import WAITING, ProposalService
from bot.texts.proposals import proposal_confirmation
from handlers import commands, form_engine, forms
from handlers.context import ForumContext


@dataclass(frozen=True)
class TopicAnswers:
    """The draft: JSON values only."""

    title: str = ""
    description: str | None = None
    group_id: int | None = None
    group_name: str | None = None


Answers = TopicAnswers
Outcome = forms.Go[Answers] | forms.Finish


async def _title(env: forms.Env, draft: Answers, text: str) -> Outcome:
    title, _ = ProposalService.check(text, None)
    return forms.Go(replace(draft, title=title), "description")


async def _description(env: forms.Env, draft: Answers, text: str | None) -> Outcome:
    _, description = ProposalService.check(draft.title, text)
    return forms.Go(replace(draft, description=description), "group")


async def _ask_group(env: forms.Env, draft: Answers) -> forms.Question:
    rows = [*await forms.group_options(env), forms.no_group(env.t("topicwizard.no_group"))]
    return forms.Question(env.t("topicwizard.ask_group"), tuple(rows))


async def _group(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    group_id, group_name = await forms.chosen_group(env, button)
    return forms.Go(replace(draft, group_id=group_id, group_name=group_name), "preview")


async def _ask_preview(env: forms.Env, draft: Answers) -> forms.Question:
    text = env.t(
        "topicwizard.preview",
        title=draft.title,
        description=draft.description or "–",
        group=draft.group_name or "–",
    )
    return forms.Question(text, ((forms.Option(env.t("topicwizard.submit"), "ok"),),))


async def _submit(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    forms.expect(button, "ok")
    view = await env.services.proposals.submit(
        env.actor, draft.title, draft.description, draft.group_id
    )
    return forms.Finish(*proposal_confirmation(env.t, view))


STEPS: dict[str, forms.Step[Answers]] = {
    "title": forms.Step(forms.question("topicwizard.ask_title"), on_text=_title),
    "description": forms.optional(
        "topicwizard.ask_description", "topicwizard.no_description", _description, back="title"
    ),
    "group": forms.Step(_ask_group, on_button=_group, back=forms.previous("description")),
    "preview": forms.Step(_ask_preview, on_button=_submit, back=forms.previous("group")),
}


# Text on the group and the preview (buttons only) is answered with a hint.
FORM = forms.FormSpec(
    Form.TOPIC,
    "form.name.tp",
    commands.PROPOSE,
    TopicAnswers,
    STEPS,
    buttons_only="topicwizard.use_buttons",
)


# --- the reason for a rejection ------------------------------------------------------------


async def _ask_reason(
    context: ForumContext, actor: Actor, t: Translator, button: RejectTopic
) -> str:
    proposal_id = button.proposal_id
    view = await context.services.proposals.get(actor, proposal_id)
    if view.proposal.status not in WAITING:
        raise InvalidInput("proposal.not_waiting", id=proposal_id)
    return t("proposal.ask_reason", id=proposal_id, title=view.proposal.title)


async def _save_reason(
    context: ForumContext, actor: Actor, t: Translator, button: RejectTopic, text: str
) -> str:
    view = await context.services.proposals.reject(actor, button.proposal_id, text)
    return t("proposal.rejected", id=button.proposal_id, title=view.proposal.title)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    # Ablehnen under a proposal: the coordinator's next message is the reason (asked again
    # when it is empty or too long).
    reason = form_engine.follow_up_form(
        form=Form.REJECT_REASON,
        name="form.name.rr",
        kind=RejectTopic,
        prepare=_ask_reason,
        save=_save_reason,
        retry_keys=frozenset({"proposal.reason_missing", "proposal.reason_too_long"}),
    )
    return [*form_engine.form_handlers(FORM), *reason]
