"""The engine of the guided forms (`handlers/forms.py` describes them), with their state in the
database: a restart, or another bot process, continues a form where it was.

A person has at most one open form per chat. The router (handler group -1, before every
feature) looks at each message and form button of someone with an open form:

- a text answers the form's current step; a form button is taken by its step;
- `/abbrechen` (`/cancel`) ends the form ("nothing was stored");
- any other command ends the form with a one-line notice, then runs as usual;
- a form nobody answered for `FORM_TIMEOUT_MINUTES` has ended: the next message says so once.

Everything else (no open form) goes on to the features. Each answer's new state is stored in
the transaction that marks the update done (`bot.services.forms.FormStore`); a last step whose
use case commits (the meeting created) ends the form in that same transaction.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.callbacks import (
    AnswerQuestion,
    CouncilDate,
    CouncilDefer,
    Form,
    FormButton,
    RejectTopic,
    TaskComment,
    matches,
    parse,
)
from bot.forms import Draft, FormState, draft_of, draft_values
from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, ServiceError
from bot.services.forms import Loaded
from bot.texts.buttons import Button
from handlers import commands
from handlers.commands import of_button
from handlers.common import (
    answer_error,
    check_access,
    forum_handler,
    markup,
    pressed,
    profile_of,
    remember,
    reply,
    resolve,
)
from handlers.context import ForumContext
from handlers.forms import BACK, CANCEL, Env, Finish, FormSpec, Go, Question, Step

log = logging.getLogger(__name__)

CANCEL_WORDS = commands.CANCEL.names
_SPECS: dict[Form, FormSpec[Any]] = {}
Key = tuple[int, int]
Coro = Coroutine[Any, Any, None]


def _key(update: Update) -> Key | None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or user.is_bot:
        return None
    return chat.id, user.id


def _first_number() -> int:
    """A new form's first step number: random, so that the buttons of an earlier form of the
    same person (whose numbers are not kept) are not taken for this one's."""
    return secrets.randbelow(10**8) + 1


def form_name(t: Translator, form: Form) -> str:
    spec = _SPECS.get(form)
    return t(spec.name) if spec is not None else form.value


