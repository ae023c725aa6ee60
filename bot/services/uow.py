"""The unit-of-work shape the services rely on (implemented by `storage.uow.SqlUnitOfWork`)."""

from __future__ import annotations

from collections.abc import Callable

from storage.uow import SqlUnitOfWork

UnitOfWorkFactory = Callable[[], SqlUnitOfWork]
