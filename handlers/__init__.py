"""Telegram in and out. `register_all` adds every feature's handlers in a deliberate order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    broadcasts,
    choice,
    errors,
    exports,
    fallback,
    groups,
    help,
    invitations,
    language,
    meeting_wizard,
    meetings,
    members,
    privacy,
    scheduling,
    scheduling_wizard,
    start,
    task_wizard,
    tasks,
    topic_wizard,
    topics,
)


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # One handler group: the first handler that matches an update handles it.
    # 0. The guided meeting form: only matches for a coordinator inside it (and its start).
    # 1. /start with and without invitation code, /help, /language: open to everyone.
    # 2. The features, each with its commands and its buttons (callback data prefixes differ).
    # 3. Last: any other command in a private chat gets a pointer to /help.
    for feature in (
        meeting_wizard,  # first: while a guided form is open, its text answers go to it
        task_wizard,
        topic_wizard,  # the guided proposal and the reason after Ablehnen
        scheduling_wizard,  # /terminfindung without arguments
        start,
        help,
        language,
        invitations,
        members,
        groups,
        meetings,
        tasks,
        topics,
        scheduling,
        privacy,
        broadcasts,
        exports,
        choice,  # the organisation meant: runs the command again
        fallback,
    ):
        app.add_handlers(feature.handlers())
    app.add_error_handler(errors.on_error)
