"""What the meeting services share: the limits of a meeting's fields and reading a meeting
(or refusing one that is gone or cancelled) inside a unit of work."""

from __future__ import annotations

from datetime import datetime

from bot.services.errors import InvalidInput, NotFound
from bot.services.ids import id_of
from bot.services.uow import UnitOfWork
from storage.models import Meeting, MeetingStatus, ProposalStatus

MAX_TITLE = 200
MAX_LOCATION = 300
MAX_URL = 500
MAX_DESCRIPTION = 2000
# A meeting lasts at most three days.
MAX_MINUTES = 3 * 24 * 60
# A member who joins late is invited to at most this many upcoming meetings.
MAX_WELCOME = 20


async def meeting_of(uow: UnitOfWork, meeting_id: int) -> Meeting:
    meeting = await uow.meetings.get(meeting_id)
    if meeting is None:
        raise NotFound("meeting.not_found", id=meeting_id)
    return meeting


async def scheduled_meeting(uow: UnitOfWork, meeting_id: int) -> Meeting:
    """The meeting, if it is not cancelled (only those can change)."""
    meeting = await meeting_of(uow, meeting_id)
    if meeting.status is MeetingStatus.CANCELLED:
        raise InvalidInput("meeting.cancelled_already", id=meeting_id)
    return meeting


async def unschedule_topics(
    uow: UnitOfWork, meeting_id: int, now: datetime, proposal_id: int | None = None
) -> None:
    """Topics taken off an agenda (or whose meeting was cancelled) are back in the backlog."""
    for proposal in await uow.proposals.on_meeting(meeting_id):
        if proposal_id is None or proposal.id == proposal_id:
            await uow.proposals.change_status(
                id_of(proposal),
                [ProposalStatus.SCHEDULED],
                ProposalStatus.ACCEPTED,
                meeting_id=None,
                updated_at=now,
            )


async def reschedule_topics(uow: UnitOfWork, meeting_id: int, now: datetime) -> None:
    """A cancelled meeting restored: the topics its cancellation put back in the backlog
    (`unschedule_topics`) are on its agenda again; one placed on another meeting meanwhile
    stays there and leaves this agenda."""
    kept = []
    for item in await uow.meetings.agenda(meeting_id):
        proposal = await uow.proposals.get(item.proposal_id) if item.proposal_id else None
        if proposal is not None and proposal.status is ProposalStatus.ACCEPTED:
            await uow.proposals.change_status(
                id_of(proposal),
                [ProposalStatus.ACCEPTED],
                ProposalStatus.SCHEDULED,
                meeting_id=meeting_id,
                updated_at=now,
            )
        elif (
            proposal is not None
            and proposal.status is ProposalStatus.SCHEDULED
            and proposal.meeting_id != meeting_id
        ):
            await uow.meetings.delete_agenda_item(item)
            continue
        kept.append(item)
    for number, item in enumerate(kept, start=1):
        item.position = number