class _Engine:
    """Asking the steps of one form and taking their answers."""

    def __init__(self, spec: FormSpec[Any]) -> None:
        self.spec = spec

    async def ask(self, env: Env, key: Key, go: Go[Any], number: int) -> None:
        """Ask step `go.step` as question `number`; stored before it is shown."""
        spec = self.spec
        step: Step[Any] = spec.steps[go.step]
        if go.error is not None:
            await answer_error(env.update, env.t, go.error, env.actor, as_message=True)
        question = await step.ask(env, go.draft)
        state = FormState(spec.form, go.step, number, draft_values(go.draft))
        await env.services.forms.save(*key, state)
        buttons = self._buttons(env, step, go.draft, question, number)
        await reply(env.update, question.text, reply_markup=buttons)

    def _buttons(
        self, env: Env, step: Step[Any], draft: Any, question: Question, number: int
    ) -> InlineKeyboardMarkup | None:
        """The question's choices, then Zurück (where there is a step before) and Abbrechen."""

        def button(label: str, action: str, value: str = "") -> Button:
            return Button(label, FormButton(self.spec.form, number, action, value))

        rows = [tuple(button(o.label, o.action, o.value) for o in row) for row in question.options]
        nav = [button(env.t("wizard.cancel"), CANCEL)]
        if step.back(draft) is not None:
            nav.insert(0, button(env.t("wizard.back"), BACK))
        return markup((*rows, tuple(nav)))

    async def _again(self, env: Env, state: FormState) -> InlineKeyboardMarkup | None:
        """The buttons of the question just answered wrongly, under the refusal: no need to
        scroll up to choose, go back or cancel (the question's own buttons stay valid)."""
        step = self.spec.steps[state.step]
        draft = draft_of(self.spec.draft, state.draft)
        try:
            question = await step.ask(env, draft)
        except ServiceError:
            return None
        return self._buttons(env, step, draft, question, state.number)

    async def follow(self, env: Env, key: Key, outcome: Go[Any] | Finish, number: int) -> None:
        if isinstance(outcome, Finish):
            await env.services.forms.save(*key, None)
            await reply(env.update, outcome.text, reply_markup=markup(outcome.buttons))
        else:
            await self.ask(env, key, outcome, number + 1)

    async def on_text(self, env: Env, key: Key, state: FormState, text: str) -> None:
        step = self.spec.steps[state.step]
        try:
            check_access(self.spec.command, env.actor, env.update, env.context.bot.username)
            if step.on_text is None:
                raise InvalidInput(self.spec.buttons_only)
            draft = draft_of(self.spec.draft, state.draft)
            env.services.forms.ending(*key)  # if the step's use case commits, the form ends
            outcome = await step.on_text(env, draft, text)
            await self.follow(env, key, outcome, state.number)
        except ServiceError as error:
            env.services.forms.not_ending()
            again = await self._again(env, state) if isinstance(error, InvalidInput) else None
            await answer_error(
                env.update, env.t, error, env.actor, as_message=True, reply_markup=again
            )

    async def on_press(self, env: Env, key: Key, state: FormState, data: object) -> None:
        query = env.update.callback_query
        assert query is not None
        button = parse(data)
        stale = isinstance(button, FormButton) and button.form is state.form
        if stale and isinstance(button, FormButton) and button.step != state.number:
            # A button of an earlier question: that step is behind us.
            await query.answer(env.t("wizard.step_done"), show_alert=True)
            return
        try:
            check_access(self.spec.command, env.actor, env.update, env.context.bot.username)
            if not isinstance(button, FormButton) or button.form is not state.form:
                raise InvalidInput("error.button_invalid")
            await self.pressed(env, key, state, button)
        except ServiceError as error:
            env.services.forms.not_ending()
            await answer_error(env.update, env.t, error, env.actor, as_message=True)
        await query.answer()

    async def pressed(self, env: Env, key: Key, state: FormState, button: FormButton) -> None:
        step = self.spec.steps[state.step]
        draft = draft_of(self.spec.draft, state.draft)
        if button.action == CANCEL:
            await env.services.forms.save(*key, None)
            await reply(env.update, env.t(self.spec.cancelled))
            return
        back = step.back(draft)
        if button.action == BACK and back is not None:
            await self.ask(env, key, Go(draft, back), state.number + 1)
            return
        if step.on_button is None or button.action in (BACK, CANCEL):
            raise InvalidInput("error.button_invalid")
        env.services.forms.ending(*key)
        outcome = await step.on_button(env, draft, button)
        await self.follow(env, key, outcome, state.number)


def _engine(form: Form) -> _Engine | None:
    spec = _SPECS.get(form)
    return _Engine(spec) if spec is not None else None


async def open_form(env: Env, spec: FormSpec[Draft], go: Go[Draft]) -> None:
    """Start `spec` at `go` for the person in this chat (an open form of theirs was ended by
    the router when their command came)."""
    key = _key(env.update)
    if key is not None:
        await _Engine(spec).ask(env, key, go, _first_number())


# --- the router: group -1 -------------------------------------------------------------------


async def _look(
    update: Update, context: ForumContext, key: Key
) -> tuple[tuple[Actor, Translator], Loaded]:
    """Who writes and their open form in this chat, in one query; the feature that handles
    the update if the form does not takes the same actor (`resolve`)."""
    user = update.effective_user
    assert user is not None  # `key` has one
    actor, stored = await context.services.membership.identify_in_chat(profile_of(user), key[0])
    return remember(context, actor), await context.services.forms.loaded(*key, stored)


async def _routed(
    update: Update, context: ForumContext, work: Callable[[], Awaitable[bool]]
) -> None:
    """Run `work`; True: the update is the form's (no feature sees it). An unexpected error is
    reported like in any handler, and the update is not handed on either."""
    try:
        taken = await work()
    except Exception as error:
        await context.application.process_error(update, error)
        raise ApplicationHandlerStop from error
    if taken:
        raise ApplicationHandlerStop


