"""How services ask for messages to go out: rows in the outbox, then a nudge to the sender.

A service adds `OutboxMessage` rows in the same transaction as the change they report, so the
change and its notifications are stored together or not at all; after the commit it calls
`Notifier.outbox_changed()`. The Telegram side (the outbox sender) implements the protocol.
"""

from __future__ import annotations

from typing import Protocol


class Notifier(Protocol):
    def outbox_changed(self) -> None:
        """New rows were committed; deliver what is due."""
        ...


class NoNotifier:
    """For tools without a sender (the `forumbot invite` command): rows wait for the bot."""

    def outbox_changed(self) -> None:
        return None
