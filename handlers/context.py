"""Typed context: handlers reach the services through `context.services`."""

from __future__ import annotations

from typing import Any, cast

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services.container import Services


class ForumApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application with the bot's services attached once they are built (post_init)."""

    services: Services | None = None


class ForumContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        services = cast(ForumApplication, self.application).services
        if services is None:
            raise RuntimeError("services are built in post_init; no update is handled before")
        return services
