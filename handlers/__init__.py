"""Telegram in and out. `register_all` adds every feature's handlers in a deliberate order."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    broadcasts,
    choice,
    confirmations,
    decisions,
    errors,
    exports,
    fallback,
    form_engine,
    groups,
    help,
    invitations,
    language,
    meeting_day,
    meeting_wizard,
    meetings,
    members,
    oparl,
    organisations,
    privacy,
    questions,
    representation,
    scheduling,
    scheduling_wizard,
    series,
    start,
    task_wizard,
    tasks,
    topic_wizard,
    topics,
)


def register_all(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # Group -1: what belongs to an open guided form (its answers, its buttons, a command that
    # leaves it) goes to the form (`handlers.form_engine`); everything else on to group 0.
    app.add_handlers(form_engine.router(), group=-1)
    # Group 0: the first handler that matches an update handles it.
    # 0. The guided forms' openers.
    # 1. /start with and without invitation code, /help, /language: open to everyone.
    # 2. The features, each with its commands and its buttons (callback data prefixes differ).
    # 3. Last: any other command in a private chat gets a pointer to /help.
    for feature in (
        meeting_wizard,  # the commands that open a guided form (without arguments)
        task_wizard,
        topic_wizard,  # the guided proposal and the reason after Ablehnen
        scheduling_wizard,  # /terminfindung without arguments
        confirmations,  # /terminabsagen, /aufgabestreichen: asked first; Rückgängig
        series,  # /terminverschieben (a series' meeting: this one or all following?)
        start,
        help,
        form_engine,  # /abbrechen with nothing open
        language,
        invitations,
        members,
        representation,
        organisations,  # /mitglied, /zusammenlegen, /kommuneloeschen
        groups,
        meetings,
        meeting_day,  # the meeting day (issue 17): check-in, /anwesenheit, /notiz, …
        tasks,
        topics,
        scheduling,
        decisions,
        privacy,
        oparl,
        broadcasts,
        exports,
        choice,  # the organisation meant: runs the command again
        questions,  # plain text in the private chat: a line to the coordination
        fallback,
    ):
        app.add_handlers(feature.handlers())
    app.add_error_handler(errors.on_error)
