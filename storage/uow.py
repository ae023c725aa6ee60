"""Unit of work: one transaction, with the repositories that work inside it."""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import storage.calendar_stamps  # noqa: F401  (raises the feeds' change stamps on every flush)
from storage.inbox import mark_current_update
from storage.repositories import (
    BallotRepository,
    BroadcastRepository,
    CalendarFeedRepository,
    ExportRepository,
    InvitationRepository,
    MeetingRepository,
    MemberRepository,
    OrganisationRepository,
    OutboxRepository,
    ProposalRepository,
    TaskRepository,
    UserSettingsRepository,
    WorkingGroupRepository,
)
from storage.repositories.decisions import DecisionRepository
from storage.repositories.forms import FormStateRepository
from storage.repositories.inbox import InboxRepository
from storage.repositories.meeting_day import MeetingDayRepository
from storage.repositories.oparl_settings import OParlSettingsRepository
from storage.repositories.organisation_history import OrganisationHistoryRepository
from storage.repositories.personal import PersonalDataRepository
from storage.repositories.questions import QuestionRepository
from storage.repositories.representation import RepresentationRepository
from storage.repositories.scheduling import PollRepository
from storage.repositories.series import SeriesRepository


class SqlUnitOfWork:
    """`async with uow:` opens a session; `commit()` makes the work durable, else it rolls back."""

    organisations: OrganisationRepository
    members: MemberRepository
    invitations: InvitationRepository
    groups: WorkingGroupRepository
    user_settings: UserSettingsRepository
    outbox: OutboxRepository
    broadcasts: BroadcastRepository
    meetings: MeetingRepository
    feeds: CalendarFeedRepository
    tasks: TaskRepository
    proposals: ProposalRepository
    ballots: BallotRepository
    polls: PollRepository
    inbox: InboxRepository
    exports: ExportRepository
    personal: PersonalDataRepository
    forms: FormStateRepository
    questions: QuestionRepository
    representation: RepresentationRepository
    decisions: DecisionRepository
    history: OrganisationHistoryRepository
    meeting_day: MeetingDayRepository
    series: SeriesRepository
    oparl: OParlSettingsRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        session = self._factory()
        self._session = session
        self.organisations = OrganisationRepository(session)
        self.members = MemberRepository(session)
        self.invitations = InvitationRepository(session)
        self.groups = WorkingGroupRepository(session)
        self.user_settings = UserSettingsRepository(session)
        self.outbox = OutboxRepository(session)
        self.broadcasts = BroadcastRepository(session)
        self.meetings = MeetingRepository(session)
        self.feeds = CalendarFeedRepository(session)
        self.tasks = TaskRepository(session)
        self.proposals = ProposalRepository(session)
        self.ballots = BallotRepository(session)
        self.polls = PollRepository(session)
        self.inbox = InboxRepository(session)
        self.exports = ExportRepository(session)
        self.personal = PersonalDataRepository(session)
        self.forms = FormStateRepository(session)
        self.questions = QuestionRepository(session)
        self.representation = RepresentationRepository(session)
        self.decisions = DecisionRepository(session)
        self.history = OrganisationHistoryRepository(session)
        self.meeting_day = MeetingDayRepository(session)
        self.series = SeriesRepository(session)
        self.oparl = OParlSettingsRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        # close() rolls back whatever was not committed. Unlike rollback() it does not expire the
        # loaded objects, so what a use case returns stays readable after the block.
        await self._session.close()
        self._session = None

    @property
    def session(self) -> AsyncSession:
        assert self._session is not None, "unit of work used outside `async with`"
        return self._session

    async def commit(self, *, completes_update: bool = True) -> None:
        """Make the work durable. While an update from Telegram is handled, the same
        transaction marks it done (`storage.inbox`), so a restart neither loses nor repeats
        what it changed; `completes_update=False` for bookkeeping that may be repeated (the
        member's name refreshed from their profile) before the update's own work."""
        scope = None
        if completes_update:
            scope = await mark_current_update(self.session, datetime.now(UTC))
        await self.session.commit()
        if scope is not None:
            scope.marked = True
