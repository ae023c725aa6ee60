"""Typed context: handlers reach the services through `context.services`."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator
from bot.services.actor import Actor
from bot.services.container import Services


class ForumApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application with the bot's services attached once they are built (post_init)."""

    services: Services | None = None


class ForumContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    # PTB makes one context per update, for all the handler groups it passes: who is asking
    # is read once per update (handlers.common.resolve), also when the forms' router and a
    # feature both ask.
    resolved: tuple[Actor, Translator] | None = None

    @property
    def services(self) -> Services:
        services = cast(ForumApplication, self.application).services
        if services is None:
            raise RuntimeError("services are built in post_init; no update is handled before")
        return services
