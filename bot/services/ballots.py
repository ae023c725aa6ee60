"""Reading votes: the open ballots with the reader's standing choice, one vote's details (the
counts when closed; for the coordinator, who has not voted yet), a ballot shown again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.clock import Clock
from bot.i18n import Msg
from bot.services.actor import Actor
from bot.services.counting import Result, Rules, count, voter_key
from bot.services.electorate import (
    Entitlement,
    entitlements,
    has_vote,
    info_key,
    tally_and_electorate,
)
from bot.services.errors import InvalidInput, NotFound
from bot.services.ids import id_of
from bot.services.proposals import ProposalView
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.services.vote_scope import VoterScope, no_scope, outside
from bot.texts.people import name_param
from storage.enums import VoteCapacity, VoteRight
from storage.models import (
    Ballot,
    BallotPost,
    Member,
    Organisation,
    Proposal,
    Vote,
    VoteChoice,
    VoteMode,
)


@dataclass(frozen=True)
class Standing:
    """The choice that stands for a voter (their organisation, or them), and who cast it."""

    vote: Vote | None
    cast_by: Member | None
    organisation: Organisation | None


@dataclass(frozen=True)
class CastBy:
    """One stored vote for the record: for whom (organisation), by whom, in which capacity;
    the choice only once it may be shown."""

    organisation: str
    person: str | Msg | None  # Msg: "ehemaliges Mitglied"
    capacity: VoteCapacity | None
    choice: VoteChoice | None


async def cast_record(
    uow: UnitOfWork,
    votes: Sequence[Vote],
    organisations: dict[int | None, Organisation],
    *,
    show_choice: bool,
) -> list[CastBy]:
    """Who cast each of `votes`, for whom, in which capacity (one query for the people)."""
    people = await uow.members.by_ids({v.member_id for v in votes if v.member_id})
    record = []
    for vote in votes:
        org = organisations.get(vote.organisation_id)
        person = people.get(vote.member_id or 0)
        record.append(
            CastBy(
                org.name if org else "–",
                name_param(person) if person else None,
                vote.capacity,
                vote.choice if show_choice else None,
            )
        )
    return sorted(
        record, key=lambda c: (c.organisation, c.person if isinstance(c.person, str) else "")
    )


@dataclass(frozen=True)
class BallotView:
    ballot: Ballot
    topic: ProposalView
    standing: Standing | None
    voted: int
    eligible: int
    # Shown only when the vote has closed, or with SHOW_RUNNING_RESULTS, or (missing) to the
    # coordinator.
    result: Result | None
    missing: list[str]
    # The proposal's earlier rounds (each closed without quorum), the first first.
    earlier: tuple[Ballot, ...] = ()
    # Whether the reader may press the ballot (VOTE_RIGHT, their organisation's status); the
    # key saying why not (see `bot.services.electorate.info_key`).
    info: str | None = None
    # For the coordinator: who cast each vote, in which capacity, for whom (and, once the
    # choices may be shown, what).
    cast: tuple[CastBy, ...] = ()
    # Opening with VOTE_RIGHT=representatives: organisations without anyone to vote for them.
    unrepresented: tuple[str, ...] = ()

    @property
    def closed(self) -> bool:
        return self.ballot.closed_at is not None


def voter_of(ballot: Ballot, member: Member) -> str:
    """Who votes for `member` on `ballot`: their organisation, or (in member mode) they."""
    return voter_key(ballot.mode, organisation_id=member.organisation_id, member_id=member.id or 0)


async def topic_of(uow: UnitOfWork, proposal_id: int) -> ProposalView:
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound("proposal.not_found", id=proposal_id)
    return (await topics_of(uow, [proposal]))[0]


async def topics_of(uow: UnitOfWork, proposals: Sequence[Proposal]) -> list[ProposalView]:
    members = await uow.members.by_ids({p.member_id for p in proposals if p.member_id})
    organisations = {o.id: o for o in await uow.organisations.all()}
    rounds = await uow.ballots.round_counts([id_of(p) for p in proposals])
    return [
        ProposalView(
            p,
            members.get(p.member_id) if p.member_id else None,
            organisations.get(p.organisation_id),
            None,
            rounds.get(id_of(p), 1),
        )
        for p in proposals
    ]


async def ballot_of(uow: UnitOfWork, ballot_id: int) -> tuple[Ballot, ProposalView]:
    row = await uow.ballots.with_topic(ballot_id)
    if row is None:
        raise InvalidInput("error.button_invalid")
    # The proposal's rounds so far: right for its open (latest) ballot, which is the only one
    # shown with its round (a closed ballot shows its result).
    return row.ballot, ProposalView(
        row.proposal, row.proposer, row.organisation, None, max(row.rounds, 1)
    )


class BallotReader:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        rules: Rules,
        show_running_results: bool,
        scope: VoterScope = no_scope,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._rules = rules
        self._running = show_running_results
        self._scope = scope  # a meeting's vote: the organisations present (issue 17)

    async def open_ballots(self, actor: Actor) -> list[BallotView]:
        """Open votes with the actor's standing choice (three queries for any number)."""
        member = actor.member
        if not actor.is_coordinator:
            member = actor.require_member()
        async with self._uow() as uow:
            pairs = await uow.ballots.open_ballots()
            if not pairs:
                return []
            topics = await topics_of(uow, [p for _, p in pairs])
            ids = [id_of(b) for b, _ in pairs]
            voted = await uow.ballots.voted_counts(ids)
            standing: dict[int, Vote] = {}
            if member is not None:
                voters = [
                    voter_key(
                        mode, organisation_id=member.organisation_id, member_id=member.id or 0
                    )
                    for mode in VoteMode
                ]
                ballots = {id_of(b): b for b, _ in pairs}
                for vote in await uow.ballots.votes_of(ids, voters):
                    # Of the member's two possible voter keys, the one of the ballot's mode.
                    if vote.voter == voter_of(ballots[vote.ballot_id], member):
                        standing[vote.ballot_id] = vote
            casters = await uow.members.by_ids(
                {v.member_id for v in standing.values() if v.member_id}
            )
            organisation = actor.organisation
        return [
            BallotView(
                ballot,
                topic,
                Standing(
                    standing.get(id_of(ballot)),
                    casters.get(standing[id_of(ballot)].member_id or 0)
                    if id_of(ballot) in standing
                    else None,
                    organisation,
                )
                if member is not None
                else None,
                voted.get(id_of(ballot), 0),
                0,
                None,
                [],
            )
            for (ballot, _), topic in zip(pairs, topics, strict=True)
        ]

    async def details(self, actor: Actor, proposal_id: int) -> BallotView:
        """One vote: the actor's standing choice; the counts when closed (or with running
        results); for the coordinator, who has not voted yet."""
        member = actor.member
        if not actor.is_coordinator:
            member = actor.require_member()
        async with self._uow() as uow:
            ballot = await uow.ballots.of_proposal(proposal_id)
            if ballot is None:
                raise InvalidInput("vote.not_open", id=proposal_id)
            ballot, topic = await ballot_of(uow, id_of(ballot))
            view = await self.view(uow, ballot, topic, member, coordinator=actor.is_coordinator)
            earlier = [b for b in await uow.ballots.rounds(proposal_id) if b.id != ballot.id]
        return replace(view, earlier=tuple(earlier))

    async def ballot_for(self, actor: Actor, ballot_id: int) -> BallotView:
        member = actor.require_member()
        async with self._uow() as uow:
            ballot, topic = await ballot_of(uow, ballot_id)
            return await self.view(uow, ballot, topic, member)

    async def record_post(self, ballot_id: int, chat_id: int, message_id: int) -> None:
        async with self._uow() as uow:
            await uow.ballots.add_post(
                BallotPost(
                    ballot_id=ballot_id,
                    chat_id=chat_id,
                    message_id=message_id,
                    posted_at=self._clock.now(),
                )
            )
            await uow.commit()

    async def view(
        self,
        uow: UnitOfWork,
        ballot: Ballot,
        topic: ProposalView,
        member: Member | None,
        *,
        coordinator: bool = False,
        standing: Standing | None = None,
        entitled: Entitlement | None = None,
    ) -> BallotView:
        """The ballot as `member` (and the coordinator) sees it: a fixed number of queries that
        count in the database, whatever the numbers of members and votes. `standing`, when
        the caller knows it (it has just stored the member's vote), saves reading it back."""
        ballot_id = id_of(ballot)
        scope = await self._scope(uow, ballot_id)
        tally, voters = await tally_and_electorate(uow, ballot, scope)
        voted = sum(tally.values())
        eligible = voters.eligible
        info = None
        if member is not None:
            # `entitled`: the caller knows it (the member has just voted).
            right = entitled or (await entitlements(uow, ballot, [member]))[member.id or 0]
            info = info_key(ballot, right)
            if info is None and outside(scope, member):  # a meeting's vote, not there
                info = "meetingvote.info_not_present"
        if member is not None and standing is None:
            vote = await uow.ballots.vote(ballot_id, voter_of(ballot, member))
            caster = None
            if vote is not None and vote.member_id is not None:
                caster = await uow.members.get(vote.member_id)
            standing = Standing(vote, caster, await uow.organisations.get(member.organisation_id))
        result = None
        if ballot.closed_at is not None and ballot.result is not None and ballot.outcome:
            result = Result.from_dict(ballot.result, ballot.outcome)
        elif self._running:
            choices = [choice for choice, n in tally.items() for _ in range(n)]
            result = count(choices, eligible, self._rules, advisory=voters.advisory)
        missing: list[str] = []
        cast: list[CastBy] = []
        if not coordinator:
            return BallotView(ballot, topic, standing, voted, eligible, result, missing, info=info)
        votes = await uow.ballots.votes(ballot_id)
        organisations = {o.id: o for o in await uow.organisations.all()}
        cast = await cast_record(uow, votes, organisations, show_choice=result is not None)
        if ballot.closed_at is None:
            # The names themselves: as long as the list of who has not voted yet.
            members = [m for m in await uow.members.recipients() if not outside(scope, m)]
            already = {v.voter for v in votes}
            labels: dict[str, str] = {}
            # Each person votes, but only the representatives: only they are missing.
            roles = (
                await uow.representation.roles([m.id or 0 for m in members])
                if ballot.mode is VoteMode.MEMBER and ballot.vote_right is VoteRight.REPRESENTATIVES
                else None
            )
            for m in members:
                key = voter_of(ballot, m)
                if key in already or not has_vote(organisations.get(m.organisation_id)):
                    continue
                if roles is not None and m.id not in roles:
                    continue
                if ballot.mode is VoteMode.ORGANISATION:
                    org = organisations.get(m.organisation_id)
                    labels[key] = org.name if org else "–"
                else:
                    labels[key] = m.display_name
            missing = sorted(labels.values())
        return BallotView(
            ballot, topic, standing, voted, eligible, result, missing, info=info, cast=tuple(cast)
        )
