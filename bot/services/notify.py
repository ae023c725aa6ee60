"""How services ask for messages to go out: rows in the outbox, then a nudge to the sender.

A service adds `OutboxMessage` rows in the same transaction as the change they report, so the
change and its notifications are stored together or not at all; after the commit it calls
`Notifier.outbox_changed()`. A service that sets a time at which something must happen (a
vote's deadline) says so with `vote_deadline(when)`. The bot's scheduler (`bot.jobs.Wakeups`)
implements the protocol: it wakes the outbox sender and arms the JobQueue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Notifier(Protocol):
    def outbox_changed(self) -> None:
        """New rows were committed; deliver what is due."""
        ...

    def vote_deadline(self, when: datetime) -> None:
        """A vote must be closed at `when` (the scheduler keeps the earliest one armed)."""
        ...


class NoNotifier:
    """For tools without a sender (the `forumbot invite` command): rows wait for the bot, and
    deadlines are found by its scheduler when it starts."""

    def outbox_changed(self) -> None:
        return None

    def vote_deadline(self, when: datetime) -> None:
        return None
