"""A small forum in memory for the service unit tests: organisations, members, actors, and what
landed in the outbox (who is told what, by kind and dedup key; never the rendered texts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.calendar import Organizer
from bot.services.actor import Actor, Profile
from bot.services.agenda import AgendaService
from bot.services.meetings import MeetingService
from storage.models import (
    Member,
    MemberStatus,
    Organisation,
    OutboxMessage,
    OutboxState,
    Proposal,
    WorkingGroup,
    WorkingGroupMember,
)
from tests.support import COORDINATOR_ID, FakeClock
from tests.unit.fakes import FakeUnitOfWork

ZONE = ZoneInfo("Europe/Berlin")
COORDINATORS = frozenset({COORDINATOR_ID})


class CountingNotifier:
    """The services' wake-ups, noted: how often the outbox changed, which vote deadlines."""

    def __init__(self) -> None:
        self.calls = 0
        self.deadlines: list[datetime] = []

    def outbox_changed(self) -> None:
        self.calls += 1

    def vote_deadline(self, when: datetime) -> None:
        self.deadlines.append(when)


class Forum:
    """Stadt Jena (two members), Gemeinde Zöllnitz and Gemeinde Bucha (one each), and the
    coordinator, who is not a member."""

    def __init__(self) -> None:
        self.uow = FakeUnitOfWork()
        self.clock = FakeClock()
        self.notifier = CountingNotifier()
        self.jena = self.organisation("Stadt Jena")
        self.zoellnitz = self.organisation("Gemeinde Zöllnitz")
        self.bucha = self.organisation("Gemeinde Bucha")
        self.anna = self.member(self.jena, 101, "Anna", username="anna")
        self.jonas = self.member(self.jena, 102, "Jonas")
        self.zora = self.member(self.zoellnitz, 201, "Zora")
        self.bert = self.member(self.bucha, 301, "Bert")
        self.coordinator = Actor(Profile(COORDINATOR_ID, "Koordination"), None, None, True, "de")

    def organisation(self, name: str) -> Organisation:
        return self.uow.organisations.insert(Organisation(name=name, created_at=self.clock.now()))

    def member(
        self,
        organisation: Organisation,
        telegram_id: int | None,
        first_name: str,
        *,
        username: str | None = None,
        joined_at: datetime | None = None,
    ) -> Member:
        assert organisation.id is not None
        return self.uow.members.insert(
            Member(
                telegram_id=telegram_id,
                first_name=first_name,
                username=username,
                organisation_id=organisation.id,
                joined_at=joined_at or self.clock.now() - timedelta(days=100),
            )
        )

    def leave(self, member: Member) -> None:
        member.status = MemberStatus.LEFT

    def actor(self, member: Member) -> Actor:
        assert member.telegram_id is not None
        organisation = self.uow.organisations.rows[member.organisation_id]
        profile = Profile(member.telegram_id, member.first_name or "")
        return Actor(profile, member, organisation, False, "de")

    def group(self, name: str, *members: Member) -> WorkingGroup:
        group = self.uow.groups.insert(WorkingGroup(name=name, created_at=self.clock.now()))
        assert group.id is not None
        for member in members:
            assert member.id is not None
            link = WorkingGroupMember(group_id=group.id, member_id=member.id, joined_at=self.now)
            self.uow.groups.links[(group.id, member.id)] = link
        return group

    def proposal(self, proposer: Member, title: str = "Radweg Saaletal") -> Proposal:
        return self.uow.proposals.insert(
            Proposal(
                title=title,
                member_id=proposer.id,
                organisation_id=proposer.organisation_id,
                created_at=self.now,
                updated_at=self.now,
            )
        )

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def members(self) -> list[Member]:
        return [self.anna, self.jonas, self.zora, self.bert]

    # --- the outbox ----------------------------------------------------------------------

    def rows(self, kind: str | None = None, prefix: str = "") -> list[OutboxMessage]:
        return [
            row
            for key, row in self.uow.outbox.rows.items()
            if key.startswith(prefix) and (kind is None or row.kind == kind)
        ]

    def chats(self, kind: str | None = None, prefix: str = "") -> set[int]:
        return {row.chat_id for row in self.rows(kind, prefix)}

    def keys(self, kind: str | None = None, prefix: str = "") -> set[str]:
        return {row.dedup_key for row in self.rows(kind, prefix)}

    def mark_sent(self, kind: str) -> None:
        """Every row of `kind` reached its chat (message id: 1000 + row id)."""
        for row in self.rows(kind):
            row.state = OutboxState.SENT
            row.telegram_message_id = 1000 + (row.id or 0)


def meeting_service(forum: Forum, reminders: Sequence[timedelta]) -> MeetingService:
    return MeetingService(
        forum.uow,
        forum.clock,
        forum.notifier,
        zone=ZONE,
        default_duration=timedelta(hours=2),
        reminders=reminders,
        organizer=Organizer(name="Forum", email="forum@example.org"),
        calendar_name="Forum-Termine",
        public_base_url="https://forum.example.org",
        default_language="de",
    )


def agenda_service(forum: Forum, meetings: MeetingService) -> AgendaService:
    return AgendaService(forum.uow, forum.clock, meetings.notices)


def chats_of(*members: Member) -> set[int]:
    return {m.telegram_id for m in members if m.telegram_id is not None}
