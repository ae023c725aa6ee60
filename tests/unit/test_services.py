"""Membership and working-group use cases against in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.parsing import parse_organisation_spec
from bot.services.actor import Actor, Profile
from bot.services.errors import (
    AlreadyMember,
    InvalidInput,
    InvitationRejected,
    NotAllowed,
    NotAMember,
    NotFound,
)
from bot.services.groups import GroupService
from bot.services.membership import MembershipService, hash_code
from storage.models import MemberStatus, OrganisationKind
from tests.support import FakeClock
from tests.unit.fakes import FakeUnitOfWork

COORDINATOR = 1


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def membership(uow: FakeUnitOfWork, clock: FakeClock) -> MembershipService:
    return MembershipService(
        uow,
        clock,
        coordinator_ids=frozenset({COORDINATOR}),
        default_language="de",
        invite_ttl=timedelta(days=14),
    )


@pytest.fixture
def groups(uow: FakeUnitOfWork, clock: FakeClock) -> GroupService:
    return GroupService(uow, clock)


def profile(telegram_id: int, language_code: str | None = "de") -> Profile:
    return Profile(
        telegram_id=telegram_id, first_name=f"P{telegram_id}", language_code=language_code
    )


async def coordinator(membership: MembershipService) -> Actor:
    return await membership.identify(profile(COORDINATOR))


async def invite(membership: MembershipService, name: str = "Gemeinde Zöllnitz") -> str:
    created = await membership.create_invitation(
        await coordinator(membership), parse_organisation_spec(name)
    )
    return created.code


async def test_only_the_coordinator_invites(
    membership: MembershipService, uow: FakeUnitOfWork
) -> None:
    member = await membership.identify(profile(2))
    with pytest.raises(NotAllowed):
        await membership.create_invitation(member, parse_organisation_spec("Gemeinde X"))
    assert uow.commits == 0 and not uow.organisations.rows


async def test_invite_reuses_an_organisation_and_stores_only_a_hash(
    membership: MembershipService, uow: FakeUnitOfWork
) -> None:
    first = await invite(membership, "Stadt Jena")
    second = await invite(membership, "stadt jena")
    assert len(uow.organisations.rows) == 1
    assert uow.organisations.rows[1].kind is OrganisationKind.STADT
    stored = {i.code_hash for i in uow.invitations.rows.values()}
    assert stored == {hash_code(first), hash_code(second)}
    assert len(first) >= 22  # at least 128 bits in URL-safe base64


async def test_join_and_the_ways_a_code_is_refused(
    membership: MembershipService, uow: FakeUnitOfWork, clock: FakeClock
) -> None:
    code = await invite(membership)
    with pytest.raises(InvitationRejected) as caught:
        await membership.join(profile(10), code[:-1] + ("A" if code[-1] != "A" else "B"))
    assert caught.value.message_key == "join.code_unknown"

    member, organisation = await membership.join(profile(10), code)
    assert member.telegram_id == 10 and organisation.name == "Gemeinde Zöllnitz"

    with pytest.raises(InvitationRejected) as caught:
        await membership.join(profile(11), code)
    assert caught.value.message_key == "join.code_used"

    with pytest.raises(AlreadyMember):
        await membership.join(profile(10), await invite(membership))

    late = await invite(membership)
    clock.advance(timedelta(days=15))
    with pytest.raises(InvitationRejected) as caught:
        await membership.join(profile(12), late)
    assert caught.value.message_key == "join.code_expired"
    assert len(uow.members.rows) == 1


async def test_a_revoked_code_is_refused(
    membership: MembershipService, uow: FakeUnitOfWork
) -> None:
    code = await invite(membership)
    await membership.revoke_invitation(await coordinator(membership), 1)
    with pytest.raises(InvitationRejected) as caught:
        await membership.join(profile(10), code)
    assert caught.value.message_key == "join.code_revoked"
    with pytest.raises(NotFound):
        await membership.revoke_invitation(await coordinator(membership), 99)


async def test_a_used_invitation_cannot_be_revoked(membership: MembershipService) -> None:
    await membership.join(profile(10), await invite(membership))
    with pytest.raises(InvalidInput):
        await membership.revoke_invitation(await coordinator(membership), 1)


async def test_language_comes_from_telegram_then_from_the_choice(
    membership: MembershipService,
) -> None:
    assert (await membership.identify(profile(5, "en-US"))).language == "en"
    assert (await membership.identify(profile(5, "fr"))).language == "de"
    assert (await membership.identify(profile(5, None))).language == "de"
    actor = await membership.identify(profile(5, "de"))
    await membership.set_language(actor, " EN ")
    assert (await membership.identify(profile(5, "de"))).language == "en"
    with pytest.raises(InvalidInput):
        await membership.set_language(actor, "fr")


async def test_leave_deletes_personal_data(
    membership: MembershipService, groups: GroupService, uow: FakeUnitOfWork
) -> None:
    await groups.seed(["Wohnen"])
    await membership.join(profile(10), await invite(membership))
    actor = await membership.identify(profile(10))
    await groups.toggle(actor, 1)
    await membership.set_language(actor, "en")
    await membership.leave(actor)
    member = uow.members.rows[1]
    assert member.status is MemberStatus.LEFT
    assert (member.telegram_id, member.first_name, member.username) == (None, None, None)
    assert uow.groups.links == {} and uow.user_settings.rows == {}
    assert not (await membership.identify(profile(10))).is_member


async def test_export_needs_membership(membership: MembershipService) -> None:
    with pytest.raises(NotAMember):
        await membership.export_data(await membership.identify(profile(99)))


async def test_groups_are_seeded_once(groups: GroupService, uow: FakeUnitOfWork) -> None:
    assert await groups.seed(["Wohnen", "Mobilität"]) == 2
    assert await groups.seed(["Tourismus"]) == 0
    assert [g.name for g in uow.groups.rows.values()] == ["Wohnen", "Mobilität"]


async def test_group_management(
    membership: MembershipService, groups: GroupService, uow: FakeUnitOfWork
) -> None:
    await groups.seed(["Wohnen", "Mobilität"])
    boss = await coordinator(membership)
    with pytest.raises(InvalidInput):
        await groups.rename(boss, "1", "mobilität")
    old, renamed = await groups.rename(boss, "#1", "Wohnen und Bauen")
    assert (old, renamed.name) == ("Wohnen", "Wohnen und Bauen")
    await groups.archive(boss, "Mobilität")
    with pytest.raises(NotFound):
        await groups.archive(boss, "Mobilität")
    member = await membership.identify(profile(2))
    with pytest.raises(NotAllowed):
        await groups.add(member, "Tourismus")
    assert len(uow.groups.rows) == 2
