"""In-memory repositories and unit of work for service tests (no database).

Each fake keeps the contract of its SQL repository that the services rely on (which rows a query
finds, in which order; what a conditional update refuses), not its SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from bot.services.counting import voter_key
from storage.enums import OrganisationStatus, RepresentativeRole, VoteCapacity, VoteRight
from storage.models import (
    AgendaItem,
    Ballot,
    BallotOutcome,
    BallotPost,
    Broadcast,
    BroadcastState,
    CalendarFeed,
    Invitation,
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    OutboxMessage,
    OutboxState,
    Proposal,
    ProposalStatus,
    RsvpAnswer,
    Task,
    TaskStatus,
    UserSettings,
    Vote,
    VoteChoice,
    VoteMode,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.models_forms import FormStateRow, Question
from storage.models_meetings import CoordinatorFeed, MeetingCancellation
from storage.models_oparl import MeetingInternal, MemberVisibility, OrganisationExternalBody
from storage.models_representation import Representative
from storage.models_tasks import TaskEvent
from storage.rows import (
    BallotTopic,
    FeedEntry,
    FeedState,
    SentMessage,
    StoredForm,
    UpcomingMeeting,
)
from tests.unit.fake_polls import FakePolls
from tests.unit.fake_series import FakeSeries

T = TypeVar("T")


class _Table(Generic[T]):
    def __init__(self) -> None:
        self.rows: dict[int, T] = {}

    def insert(self, row: T) -> T:
        row_id = max(self.rows, default=0) + 1
        row.id = row_id  # type: ignore[attr-defined]
        self.rows[row_id] = row
        return row


class FakeOrganisations(_Table[Organisation]):
    async def get(self, organisation_id: int) -> Organisation | None:
        return self.rows.get(organisation_id)

    async def by_name(self, name: str) -> Organisation | None:
        return next((o for o in self.rows.values() if o.name.lower() == name.lower()), None)

    async def add(self, organisation: Organisation) -> Organisation:
        return self.insert(organisation)

    async def all(self) -> Sequence[Organisation]:
        return sorted(self.rows.values(), key=lambda o: o.name)


class FakeMembers(_Table[Member]):
    def __init__(
        self, organisations: FakeOrganisations, settings: FakeUserSettings, groups: FakeGroups
    ) -> None:
        super().__init__()
        self._organisations = organisations
        self.settings = settings
        self._groups = groups
        self.forms: FakeForms | None = None  # set by FakeUnitOfWork

    async def get(self, member_id: int) -> Member | None:
        return self.rows.get(member_id)

    async def by_ids(self, member_ids: set[int]) -> dict[int, Member]:
        return {i: self.rows[i] for i in member_ids if i in self.rows}

    async def by_telegram_id(self, telegram_id: int) -> Member | None:
        return next((m for m in self.rows.values() if m.telegram_id == telegram_id), None)

    async def identity(
        self, telegram_id: int
    ) -> tuple[Member | None, Organisation | None, UserSettings | None]:
        member = await self.by_telegram_id(telegram_id)
        organisation = self._organisations.rows.get(member.organisation_id) if member else None
        return member, organisation, self.settings.rows.get(telegram_id)

    async def identity_in_chat(
        self, telegram_id: int, chat_id: int
    ) -> tuple[Member | None, Organisation | None, UserSettings | None, StoredForm | None]:
        row = self.forms.rows.get((chat_id, telegram_id)) if self.forms is not None else None
        form = StoredForm(row.state, row.updated_at) if row is not None else None
        return (*await self.identity(telegram_id), form)

    async def of_organisation_with_languages(
        self, organisation_id: int
    ) -> Sequence[tuple[Member, str | None]]:
        return [
            (m, s.language if (s := self.settings.rows.get(m.telegram_id or 0)) else None)
            for m in await self.recipients(organisation_id=organisation_id)
        ]

    async def add(self, member: Member) -> Member:
        if member.telegram_id is not None and await self.by_telegram_id(member.telegram_id):
            raise ValueError("telegram_id is unique")
        return self.insert(member)

    async def recipients(
        self,
        *,
        kind: OrganisationKind | None = None,
        group_id: int | None = None,
        organisation_id: int | None = None,
    ) -> Sequence[Member]:
        return [
            m
            for m in self.rows.values()
            if m.status is MemberStatus.ACTIVE
            and m.telegram_id is not None
            and self._organisations.rows[m.organisation_id].status.receives
            and (organisation_id is None or m.organisation_id == organisation_id)
            and (kind is None or self._organisations.rows[m.organisation_id].kind is kind)
            and (group_id is None or (group_id, m.id) in self._groups.links)
        ]

    async def active_with_organisations(self) -> Sequence[tuple[Member, Organisation]]:
        return [
            (m, self._organisations.rows[m.organisation_id])
            for m in self.rows.values()
            if m.status is MemberStatus.ACTIVE
        ]


class FakeInvitations(_Table[Invitation]):
    def __init__(self, organisations: FakeOrganisations) -> None:
        super().__init__()
        self._organisations = organisations

    async def get(self, invitation_id: int) -> Invitation | None:
        return self.rows.get(invitation_id)

    async def by_code_hash(self, code_hash: str) -> Invitation | None:
        return next((i for i in self.rows.values() if i.code_hash == code_hash), None)

    async def add(self, invitation: Invitation) -> Invitation:
        return self.insert(invitation)

    async def mark_used(self, invitation: Invitation, now: datetime) -> bool:
        if invitation.used_at is not None:
            return False
        invitation.used_at = now
        return True

    async def open_with_organisations(
        self, now: datetime
    ) -> Sequence[tuple[Invitation, Organisation]]:
        return [
            (i, self._organisations.rows[i.organisation_id])
            for i in self.rows.values()
            if i.revoked_at is None and i.used_at is None and i.expires_at > now
        ]


class FakeGroups(_Table[WorkingGroup]):
    def __init__(self) -> None:
        super().__init__()
        self.links: dict[tuple[int, int], WorkingGroupMember] = {}

    async def get(self, group_id: int) -> WorkingGroup | None:
        return self.rows.get(group_id)

    async def by_name(self, name: str) -> WorkingGroup | None:
        return next((g for g in self.rows.values() if g.name.lower() == name.lower()), None)

    async def count(self) -> int:
        return len(self.rows)

    async def add(self, group: WorkingGroup) -> WorkingGroup:
        return self.insert(group)

    async def add_missing(self, names: Sequence[str], now: datetime) -> int:
        known = {g.name for g in self.rows.values()}
        new = [name for name in names if name not in known]
        for name in new:
            self.insert(WorkingGroup(name=name, created_at=now))
        return len(new)

    async def active(self) -> Sequence[WorkingGroup]:
        return [g for g in self.rows.values() if g.archived_at is None]

    async def group_ids_of(self, member_id: int) -> set[int]:
        return {gid for gid, mid in self.links if mid == member_id}

    async def groups_of(self, member_id: int) -> Sequence[WorkingGroup]:
        return [self.rows[gid] for gid in sorted(await self.group_ids_of(member_id))]

    async def membership(self, group_id: int, member_id: int) -> WorkingGroupMember | None:
        return self.links.get((group_id, member_id))

    async def join(self, link: WorkingGroupMember) -> bool:
        key = (link.group_id, link.member_id)
        if key in self.links:
            return False
        self.links[key] = link
        return True

    async def leave(self, link: WorkingGroupMember) -> None:
        self.links.pop((link.group_id, link.member_id), None)

    async def remove_member_everywhere(self, member_id: int) -> None:
        for key in [k for k in self.links if k[1] == member_id]:
            del self.links[key]

    async def member_counts(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for gid, _ in self.links:
            counts[gid] = counts.get(gid, 0) + 1
        return counts


class FakeUserSettings:
    def __init__(self) -> None:
        self.rows: dict[int, UserSettings] = {}

    async def get(self, telegram_id: int) -> UserSettings | None:
        return self.rows.get(telegram_id)

    async def languages(self, telegram_ids: Sequence[int]) -> dict[int, str]:
        return {t: self.rows[t].language for t in telegram_ids if t in self.rows}

    async def put(self, settings: UserSettings) -> None:
        self.rows[settings.telegram_id] = settings

    async def delete(self, telegram_id: int) -> None:
        self.rows.pop(telegram_id, None)


class FakeOutbox:
    def __init__(self) -> None:
        self.rows: dict[str, OutboxMessage] = {}
        self._last_id = 0
        self.ballots: FakeBallots | None = None

    async def enqueue(self, messages: Sequence[OutboxMessage | Mapping[str, Any]]) -> int:
        rows = [m if isinstance(m, OutboxMessage) else OutboxMessage(**m) for m in messages]
        new = [m for m in rows if m.dedup_key not in self.rows]
        for row in new:
            self._last_id += 1
            row.id = self._last_id
            self.rows[row.dedup_key] = row
        return len(new)

    async def reschedule(
        self, prefix: str, messages: Sequence[OutboxMessage | Mapping[str, Any]]
    ) -> None:
        for key in [k for k, r in self.rows.items() if k.startswith(prefix)]:
            if self.rows[key].state is OutboxState.PENDING:
                del self.rows[key]
        await self.enqueue(messages)

    async def sent_messages(self, prefix: str, kinds: Sequence[str]) -> Sequence[SentMessage]:
        return [
            SentMessage(r.id or 0, r.chat_id, r.member_id, r.telegram_message_id)
            for key, r in self.rows.items()
            if key.startswith(prefix)
            and r.kind in kinds
            and r.state is OutboxState.SENT
            and r.telegram_message_id is not None
        ]

    async def sent_by_keys(self, keys: Sequence[str]) -> Sequence[tuple[str, SentMessage]]:
        return [
            (key, SentMessage(r.id or 0, r.chat_id, r.member_id, r.telegram_message_id))
            for key, r in self.rows.items()
            if key in keys and r.state is OutboxState.SENT and r.telegram_message_id is not None
        ]

    async def sent_and_posted(
        self, keys: Sequence[str], ballot_id: int
    ) -> tuple[list[tuple[str, SentMessage]], list[tuple[int, int]]]:
        assert self.ballots is not None  # set by FakeUnitOfWork
        posts = await self.ballots.posts(ballot_id)
        return list(await self.sent_by_keys(keys)), [(p.chat_id, p.message_id) for p in posts]

    async def replace_edits(self, messages: Sequence[Mapping[str, Any]]) -> int:
        for message in messages:
            for key, row in list(self.rows.items()):
                if (
                    row.state is OutboxState.PENDING
                    and row.chat_id == message["chat_id"]
                    and row.edit_message_id == message["edit_message_id"]
                ):
                    del self.rows[key]
        return await self.enqueue(messages)

    async def sent_as(self, chat_id: int, message_id: int, kind: str) -> str | None:
        for key, r in self.rows.items():
            if (r.chat_id, r.telegram_message_id, r.kind) == (chat_id, message_id, kind):
                return key
        return None

    async def state_counts(self, broadcast_ids: Sequence[int]) -> dict[int, dict[OutboxState, int]]:
        counts: dict[int, dict[OutboxState, int]] = {}
        for row in self.rows.values():
            if row.broadcast_id is not None and row.broadcast_id in broadcast_ids:
                per = counts.setdefault(row.broadcast_id, {})
                per[row.state] = per.get(row.state, 0) + 1
        return counts

    async def unsuccessful(
        self, broadcast_id: int
    ) -> Sequence[tuple[OutboxMessage, Member | None]]:
        return [
            (row, None)
            for row in self.rows.values()
            if row.broadcast_id == broadcast_id
            and row.state in (OutboxState.FAILED, OutboxState.SKIPPED)
        ]


class FakeBroadcasts(_Table[Broadcast]):
    async def get(self, broadcast_id: int) -> Broadcast | None:
        return self.rows.get(broadcast_id)

    async def add(self, broadcast: Broadcast) -> Broadcast:
        return self.insert(broadcast)

    async def change_state(
        self, broadcast_id: int, old: BroadcastState, new: BroadcastState, **values: object
    ) -> bool:
        broadcast = self.rows.get(broadcast_id)
        if broadcast is None or broadcast.state is not old:
            return False
        broadcast.state = new
        for name, value in values.items():
            setattr(broadcast, name, value)
        return True

    async def recent(self, limit: int) -> Sequence[Broadcast]:
        return sorted(self.rows.values(), key=lambda b: -(b.id or 0))[:limit]


class FakeMeetings(_Table[Meeting]):
    def __init__(self, members: FakeMembers, organisations: FakeOrganisations) -> None:
        super().__init__()
        self._members = members
        self._organisations = organisations
        self.rsvps: dict[tuple[int, int], MeetingRsvp] = {}
        self.earlier: dict[tuple[int, int], RsvpAnswer] = {}
        self.cancellations: dict[int, MeetingCancellation] = {}
        self.items = _Table[AgendaItem]()
        self.groups = FakeGroups()  # the unit of work's, set there
        self.series: FakeSeries | None = None  # the unit of work's, set there

    async def add(self, meeting: Meeting) -> Meeting:
        return self.insert(meeting)

    async def get(self, meeting_id: int) -> Meeting | None:
        return self.rows.get(meeting_id)

    async def upcoming(
        self, now: datetime, limit: int, group_ids: set[int] | None = None
    ) -> Sequence[Meeting]:
        scheduled = [
            m
            for m in self.rows.values()
            if m.status is MeetingStatus.SCHEDULED
            and m.ends_at > now
            and (group_ids is None or m.group_id is None or m.group_id in group_ids)
        ]
        return sorted(scheduled, key=lambda m: (m.starts_at, m.id or 0))[:limit]

    async def upcoming_of(
        self, now: datetime, limit: int, member_id: int | None, *, everything: bool
    ) -> Sequence[UpcomingMeeting]:
        groups = self.groups
        mine = await groups.group_ids_of(member_id) if member_id else set()
        active = {g.id: g.name for g in await groups.active()}
        rows = []
        for m in await self.upcoming(now, limit, group_ids=None if everything else mine):
            mid = m.id or 0
            rsvp = self.rsvps.get((mid, member_id or 0))
            rows.append(
                UpcomingMeeting(
                    m,
                    rsvp.answer if rsvp else None,
                    self.earlier.get((mid, member_id or 0)),
                    active.get(m.group_id) if m.group_id else None,
                    self.series is not None and mid in self.series.occurrences_by_meeting,
                    m.group_id in mine,
                )
            )
        return rows

    def revision(self, meeting: Meeting) -> int:
        """Stands for the stamp `meeting:<id>`: changes whenever the meeting or its agenda do
        (the database raises a counter on every flush instead)."""
        agenda = tuple(
            (i.id, i.position, i.title, i.organisation_id, i.duration_minutes)
            for i in self.items.rows.values()
            if i.meeting_id == meeting.id
        )
        return hash((tuple(meeting.model_dump().items()), agenda))

    async def feed_entries(
        self, ended_after: datetime, cancelled_since: datetime, member_id: int
    ) -> Sequence[FeedEntry]:
        shown = [
            m
            for m in self.rows.values()
            if m.ends_at > ended_after
            and (m.status is MeetingStatus.SCHEDULED or m.updated_at >= cancelled_since)
        ]
        return [
            FeedEntry(
                m.id or 0,
                m.uid,
                m.sequence,
                self.revision(m),
                r.answer if (r := self.rsvps.get((m.id or 0, member_id))) else None,
            )
            for m in sorted(shown, key=lambda m: (m.starts_at, m.id or 0))
        ]

    async def with_agendas(
        self, meeting_ids: Sequence[int]
    ) -> dict[int, tuple[Meeting, list[tuple[AgendaItem, Organisation | None]]]]:
        agendas = await self.agendas([mid for mid in meeting_ids if mid in self.rows])
        return {mid: (self.rows[mid], agenda) for mid, agenda in agendas.items()}

    async def answers(self, meeting_id: int) -> Sequence[tuple[MeetingRsvp, Member]]:
        return [
            (rsvp, self._members.rows[member_id])
            for (mid, member_id), rsvp in self.rsvps.items()
            if mid == meeting_id and member_id in self._members.rows
        ]

    async def answers_of(self, member_id: int, meeting_ids: Sequence[int]) -> dict[int, RsvpAnswer]:
        return {
            mid: self.rsvps[(mid, member_id)].answer
            for mid in meeting_ids
            if (mid, member_id) in self.rsvps
        }

    async def set_answer(self, rsvp: MeetingRsvp) -> None:
        self.rsvps[(rsvp.meeting_id, rsvp.member_id)] = rsvp

    async def cancellation(self, meeting_id: int) -> MeetingCancellation | None:
        return self.cancellations.get(meeting_id)

    async def add_cancellation(self, cancellation: MeetingCancellation) -> None:
        self.cancellations[cancellation.meeting_id] = cancellation

    async def supersede_answers(self, meeting_id: int, now: datetime) -> None:
        for key in [k for k in self.rsvps if k[0] == meeting_id]:
            self.earlier[key] = self.rsvps.pop(key).answer

    async def earlier_answers(
        self, meeting_ids: Sequence[int], member_id: int | None = None
    ) -> dict[tuple[int, int], RsvpAnswer]:
        return {
            (mid, who): answer
            for (mid, who), answer in self.earlier.items()
            if mid in meeting_ids and member_id in (None, who)
        }

    async def agenda(self, meeting_id: int) -> Sequence[AgendaItem]:
        items = [i for i in self.items.rows.values() if i.meeting_id == meeting_id]
        return sorted(items, key=lambda i: (i.position, i.id or 0))

    async def agendas(
        self, meeting_ids: Sequence[int]
    ) -> dict[int, list[tuple[AgendaItem, Organisation | None]]]:
        return {
            mid: [
                (item, self._organisations.rows.get(item.organisation_id or 0))
                for item in await self.agenda(mid)
            ]
            for mid in meeting_ids
        }

    async def add_agenda_item(self, item: AgendaItem) -> AgendaItem:
        return self.items.insert(item)

    async def delete_agenda_item(self, item: AgendaItem) -> None:
        del self.items.rows[item.id or 0]


class FakeFeeds:
    def __init__(
        self, members: FakeMembers, settings: FakeUserSettings, meetings: FakeMeetings
    ) -> None:
        self.rows: dict[int, CalendarFeed] = {}
        self.coordinators: dict[int, CoordinatorFeed] = {}
        self.stored_secret: str | None = None
        self._members = members
        self._settings = settings
        self._meetings = meetings
        self.tasks: FakeTasks | None = None

    async def state(self, token_hash: str) -> FeedState | None:
        """The stamps stand in as hashes of what they count (the database counts changes)."""
        feed = await self.by_token_hash(token_hash)
        meetings = hash(tuple(self._meetings.revision(m) for m in self._meetings.rows.values()))
        if feed is None:
            own = await self.coordinator_by_token_hash(token_hash)
            if own is None:
                return None
            chosen = self._settings.rows.get(own.telegram_id)
            language = chosen.language if chosen else None
            return FeedState(0, None, own.telegram_id, language, meetings, 0, 0, (), True)
        if feed.member_id not in self._members.rows:
            return None
        member = self._members.rows[feed.member_id]
        settings = self._settings.rows.get(member.telegram_id or 0)
        tasks = list(self.tasks.rows.values()) if self.tasks is not None else []

        def tasks_of(owned: Callable[[Task], bool]) -> int:
            return hash(tuple(tuple(t.model_dump().items()) for t in tasks if owned(t)))

        answers = tuple(
            (mid, r.answer) for (mid, who), r in self._meetings.rsvps.items() if who == member.id
        )
        return FeedState(
            member_id=feed.member_id,
            organisation_id=member.organisation_id,
            telegram_id=member.telegram_id,
            language=settings.language if settings else None,
            meetings=meetings,
            organisation=tasks_of(lambda t: t.organisation_id == member.organisation_id),
            member=hash((tasks_of(lambda t: t.member_id == member.id), answers)),
            groups=tuple(sorted(g for g, who in self._members._groups.links if who == member.id)),
        )

    async def of_member(self, member_id: int) -> CalendarFeed | None:
        return self.rows.get(member_id)

    async def by_token_hash(self, token_hash: str) -> CalendarFeed | None:
        return next((f for f in self.rows.values() if f.token_hash == token_hash), None)

    async def put(self, feed: CalendarFeed) -> None:
        self.rows[feed.member_id] = feed

    async def of_coordinator(self, telegram_id: int) -> CoordinatorFeed | None:
        return self.coordinators.get(telegram_id)

    async def coordinator_by_token_hash(self, token_hash: str) -> CoordinatorFeed | None:
        found = (f for f in self.coordinators.values() if f.token_hash == token_hash)
        return next(found, None)

    async def put_coordinator(self, feed: CoordinatorFeed) -> None:
        self.coordinators[feed.telegram_id] = feed

    async def secret(self, make: str, now: datetime) -> str:
        if self.stored_secret is None:
            self.stored_secret = make
        return self.stored_secret


class FakeTasks(_Table[Task]):
    def __init__(self) -> None:
        super().__init__()
        self.event_rows: _Table[TaskEvent] = _Table()

    async def add_event(self, event: TaskEvent) -> None:
        self.event_rows.insert(event)

    async def events(self, task_id: int) -> Sequence[TaskEvent]:
        rows = [e for e in self.event_rows.rows.values() if e.task_id == task_id]
        return sorted(rows, key=lambda e: (e.at, e.id or 0))

    async def add(self, task: Task) -> Task:
        return self.insert(task)

    async def get(self, task_id: int) -> Task | None:
        return self.rows.get(task_id)

    async def open_tasks(
        self, *, organisation_id: int | None = None, member_id: int | None = None
    ) -> Sequence[Task]:
        everyone = organisation_id is None and member_id is None
        tasks = [
            t
            for t in self.rows.values()
            if t.status is TaskStatus.OPEN
            and (
                everyone
                # As in SQL, a NULL parameter matches no row.
                or (organisation_id is not None and t.organisation_id == organisation_id)
                or (member_id is not None and t.member_id == member_id)
            )
        ]
        return sorted(tasks, key=lambda t: (t.due_date, t.id or 0))


class FakeProposals(_Table[Proposal]):
    async def add(self, proposal: Proposal) -> Proposal:
        return self.insert(proposal)

    async def get(self, proposal_id: int) -> Proposal | None:
        return self.rows.get(proposal_id)

    async def change_status(
        self,
        proposal_id: int,
        old: Sequence[ProposalStatus],
        new: ProposalStatus,
        **values: object,
    ) -> bool:
        proposal = self.rows.get(proposal_id)
        if proposal is None or proposal.status not in old:
            return False
        proposal.status = new
        for name, value in values.items():
            setattr(proposal, name, value)
        return True

    async def with_status(
        self, statuses: Sequence[ProposalStatus], limit: int = 50
    ) -> Sequence[Proposal]:
        return [p for _, p in sorted(self.rows.items()) if p.status in statuses][:limit]

    async def on_meeting(self, meeting_id: int) -> Sequence[Proposal]:
        return [
            p
            for p in self.rows.values()
            if p.meeting_id == meeting_id and p.status is ProposalStatus.SCHEDULED
        ]


class FakeBallots(_Table[Ballot]):
    def __init__(
        self, proposals: FakeProposals, members: FakeMembers, organisations: FakeOrganisations
    ) -> None:
        super().__init__()
        self._proposals = proposals
        self._members = members
        self._organisations = organisations
        self.cast_votes: dict[tuple[int, str], Vote] = {}
        self.post_rows = _Table[BallotPost]()
        # Member ids with a role (FakeRepresentation keeps it up to date).
        self.representatives: set[int] = set()
        self.roles: dict[int, tuple[int, RepresentativeRole]] = {}  # member: (organisation, role)

    async def add(self, ballot: Ballot) -> Ballot:
        return self.insert(ballot)

    async def with_topic(self, ballot_id: int) -> BallotTopic | None:
        ballot = self.rows.get(ballot_id)
        if ballot is None:
            return None
        proposal = self._proposals.rows[ballot.proposal_id]
        return BallotTopic(
            ballot,
            proposal,
            self._members.rows.get(proposal.member_id or 0),
            self._organisations.rows.get(proposal.organisation_id or 0),
            (await self.round_counts([ballot.proposal_id]))[ballot.proposal_id],
        )

    async def of_proposal(self, proposal_id: int) -> Ballot | None:
        return next(iter(reversed(await self.rounds(proposal_id))), None)

    async def round_counts(self, proposal_ids: Sequence[int]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for ballot in self.rows.values():
            if ballot.proposal_id in proposal_ids:
                counts[ballot.proposal_id] = counts.get(ballot.proposal_id, 0) + 1
        return counts

    async def rounds(self, proposal_id: int) -> Sequence[Ballot]:
        return sorted(
            (b for b in self.rows.values() if b.proposal_id == proposal_id),
            key=lambda b: b.id or 0,
        )

    async def open_ballots(self) -> Sequence[tuple[Ballot, Proposal]]:
        ballots = sorted(
            (b for b in self.rows.values() if b.closed_at is None),
            key=lambda b: (b.deadline, b.id or 0),
        )
        return [(b, self._proposals.rows[b.proposal_id]) for b in ballots]

    async def due(self, now: datetime) -> Sequence[int]:
        return [b.id or 0 for b, _ in await self.open_ballots() if b.deadline <= now]

    async def next_deadline(self) -> datetime | None:
        return min((b.deadline for b, _ in await self.open_ballots()), default=None)

    async def start_closing(self, ballot_id: int, *, now: datetime, closed_by: int | None) -> bool:
        ballot = self.rows.get(ballot_id)
        if ballot is None or ballot.closed_at is not None:
            return False
        ballot.closed_at, ballot.closed_by = now, closed_by
        return True

    async def record_result(
        self,
        ballot_id: int,
        *,
        closed_at: datetime,
        outcome: BallotOutcome,
        result: dict[str, Any],
    ) -> None:
        ballot = self.rows[ballot_id]
        ballot.closed_at, ballot.outcome, ballot.result = closed_at, outcome, result

    async def vote(self, ballot_id: int, voter: str) -> Vote | None:
        return self.cast_votes.get((ballot_id, voter))

    async def cast(self, vote: Vote, *, lead_first: bool = False) -> VoteCapacity | None:
        """One row per voter, replaced (a new object, as a read after the upsert gives), and
        only while the ballot is open and before its deadline; with `lead_first` a deputy's
        vote does not replace the Stimmführung's."""
        ballot = self.rows.get(vote.ballot_id)
        if ballot is None or ballot.closed_at is not None or ballot.deadline <= vote.cast_at:
            return None
        key = (vote.ballot_id, vote.voter)
        before = self.cast_votes.get(key)
        # The member's role in the organisation they vote for, as the store reads it.
        org_role = self.roles.get(vote.member_id or 0)
        role = org_role[1] if org_role and org_role[0] == vote.organisation_id else None
        capacity = VoteCapacity(role.value) if role is not None else VoteCapacity.MEMBER
        vote = vote.model_copy(update={"capacity": capacity})
        if (
            lead_first
            and before is not None
            and before.capacity is VoteCapacity.LEAD
            and capacity is VoteCapacity.DEPUTY
        ):
            return None
        self.cast_votes[key] = Vote(
            id=before.id if before else len(self.cast_votes) + 1,
            **vote.model_dump(exclude={"id"}),
        )
        return capacity

    async def votes(self, ballot_id: int) -> Sequence[Vote]:
        votes = [v for (bid, _), v in self.cast_votes.items() if bid == ballot_id]
        return sorted(votes, key=lambda v: v.cast_at)

    async def votes_of(self, ballot_ids: Sequence[int], voters: Sequence[str]) -> Sequence[Vote]:
        return [
            v
            for (bid, voter), v in self.cast_votes.items()
            if bid in ballot_ids and voter in voters
        ]

    async def tally(self, ballot_id: int) -> dict[VoteChoice, int]:
        counts: dict[VoteChoice, int] = {}
        for vote in await self.votes(ballot_id):
            counts[vote.choice] = counts.get(vote.choice, 0) + 1
        return counts

    async def voters(self, ballot_id: int) -> set[str]:
        return {v.voter for v in await self.votes(ballot_id)}

    async def eligible(
        self, ballot_id: int, mode: VoteMode, right: VoteRight = VoteRight.ANYONE
    ) -> int:
        members = [
            m
            for m in await self._members.recipients()
            if self._organisations.rows[m.organisation_id].status.has_vote
            and (
                mode is VoteMode.ORGANISATION
                or right is VoteRight.ANYONE
                or m.id in self.representatives
            )
        ]
        keys = {
            voter_key(mode, organisation_id=m.organisation_id, member_id=m.id or 0) for m in members
        }
        return len(keys | await self.voters(ballot_id))

    async def electorate(self, ballot_id: int, mode: VoteMode, right: VoteRight) -> tuple[int, int]:
        advisory = sum(
            1 for o in self._organisations.rows.values() if o.status is OrganisationStatus.ADVISORY
        )
        return await self.eligible(ballot_id, mode, right), advisory

    async def counts(
        self, ballot_id: int, mode: VoteMode, right: VoteRight
    ) -> tuple[dict[VoteChoice, int], int, int]:
        return await self.tally(ballot_id), *await self.electorate(ballot_id, mode, right)

    async def voted_counts(self, ballot_ids: Sequence[int]) -> dict[int, int]:
        return {bid: len(await self.voters(bid)) for bid in ballot_ids if await self.voters(bid)}

    async def add_post(self, post: BallotPost) -> None:
        self.post_rows.insert(post)

    async def posts(self, ballot_id: int) -> Sequence[BallotPost]:
        return [p for p in self.post_rows.rows.values() if p.ballot_id == ballot_id]


