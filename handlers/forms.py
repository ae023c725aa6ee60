"""The guided forms' engine, and the small form that takes the next message after a button.

A form (`FormSpec`) is a set of named steps over a typed draft (a frozen dataclass). A step asks
its question (`Question`: a text and its own buttons) and takes the answer — typed text
(`on_text`) or one of its buttons (`on_button`) — returning where to go next (`Go`: the new
draft and step) or the end (`Finish`: the confirmation). The rest is the engine's, the same for
every form: who may answer (the role and private chat of the form's command), Zurück and
Abbrechen, errors answered in the chat (the step is not left), and the state, which is plain
data kept as JSON (`bot.forms.FormState`).

Every question gets the next step number, and its buttons carry it: a press under an earlier
question (the form has moved on; a double press) is answered "Dieser Schritt ist schon erledigt"
and changes nothing. Nothing is stored before the last step's confirmation.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.callbacks import (
    Form,
    FormButton,
    RejectTopic,
    TaskComment,
    form_prefix,
    matches,
    parse,
)
from bot.forms import Draft, FormState, draft_of, draft_values
from bot.i18n import Translator
from bot.parsing import parse_positive_int
from bot.services.actor import Actor
from bot.services.container import Services
from bot.services.errors import InvalidInput, ServiceError
from bot.texts.buttons import Button, Keyboard
from handlers.commands import Command, of_button
from handlers.common import answer_error, check_access, markup, pressed, reply, resolve
from handlers.context import ForumContext

END = ConversationHandler.END
ACTIVE = 1  # the conversation's one state: the step itself is in the form's state
TIMEOUT = timedelta(minutes=30)
CANCEL_WORDS = ["cancel", "abbrechen"]
BACK, CANCEL = "back", "cancel"  # the engine's own actions; no step may use them
_NUMBER = "form_step_number"  # user_data: the last step number given out to this person


@dataclass(frozen=True)
class Env:
    """What a step works with: the update's context, who answers, in which language."""

    update: Update
    context: ForumContext
    actor: Actor
    t: Translator

    @property
    def services(self) -> Services:
        return self.context.services


@dataclass(frozen=True)
class Option:
    """A button of a step: its label and what it sends (`action`, `value`)."""

    label: str
    action: str
    value: str = ""


@dataclass(frozen=True)
class Question:
    text: str
    options: tuple[tuple[Option, ...], ...] = ()


@dataclass(frozen=True)
class Go(Generic[Draft]):
    """On to `step` (or the same one again) with `draft`; `error`, if given, is told first."""

    draft: Draft
    step: str
    error: ServiceError | None = None


@dataclass(frozen=True)
class Finish:
    """The form is done: this is the last answer (with its buttons)."""

    text: str
    buttons: Keyboard = ()


@dataclass(frozen=True)
class Step(Generic[Draft]):
    ask: Callable[[Env, Draft], Awaitable[Question]]
    on_text: Callable[[Env, Draft, str], Awaitable[Go[Draft] | Finish]] | None = None
    on_button: Callable[[Env, Draft, FormButton], Awaitable[Go[Draft] | Finish]] | None = None
    # Where Zurück leads (None: no Zurück on this step).
    back: Callable[[Draft], str | None] = lambda draft: None


@dataclass(frozen=True)
class Entry(Generic[Draft]):
    """A command that opens the form: `start` makes the draft and names the first step (None:
    an empty draft, the first step), or finishes at once (a command given in one line that
    needs no question)."""

    command: Command
    start: Callable[[Env], Awaitable[Go[Draft] | Finish]] | None = None
    has_args: bool | None = None


@dataclass(frozen=True)
class FormSpec(Generic[Draft]):
    form: Form  # the prefix of the form's buttons
    name: str  # of the conversation, and the key of the form's state in user_data
    command: Command  # its role and private flag hold for every answer
    draft: type[Draft]
    steps: Mapping[str, Step[Draft]]  # the first is where a new form starts
    # The commands that open it (none given: `command` without arguments).
    entries: tuple[Entry[Draft], ...] = ()
    # Said when text comes on a step that takes buttons only (None: such text is ignored).
    buttons_only: str | None = None

    @property
    def openers(self) -> tuple[Entry[Draft], ...]:
        return self.entries or (Entry(self.command, has_args=False),)


