"""Votes during a meeting (issue 17): `/abstimmungstarten <Themen-Nr> jetzt [10m]` opens a vote
for the organisations present only, closing after the minutes given, recorded with the
meeting and its agenda item (`meeting_ballot`). The vote core (bot/services/voting.py) asks
`meeting_voters` who may vote on a ballot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction
from typing import cast

from bot.clock import Clock
from bot.services.actor import Actor
from bot.services.ballots import BallotView
from bot.services.errors import InvalidInput, NotFound
from bot.services.feature_ports import MeetingDayUnitOfWork, MeetingDayUnitOfWorkFactory
from bot.services.ids import id_of
from bot.services.meeting_day import CHECK_IN_BEFORE, Attendance, attendance_of
from bot.services.uow import UnitOfWork
from bot.services.voting import VotingService
from storage.models import AgendaItem, Ballot, Meeting
from storage.models_meeting_day import MeetingBallot

DEFAULT_MINUTES = 10
MAX_MINUTES = 240


class MeetingVoters:
    """The vote core's `VoterScope`: the organisations present when a meeting's vote opened
    (None: not a meeting's vote, every organisation votes).

    A ballot's voters are fixed in the transaction that opens it and never change, so each
    ballot is read once per process (a press on a ballot costs no query for it after the
    first); one instance per set of services."""

    LIMIT = 10_000

    def __init__(self) -> None:
        self._known: dict[int, frozenset[int] | None] = {}

    async def __call__(self, uow: UnitOfWork, ballot_id: int) -> frozenset[int] | None:
        if ballot_id in self._known:
            return self._known[ballot_id]
        if getattr(uow, "meeting_day", None) is None:  # a unit of work without its tables
            return None
        voters = await cast(MeetingDayUnitOfWork, uow).meeting_day.ballot_voters(ballot_id)
        if len(self._known) >= self.LIMIT:
            self._known.clear()
        self._known[ballot_id] = voters
        return voters


@dataclass(frozen=True)
class MeetingVote:
    view: BallotView
    meeting: Meeting
    item: AgendaItem | None
    attendance: Attendance
    minutes: int


class MeetingVoteService:
    def __init__(
        self,
        uow: MeetingDayUnitOfWorkFactory,
        clock: Clock,
        voting: VotingService,
        *,
        quorum: Fraction,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._voting = voting
        self._quorum = quorum

    async def open(self, actor: Actor, proposal_id: int, minutes: int | None) -> MeetingVote:
        """Open the vote on topic `proposal_id` in the meeting under way (the one whose agenda
        has it; else the only one under way)."""
        actor.require_coordinator()
        minutes = DEFAULT_MINUTES if minutes is None else minutes
        if not 1 <= minutes <= MAX_MINUTES:
            raise InvalidInput("meetingvote.minutes_invalid", limit=MAX_MINUTES)
        now = self._clock.now()
        async with self._uow() as uow:
            proposal = await uow.proposals.get(proposal_id)
            if proposal is None:
                raise NotFound("proposal.not_found", id=proposal_id)
            running = list(await uow.meeting_day.running(now, CHECK_IN_BEFORE))
            on_agenda = [m for m in running if m.id == proposal.meeting_id]
            if on_agenda:
                meeting = on_agenda[0]
            elif len(running) == 1:
                meeting = running[0]
            elif not running:
                raise InvalidInput("meetingvote.no_meeting", id=proposal_id)
            else:
                raise InvalidInput("meetingvote.not_on_agenda", id=proposal_id)
            meeting_id = id_of(meeting)
            agenda = (await uow.meetings.agendas([meeting_id]))[meeting_id]
            item = next((i for i, _ in agenda if i.proposal_id == proposal_id), None)
            attendance = await attendance_of(uow, meeting, self._quorum)
        voters = frozenset(attendance.present_ids)
        if not voters:
            raise InvalidInput("meetingvote.nobody_present", id=meeting_id)

        async def link(work: UnitOfWork, ballot: Ballot) -> None:
            row = MeetingBallot(
                ballot_id=id_of(ballot),
                meeting_id=meeting_id,
                agenda_item_id=item.id if item else None,
            )
            await cast(MeetingDayUnitOfWork, work).meeting_day.add_ballot(row, sorted(voters))

        deadline = now + timedelta(minutes=minutes)
        view = await self._voting.open(actor, proposal_id, deadline, voters=voters, on_open=link)
        return MeetingVote(view, meeting, item, attendance, minutes)