class FakeRepresentation:
    def __init__(self, members: FakeMembers, ballots: FakeBallots) -> None:
        self._members = members
        self._ballots = ballots
        self.rows: list[Representative] = []

    def _sync(self) -> None:
        self._ballots.representatives = {r.member_id for r in self.rows}
        self._ballots.roles = {r.member_id: (r.organisation_id, r.role) for r in self.rows}

    async def of_organisation(
        self, organisation_id: int
    ) -> Sequence[tuple[Representative, Member]]:
        rows = [
            (r, self._members.rows[r.member_id])
            for r in self.rows
            if r.organisation_id == organisation_id
            and self._members.rows[r.member_id].status is MemberStatus.ACTIVE
        ]
        return sorted(rows, key=lambda p: (p[0].role is not RepresentativeRole.LEAD, p[0].id or 0))

    async def roles(self, member_ids: Sequence[int]) -> dict[int, RepresentativeRole]:
        return {
            r.member_id: r.role
            for r in self.rows
            if r.member_id in member_ids
            and self._members.rows[r.member_id].organisation_id == r.organisation_id
        }

    async def all(self) -> Sequence[Representative]:
        return [
            r for r in self.rows if self._members.rows[r.member_id].status is MemberStatus.ACTIVE
        ]

    async def replace(
        self, organisation_id: int, lead_id: int | None, deputy_ids: Sequence[int], now: datetime
    ) -> None:
        ids = {i for i in (lead_id, *deputy_ids) if i is not None}
        self.rows = [
            r for r in self.rows if r.organisation_id != organisation_id and r.member_id not in ids
        ]
        if lead_id is not None:
            for member_id, role in [(lead_id, RepresentativeRole.LEAD)] + [
                (d, RepresentativeRole.DEPUTY) for d in deputy_ids
            ]:
                self.rows.append(
                    Representative(
                        id=len(self.rows) + 1,
                        organisation_id=organisation_id,
                        member_id=member_id,
                        role=role,
                        appointed_at=now,
                    )
                )
        self._sync()


