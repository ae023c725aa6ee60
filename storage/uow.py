"""Unit of work: one transaction, with the repositories that work inside it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Generic, Self, TypeVar, overload

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

R = TypeVar("R")


class _Repository(Generic[R]):
    """A repository of the unit of work, made for its session when a use case first asks for
    it (a use case needs two or three of the 24, and every update opens two or three
    sessions)."""

    def __init__(self, make: Callable[[AsyncSession], R]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        _REPOSITORIES.append(name)

    @overload
    def __get__(self, instance: None, owner: type) -> Self: ...
    @overload
    def __get__(self, instance: SqlUnitOfWork, owner: type) -> R: ...
    def __get__(self, instance: SqlUnitOfWork | None, owner: type) -> R | Self:
        if instance is None:
            return self
        repository = self._make(instance.session)
        instance.__dict__[self._name] = repository  # found there from now on
        return repository


_REPOSITORIES: list[str] = []


class SqlUnitOfWork:
    """`async with uow:` opens a session; `commit()` makes the work durable, else it rolls back."""

    organisations = _Repository(OrganisationRepository)
    members = _Repository(MemberRepository)
    invitations = _Repository(InvitationRepository)
    groups = _Repository(WorkingGroupRepository)
    user_settings = _Repository(UserSettingsRepository)
    outbox = _Repository(OutboxRepository)
    broadcasts = _Repository(BroadcastRepository)
    meetings = _Repository(MeetingRepository)
    feeds = _Repository(CalendarFeedRepository)
    tasks = _Repository(TaskRepository)
    proposals = _Repository(ProposalRepository)
    ballots = _Repository(BallotRepository)
    polls = _Repository(PollRepository)
    inbox = _Repository(InboxRepository)
    exports = _Repository(ExportRepository)
    personal = _Repository(PersonalDataRepository)
    forms = _Repository(FormStateRepository)
    questions = _Repository(QuestionRepository)
    representation = _Repository(RepresentationRepository)
    decisions = _Repository(DecisionRepository)
    history = _Repository(OrganisationHistoryRepository)
    meeting_day = _Repository(MeetingDayRepository)
    series = _Repository(SeriesRepository)
    oparl = _Repository(OParlSettingsRepository)

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        self._session = self._factory()
        for name in _REPOSITORIES:  # made anew for this session when first used
            self.__dict__.pop(name, None)
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
