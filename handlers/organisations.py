"""The coordinator and the forum's members and organisations over the years: /mitglied (a
member's card with Entfernen, Andere Organisation, Rolle), /zusammenlegen (after the counts)
and /kommuneloeschen (only without history). All questions are durable forms."""

from __future__ import annotations

from dataclasses import dataclass, replace

from telegram import Update
from telegram.ext import BaseHandler, CommandHandler

from bot.callbacks import Form, FormButton
from bot.i18n import Translator
from bot.parsing import parse_positive_int
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.organisations import OrganisationChoice
from bot.services.task_owners import AmbiguousOwner, Owner
from bot.texts import organisation_admin as texts
from handlers import commands, form_engine, forms
from handlers.common import command_text, forum_handler, reply
from handlers.context import ForumContext

WHO, ORG, OK = "who", "org", "ok"
REMOVE, MOVE, ROLE = "remove", "move", "role"

# --- /mitglied -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberDraft:
    ref: str = ""  # as typed (for the choice among namesakes)
    member_id: int = 0
    typed: str = ""  # the organisation typed under Andere Organisation
    candidates: str = ""  # its candidates' ids, when it fits several ("3,7")


Outcome = forms.Go[MemberDraft] | forms.Finish


async def _start_member(env: forms.Env) -> forms.Go[MemberDraft]:
    ref = command_text(env.update)
    try:
        member = await env.services.organisations.find_member(env.actor, ref)
    except AmbiguousOwner:
        return forms.Go(MemberDraft(ref=ref), "namesake")
    assert member.id is not None
    return forms.Go(MemberDraft(ref=ref, member_id=member.id), "card")


async def _ask_namesake(env: forms.Env, draft: MemberDraft) -> forms.Question:
    try:
        member = await env.services.organisations.find_member(env.actor, draft.ref)
        card = await env.services.organisations.card(env.actor, member.id or 0)
        candidates = [(member, Owner(card.organisation, member))]
    except AmbiguousOwner as ambiguous:
        candidates = [(m, Owner(o, m)) for m, o in ambiguous.candidates]
    rows = tuple(
        (forms.Option(owner.typed(), WHO, str(member.id)),)
        for member, owner in candidates
        if member.id is not None
    )
    return forms.Question(env.t("members.choose", ref=draft.ref), rows)


async def _namesake(env: forms.Env, draft: MemberDraft, button: FormButton) -> Outcome:
    forms.expect(button, WHO)
    member_id = parse_positive_int(button.value)
    if member_id is None:
        raise InvalidInput("error.button_invalid")
    await env.services.organisations.card(env.actor, member_id)  # still a member
    return forms.Go(replace(draft, member_id=member_id), "card")


async def _ask_card(env: forms.Env, draft: MemberDraft) -> forms.Question:
    card = await env.services.organisations.card(env.actor, draft.member_id)
    text = texts.card(env.t, card, env.services.settings.tz)
    options = (
        (forms.Option(env.t("members.button_remove"), REMOVE),),
        (forms.Option(env.t("members.button_move"), MOVE),),
        (forms.Option(env.t("members.button_role"), ROLE),),
    )
    return forms.Question(text, options)


async def _card(env: forms.Env, draft: MemberDraft, button: FormButton) -> Outcome:
    if button.action not in (REMOVE, MOVE, ROLE):
        raise InvalidInput("error.button_invalid")
    return forms.Go(draft, button.action)


async def _ask_remove(env: forms.Env, draft: MemberDraft) -> forms.Question:
    card = await env.services.organisations.card(env.actor, draft.member_id)
    text = env.t(
        "members.remove_question",
        name=card.member.display_name,
        organisation=card.organisation.name,
    )
    return forms.Question(text, ((forms.Option(env.t("members.remove_yes"), OK),),))


async def _remove(env: forms.Env, draft: MemberDraft, button: FormButton) -> Outcome:
    forms.expect(button, OK)
    removed = await env.services.organisations.remove(env.actor, draft.member_id)
    return forms.Finish(texts.removed(env.t, removed))


async def _ask_move(env: forms.Env, draft: MemberDraft) -> forms.Question:
    card = await env.services.organisations.card(env.actor, draft.member_id)
    return forms.Question(
        env.t(
            "members.move_ask", name=card.member.display_name, organisation=card.organisation.name
        )
    )


async def _move_typed(env: forms.Env, draft: MemberDraft, text: str) -> Outcome:
    try:
        organisation = await env.services.organisations.organisation_for_move(env.actor, text)
    except OrganisationChoice as choice:
        ids = ",".join(str(o.id) for o in choice.candidates)
        return forms.Go(replace(draft, typed=text.strip(), candidates=ids), "move_pick")
    assert organisation.id is not None
    return await _moved(env, draft, organisation.id)