class FakePersonalData:
    """The registry-driven export and forgetting run on the real database (tests/e2e/
    test_privacy.py); on fakes the services' own steps are what is tested."""

    async def rows_of(
        self, member_id: int, telegram_id: int | None
    ) -> dict[str, list[dict[str, Any]]]:
        return {}

    async def forget(self, member_id: int, telegram_id: int | None) -> None:
        return None


class FakeHistory:
    """An organisation's history on fakes: its members (the walk over every table runs on the
    real database, tests/e2e/test_organisations_admin.py)."""

    def __init__(self, organisations: FakeOrganisations, members: FakeMembers) -> None:
        self.dropped_roles: list[int] = []
        self._organisations = organisations
        self._members = members

    async def counts(self, organisation_id: int) -> dict[str, int]:
        count = sum(1 for m in self._members.rows.values() if m.organisation_id == organisation_id)
        return {"member.organisation_id": count} if count else {}

    async def last_activity(self, member_id: int) -> datetime | None:
        return None

    async def vote_conflicts(self, keep: int, gone: int) -> int:
        return 0

    async def merge(self, keep: int, gone: int) -> None:
        for member in self._members.rows.values():
            if member.organisation_id == gone:
                member.organisation_id = keep
        await self.delete(gone)

    async def drop_roles(self, member_id: int) -> None:
        self.dropped_roles.append(member_id)

    async def delete(self, organisation_id: int) -> None:
        self._organisations.rows.pop(organisation_id, None)


