"""The member's own data: /mydata (JSON export) and /leave (after confirmation)."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import Leave, matches
from bot.i18n import Translator
from bot.services.actor import Actor
from handlers import commands
from handlers.common import forum_handler, pressed, reply
from handlers.context import ForumContext


@forum_handler(commands.MYDATA)
async def my_data(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    data = await context.services.membership.export_data(actor)
    payload = json.dumps(data, ensure_ascii=False, indent=2).encode()
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(payload, filename=t("mydata.filename")),
        caption=t("mydata.caption"),
    )


@forum_handler(commands.LEAVE)
async def leave(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(t("leave.confirm_button"), callback_data=Leave(True).data),
                InlineKeyboardButton(t("leave.cancel_button"), callback_data=Leave(False).data),
            ]
        ]
    )
    assert actor.organisation is not None
    await reply(
        update, t("leave.confirm", organisation=actor.organisation.name), reply_markup=markup
    )


@forum_handler(button=True, refused="leave.already_left")
async def leave_answer(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    # Who is no member (any more) is told so by the rule of /leave (`refused`).
    query, button = pressed(update, Leave)
    if not button.confirm:
        await query.edit_message_text(t("leave.cancelled"))
        await query.answer()
        return
    await context.services.membership.leave(actor)
    await query.edit_message_text(t("leave.done"))
    await query.answer()


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.MYDATA.names, my_data),
        CommandHandler(commands.LEAVE.names, leave),
        CallbackQueryHandler(leave_answer, pattern=matches(Leave)),
    ]
