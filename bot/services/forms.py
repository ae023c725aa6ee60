"""The guided forms' state, kept in the database (`form_state`), one per person and chat.

A form's next state is written in the transaction that marks the person's update done: by
`save` (its own commit), or — when the step's use case commits (the form's last step creates a
meeting) — staged by `ending` before the step, so that the form ends in the use case's own
transaction. A crash therefore neither loses an answered step nor repeats one. A form nobody
answered for `timeout` has ended: `expire` (run every minute) forgets it and tells its person
in one line; if their next message comes first, `load` says so instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.forms import FormState
from bot.i18n import translator
from bot.services.notify import Notifier
from bot.services.uow import UnitOfWorkFactory
from storage.inbox import FormWrite, stage_form_write
from storage.models import OutboxMessage
from storage.rows import StoredForm

EXPIRE_BATCH = 500  # forms ended in one round (more: in the next)


@dataclass(frozen=True)
class Loaded:
    """The person's open form (None: none), and the form that ran out meanwhile (told once)."""

    state: FormState | None
    expired: FormState | None = None


class FormStore:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        *,
        timeout: timedelta,
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.timeout = timeout
        self._language = default_language

    async def load(self, chat_id: int, user_id: int) -> Loaded:
        async with self._uow() as uow:
            row = await uow.forms.get(chat_id, user_id)
        stored = StoredForm(row.state, row.updated_at) if row is not None else None
        return await self.loaded(chat_id, user_id, stored)

    async def loaded(self, chat_id: int, user_id: int, stored: StoredForm | None) -> Loaded:
        """The form as read (with the identification: `MembershipService.identify_in_chat`);
        one that has run out is forgotten here and named in `Loaded.expired`."""
        if stored is None:
            return Loaded(None)
        state = _parsed(stored.state)
        if state is not None and self._clock.now() - stored.updated_at <= self.timeout:
            return Loaded(state)
        async with self._uow() as uow:
            await uow.forms.delete(chat_id, user_id)
            await uow.commit(completes_update=False)
        return Loaded(None, expired=state)

    def ending(self, chat_id: int, user_id: int) -> None:
        """If the current update's use case commits, the form ends in that transaction."""
        stage_form_write(FormWrite(chat_id, user_id))

    def not_ending(self) -> None:
        """The step failed: nothing is staged any more."""
        stage_form_write(None)

    async def save(
        self, chat_id: int, user_id: int, state: FormState | None, *, completes_update: bool = True
    ) -> None:
        """The form is now `state` (None: it has ended); with `completes_update`, this is what
        the current update did (its inbox row is marked done in the same transaction)."""
        stage_form_write(None)
        async with self._uow() as uow:
            if state is None:
                await uow.forms.delete(chat_id, user_id)
            else:
                await uow.forms.put(
                    chat_id,
                    user_id,
                    form=state.form.value,
                    state=state.to_json(),
                    now=self._clock.now(),
                )
            await uow.commit(completes_update=completes_update)

    async def expire(self) -> int:
        """Forms nobody answered for `timeout` end, each with a one-line notice to its person
        (in the transaction that forgets it); returns how many."""
        now = self._clock.now()
        minutes = int(self.timeout.total_seconds() // 60)
        async with self._uow() as uow:
            rows = await uow.forms.stale(now - self.timeout, EXPIRE_BATCH)
            languages = await uow.user_settings.languages(sorted({r.user_id for r in rows}))
            notices = []
            for row in rows:
                t = translator(languages.get(row.user_id, self._language))
                stamp = int(row.updated_at.timestamp())
                notices.append(
                    OutboxMessage(
                        dedup_key=f"form:{row.chat_id}:{row.user_id}:{stamp}:expired",
                        kind="form_expired",
                        chat_id=row.chat_id,
                        text=t("form.expired", form=t(f"form.name.{row.form}"), minutes=minutes),
                        due_at=now,
                        created_at=now,
                    )
                )
                await uow.forms.delete(row.chat_id, row.user_id)
            await uow.outbox.enqueue(notices)
            await uow.commit(completes_update=False)
        if notices:
            self._notifier.outbox_changed()
        return len(notices)

    async def purge(self) -> int:
        """The daily round: forms nobody answered for longer than the timeout are forgotten
        (with what was typed into them), also those never come back to."""
        async with self._uow() as uow:
            removed = await uow.forms.purge(self._clock.now() - self.timeout)
            await uow.commit(completes_update=False)
        return removed


def _parsed(text: str) -> FormState | None:
    """A stored state this version can read (None: one it cannot, e.g. of a form since
    removed; it is treated as ended)."""
    try:
        return FormState.from_json(text)
    except (ValueError, KeyError, TypeError):
        return None
