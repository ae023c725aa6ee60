"""A forum for the OParl tests and bench (tests/integration/test_oparl.py, bench/oparl.py):
organisations, working groups, members, meetings (some internal, cancelled, with minutes and
agendas), topic proposals put to a vote with the organisations' votes, and some that are not
public (never put to a vote, a vote still open).

Stored through the ORM, so the change stamps (storage.calendar_stamps) are raised as by the bot.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.enums import DecisionStatus, RatificationStatus
from storage.models import (
    AgendaItem,
    Ballot,
    BallotOutcome,
    Meeting,
    MeetingStatus,
    Member,
    Organisation,
    OrganisationKind,
    Proposal,
    ProposalStatus,
    Vote,
    VoteChoice,
    VoteMode,
    WorkingGroup,
    WorkingGroupMember,
)
from storage.models_decisions import Decision, Ratification
from storage.models_oparl import MeetingInternal, MemberVisibility, OrganisationExternalBody

KINDS = list(OrganisationKind)
PLACES = ["Zöllnitz", "Großlöbichau", "Jenalöbnitz", "Löberschütz", "Bucha", "Bürgel", "Jena"]
LOCATIONS = ["Rathaus Jena, Markt 1, Plenarsaal", "Gemeindehaus Zöllnitz, Dorfstraße 12", None]
COORDINATOR = 9000


@dataclass
class Forum:
    """What was stored, for the tests' expectations."""

    organisations: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    members: list[int] = field(default_factory=list)
    visible_members: list[int] = field(default_factory=list)
    hidden_names: list[str] = field(default_factory=list)
    meetings: list[int] = field(default_factory=list)
    internal_meetings: list[int] = field(default_factory=list)
    internal_agenda_items: list[int] = field(default_factory=list)
    internal_titles: list[str] = field(default_factory=list)
    papers: list[int] = field(default_factory=list)
    # Papers whose vote is still open: no consultations yet.
    open_papers: list[int] = field(default_factory=list)
    unpublished_proposals: list[int] = field(default_factory=list)
    # The councils' ratifications of the decision on the first paper (issue 16).
    ratifications: list[int] = field(default_factory=list)
    # The public agenda item whose topic is that paper (result, resolutionText, consultation).
    decided_items: list[int] = field(default_factory=list)


