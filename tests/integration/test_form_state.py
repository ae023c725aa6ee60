"""A form's state is written in the transaction that marks the person's update done: a step
and its inbox row are stored together or not at all, and a last step whose use case commits
ends the form in that same transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.callbacks import Form
from bot.forms import FormState
from bot.services.forms import FormStore
from bot.services.notify import NoNotifier
from storage.db import create_session_factory
from storage.inbox import UpdateScope, current_update
from storage.models import Organisation
from storage.models_forms import FormStateRow
from storage.models_runtime import InboxUpdate
from storage.repositories.inbox import InboxRepository
from storage.uow import SqlUnitOfWork
from tests.support import FakeClock

NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
CHAT = USER = 4711


async def stored_update(engine: AsyncEngine, update_id: int) -> None:
    row = {
        "update_id": update_id,
        "chat_key": f"{CHAT}:{USER}",
        "payload": {"update_id": update_id},
        "received_at": NOW,
        "attempts": 0,
    }
    async with create_session_factory(engine)() as session:
        await InboxRepository(session).store([row])
        await session.commit()


async def look(engine: AsyncEngine, update_id: int) -> tuple[bool, FormStateRow | None]:
    async with create_session_factory(engine)() as session:
        update = await session.get(InboxUpdate, update_id)
        form = await session.get(FormStateRow, (CHAT, USER))
    assert update is not None
    return update.done_at is not None, form


def state(step: str, number: int) -> FormState:
    return FormState(Form.TASK, step, number, {"owner": "Gemeinde Testdorf"})


async def test_a_step_and_its_update_are_stored_together(engine: AsyncEngine) -> None:
    factory = create_session_factory(engine)
    clock = FakeClock(NOW)
    store = FormStore(
        lambda: SqlUnitOfWork(factory),
        clock,
        NoNotifier(),
        timeout=timedelta(minutes=60),
        default_language="de",
    )
    for update_id in (1, 2, 3, 4):
        await stored_update(engine, update_id)

    token = current_update.set(UpdateScope(1))
    try:
        await store.save(CHAT, USER, state("due", 7))
    finally:
        current_update.reset(token)
    done, form = await look(engine, 1)
    assert done and form is not None and FormState.from_json(form.state) == state("due", 7)
    assert (await store.load(CHAT, USER)).state == state("due", 7)

    # The last step: its use case commits, and the form ends in that very transaction.
    token = current_update.set(UpdateScope(2))
    try:
        store.ending(CHAT, USER)
        async with SqlUnitOfWork(factory) as uow:
            await uow.organisations.add(Organisation(name="Gemeinde Bucha", created_at=NOW))
            await uow.commit()
    finally:
        current_update.reset(token)
    done, form = await look(engine, 2)
    assert done and form is None

    # A use case that does not commit (it failed) ends nothing and completes nothing.
    token = current_update.set(UpdateScope(3))
    try:
        await store.save(CHAT, USER, state("title", 9), completes_update=False)
        store.ending(CHAT, USER)
        async with SqlUnitOfWork(factory) as uow:
            await uow.organisations.add(Organisation(name="Stadt Kahla", created_at=NOW))
        store.not_ending()
    finally:
        current_update.reset(token)
    done, form = await look(engine, 3)
    assert not done and form is not None

    # Untouched for longer than the timeout: the form has ended, and says which it was once.
    clock.advance(timedelta(minutes=61))
    loaded = await store.load(CHAT, USER)
    assert loaded.state is None and loaded.expired == state("title", 9)
    assert (await store.load(CHAT, USER)).expired is None

    # The daily round forgets forms nobody came back to.
    await store.save(CHAT, USER, state("due", 10), completes_update=False)
    await store.save(CHAT + 1, USER, state("due", 11), completes_update=False)
    clock.advance(timedelta(minutes=30))
    await store.save(CHAT + 1, USER, state("title", 12), completes_update=False)
    clock.advance(timedelta(minutes=31))
    assert await store.purge() == 1
    assert (await store.load(CHAT + 1, USER)).state == state("title", 12)