class FakeForms:
    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], FormStateRow] = {}

    async def get(self, chat_id: int, user_id: int) -> FormStateRow | None:
        return self.rows.get((chat_id, user_id))

    async def put(
        self, chat_id: int, user_id: int, *, form: str, state: str, now: datetime
    ) -> None:
        self.rows[chat_id, user_id] = FormStateRow(
            chat_id=chat_id, user_id=user_id, form=form, state=state, updated_at=now
        )

    async def delete(self, chat_id: int, user_id: int) -> None:
        self.rows.pop((chat_id, user_id), None)

    async def stale(self, before: datetime, limit: int) -> Sequence[FormStateRow]:
        rows = [row for row in self.rows.values() if row.updated_at < before]
        return sorted(rows, key=lambda row: row.updated_at)[:limit]

    async def purge(self, before: datetime) -> int:
        old = [key for key, row in self.rows.items() if row.updated_at < before]
        for key in old:
            del self.rows[key]
        return len(old)


class FakeQuestions(_Table[Question]):
    def __init__(self, members: FakeMembers, organisations: FakeOrganisations) -> None:
        super().__init__()
        self._members = members
        self._organisations = organisations

    async def add(self, question: Question) -> Question:
        return self.insert(question)

    async def get(self, question_id: int) -> Question | None:
        return self.rows.get(question_id)

    async def answer(self, question_id: int, *, text: str, by: int, now: datetime) -> bool:
        question = self.rows.get(question_id)
        if question is None or question.answered_at is not None:
            return False
        question.answer, question.answered_by, question.answered_at = text, by, now
        return True

    async def recent(self, limit: int) -> Sequence[tuple[Question, Member, Organisation | None]]:
        found = []
        for question in sorted(self.rows.values(), key=lambda q: -(q.id or 0))[:limit]:
            member = await self._members.get(question.member_id)
            assert member is not None
            organisation = await self._organisations.get(member.organisation_id)
            found.append((question, member, organisation))
        return found


