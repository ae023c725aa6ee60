"""Use cases. Nothing here imports `telegram`: handlers call these, and get plain data back."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.services.broadcasts import BroadcastService
from bot.services.groups import GroupService
from bot.services.membership import MembershipService
from bot.services.notify import Notifier
from bot.services.uow import UnitOfWorkFactory


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    membership: MembershipService
    groups: GroupService
    broadcasts: BroadcastService


def build_services(
    settings: Settings, uow: UnitOfWorkFactory, clock: Clock, notifier: Notifier
) -> Services:
    return Services(
        settings=settings,
        clock=clock,
        membership=MembershipService(
            uow,
            clock,
            coordinator_ids=settings.coordinator_ids,
            default_language=settings.default_language,
            invite_ttl=settings.invite_ttl,
        ),
        groups=GroupService(uow, clock),
        broadcasts=BroadcastService(uow, clock, notifier),
    )