async def _ask_move_pick(env: forms.Env, draft: MemberDraft) -> forms.Question:
    rows = []
    for value in draft.candidates.split(","):
        organisation_id = parse_positive_int(value)
        if organisation_id is not None:
            organisation = await env.services.organisations.organisation(env.actor, organisation_id)
            rows.append((forms.Option(organisation.name, ORG, str(organisation_id)),))
    return forms.Question(env.t("members.move_choose", typed=draft.typed), tuple(rows))


async def _move_picked(env: forms.Env, draft: MemberDraft, button: FormButton) -> Outcome:
    forms.expect(button, ORG)
    organisation_id = parse_positive_int(button.value)
    if organisation_id is None or button.value not in draft.candidates.split(","):
        raise InvalidInput("error.button_invalid")
    return await _moved(env, draft, organisation_id)


async def _moved(env: forms.Env, draft: MemberDraft, organisation_id: int) -> forms.Finish:
    moved = await env.services.organisations.move(env.actor, draft.member_id, organisation_id)
    return forms.Finish(texts.moved(env.t, moved))


async def _ask_role(env: forms.Env, draft: MemberDraft) -> forms.Question:
    card = await env.services.organisations.card(env.actor, draft.member_id)
    current = card.member.role or env.t("members.no_role_word")
    return forms.Question(env.t("members.role_ask", name=card.member.display_name, role=current))


async def _role(env: forms.Env, draft: MemberDraft, text: str) -> Outcome:
    member = await env.services.organisations.set_role(env.actor, draft.member_id, text)
    if member.role is None:
        return forms.Finish(env.t("members.role_cleared", name=member.display_name))
    return forms.Finish(env.t("members.role_set", name=member.display_name, role=member.role))


_BACK_TO_CARD = forms.previous("card")

MEMBER = forms.FormSpec(
    form=Form.MEMBER,
    name="form.name.mb",
    command=commands.MEMBER,
    draft=MemberDraft,
    steps={
        "card": forms.Step(_ask_card, on_button=_card),
        "namesake": forms.Step(_ask_namesake, on_button=_namesake),
        REMOVE: forms.Step(_ask_remove, on_button=_remove, back=_BACK_TO_CARD),
        MOVE: forms.Step(_ask_move, on_text=_move_typed, back=_BACK_TO_CARD),
        "move_pick": forms.Step(_ask_move_pick, on_button=_move_picked, back=forms.previous(MOVE)),
        ROLE: forms.Step(_ask_role, on_text=_role, back=_BACK_TO_CARD),
    },
    entries=(forms.Entry(commands.MEMBER, _start_member),),
    buttons_only="members.buttons_only",
)


# --- /zusammenlegen ------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeDraft:
    keep: int = 0
    gone: int = 0


async def _start_merge(env: forms.Env) -> forms.Go[MergeDraft]:
    pieces = command_text(env.update).split("|")
    if len(pieces) != 2 or not pieces[0].strip() or not pieces[1].strip():
        raise InvalidInput("org.merge_usage")
    keep, gone = await env.services.organisations.pair(env.actor, pieces[0], pieces[1])
    return forms.Go(MergeDraft(keep, gone), "confirm")


async def _ask_merge(env: forms.Env, draft: MergeDraft) -> forms.Question:
    counts = await env.services.organisations.merge_counts(env.actor, draft.keep, draft.gone)
    return forms.Question(
        texts.merge_question(env.t, counts),
        ((forms.Option(env.t("org.merge_yes", gone=counts.gone.name), OK),),),
    )


async def _merge(env: forms.Env, draft: MergeDraft, button: FormButton) -> forms.Finish:
    forms.expect(button, OK)
    counts = await env.services.organisations.merge(env.actor, draft.keep, draft.gone)
    return forms.Finish(texts.merged(env.t, counts))


MERGE = forms.FormSpec(
    form=Form.MERGE,
    name="form.name.mg",
    command=commands.MERGE,
    draft=MergeDraft,
    steps={"confirm": forms.Step(_ask_merge, on_button=_merge)},
    entries=(forms.Entry(commands.MERGE, _start_merge),),
)


# --- /kommuneloeschen ----------------------------------------------------------------------


@forum_handler(commands.DELETEORG)
async def delete(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    typed = command_text(update)
    if not typed:
        raise InvalidInput("org.delete_usage")
    name = await context.services.organisations.delete(actor, typed)
    await reply(update, t("org.deleted", name=name))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        *form_engine.form_handlers(MEMBER),
        *form_engine.form_handlers(MERGE),
        CommandHandler(commands.DELETEORG.names, delete),
    ]
