"""Coordinator: /export — a table of the forum as an Excel file, chosen by word or from a menu."""

from __future__ import annotations

import asyncio

from telegram import InputFile, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import ExportButton, matches
from bot.exports import xlsx
from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.exports import ExportKind, ExportRequest, parse_request
from bot.texts import exports as render
from handlers import commands
from handlers.common import command_text, forum_handler, markup, pressed, reply
from handlers.context import ForumContext


@forum_handler(commands.EXPORT)
async def export(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    text = command_text(update)
    if not text:
        recent = await context.services.exports.recent_votes(actor)
        await reply(update, t("export.menu"), reply_markup=markup(render.menu_buttons(t, recent)))
        return
    request = parse_request(text)
    if request is None:
        raise InvalidInput("export.usage")
    await _send(update, context, actor, t, request)


@forum_handler(button=True)
async def export_button(update: Update, context: ForumContext, actor: Actor, t: Translator) -> None:
    query, button = pressed(update, ExportButton)
    request = ExportRequest(ExportKind(button.table.value), button.topic_id)
    await _send(update, context, actor, t, request)
    await query.answer()


async def _send(
    update: Update, context: ForumContext, actor: Actor, t: Translator, request: ExportRequest
) -> None:
    services = context.services
    sheet = await services.exports.export(actor, request, t.language)
    # Building the workbook takes a moment for a large forum: not on the event loop.
    payload = await asyncio.to_thread(xlsx.render, sheet)
    chat = update.effective_chat
    assert chat is not None
    await chat.send_document(
        InputFile(payload, filename=f"{sheet.filename}.xlsx"),
        caption=render.caption(t, sheet, services.clock.now(), services.settings.tz),
    )


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return [
        CommandHandler(commands.EXPORT.names, export),
        CallbackQueryHandler(export_button, pattern=matches(ExportButton)),
    ]
