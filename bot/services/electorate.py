"""Who votes: the one answer every count of voters, quorum and majority follows (votes,
and the meeting-day quorum of issue 17).

An organisation votes when its status has a vote (`OrganisationStatus.has_vote`: `Mitglied`;
`beratend` and archived organisations do not). Within a voting organisation, who may cast its
vote is the ballot's `vote_right`: anyone of its members, or (`representatives`) its
Stimmführung and Stellvertretung. The database counts the same rule (`VOTING_STATUSES` in
`BallotRepository.eligible`), so that a vote of 300 organisations is counted in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.counting import voter_key
from bot.services.uow import UnitOfWork
from storage.enums import RepresentativeRole, VoteCapacity, VoteRight
from storage.models import Ballot, Member, Organisation, VoteChoice

CAPACITY_OF_ROLE = {
    RepresentativeRole.LEAD: VoteCapacity.LEAD,
    RepresentativeRole.DEPUTY: VoteCapacity.DEPUTY,
}


def has_vote(organisation: Organisation | None) -> bool:
    """Whether the organisation votes (counts for quorum and majority)."""
    return organisation is not None and organisation.status.has_vote


def voting_organisations(organisations: Sequence[Organisation]) -> list[Organisation]:
    """Those of `organisations` that vote (for a meeting's quorum, say)."""
    return [o for o in organisations if has_vote(o)]


def may_cast(
    right: VoteRight, organisation: Organisation | None, role: RepresentativeRole | None
) -> bool:
    """Whether a member (of `organisation`, with `role` in it) may cast a vote."""
    if not has_vote(organisation):
        return False
    return right is VoteRight.ANYONE or role is not None


def capacity(role: RepresentativeRole | None) -> VoteCapacity:
    """In which capacity a member with `role` casts a vote."""
    return CAPACITY_OF_ROLE[role] if role is not None else VoteCapacity.MEMBER


@dataclass(frozen=True)
class Electorate:
    eligible: int  # voters with a vote (organisations, or people), and whoever voted
    advisory: int  # advisory organisations (beratend), shown beside them


async def electorate(
    uow: UnitOfWork, ballot: Ballot, scope: frozenset[int] | None = None
) -> Electorate:
    """The voters of `ballot` now: counted in the database, by the rule above. A meeting's
    vote (issue 17) has a `scope`, the organisations present when it opened: only their
    members who may cast a vote count, and whoever voted."""
    assert ballot.id is not None
    # Both counts in one statement (a press stays at a fixed number of statements).
    eligible, advisory = await uow.ballots.electorate(ballot.id, ballot.mode, ballot.vote_right)
    if scope is None:
        return Electorate(eligible, advisory)
    members = [m for m in await uow.members.recipients() if m.organisation_id in scope]
    rights = await entitlements(uow, ballot, members)
    keys = {
        voter_key(ballot.mode, organisation_id=m.organisation_id, member_id=m.id)
        for m in members
        if m.id is not None and rights[m.id].may_cast
    }
    keys |= set(await uow.ballots.voters(ballot.id))
    return Electorate(len(keys), advisory)


async def tally_and_electorate(
    uow: UnitOfWork, ballot: Ballot, scope: frozenset[int] | None = None
) -> tuple[dict[VoteChoice, int], Electorate]:
    """The votes for each choice, and `electorate`: in one statement for a vote outside a
    meeting (what a press shows)."""
    assert ballot.id is not None
    if scope is not None:
        return await uow.ballots.tally(ballot.id), await electorate(uow, ballot, scope)
    tally, eligible, advisory = await uow.ballots.counts(ballot.id, ballot.mode, ballot.vote_right)
    return tally, Electorate(eligible, advisory)


@dataclass(frozen=True)
class Entitlement:
    """Whether one member may press their ballot, and in which capacity."""

    may_cast: bool
    capacity: VoteCapacity
    organisation: Organisation | None


async def entitlements(
    uow: UnitOfWork, ballot: Ballot, members: Sequence[Member]
) -> dict[int, Entitlement]:
    """For each of `members` (by id): may they cast a vote on `ballot`, in which capacity."""
    organisations = {o.id: o for o in await uow.organisations.all()}
    roles = await uow.representation.roles([m.id for m in members if m.id is not None])
    result: dict[int, Entitlement] = {}
    for member in members:
        if member.id is None:
            continue
        organisation = organisations.get(member.organisation_id)
        role = roles.get(member.id)
        result[member.id] = Entitlement(
            may_cast(ballot.vote_right, organisation, role), capacity(role), organisation
        )
    return result


async def entitlement_of(
    uow: UnitOfWork, ballot: Ballot, member: Member, organisation: Organisation | None
) -> Entitlement:
    """The pressing member's (their organisation known): with VOTE_RIGHT=anyone no query (the
    capacity is then read by the store, `BallotRepository.cast`); else their role."""
    if ballot.vote_right is VoteRight.ANYONE:
        return Entitlement(has_vote(organisation), VoteCapacity.MEMBER, organisation)
    role = (await uow.representation.roles([member.id or 0])).get(member.id or 0)
    return Entitlement(
        may_cast(ballot.vote_right, organisation, role), capacity(role), organisation
    )


async def entitled_among(
    uow: UnitOfWork, ballot: Ballot, people: Sequence[Member], organisation: Organisation | None
) -> frozenset[int]:
    """Which of `people` (of one organisation that votes, or one person) may press: all, with
    VOTE_RIGHT=anyone (no query); else those with a role."""
    if not has_vote(organisation):
        return frozenset()
    if ballot.vote_right is VoteRight.ANYONE:
        return frozenset(m.id for m in people if m.id is not None)
    roles = await uow.representation.roles([m.id for m in people if m.id is not None])
    return frozenset(roles)


CAPACITY_KEYS = {
    VoteCapacity.MEMBER: "vote.capacity_member",
    VoteCapacity.LEAD: "vote.capacity_lead",
    VoteCapacity.DEPUTY: "vote.capacity_deputy",
}


def capacity_label_key(capacity: VoteCapacity | None) -> str:
    """The catalog key naming a capacity ("Stimmführung", "Stellvertretung", "Mitglied")."""
    return CAPACITY_KEYS[capacity or VoteCapacity.MEMBER]


def info_key(ballot: Ballot, right: Entitlement) -> str | None:
    """Why a member gets `ballot` for information only (a catalog key with {organisation}),
    or None: they may press it."""
    if right.may_cast:
        return None
    if not has_vote(right.organisation):
        return "vote.info_advisory"
    return "vote.info_representatives"


async def unrepresented(uow: UnitOfWork, ballot: Ballot, members: Sequence[Member]) -> list[str]:
    """With VOTE_RIGHT=representatives: the voting organisations among `members`' that have
    no Stimmführung or Stellvertretung (nobody could cast their vote), by name."""
    if ballot.vote_right is not VoteRight.REPRESENTATIVES:
        return []
    organisations = {o.id: o for o in await uow.organisations.all()}
    with_members = {m.organisation_id for m in members}
    represented = {r.organisation_id for r in await uow.representation.all()}
    return sorted(
        o.name
        for oid, o in organisations.items()
        if oid in with_members and oid not in represented and has_vote(o)
    )
