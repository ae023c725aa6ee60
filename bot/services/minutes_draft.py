"""What a meeting's minutes draft (/protokollentwurf) is made of, read in one unit of work:
the meeting and its agenda, the attendance, the notes, the votes taken during it with each
organisation's choice, the tasks linked to it and the next meeting. `bot/texts/minutes.py`
words it, `bot/exports/minutes_docx.py` makes the .docx."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from bot.clock import Clock
from bot.services.actor import Actor
from bot.services.counting import Result
from bot.services.feature_ports import MinutesUnitOfWork, MinutesUnitOfWorkFactory
from bot.services.ids import id_of
from bot.services.meeting_day import Attendance, attendance_of
from bot.services.meeting_rows import meeting_of
from storage.models import (
    AgendaItem,
    Ballot,
    Meeting,
    Member,
    Organisation,
    Proposal,
    Task,
    Vote,
)
from storage.models_decisions import Decision
from storage.models_meeting_day import MeetingNote


@dataclass(frozen=True)
class VoteSource:
    ballot: Ballot
    proposal: Proposal
    agenda_item_id: int | None
    result: Result | None  # None: still open
    # Each voting organisation present when it opened, with its choice (None: no vote).
    choices: list[tuple[Organisation, Vote | None]]


@dataclass(frozen=True)
class TaskSource:
    task: Task
    member: Member | None
    organisation: Organisation | None


@dataclass(frozen=True)
class DecisionSource:
    """A decision with its number (issue 16) and the agenda item it belongs to."""

    number: str
    text: str
    agenda_item_id: int | None


@dataclass(frozen=True)
class MinutesSource:
    meeting: Meeting
    group_name: str | None
    agenda: list[tuple[AgendaItem, Organisation | None]]
    attendance: Attendance
    notes: Sequence[MeetingNote]
    votes: list[VoteSource]
    decisions: list[DecisionSource]
    tasks: list[TaskSource]
    next_meeting: Meeting | None


async def decisions_of(
    uow: MinutesUnitOfWork,
    meeting_id: int,
    votes: Sequence[VoteSource],
    agenda: Sequence[tuple[AgendaItem, Organisation | None]],
) -> list[DecisionSource]:
    """The decisions (issue 16) of the meeting's own votes, under their agenda item, and those
    of topics proposed for this meeting and decided by a vote outside it (under the agenda
    item of the topic, if it is on the agenda); by number."""
    on_agenda = {item.proposal_id: item.id for item, _ in agenda if item.proposal_id}
    found: dict[int, tuple[Decision, int | None]] = {}
    for vote in votes:
        decision = await uow.decisions.of_ballot(id_of(vote.ballot))
        if decision is not None and decision.id is not None:
            found[decision.id] = (decision, vote.agenda_item_id)
    for decision in await uow.decisions.listing():
        if decision.meeting_id == meeting_id and decision.id not in found and decision.id:
            found[decision.id] = (decision, on_agenda.get(decision.proposal_id))
    ordered = sorted(found.values(), key=lambda pair: (pair[0].year, pair[0].number))
    return [
        DecisionSource(
            number=f"{decision.year}/{decision.number:02d}",
            text=f"{decision.title} – {decision.text}" if decision.text else decision.title,
            agenda_item_id=item_id,
        )
        for decision, item_id in ordered
    ]


class MinutesDraftService:
    def __init__(self, uow: MinutesUnitOfWorkFactory, clock: Clock, *, quorum: float) -> None:
        self._uow = uow
        self._clock = clock
        self._quorum = Fraction(quorum).limit_denominator(1000)

    async def gather(self, actor: Actor, meeting_id: int) -> MinutesSource:
        actor.require_coordinator()
        async with self._uow() as uow:
            meeting = await meeting_of(uow, meeting_id)
            agenda = (await uow.meetings.agendas([meeting_id]))[meeting_id]
            group = await uow.groups.get(meeting.group_id) if meeting.group_id else None
            attendance = await attendance_of(uow, meeting, self._quorum)
            organisations = {o.id: o for o in await uow.organisations.all()}
            votes: list[VoteSource] = []
            for link, ballot, proposal in await uow.meeting_day.ballots(meeting_id):
                cast = {v.organisation_id: v for v in await uow.ballots.votes(id_of(ballot))}
                voters = await uow.meeting_day.ballot_voters(id_of(ballot)) or frozenset()
                choices = [
                    (organisations[o], cast.get(o))
                    for o in sorted(voters | set(cast), key=lambda i: organisations[i].name)
                    if o in organisations
                ]
                result = None
                if ballot.closed_at is not None and ballot.result and ballot.outcome:
                    result = Result.from_dict(ballot.result, ballot.outcome)
                votes.append(VoteSource(ballot, proposal, link.agenda_item_id, result, choices))
            tasks = list(await uow.meeting_day.tasks(meeting_id))
            owners = await uow.members.by_ids({t.member_id for t in tasks if t.member_id})
            task_rows = [
                TaskSource(
                    t,
                    owners.get(t.member_id) if t.member_id else None,
                    organisations.get(t.organisation_id),
                )
                for t in tasks
            ]
            return MinutesSource(
                meeting=meeting,
                group_name=group.name if group else None,
                agenda=agenda,
                attendance=attendance,
                notes=await uow.meeting_day.notes(meeting_id),
                votes=votes,
                decisions=await decisions_of(uow, meeting_id, votes, agenda),
                tasks=task_rows,
                next_meeting=await uow.meeting_day.next_meeting(
                    meeting.starts_at, meeting.group_id
                ),
            )