async def seed(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    *,
    organisations: int = 6,
    groups: int = 3,
    meetings: int = 12,
    papers: int = 5,
    seed_value: int = 21,
) -> Forum:
    rng = random.Random(seed_value)
    forum = Forum()
    before = now - timedelta(days=400)
    async with sessions() as session:
        orgs = [
            Organisation(
                name=f"{KINDS[i % len(KINDS)].value.title()} {PLACES[i % len(PLACES)]} {i + 1}",
                kind=KINDS[i % len(KINDS)] if i % 7 else None,
                created_at=before,
            )
            for i in range(organisations)
        ]
        session.add_all(orgs)
        working = [
            WorkingGroup(name=f"AG {i + 1} Wohnen", created_at=before) for i in range(groups)
        ]
        session.add_all(working)
        await session.flush()
        forum.organisations = [o.id for o in orgs if o.id is not None]
        forum.groups = [g.id for g in working if g.id is not None]
        session.add(
            OrganisationExternalBody(
                organisation_id=forum.organisations[0],
                url="https://ratsinfo.example.org/oparl/v1/body/1",
                changed_at=before,
            )
        )
        people = []
        for i, org_id in enumerate(forum.organisations):
            for j in range(2):
                people.append(
                    Member(
                        telegram_id=1_000_000 + 2 * i + j,
                        organisation_id=org_id,
                        first_name=f"Jörg{i}x{j}",
                        last_name=f"Müller{i}y{j}",
                        joined_at=before,
                    )
                )
        session.add_all(people)
        await session.flush()
        for k, person in enumerate(people):
            assert person.id is not None
            forum.members.append(person.id)
            if k % 3 == 0:
                forum.visible_members.append(person.id)
                session.add(MemberVisibility(member_id=person.id, agreed_at=before))
            else:
                forum.hidden_names.append(f"{person.first_name} {person.last_name}")
            if forum.groups and k % 2 == 0:
                session.add(
                    WorkingGroupMember(
                        group_id=forum.groups[k % len(forum.groups)],
                        member_id=person.id,
                        joined_at=before,
                    )
                )
        rows: list[Meeting] = []
        for i in range(meetings):
            start = now + timedelta(days=rng.randint(-300, 120), hours=rng.randint(0, 5))
            group_id = (
                None if i % 3 == 0 or not forum.groups else forum.groups[i % len(forum.groups)]
            )
            title = f"Sitzung Nr. {i + 1} – „Zukunft Stadt-Umland“"
            rows.append(
                Meeting(
                    uid=f"oparl-{i}@forum",
                    title=title,
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    location=LOCATIONS[i % len(LOCATIONS)],
                    group_id=group_id,
                    status=MeetingStatus.CANCELLED if i % 20 == 7 else MeetingStatus.SCHEDULED,
                    minutes_file_id=f"minutes-{i}" if i % 5 == 1 else None,
                    minutes_file_name=f"Protokoll {i + 1}.pdf" if i % 5 == 1 else None,
                    minutes_added_at=before if i % 5 == 1 else None,
                    created_by=COORDINATOR,
                    created_at=before,
                    updated_at=before,
                )
            )
        session.add_all(rows)
        await session.flush()
        proposals = []
        for i in range(papers + 3):
            proposals.append(
                Proposal(
                    title=f"Themenvorschlag {i + 1}: Radweg Göschwitz–Maua",
                    member_id=forum.members[i % len(forum.members)],
                    organisation_id=forum.organisations[i % len(forum.organisations)],
                    status=ProposalStatus.ACCEPTED if i % 2 == 0 else ProposalStatus.NOT_ACCEPTED,
                    created_at=before,
                    updated_at=before,
                )
            )
        session.add_all(proposals)
        await session.flush()
        for i, proposal in enumerate(proposals):
            assert proposal.id is not None
            if i == papers:
                # Not public: never put to a vote.
                forum.unpublished_proposals.append(proposal.id)
                proposal.status = ProposalStatus.SUBMITTED
                continue
            if i > papers:
                # Put to a vote that is still open: a paper, its votes not yet shown.
                forum.papers.append(proposal.id)
                forum.open_papers.append(proposal.id)
                proposal.status = ProposalStatus.VOTING
                running = Ballot(
                    proposal_id=proposal.id,
                    mode=VoteMode.ORGANISATION,
                    opened_by=COORDINATOR,
                    opened_at=before,
                    deadline=now + timedelta(days=3),
                )
                session.add(running)
                await session.flush()
                assert running.id is not None
                org_id = forum.organisations[0]
                session.add(
                    Vote(
                        ballot_id=running.id,
                        voter=f"org:{org_id}",
                        organisation_id=org_id,
                        choice=VoteChoice.NO,
                        cast_at=before,
                    )
                )
                continue
            forum.papers.append(proposal.id)
            ballot = Ballot(
                proposal_id=proposal.id,
                mode=VoteMode.ORGANISATION,
                opened_by=COORDINATOR,
                opened_at=before,
                deadline=before + timedelta(days=7),
                closed_at=before + timedelta(days=7),
                outcome=BallotOutcome.ACCEPTED if i % 2 == 0 else BallotOutcome.REJECTED,
                result={},
            )
            session.add(ballot)
            await session.flush()
            assert ballot.id is not None
            if i == 0:
                await _decide(session, forum, ballot.id, proposal.id, before)
            for k, org_id in enumerate(forum.organisations[:5]):
                session.add(
                    Vote(
                        ballot_id=ballot.id,
                        voter=f"org:{org_id}",
                        organisation_id=org_id,
                        choice=list(VoteChoice)[(i + k) % len(VoteChoice)],
                        cast_at=before + timedelta(days=1),
                    )
                )
        for i, meeting in enumerate(rows):
            assert meeting.id is not None
            forum.meetings.append(meeting.id)
            internal = i % 10 == 4
            if internal:
                forum.internal_meetings.append(meeting.id)
                forum.internal_titles.append(meeting.title)
                session.add(
                    MeetingInternal(meeting_id=meeting.id, marked_at=before, marked_by=COORDINATOR)
                )
            if i % 5 in (1, 4):
                for position in range(1, 4):
                    proposal_id = None
                    if position == 3 and forum.papers:
                        # The second meeting (public) takes up the paper with the decision.
                        proposal_id = forum.papers[0 if i == 1 else i % len(forum.papers)]
                    item = AgendaItem(
                        meeting_id=meeting.id,
                        position=position,
                        title=f"TOP {position}: Flächennutzungsplan, Stellungnahmen",
                        proposal_id=proposal_id,
                        created_at=before,
                    )
                    session.add(item)
                    if internal or (i == 1 and position == 3):
                        await session.flush()
                        assert item.id is not None
                        if internal:
                            forum.internal_agenda_items.append(item.id)
                        elif forum.papers and proposal_id == forum.papers[0]:
                            forum.decided_items.append(item.id)
        await session.commit()
    return forum


async def _decide(
    session: AsyncSession, forum: Forum, ballot_id: int, proposal_id: int, at: datetime
) -> None:
    """The forum's decision on a paper, with two councils' ratifications."""
    decision = Decision(
        year=at.year,
        number=7,
        ballot_id=ballot_id,
        proposal_id=proposal_id,
        title="Radweg Göschwitz–Maua",
        text="Das Forum unterstützt den Radweg Göschwitz–Maua.",
        decided_at=at,
        status=DecisionStatus.PROVISIONAL,
        announce_at=at,
        created_at=at,
        updated_at=at,
    )
    session.add(decision)
    await session.flush()
    assert decision.id is not None
    councils = (RatificationStatus.APPROVED, RatificationStatus.SCHEDULED)
    for org_id, status in zip(forum.organisations[1:3], councils, strict=True):
        council = Ratification(
            decision_id=decision.id,
            organisation_id=org_id,
            status=status,
            body="Gemeinderat",
            council_date=(at + timedelta(days=20)).date(),
            outcome_date=(at + timedelta(days=20)).date() if status == "approved" else None,
            waiting_since=at,
            created_at=at,
            updated_at=at,
        )
        session.add(council)
        await session.flush()
        assert council.id is not None
        forum.ratifications.append(council.id)