async def _expired_notice(update: Update, context: ForumContext, form: Form) -> None:
    resolved = await resolve(update, context)
    if resolved is None:
        return
    _, t = resolved
    minutes = context.services.forms.timeout.total_seconds() // 60
    text = t("form.expired", form=form_name(t, form), minutes=int(minutes))
    query = update.callback_query
    if query is not None:
        await query.answer(text[:200], show_alert=True)
    else:
        await reply(update, text)


async def _on_text(update: Update, context: ForumContext) -> None:
    async def work() -> bool:
        key, message = _key(update), update.effective_message
        if key is None or message is None or message.text is None:
            return False
        resolved, loaded = await _look(update, context, key)
        if loaded.expired is not None:
            await _expired_notice(update, context, loaded.expired.form)
            return True  # the answer to a form that ended: not meant for anything else
        state = loaded.state
        engine = _engine(state.form) if state is not None else None
        if state is None or engine is None:
            return False
        await engine.on_text(Env(update, context, *resolved), key, state, message.text)
        return True

    await _routed(update, context, work)


async def _on_press(update: Update, context: ForumContext) -> None:
    async def work() -> bool:
        key, query = _key(update), update.callback_query
        if key is None or query is None:
            return False
        resolved, loaded = await _look(update, context, key)
        if loaded.expired is not None:
            await _expired_notice(update, context, loaded.expired.form)
            return True
        state = loaded.state
        engine = _engine(state.form) if state is not None else None
        if state is None or engine is None:
            return False  # an ended form's button: the fallback calls it invalid
        await engine.on_press(Env(update, context, *resolved), key, state, query.data)
        return True

    await _routed(update, context, work)


def _is_cancel(update: Update, bot_username: str) -> bool:
    message = update.effective_message
    word = (message.text or "").split(maxsplit=1)[0] if message and message.text else ""
    name, _, addressed = word.lstrip("/").partition("@")
    return name.lower() in CANCEL_WORDS and addressed.lower() in ("", bot_username.lower())


async def _on_command(update: Update, context: ForumContext) -> None:
    async def work() -> bool:
        key = _key(update)
        if key is None:
            return False
        cancel = _is_cancel(update, context.bot.username)
        forms = context.services.forms
        resolved, loaded = await _look(update, context, key)
        if loaded.expired is not None:
            await _expired_notice(update, context, loaded.expired.form)
            return cancel  # the notice says it all; any other command runs
        if loaded.state is None:
            return False
        t = resolved[1]
        if cancel:
            await forms.save(*key, None)
            spec = _SPECS.get(loaded.state.form)
            await reply(update, t(spec.cancelled if spec is not None else "wizard.cancelled"))
            return True
        # Another command: the form ends, the command runs.
        await forms.save(*key, None, completes_update=False)
        spec = _SPECS.get(loaded.state.form)
        left = spec.left if spec is not None else "form.left"
        await reply(update, t(left, form=form_name(t, loaded.state.form)))
        return False

    await _routed(update, context, work)


def _is_form_button(data: object) -> bool:
    parsed = parse(data)
    if isinstance(parsed, FormButton):
        return True
    prefixes = tuple(f"{form.value}:" for form in Form)
    return isinstance(data, str) and data.startswith(prefixes)


def router() -> list[BaseHandler[Update, ForumContext, None]]:
    """Handler group -1: what belongs to an open form goes to it."""
    return [
        MessageHandler(filters.COMMAND, _on_command),
        MessageHandler(filters.TEXT, _on_text),
        CallbackQueryHandler(_on_press, pattern=_is_form_button),
    ]