def previous(step: str) -> Callable[[Any], str | None]:
    """`Step.back` for a fixed previous step."""
    return lambda draft: step


# --- pieces the forms' steps share ---------------------------------------------------------

GROUP, SKIP = "grp", "skip"


def question(key: str, *options: tuple[str, str]) -> Callable[[Env, Any], Awaitable[Question]]:
    """A step's question: the catalog text `key`, and a button per (label key, action)."""

    async def ask(env: Env, draft: object) -> Question:
        rows = tuple((Option(env.t(label), action),) for label, action in options)
        return Question(env.t(key), rows)

    return ask


def optional(
    key: str,
    skip_key: str,
    take: Callable[[Env, Draft, str | None], Awaitable[Go[Draft] | Finish]],
    *,
    back: str,
) -> Step[Draft]:
    """A step for an optional text (question `key`): typed, or left out with the button
    `skip_key` (`take` gets None)."""

    async def skipped(env: Env, draft: Draft, button: FormButton) -> Go[Draft] | Finish:
        expect(button, SKIP)
        return await take(env, draft, None)

    return Step(
        question(key, (skip_key, SKIP)), on_text=take, on_button=skipped, back=previous(back)
    )


def expect(button: FormButton, action: str) -> None:
    """The step takes only its `action` buttons."""
    if button.action != action:
        raise InvalidInput("error.button_invalid")


async def group_options(env: Env) -> list[tuple[Option, ...]]:
    """A button per working group (and `no_group` for none), a row each."""
    return [(Option(g.name, GROUP, str(g.id)),) for g in await env.services.groups.overview_all()]


def no_group(label: str) -> tuple[Option, ...]:
    return (Option(label, GROUP, "0"),)


async def chosen_group(env: Env, button: FormButton) -> tuple[int | None, str | None]:
    """The working group (id, name) a group button names; (None, None) for none."""
    group_id = 0 if button.value == "0" else parse_positive_int(button.value)
    groups = {g.id: g.name for g in await env.services.groups.overview_all()}
    if button.action != GROUP or group_id is None or (group_id and group_id not in groups):
        raise InvalidInput("error.button_invalid")
    return group_id or None, groups.get(group_id)


# --- the engine ----------------------------------------------------------------------------


