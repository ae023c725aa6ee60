"""Storage on the real database (SQLite file or PostgreSQL): migrations, time zones, claims."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (every table, also those of storage/models_<area>.py)
from storage.db import create_session_factory
from storage.migrate import upgrade
from storage.models import Invitation, Member, Organisation, UserSettings
from storage.repositories import LONGEST_IN_LIST
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def uow(engine: AsyncEngine) -> SqlUnitOfWork:
    return SqlUnitOfWork(create_session_factory(engine))


async def test_migrations_build_exactly_the_tables_the_models_describe(engine: AsyncEngine) -> None:
    def diff(connection: object) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(context, SQLModel.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(diff) == []
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"organisation", "member", "invitation", "working_group", "user_settings"} <= tables


async def test_upgrading_twice_changes_nothing(engine: AsyncEngine) -> None:
    await upgrade(engine)


async def test_datetimes_come_back_aware_and_in_utc(engine: AsyncEngine) -> None:
    berlin_evening = datetime(2026, 12, 3, 18, 0, tzinfo=timezone(timedelta(hours=1)))
    async with uow(engine) as work:
        org = await work.organisations.add(
            Organisation(name="Stadt Jena", created_at=berlin_evening)
        )
        await work.commit()
    async with uow(engine) as work:
        stored = await work.organisations.get(org.id or 0)
    assert stored is not None
    assert stored.created_at == berlin_evening
    assert stored.created_at.tzinfo is not None and stored.created_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    async with uow(engine) as work:
        work.session.add(Organisation(name="Naiv", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
        with pytest.raises(Exception, match="naive datetime"):
            await work.session.flush()


async def test_a_telegram_id_belongs_to_one_member(engine: AsyncEngine) -> None:
    async with uow(engine) as work:
        org = await work.organisations.add(Organisation(name="Gemeinde A", created_at=NOW))
        assert org.id is not None
        await work.members.add(Member(telegram_id=77, organisation_id=org.id, joined_at=NOW))
        await work.commit()
    async with uow(engine) as work:
        with pytest.raises(IntegrityError):
            await work.members.add(Member(telegram_id=77, organisation_id=org.id, joined_at=NOW))


async def test_identity_finds_member_organisation_and_language_by_a_64_bit_telegram_id(
    engine: AsyncEngine,
) -> None:
    big = 7_123_456_789  # Telegram ids no longer fit in 32 bits
    async with uow(engine) as work:
        org = await work.organisations.add(Organisation(name="Gemeinde Zöllnitz", created_at=NOW))
        await work.members.add(
            Member(telegram_id=big, organisation_id=org.id or 0, first_name="A", joined_at=NOW)
        )
        await work.user_settings.put(UserSettings(telegram_id=big, language="en", updated_at=NOW))
        await work.user_settings.put(
            UserSettings(telegram_id=big + 1, language="en", updated_at=NOW)
        )
        await work.commit()
    async with uow(engine) as work:
        member, organisation, settings = await work.members.identity(big)
        assert member is not None and member.first_name == "A"
        assert organisation is not None and organisation.name == "Gemeinde Zöllnitz"
        assert settings is not None and settings.language == "en"
        # Not a member but with a language chosen; and a stranger.
        member, organisation, settings = await work.members.identity(big + 1)
        assert (member, organisation) == (None, None)
        assert settings is not None and settings.language == "en"
        assert await work.members.identity(big + 2) == (None, None, None)


async def test_languages_of_few_and_of_many_people(engine: AsyncEngine) -> None:
    async with uow(engine) as work:
        for telegram_id, language in ((1, "en"), (2, "de"), (3, "en")):
            await work.user_settings.put(
                UserSettings(telegram_id=telegram_id, language=language, updated_at=NOW)
            )
        await work.commit()
    async with uow(engine) as work:
        assert await work.user_settings.languages([1, 2, 99]) == {1: "en", 2: "de"}
        # More than an IN list takes (a result to every member): the same answer, and
        # nobody outside the list.
        many = [1, 2, *range(1000, 1000 + LONGEST_IN_LIST)]
        assert await work.user_settings.languages(many) == {1: "en", 2: "de"}


async def test_a_connection_given_back_in_the_middle_of_a_write_is_rolled_back(
    engine: AsyncEngine,
) -> None:
    def write_and_give_back(sync_engine: Engine) -> None:
        connection = sync_engine.raw_connection()  # past the Connection's own rollback
        cursor = connection.cursor()
        cursor.execute(
            "INSERT INTO organisation (name, kind, created_at) VALUES ('Halbfertig', 'gemeinde', "
            + ("'2026-11-26 09:00:00'" if engine.dialect.name == "sqlite" else "now()")
            + ")"
        )
        cursor.close()
        connection.close()  # back to the pool, still in the transaction

    await greenlet_spawn(write_and_give_back, engine.sync_engine)
    async with uow(engine) as work:
        assert await work.organisations.by_name("Halbfertig") is None
        await work.organisations.add(Organisation(name="Gemeinde B", created_at=NOW))
        await work.commit()  # and nothing holds a lock


async def test_an_invitation_is_claimed_by_exactly_one_of_two_racers(engine: AsyncEngine) -> None:
    async with uow(engine) as work:
        org = await work.organisations.add(Organisation(name="Gemeinde B", created_at=NOW))
        assert org.id is not None
        invitation = await work.invitations.add(
            Invitation(
                code_hash="h" * 64,
                organisation_id=org.id,
                created_by=1,
                created_at=NOW,
                expires_at=NOW + timedelta(days=14),
            )
        )
        await work.commit()

    async def claim() -> bool:
        async with uow(engine) as work:
            fresh = await work.invitations.get(invitation.id or 0)
            assert fresh is not None
            won = await work.invitations.mark_used(fresh, NOW)
            await work.commit()
            return won

    results = await asyncio.gather(claim(), claim())
    assert sorted(results) == [False, True]


async def test_two_processes_starting_at_once_on_a_fresh_database(database_url: str) -> None:
    """Both migrate and seed the default working groups; neither fails, nothing is doubled."""
    from bot.app import open_services
    from tests.support import FakeClock, make_settings

    settings = make_settings(database_url)
    opened = await asyncio.gather(
        open_services(settings, FakeClock()), open_services(settings, FakeClock())
    )
    try:
        async with uow(opened[0][0]) as work:
            groups = await work.groups.active()
        assert sorted(g.name for g in groups) == sorted(settings.working_groups)
        assert len(groups) == len(set(g.name for g in groups))
    finally:
        for engine, _ in opened:
            await engine.dispose()
