"""The decision register and the councils' ratifications (issue 16): /beschluesse,
/beschluss, the coordinator's /beschlusstext, the organisations' /ratstermin and
/ratsbeschluss, and the buttons under a ratification message (Ratstermin eintragen and Rat hat
vertagt ask for the next message, a durable form; zugestimmt / abgelehnt / Vorbehalt entfällt
record at once)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import (
    CouncilAnswer,
    CouncilDate,
    CouncilDefer,
    CouncilOutcome,
    Form,
    matches,
)
from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.decision_input import split_ref
from bot.services.decisions import Recorded
from bot.services.errors import InvalidInput
from bot.texts import decisions as texts
from handlers import commands, form_engine
from handlers.common import command_text, forum_handler, markup, pressed, reply
from handlers.context import ForumContext
from handlers.forms import Finish
from storage.enums import RatificationStatus

# The outcome as councils and their staff write it.
OUTCOMES = {
    "zugestimmt": RatificationStatus.APPROVED,
    "angenommen": RatificationStatus.APPROVED,
    "beschlossen": RatificationStatus.APPROVED,
    "approved": RatificationStatus.APPROVED,
    "adopted": RatificationStatus.APPROVED,
    "abgelehnt": RatificationStatus.REJECTED,
    "rejected": RatificationStatus.REJECTED,
    "vertagt": RatificationStatus.DEFERRED,
    "zurückgestellt": RatificationStatus.DEFERRED,
    "zurueckgestellt": RatificationStatus.DEFERRED,
    "deferred": RatificationStatus.DEFERRED,
    "postponed": RatificationStatus.DEFERRED,
    "entfällt": RatificationStatus.WITHDRAWN,
    "entfaellt": RatificationStatus.WITHDRAWN,
    "hinfällig": RatificationStatus.WITHDRAWN,
    "withdrawn": RatificationStatus.WITHDRAWN,
}
ANSWERS = {
    CouncilAnswer.APPROVED: RatificationStatus.APPROVED,
    CouncilAnswer.REJECTED: RatificationStatus.REJECTED,
    CouncilAnswer.WITHDRAWN: RatificationStatus.WITHDRAWN,
}


def _recorded(context: ForumContext, t: Translator, done: Recorded, by: str) -> str:
    return texts.recorded(
        t,
        done.decision,
        done.item,
        done.organisation,
        by,
        context.services.decisions.zone,
        changed=done.changed,
    )


async def _answer(
    update: Update, context: ForumContext, actor: Actor, t: Translator, done: Recorded
) -> None:
    by = actor.member.display_name if actor.member else "–"
    await reply(
        update,
        _recorded(context, t, done, by),
        reply_markup=markup(texts.ask_buttons(t, done.item)),
    )


@forum_handler(commands.DECISIONS)
async def listing(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    arg = command_text(update)
    year: int | None = None
    group: str | None = None
    pending = False
    if arg.lower() in ("offen", "open", "vorläufig", "provisional"):
        pending = True
        scope = t("decision.scope_open")
    elif arg.startswith("@"):
        group = arg[1:].strip()
        scope = t("decision.scope_group", name=group)
    elif arg.isdigit() and len(arg) == 4:
        year = int(arg)
        scope = t("decision.scope_year", year=year)
    elif arg:
        raise InvalidInput("decision.list_usage")
    else:
        scope = ""
    service = context.services.decisions
    decisions, items = await service.listing(actor, year=year, group=group, pending=pending)
    await reply(update, texts.listing(t, decisions, items, service.zone, scope))


@forum_handler(commands.DECISION)
async def details(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    ref = command_text(update)
    if not ref:
        raise InvalidInput("decision.usage")
    service = context.services.decisions
    d = await service.details(actor, split_ref(ref)[0])
    await reply(
        update,
        texts.details(
            t,
            d.decision,
            d.votes,
            d.ratifications,
            d.tasks,
            d.organisations,
            d.meeting,
            service.zone,
        ),
    )


@forum_handler(commands.DECISIONTEXT)
async def set_text(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    ref, bar, text = command_text(update).partition("|")
    if not ref.strip() or not bar:
        raise InvalidInput("decision.text_usage")
    decision = await context.services.decisions.set_text(actor, ref.strip(), text)
    await reply(
        update,
        t(
            "decision.text_saved",
            number=texts.number(decision),
            text=decision.text or "",
            when=t.datetime(decision.announce_at, context.services.decisions.zone),
        ),
    )


@forum_handler(commands.COUNCILDATE)
async def council_date(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    ref, rest = split_ref(command_text(update))
    if not ref or not rest:
        raise InvalidInput("ratification.date_usage")
    done = await context.services.decisions.council_date(actor, ref=ref, text=rest)
    await _answer(update, context, actor, t, done)


@forum_handler(commands.COUNCILRESULT)
async def council_result(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    ref, rest = split_ref(command_text(update))
    word, _, text = rest.partition(" ")
    outcome = OUTCOMES.get(word.lower().rstrip(",.;:!"))  # `Zugestimmt, 27.11.2026`
    if not ref or outcome is None:
        raise InvalidInput("ratification.result_usage")
    done = await context.services.decisions.council_result(actor, outcome, ref=ref, text=text)
    await _answer(update, context, actor, t, done)


@forum_handler(button=True)
async def outcome_button(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    query, button = pressed(update, CouncilOutcome)
    done = await context.services.decisions.council_result(
        actor, ANSWERS[button.answer], ratification_id=button.ratification_id
    )
    await query.answer()
    await _answer(update, context, actor, t, done)


# --- the next message after Ratstermin eintragen / Rat hat vertagt (durable forms) ------


async def _ask_date(context: ForumContext, actor: Actor, t: Translator, button: CouncilDate) -> str:
    decision, _ = await context.services.decisions.item_of(actor, button.ratification_id)
    return t("ratification.ask_date", number=texts.number(decision), title=decision.title)


def _finish(context: ForumContext, actor: Actor, t: Translator, done: Recorded) -> Finish:
    """The confirmation with the buttons for what comes next, as after the command."""
    by = actor.member.display_name if actor.member else "–"
    return Finish(_recorded(context, t, done, by), texts.ask_buttons(t, done.item))


async def _save_date(
    context: ForumContext, actor: Actor, t: Translator, button: CouncilDate, text: str
) -> Finish:
    done = await context.services.decisions.council_date(
        actor, ratification_id=button.ratification_id, text=text
    )
    return _finish(context, actor, t, done)


async def _ask_defer(
    context: ForumContext, actor: Actor, t: Translator, button: CouncilDefer
) -> str:
    decision, _ = await context.services.decisions.item_of(actor, button.ratification_id)
    return t("ratification.ask_defer", number=texts.number(decision), title=decision.title)


async def _save_defer(
    context: ForumContext, actor: Actor, t: Translator, button: CouncilDefer, text: str
) -> Finish:
    done = await context.services.decisions.council_result(
        actor, RatificationStatus.DEFERRED, ratification_id=button.ratification_id, text=text
    )
    return _finish(context, actor, t, done)


RETRY = frozenset(
    {"ratification.date_usage", "ratification.result_usage", "ratification.body_too_long"}
)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        *form_engine.follow_up_form(
            form=Form.COUNCIL_DATE,
            name="form.name.cd",
            kind=CouncilDate,
            prepare=_ask_date,
            save=_save_date,
            retry_keys=RETRY,
        ),
        *form_engine.follow_up_form(
            form=Form.COUNCIL_DEFER,
            name="form.name.cv",
            kind=CouncilDefer,
            prepare=_ask_defer,
            save=_save_defer,
            retry_keys=RETRY,
        ),
        CallbackQueryHandler(outcome_button, pattern=matches(CouncilOutcome)),
        CommandHandler(commands.DECISIONS.names, listing),
        CommandHandler(commands.DECISION.names, details),
        CommandHandler(commands.DECISIONTEXT.names, set_text),
        CommandHandler(commands.COUNCILDATE.names, council_date),
        CommandHandler(commands.COUNCILRESULT.names, council_result),
    ]