class _Engine(Generic[Draft]):
    def __init__(self, spec: FormSpec[Draft]) -> None:
        self.spec = spec

    # The state, as JSON text in user_data: whatever it holds survives a round trip.

    def load(self, context: ForumContext) -> FormState | None:
        assert context.user_data is not None
        text = context.user_data.get(self.spec.name)
        return FormState.from_json(text) if isinstance(text, str) else None

    def save(self, context: ForumContext, state: FormState | None) -> None:
        assert context.user_data is not None
        if state is None:
            context.user_data.pop(self.spec.name, None)
        else:
            context.user_data[self.spec.name] = state.to_json()

    @staticmethod
    def next_number(context: ForumContext) -> int:
        """A new step number for this person (never one of their earlier questions while the
        process runs; the first is random, so that a form after a restart does not take the
        buttons of one before it)."""
        assert context.user_data is not None
        last = context.user_data.get(_NUMBER)
        number = (last if isinstance(last, int) else secrets.randbelow(10**8)) + 1
        context.user_data[_NUMBER] = number
        return number

    async def ask(self, env: Env, go: Go[Draft]) -> object:
        spec = self.spec
        step = spec.steps[go.step]
        if go.error is not None:
            await answer_error(env.update, env.t, go.error, env.actor, as_message=True)
        question = await step.ask(env, go.draft)
        number = self.next_number(env.context)

        def button(label: str, action: str, value: str = "") -> Button:
            return Button(label, FormButton(spec.form, number, action, value))

        rows = [tuple(button(o.label, o.action, o.value) for o in row) for row in question.options]
        nav = [button(env.t("wizard.cancel"), CANCEL)]
        if step.back(go.draft) is not None:
            nav.insert(0, button(env.t("wizard.back"), BACK))
        self.save(env.context, FormState(spec.form, go.step, number, draft_values(go.draft)))
        await reply(env.update, question.text, reply_markup=markup((*rows, tuple(nav))))
        return ACTIVE

    async def follow(self, env: Env, outcome: Go[Draft] | Finish) -> object:
        if isinstance(outcome, Finish):
            self.save(env.context, None)
            await reply(env.update, outcome.text, reply_markup=markup(outcome.buttons))
            return END
        return await self.ask(env, outcome)

    async def cancel(self, env: Env) -> object:
        self.save(env.context, None)
        await reply(env.update, env.t("wizard.cancelled"))
        return END

    # PTB callbacks

    def enter(self, entry: Entry[Draft]) -> Callable[[Update, ForumContext], Coro]:
        async def entered(update: Update, context: ForumContext) -> object:
            resolved = await resolve(update, context)
            if resolved is None:
                return END
            env = Env(update, context, *resolved)
            self.save(context, None)
            try:
                check_access(entry.command, env.actor, update, context.bot.username)
                outcome: Go[Draft] | Finish
                if entry.start is None:
                    outcome = Go(self.spec.draft(), next(iter(self.spec.steps)))
                else:
                    outcome = await entry.start(env)
            except ServiceError as error:
                await answer_error(
                    update, env.t, error, env.actor, as_message=True, command=entry.command
                )
                return END
            return await self.follow(env, outcome)

        return entered

    async def on_text(self, update: Update, context: ForumContext) -> object:
        resolved = await resolve(update, context)
        message = update.effective_message
        state = self.load(context)
        if resolved is None or message is None or message.text is None or state is None:
            return END
        env = Env(update, context, *resolved)
        step = self.spec.steps[state.step]
        try:
            check_access(self.spec.command, env.actor, update, context.bot.username)
            if step.on_text is None:
                if self.spec.buttons_only is not None:
                    raise InvalidInput(self.spec.buttons_only)
                return ACTIVE
            draft = draft_of(self.spec.draft, state.draft)
            return await self.follow(env, await step.on_text(env, draft, message.text))
        except ServiceError as error:
            await answer_error(update, env.t, error, env.actor, as_message=True)
            return ACTIVE

    async def on_press(self, update: Update, context: ForumContext) -> object:
        resolved = await resolve(update, context)
        query = update.callback_query
        state = self.load(context)
        if resolved is None or query is None:
            return END
        env = Env(update, context, *resolved)
        button = parse(query.data)
        if state is not None and isinstance(button, FormButton) and button.step != state.number:
            # A button of an earlier question: that step is behind us.
            await query.answer(env.t("wizard.step_done"), show_alert=True)
            return ACTIVE
        try:
            check_access(self.spec.command, env.actor, update, context.bot.username)
            if state is None or not isinstance(button, FormButton) or button.form != state.form:
                raise InvalidInput("error.button_invalid")
            result = await self.pressed(env, state, button)
        except ServiceError as error:
            await answer_error(update, env.t, error, env.actor, as_message=True)
            result = ACTIVE if state is not None else END
        await query.answer()
        return result

    async def pressed(self, env: Env, state: FormState, button: FormButton) -> object:
        step = self.spec.steps[state.step]
        draft = draft_of(self.spec.draft, state.draft)
        if button.action == CANCEL:
            return await self.cancel(env)
        back = step.back(draft)
        if button.action == BACK and back is not None:
            return await self.ask(env, Go(draft, back))
        if step.on_button is None or button.action in (BACK, CANCEL):
            raise InvalidInput("error.button_invalid")
        return await self.follow(env, await step.on_button(env, draft, button))

    async def abandon(self, update: Update, context: ForumContext) -> object:
        """/abbrechen: the form ends, nothing is stored."""
        self.save(context, None)
        resolved = await resolve(update, context)
        if resolved is not None:
            await reply(update, resolved[1]("wizard.cancelled"))
        return END


Coro = Coroutine[Any, Any, object]