@forum_handler(commands.CANCEL)
async def _nothing_open(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    await reply(update, t("form.nothing_open"))


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    """`/abbrechen` without an open form."""
    return [CommandHandler(CANCEL_WORDS, _nothing_open)]


# --- registering a form ---------------------------------------------------------------------


def entry_callback(spec: FormSpec[Draft], entry: Any) -> Callable[[Update, ForumContext], Coro]:
    """What one of the commands that open `spec` does; also to run it again with an
    organisation chosen under "Meinten Sie …?" (handlers/choice.py)."""
    _SPECS[spec.form] = spec

    async def entered(update: Update, context: ForumContext) -> None:
        resolved = await resolve(update, context)
        if resolved is None:
            return
        env = Env(update, context, *resolved)
        try:
            check_access(entry.command, env.actor, update, context.bot.username)
            if entry.start is None:
                go = Go(spec.draft(), next(iter(spec.steps)))
            else:
                go = await entry.start(env)
        except ServiceError as error:
            # An organisation to choose: the question with a button each (handlers/choice.py).
            await answer_error(
                update, env.t, error, env.actor, as_message=True, command=entry.command
            )
            return
        if isinstance(go, Finish):  # given in one line, nothing to ask (Entry's docstring)
            await reply(update, go.text, reply_markup=markup(go.buttons))
            return
        await open_form(env, spec, go)

    return entered


def form_handlers(spec: FormSpec[Draft]) -> list[BaseHandler[Update, ForumContext, None]]:
    """The commands that open `spec` (its answers reach it through the router)."""
    return [
        CommandHandler(entry.command.names, entry_callback(spec, entry), has_args=entry.has_args)
        for entry in spec.openers
    ]


# --- one message after a button: a comment, a reason ---------------------------------------

FollowUp = TypeVar("FollowUp", TaskComment, RejectTopic, AnswerQuestion, CouncilDate, CouncilDefer)


@dataclass(frozen=True)
class FollowUpDraft:
    button: str = ""  # the pressed button's data


def follow_up_form(
    *,
    form: Form,
    name: str,
    kind: type[FollowUp],
    prepare: Callable[[ForumContext, Actor, Translator, FollowUp], Awaitable[str]],
    save: Callable[[ForumContext, Actor, Translator, FollowUp, str], Awaitable[str | Finish]],
    retry_keys: frozenset[str] = frozenset(),
) -> list[BaseHandler[Update, ForumContext, None]]:
    """A button of `kind` asks for one message and `save` takes it; the button follows the
    rule of the command it belongs to.

    `prepare(context, actor, t, button)` checks the press (raising a ServiceError, answered as
    an alert) and returns the question; `save(context, actor, t, button, text)` stores the
    answer and returns the confirmation (as a Finish: with its buttons). A ServiceError naming
    one of `retry_keys` asks again; any other ends the form."""

    def button_of(draft: FollowUpDraft) -> FollowUp:
        button = parse(draft.button)
        if not isinstance(button, kind):
            raise InvalidInput("error.button_invalid")
        return button

    async def ask(env: Env, draft: FollowUpDraft) -> Question:
        return Question(await prepare(env.context, env.actor, env.t, button_of(draft)))

    async def answered(env: Env, draft: FollowUpDraft, text: str) -> Go[FollowUpDraft] | Finish:
        try:
            done = await save(env.context, env.actor, env.t, button_of(draft), text)
            return done if isinstance(done, Finish) else Finish(done)
        except ServiceError as error:
            if error.message_key in retry_keys:
                raise
            return Finish(env.t(error.message_key, **dict(error.params)))

    spec = FormSpec(
        form=form,
        name=name,
        command=of_button(form_placeholder(kind)),
        draft=FollowUpDraft,
        steps={"text": Step(ask, on_text=answered)},
    )
    _SPECS[form] = spec

    @forum_handler(button=True)
    async def on_press(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
        # Refused (`prepare` raises): an alert, and no form.
        query, button = pressed(update, kind)
        key = _key(update)
        if key is not None:
            go = Go(FollowUpDraft(button.data), "text")
            await _Engine(spec).ask(Env(update, context, actor, t), key, go, _first_number())
        await query.answer()

    return [CallbackQueryHandler(on_press, pattern=matches(kind))]


def form_placeholder(kind: type[FollowUp]) -> FollowUp:
    """A button of `kind` (any id), to look up the command it belongs to."""
    return kind(1)
