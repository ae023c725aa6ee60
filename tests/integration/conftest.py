"""What the integration tests share: the real database, migrated to the newest schema."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine
from storage.migrate import upgrade


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on this test's own database (SQLite file or PostgreSQL), schema at head."""
    engine = create_engine(database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()