class FakeOParlSettings:
    """OParl (issue 21): internal meetings, consents, organisations' council systems."""

    def __init__(self) -> None:
        self.rows: dict[tuple[type, int], Any] = {}

    @staticmethod
    def _key(
        row: MeetingInternal | MemberVisibility | OrganisationExternalBody,
    ) -> tuple[type, int]:
        if isinstance(row, MeetingInternal):
            return MeetingInternal, row.meeting_id
        if isinstance(row, MemberVisibility):
            return MemberVisibility, row.member_id
        return OrganisationExternalBody, row.organisation_id

    async def internal(self, meeting_id: int) -> MeetingInternal | None:
        found: MeetingInternal | None = self.rows.get((MeetingInternal, meeting_id))
        return found

    async def visibility(self, member_id: int) -> MemberVisibility | None:
        found: MemberVisibility | None = self.rows.get((MemberVisibility, member_id))
        return found

    async def external_body(self, organisation_id: int) -> OrganisationExternalBody | None:
        found: OrganisationExternalBody | None = self.rows.get(
            (OrganisationExternalBody, organisation_id)
        )
        return found

    async def put(self, row: MeetingInternal | MemberVisibility | OrganisationExternalBody) -> None:
        self.rows[self._key(row)] = row

    async def remove(
        self, row: MeetingInternal | MemberVisibility | OrganisationExternalBody
    ) -> None:
        del self.rows[self._key(row)]


