"""One outbox row to Telegram: a message, a document, a copy of the coordinator's message, or
an edit of a message sent earlier; with its buttons. Returns Telegram's message id."""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, MessageId
from telegram.error import BadRequest
from telegram.ext import ExtBot

from bot.delivery.ratelimit import LimitArgs
from storage.models import OutboxMessage


async def send_row(
    bot: ExtBot,  # type: ignore[type-arg]
    row: OutboxMessage,
    send_timeout: timedelta,
    limits: LimitArgs,
) -> int:
    """Send `row` through the rate limiter (`limits`); Telegram's answer is awaited for
    `send_timeout`: it may take longer than PTB's default 5 s when Telegram is busy, and the
    message has usually arrived by then, so a retry would send it twice."""
    markup = _markup(row.buttons)
    timeout = send_timeout.total_seconds()
    sent: Message | MessageId
    if row.edit_message_id is not None:
        # A message sent earlier changes (a ballot that closed): same chat, same message.
        try:
            await bot.edit_message_text(
                row.text or "",
                chat_id=row.chat_id,
                message_id=row.edit_message_id,
                reply_markup=markup,
                read_timeout=timeout,
                rate_limit_args=limits,
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        return row.edit_message_id
    if row.copy_message_id is not None and row.copy_from_chat_id is not None:
        # A text given with a copy replaces the original caption (e.g. minutes).
        sent = await bot.copy_message(
            row.chat_id,
            row.copy_from_chat_id,
            row.copy_message_id,
            caption=row.text,
            reply_markup=markup,
            read_timeout=timeout,
            rate_limit_args=limits,
        )
    elif row.document is not None:
        sent = await bot.send_document(
            row.chat_id,
            InputFile(row.document, filename=row.document_name or "document"),
            caption=row.text,
            reply_markup=markup,
            read_timeout=timeout,
            rate_limit_args=limits,
        )
    else:
        sent = await bot.send_message(
            row.chat_id,
            row.text or "",
            reply_markup=markup,
            read_timeout=timeout,
            rate_limit_args=limits,
        )
    return sent.message_id


def _markup(buttons: list[list[dict[str, str]]] | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[_button(spec) for spec in row] for row in buttons])


def _button(spec: dict[str, str]) -> InlineKeyboardButton:
    if "url" in spec:
        return InlineKeyboardButton(spec["text"], url=spec["url"])
    return InlineKeyboardButton(spec["text"], callback_data=spec["callback_data"])
