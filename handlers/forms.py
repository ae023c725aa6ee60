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

The engine is `handlers/form_engine.py`; the state is kept in the database (`form_state`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic

from telegram import Update

from bot.callbacks import Form, FormButton
from bot.forms import Draft
from bot.i18n import Translator
from bot.parsing import parse_positive_int
from bot.services.actor import Actor
from bot.services.container import Services
from bot.services.errors import InvalidInput, ServiceError
from bot.texts.buttons import Keyboard
from handlers.commands import Command
from handlers.context import ForumContext

BACK, CANCEL = "back", "cancel"  # the engine's own actions; no step may use them


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
    form: Form  # the prefix of the form's buttons, and the form's name in its state
    name: str  # catalog key of its name, told when it ends unfinished ("form.name.<this>")
    command: Command  # its role and private flag hold for every answer
    draft: type[Draft]
    steps: Mapping[str, Step[Draft]]  # the first is where a new form starts
    # The commands that open it (none given: `command` without arguments).
    entries: tuple[Entry[Draft], ...] = ()
    # Said when text comes on a step that takes buttons only (with the step's buttons under it).
    buttons_only: str = "form.use_buttons"
    # Said when it is cancelled (a form that has stored something on the way says what stays).
    cancelled: str = "wizard.cancelled"
    # Said when another command ends it ({form}: its name); as `cancelled`, says what stays.
    left: str = "form.left"

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
