"""What every handler shares: who is asking, in which language, and how to answer."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
    User,
)
from telegram.constants import ChatType, MessageLimit

from bot import callbacks
from bot.i18n import Translator, plain_text, translator
from bot.parsing import parse_positive_int
from bot.services.actor import Actor, Profile
from bot.services.errors import InvalidInput, NotAllowed, NotAMember, ServiceError
from bot.services.organisations import OrganisationChoice
from bot.texts import organisations as organisation_texts
from bot.texts.buttons import Keyboard
from handlers.commands import Command, Role, of_button
from handlers.context import ForumContext

log = logging.getLogger(__name__)

K = TypeVar("K", bound=callbacks.Callback)
Handler = Callable[[Update, ForumContext, Actor, Translator], Awaitable[None]]
PtbCallback = Callable[[Update, ForumContext], Coroutine[Any, Any, None]]


def profile_of(user: User) -> Profile:
    return Profile(
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> Iterator[str]:
    """Cut a long text at line ends into pieces Telegram accepts."""
    chunk = ""
    for line in text.split("\n"):
        candidate = f"{chunk}\n{line}" if chunk else line
        if len(candidate) > limit and chunk:
            yield chunk
            candidate = line
        while len(candidate) > limit:
            yield candidate[:limit]
            candidate = candidate[limit:]
        chunk = candidate
    if chunk:
        yield chunk


def command_text(update: Update) -> str:
    """What follows the command word (`/invite Gemeinde Zöllnitz | 16074093` → the rest)."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    return text.partition(" ")[2].strip()


def required_number(args: list[str] | None, usage_key: str) -> int:
    """The `#id` or number at the start of the arguments; else the command's usage text."""
    number = parse_positive_int(args[0]) if args else None
    if number is None:
        raise InvalidInput(usage_key)
    return number


def pressed(update: Update, kind: type[K]) -> tuple[CallbackQuery, K]:
    """The pressed button, read as `kind`; anything else is refused as an invalid button."""
    query = update.callback_query
    assert query is not None
    parsed = callbacks.parse(query.data)
    if not isinstance(parsed, kind):
        raise InvalidInput("error.button_invalid")
    return query, parsed


def markup(buttons: Keyboard | None) -> InlineKeyboardMarkup | None:
    """Telegram's inline keyboard for rows of `Button`s (None for none)."""
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data) for b in row] for row in buttons]
    )


def check_access(command: Command, actor: Actor, update: Update, bot_username: str) -> None:
    """The rule of `command` in the command table: the private chat where it says so, then
    its role. A refusal is a ServiceError (answered like any other)."""
    if command.private_only:
        _check_private(update, bot_username)
    if command.role is Role.COORDINATOR:
        actor.require_coordinator()
    elif command.role is Role.MEMBER and not (command.coordinators_too and actor.is_coordinator):
        actor.require_member()


def in_group(update: Update) -> bool:
    """Whether the update comes from a group chat: there a command shows only what is the
    same for everyone in it (never a member's own answers, tasks or buttons)."""
    chat = update.effective_chat
    return chat is not None and chat.type != ChatType.PRIVATE


def _check_private(update: Update, bot_username: str) -> None:
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        raise InvalidInput("error.private_only", bot=bot_username)


async def reply(update: Update, text: str, **kwargs: Any) -> Message | None:
    """Answer in the chat the update came from; long texts are sent in several messages."""
    chat = update.effective_chat
    if chat is None:
        return None
    sent: Message | None = None
    for piece in split_text(text):
        sent = await chat.send_message(piece, **kwargs)
    return sent


async def answer_error(
    update: Update,
    t: Translator,
    error: ServiceError,
    actor: Actor,
    *,
    as_message: bool = False,
    command: Command | None = None,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """The error's text as an alert under a pressed button, else (or `as_message`) in chat
    (with `reply_markup`: a form's buttons of the question answered wrongly).
    An organisation to choose, for a typed `command`: the question with a button for each,
    in reply to the command (a press runs it again with the choice, see handlers/choice.py)."""
    message = update.message
    if (
        isinstance(error, OrganisationChoice)
        and command is not None
        and command.en in callbacks.ORG_COMMANDS
        and message is not None
        and message.text
    ):
        text, buttons = organisation_texts.choice(t, error, command.en)
        await message.chat.send_message(
            text,
            reply_markup=markup(buttons),
            reply_parameters=ReplyParameters(message.message_id),
        )
        return
    key = error.message_key
    params = dict(error.params)
    if isinstance(error, NotAMember) and actor.is_coordinator:
        key = "error.coordinator_not_member"
    text = t(key, **params)
    query = update.callback_query
    if query is not None and not as_message:
        await query.answer(plain_text(text)[:200], show_alert=True)
    else:
        await reply(update, text, reply_markup=reply_markup)


# Convention for buttons: a callback handler answers the query (answerCallbackQuery) as the last
# thing it does, after editing the message, so that the answer marks the press as fully handled.


async def resolve(update: Update, context: ForumContext) -> tuple[Actor, Translator] | None:
    """The actor and their language; None for updates without a (human) user."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    resolved = context.resolved
    if resolved is None:
        resolved = remember(context, await context.services.membership.identify(profile_of(user)))
    return resolved


def remember(context: ForumContext, actor: Actor) -> tuple[Actor, Translator]:
    """`actor` is who asks in this update (`resolve` reads them no more)."""
    context.resolved = actor, translator(actor.language)
    return context.resolved


def forum_handler(
    command: Command | None = None,
    *,
    button: bool = False,
    refused: str | None = None,
    private_only: bool = False,
) -> Callable[[Handler], PtbCallback]:
    """Resolve the actor and language, enforce the rule of `command` in the command table (or,
    with `button`, of the command the pressed button belongs to), then run the handler;
    service errors become answers. `refused`: what a person the rule refuses is told instead
    of the role's refusal. (`private_only` alone, without a command: the private chat only.)"""

    def decorate(func: Handler) -> PtbCallback:
        @functools.wraps(func)
        async def wrapper(update: Update, context: ForumContext) -> None:
            resolved = await resolve(update, context)
            if resolved is None:
                return
            actor, t = resolved
            try:
                rule = command
                if button and update.callback_query is not None:
                    data = callbacks.parse(update.callback_query.data)
                    if data is None:
                        raise InvalidInput("error.button_invalid")
                    rule = of_button(data)
                if rule is not None:
                    _check(rule, actor, update, context.bot.username, refused)
                elif private_only:
                    _check_private(update, context.bot.username)
                await func(update, context, actor, t)
            except ServiceError as error:
                await answer_error(update, t, error, actor, command=command)

        return wrapper

    return decorate


def _check(
    rule: Command, actor: Actor, update: Update, bot_username: str, refused: str | None
) -> None:
    try:
        check_access(rule, actor, update, bot_username)
    except (NotAllowed, NotAMember) as error:
        if refused is None:
            raise
        raise InvalidInput(refused) from error
