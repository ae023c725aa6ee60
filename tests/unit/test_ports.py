"""The ports in `bot/services/uow.py` and `bot/services/feature_ports.py` are honest: the
services depend on them alone, and both units of work implement them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.feature_ports import DeliveryUnitOfWorkFactory
from bot.services.uow import UnitOfWorkFactory
from storage.uow import SqlUnitOfWork
from tests.unit.fakes import FakeUnitOfWork

SERVICES = Path(__file__).resolve().parents[2] / "bot" / "services"
# What a service may not import: SQL and its sessions (storage.models and storage.rows are plain
# values), and Telegram.
FORBIDDEN = ("storage.repositories", "storage.uow", "storage.db", "sqlalchemy", "telegram")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(SERVICES.glob("*.py")), ids=lambda p: p.name)
def test_a_service_imports_no_storage_internals_and_no_telegram(path: Path) -> None:
    wrong = {
        name
        for name in imported_modules(path)
        for forbidden in FORBIDDEN
        if name == forbidden or name.startswith(f"{forbidden}.")
    }
    assert not wrong, f"{path.name} imports {sorted(wrong)}"


def units_of_work(sessions: async_sessionmaker[AsyncSession]) -> list[object]:
    """Not run, type-checked (mypy, `make lint`): the database's unit of work implements the
    services' port and the sender's, the in-memory one the services'."""
    sql: UnitOfWorkFactory = lambda: SqlUnitOfWork(sessions)  # noqa: E731
    delivery: DeliveryUnitOfWorkFactory = lambda: SqlUnitOfWork(sessions)  # noqa: E731
    fake: UnitOfWorkFactory = FakeUnitOfWork()
    return [sql, delivery, fake]