def entry_callback(
    spec: FormSpec[Draft], entry: Entry[Draft]
) -> Callable[[Update, ForumContext], Coro]:
    """The callback of one of the form's entry commands, to run it again outside the
    conversation (an organisation chosen with a button, handlers/choice.py)."""
    return _Engine(spec).enter(entry)


def form_handler(spec: FormSpec[Draft]) -> ConversationHandler[ForumContext]:
    """The conversation of one guided form: its entry commands, then its answers."""
    engine = _Engine(spec)
    text = filters.TEXT & ~filters.COMMAND
    with warnings.catch_warnings():
        # Tracked per user and chat (not per message): one form at a time, and every button
        # is checked against the step the form is in.
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[
                CommandHandler(entry.command.names, engine.enter(entry), has_args=entry.has_args)
                for entry in spec.openers
            ],
            states={
                ACTIVE: [
                    MessageHandler(text, engine.on_text),
                    CallbackQueryHandler(engine.on_press, pattern=form_prefix(spec.form)),
                ]
            },
            fallbacks=[CommandHandler(CANCEL_WORDS, engine.abandon)],
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name=spec.name,
        )


# --- one message after a button: a comment, a reason --------------------------------------

FollowUp = TypeVar("FollowUp", TaskComment, RejectTopic)
_WAITING = 0


def _form_data(context: ForumContext, key: str) -> dict[str, Any]:
    assert context.user_data is not None
    data: dict[str, Any] = context.user_data.setdefault(key, {})
    return data


def follow_up_form(
    *,
    name: str,
    kind: type[FollowUp],
    prepare: Callable[[ForumContext, Actor, Translator, FollowUp], Awaitable[str]],
    save: Callable[[ForumContext, Actor, Translator, FollowUp, str], Awaitable[str]],
    retry_keys: frozenset[str] = frozenset(),
) -> ConversationHandler[ForumContext]:
    """A button of `kind` asks for one message and `save` takes it; the button follows the
    rule of the command it belongs to.

    `prepare(context, actor, t, button)` checks the press (raising a ServiceError, answered as
    an alert) and returns the question; `save(context, actor, t, button, text)` stores the
    answer and returns the confirmation. A ServiceError naming one of `retry_keys` asks again;
    any other ends the form."""

    async def on_press(update: Update, context: ForumContext) -> object:
        resolved = await resolve(update, context)
        if resolved is None or update.callback_query is None:
            return END
        actor, t = resolved
        try:
            query, button = pressed(update, kind)
            check_access(of_button(button), actor, update, context.bot.username)
            question = await prepare(context, actor, t, button)
        except ServiceError as error:
            await answer_error(update, t, error, actor)
            return END
        _form_data(context, name)["button"] = button.data
        await reply(update, question)
        await query.answer()
        return _WAITING

    async def answered(update: Update, context: ForumContext) -> object:
        resolved = await resolve(update, context)
        message = update.effective_message
        if resolved is None or message is None or message.text is None:
            return END
        actor, t = resolved
        button = parse(_form_data(context, name).get("button"))
        if not isinstance(button, kind):
            return END
        try:
            confirmation = await save(context, actor, t, button, message.text)
        except ServiceError as error:
            await answer_error(update, t, error, actor, as_message=True)
            if error.message_key in retry_keys:
                return _WAITING
            _form_data(context, name).clear()
            return END
        _form_data(context, name).clear()
        await reply(update, confirmation)
        return END

    async def abandon(update: Update, context: ForumContext) -> object:
        _form_data(context, name).clear()
        resolved = await resolve(update, context)
        if resolved is not None:
            await reply(update, resolved[1]("wizard.cancelled"))
        return END

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)
        return ConversationHandler(
            entry_points=[CallbackQueryHandler(on_press, pattern=matches(kind))],
            states={_WAITING: [MessageHandler(filters.TEXT & ~filters.COMMAND, answered)]},
            fallbacks=[CommandHandler(CANCEL_WORDS, abandon)],
            allow_reentry=True,
            conversation_timeout=TIMEOUT,
            name=name,
        )
