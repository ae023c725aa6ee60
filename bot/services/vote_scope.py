"""Votes taken during a meeting (issue 17), as the vote core sees them: only the organisations
present when the vote opened vote on it. The core asks `VoterScope` for a ballot's voters
(None: every organisation, as for every vote outside a meeting)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from storage.models import Ballot, Member, ProposalStatus

if TYPE_CHECKING:
    from bot.services.uow import UnitOfWork

VoterScope = Callable[["UnitOfWork", int], Awaitable[frozenset[int] | None]]
# Records a meeting's vote with its meeting, in the transaction that opens it.
OnOpen = Callable[["UnitOfWork", Ballot], Awaitable[None]]
# A meeting's vote may also be on a topic accepted already or on the meeting's agenda.
IN_MEETING = (ProposalStatus.ACCEPTED, ProposalStatus.SCHEDULED)


async def no_scope(uow: UnitOfWork, ballot_id: int) -> frozenset[int] | None:
    return None


def outside(scope: frozenset[int] | None, member: Member) -> bool:
    """The member's organisation does not vote on a ballot with this scope."""
    return scope is not None and member.organisation_id not in scope