class FakeUnitOfWork:
    """One shared in-memory store; `commits` counts how often a use case committed."""

    def __init__(self) -> None:
        self.organisations = FakeOrganisations()
        self.user_settings = FakeUserSettings()
        self.groups = FakeGroups()
        self.members = FakeMembers(self.organisations, self.user_settings, self.groups)
        self.invitations = FakeInvitations(self.organisations)
        self.outbox = FakeOutbox()
        self.broadcasts = FakeBroadcasts()
        self.meetings = FakeMeetings(self.members, self.organisations)
        self.meetings.groups = self.groups
        self.feeds = FakeFeeds(self.members, self.user_settings, self.meetings)
        self.tasks = FakeTasks()
        self.feeds.tasks = self.tasks
        self.proposals = FakeProposals()
        self.ballots = FakeBallots(self.proposals, self.members, self.organisations)
        self.outbox.ballots = self.ballots
        self.personal = FakePersonalData()
        self.representation = FakeRepresentation(self.members, self.ballots)
        self.polls = FakePolls()
        self.forms = FakeForms()
        self.members.forms = self.forms
        self.questions = FakeQuestions(self.members, self.organisations)
        self.series = FakeSeries(self.meetings)
        self.meetings.series = self.series
        self.oparl = FakeOParlSettings()
        self.history = FakeHistory(self.organisations, self.members)
        self.commits = 0

    def __call__(self) -> Self:
        return self

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self, *, completes_update: bool = True) -> None:
        self.commits += 1
