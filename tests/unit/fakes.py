"""In-memory repositories and unit of work for service tests (no database).

Each fake keeps the contract of its SQL repository that the services rely on (which rows a query
finds, in which order; what a conditional update refuses), not its SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from storage.models import Member, Organisation
from storage.models_forms import FormStateRow, Question
from storage.models_oparl import MeetingInternal, MemberVisibility, OrganisationExternalBody
from tests.unit.fake_meetings import FakeBroadcasts, FakeFeeds, FakeMeetings, FakeOutbox, FakeTasks
from tests.unit.fake_people import (
    FakeGroups,
    FakeHistory,
    FakeInvitations,
    FakeMembers,
    FakeOrganisations,
    FakePersonalData,
    FakeRepresentation,
    FakeTable,
    FakeUserSettings,
)
from tests.unit.fake_polls import FakePolls
from tests.unit.fake_series import FakeSeries
from tests.unit.fake_votes import FakeBallots, FakeProposals


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


class FakeQuestions(FakeTable[Question]):
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
        self.history = FakeHistory(self.organisations, self.members, self.representation)
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
