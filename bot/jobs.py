"""The bot's scheduled work (JobQueue): waking the outbox sender, closing votes at their
deadline, ending guided forms nobody answered, the daily round of task reminders, and
forgetting old inbox rows.

`Wakeups` is what the services are given to say "something is due": it exists before the
services, and forwards to the sender and the JobQueue. Nothing here holds state the database
does not: every job derives what to do from the database when it runs.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, cast

from telegram.ext import JobQueue

from bot.clock import Clock
from bot.delivery.sender import OutboxSender
from handlers.context import ForumContext

if TYPE_CHECKING:
    from bot.app import BotApplication

log = logging.getLogger(__name__)

WAKE_JOB = "outbox-wake"
POLL_JOB = "outbox-poll"
BALLOTS_JOB = "ballots"
BALLOTS_AT_DEADLINE_JOB = "ballots-deadline"
DAILY_JOB = "tasks"
FORMS_JOB = "forms"
FORMS_EVERY = 60  # seconds between looks for guided forms that ran out


class Wakeups:
    """The services' `Notifier`: new outbox rows wake the sender; a vote's deadline arms the
    job that closes it."""

    def __init__(self, sender: OutboxSender, job_queue: JobQueue[ForumContext], clock: Clock):
        self._sender = sender
        self._jobs = job_queue
        self._clock = clock

    def outbox_changed(self) -> None:
        self._sender.wake()

    def vote_deadline(self, when: datetime) -> None:
        """Close votes at `when`, unless an earlier deadline is armed already (its job re-arms
        for the next one when it has run)."""
        for job in self._jobs.get_jobs_by_name(BALLOTS_AT_DEADLINE_JOB):
            if job.next_t is not None and job.next_t <= when:
                return
            job.schedule_removal()
        delay = max((when - self._clock.now()).total_seconds(), 0.0)
        self._jobs.run_once(_close_ballots, when=delay, name=BALLOTS_AT_DEADLINE_JOB)

    def sender_due(self, when: datetime) -> None:
        """The sender's next row falls due at `when`: wake it then."""
        for job in self._jobs.get_jobs_by_name(WAKE_JOB):
            job.schedule_removal()
        delay = max((when - self._clock.now()).total_seconds(), 0.0)
        self._jobs.run_once(_wake_job, when=delay, name=WAKE_JOB)


def install(app: BotApplication) -> None:
    """The repeating jobs: a safety net for the sender (rows from other processes, leases
    that ran out) and for votes (other processes, a moved clock), and the daily round at the
    reminder time (task reminders, on Mondays the coordinator's summary, old inbox rows)."""
    jobs = app.job_queue
    assert jobs is not None
    settings = app.settings
    jobs.run_repeating(_wake_job, interval=settings.outbox_poll_seconds, name=POLL_JOB)
    jobs.run_repeating(_close_ballots, interval=settings.outbox_poll_seconds, name=BALLOTS_JOB)
    jobs.run_repeating(_expire_forms, interval=FORMS_EVERY, name=FORMS_JOB)
    jobs.run_daily(
        _daily, time=settings.task_reminder_time.replace(tzinfo=settings.tz), name=DAILY_JOB
    )


async def close_due_ballots(app: BotApplication) -> None:
    """Close every vote whose deadline has passed, then arm the job for the next deadline."""
    assert app.services is not None and app.wakeups is not None
    voting = app.services.voting
    closed = await voting.close_due()
    if closed:
        log.info("closed %d votes at their deadline", closed)
    # Scheduling polls past their deadline: their messages say so (checked on the same round).
    await app.services.scheduling.expire_due()
    upcoming = await voting.next_deadline()
    if upcoming is not None:
        app.wakeups.vote_deadline(upcoming)


def _app(context: ForumContext) -> BotApplication:
    return cast("BotApplication", context.application)


async def _close_ballots(context: ForumContext) -> None:
    if _app(context).leading:  # scheduled work runs once: in the leader
        await close_due_ballots(_app(context))


async def _daily(context: ForumContext) -> None:
    if not _app(context).leading:
        return
    await context.services.tasks.daily()
    # Ratifications' reminders kept in the outbox; on Mondays the coordinator's overview.
    await context.services.decisions.daily()
    made = await context.services.series.extend()  # a series' meetings a year ahead
    if made:
        log.info("series: %d more meetings of open-ended series", made)
    forgotten = await context.services.forms.purge()
    if forgotten:
        log.info("forms: forgot %d guided forms nobody finished", forgotten)
    inbox = _app(context).inbox
    if inbox is not None:
        removed = await inbox.purge()
        if removed:
            log.info("inbox: forgot %d updates handled more than two days ago", removed)


async def _expire_forms(context: ForumContext) -> None:
    """Guided forms nobody answered for FORM_TIMEOUT_MINUTES end with a one-line notice."""
    if _app(context).leading:
        ended = await context.services.forms.expire()
        if ended:
            log.info("forms: %d guided forms ended after the timeout", ended)


async def _wake_job(context: ForumContext) -> None:
    sender = _app(context).sender
    if sender is not None:
        sender.wake()
