"""In-memory repositories of the outbox, broadcasts, meetings, calendar feeds and tasks (see
tests/unit/fakes.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.unit.fake_people import FakeGroups, FakeMembers, FakeOrganisations, FakeUserSettings

if TYPE_CHECKING:
    from tests.unit.fake_votes import FakeBallots

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from storage.models import (
    AgendaItem,
    Broadcast,
    BroadcastState,
    CalendarFeed,
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    Organisation,
    OutboxMessage,
    OutboxState,
    RsvpAnswer,
    Task,
    TaskStatus,
)
from storage.models_meetings import CoordinatorFeed, MeetingCancellation
from storage.models_tasks import TaskEvent
from storage.rows import (
    FeedEntry,
    FeedState,
    SentMessage,
    UpcomingMeeting,
)
from tests.unit.fake_people import FakeTable
from tests.unit.fake_series import FakeSeries


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


class FakeBroadcasts(FakeTable[Broadcast]):
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


class FakeMeetings(FakeTable[Meeting]):
    def __init__(self, members: FakeMembers, organisations: FakeOrganisations) -> None:
        super().__init__()
        self._members = members
        self._organisations = organisations
        self.rsvps: dict[tuple[int, int], MeetingRsvp] = {}
        self.earlier: dict[tuple[int, int], RsvpAnswer] = {}
        self.cancellations: dict[int, MeetingCancellation] = {}
        self.items = FakeTable[AgendaItem]()
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


class FakeTasks(FakeTable[Task]):
    def __init__(self) -> None:
        super().__init__()
        self.event_rows: FakeTable[TaskEvent] = FakeTable()

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
