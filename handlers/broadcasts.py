"""Coordinator broadcasts: /broadcast with preview and Senden/Abbrechen, progress, /broadcasts."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, ExtBot

from bot.callbacks import BroadcastAnswer, matches
from bot.i18n import Html, Translator, translator
from bot.services.actor import Actor
from bot.services.broadcasts import Progress, target_label
from bot.services.container import Services
from bot.services.errors import InvalidInput
from handlers import commands
from handlers.common import forum_handler, pressed, reply
from handlers.context import ForumContext

log = logging.getLogger(__name__)


@forum_handler(commands.BROADCAST)
async def broadcast(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    rest = message.text.partition(" ")[2].strip()
    token: str | None = None
    if rest.startswith("@"):
        first, _, rest = rest.partition(" ")
        token = first[1:]
        rest = rest.strip()
    copy_of: tuple[int, int] | None = None
    original = message.reply_to_message
    if original is not None:
        if original.from_user is None or original.from_user.id != actor.telegram_id:
            raise InvalidInput("broadcast.reply_own_only")
        if rest:
            raise InvalidInput("broadcast.reply_no_text")
        copy_of = (original.chat.id, original.message_id)
    draft, target = await context.services.broadcasts.prepare(
        actor, text=rest, copy_of=copy_of, target_token=token, chat_id=message.chat.id
    )
    assert draft.id is not None
    key = "broadcast.preview_copy" if copy_of else "broadcast.preview"
    text = t(
        key,
        id=draft.id,
        recipients=draft.recipients,
        target=target_label(target),
        text=draft.text or "",
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("broadcast.send_button"),
                    callback_data=BroadcastAnswer(draft.id, send=True).data,
                ),
                InlineKeyboardButton(
                    t("broadcast.cancel_button"),
                    callback_data=BroadcastAnswer(draft.id, send=False).data,
                ),
            ]
        ]
    )
    await reply(update, text, reply_markup=markup)


@forum_handler(button=True)
async def broadcast_answer(
    update: Update, context: ForumContext, actor: Actor, t: Translator
) -> None:
    query, button = pressed(update, BroadcastAnswer)
    if query.message is None:
        raise InvalidInput("error.button_invalid")
    broadcast_id, send = button.broadcast_id, button.send
    service = context.services.broadcasts
    if not send:
        if await service.cancel(actor, broadcast_id):
            await query.edit_message_text(t("broadcast.cancelled", id=broadcast_id))
            await query.answer()
        else:
            await query.answer(t("broadcast.not_draft"), show_alert=True)
        return
    count = await service.start(actor, broadcast_id, progress_message_id=query.message.message_id)
    if count is None:
        await query.answer(t("broadcast.not_draft"), show_alert=True)
        return
    await _edit_quietly(
        query.edit_message_text(t("broadcast.progress", id=broadcast_id, done=0, total=count))
    )
    await query.answer(t("broadcast.started"))


@forum_handler(commands.BROADCASTS)
async def broadcasts(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    items = await context.services.broadcasts.recent(actor)
    if not items:
        await reply(update, t("broadcast.none"))
        return
    zone = context.services.settings.tz
    lines = []
    for item in items:
        b = item.broadcast
        lines.append(
            t(
                "broadcast.list_line",
                id=b.id,
                when=t.datetime(b.started_at or b.created_at, zone),
                target=(b.target_label and f"@{b.target_label}") or t("broadcast.target_all"),
                delivered=item.delivered,
                total=item.total,
                failed=item.total - item.delivered - item.counts_pending,
            )
        )
    await reply(update, t("broadcast.list", lines=Html("\n".join(lines))))


async def _edit_quietly(edit: Awaitable[Any]) -> None:
    """Progress edits are cosmetic: 'not modified' and similar refusals are only logged."""
    try:
        await edit
    except BadRequest as error:
        if "not modified" not in error.message:
            log.warning("progress message not updated: %s", error.message)


class ProgressReporter:
    """Keeps each running broadcast's progress message current (edited at most every few
    seconds) and, once the last row is finished, has the report stored for delivery."""

    def __init__(
        self,
        bot: ExtBot[Any],
        services: Services,
        *,
        interval: float,
        time: Callable[[], float],
    ) -> None:
        self._bot = bot
        self._services = services
        self._interval = interval
        self._time = time
        self._last_edit: dict[int, float] = {}

    async def __call__(self, broadcast_ids: set[int]) -> None:
        if not broadcast_ids:
            return
        for item in await self._services.broadcasts.progress(sorted(broadcast_ids)):
            await self._update(item)

    async def _update(self, item: Progress) -> None:
        b = item.broadcast
        assert b.id is not None
        done = item.complete and await self._services.broadcasts.complete_if_done(b.id)
        now = self._time()
        if not done and now - self._last_edit.get(b.id, float("-inf")) < self._interval:
            return
        self._last_edit[b.id] = now
        if done:
            self._last_edit.pop(b.id, None)
        if b.progress_message_id is None:
            return
        t = translator(b.language)
        key = "broadcast.progress_done" if done else "broadcast.progress"
        try:
            await _edit_quietly(
                self._bot.edit_message_text(
                    t(key, id=b.id, done=item.delivered, total=item.total),
                    chat_id=b.chat_id,
                    message_id=b.progress_message_id,
                )
            )
        except TelegramError as error:
            log.warning("progress of broadcast %s not shown: %s", b.id, error)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.BROADCAST.names, broadcast),
        CommandHandler(commands.BROADCASTS.names, broadcasts),
        CallbackQueryHandler(broadcast_answer, pattern=matches(BroadcastAnswer)),
    ]
