"""The coordinator's care of members and organisations (OrganisationAdminService) and the
coordinators' notices of joins, on in-memory fakes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.parsing import parse_organisation_spec
from bot.services.actor import Actor, Profile
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.membership import MembershipService
from bot.services.organisation_admin import OrganisationAdminService
from bot.services.task_owners import AmbiguousOwner
from storage.models import MemberStatus
from tests.support import FakeClock
from tests.unit.fakes import FakeUnitOfWork

COORDINATOR, OTHER = 1, 2


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()


@pytest.fixture
def membership(uow: FakeUnitOfWork) -> MembershipService:
    return MembershipService(
        uow,
        FakeClock(),
        coordinator_ids=frozenset({COORDINATOR, OTHER}),
        default_language="de",
        invite_ttl=timedelta(days=14),
    )


@pytest.fixture
def admin(uow: FakeUnitOfWork) -> OrganisationAdminService:
    return OrganisationAdminService(
        uow, FakeClock(), coordinator_ids=frozenset({COORDINATOR, OTHER}), default_language="de"
    )


def _profile(telegram_id: int, first: str, last: str | None = None) -> Profile:
    return Profile(telegram_id=telegram_id, first_name=first, last_name=last, username=None)


async def _actor(membership: MembershipService, telegram_id: int) -> Actor:
    return await membership.identify(_profile(telegram_id, f"P{telegram_id}"))


async def _join(
    membership: MembershipService, telegram_id: int, first: str, organisation: str
) -> int:
    coordinator = await _actor(membership, COORDINATOR)
    created = await membership.create_invitation(coordinator, parse_organisation_spec(organisation))
    member, _ = await membership.join(_profile(telegram_id, first, "Amsel"), created.code)
    assert member.id is not None
    return member.id


async def test_every_coordinator_hears_of_a_join(
    membership: MembershipService, uow: FakeUnitOfWork
) -> None:
    await _join(membership, 10, "Anna", "Gemeinde Zöllnitz")
    notices = [r for r in uow.outbox.rows.values() if r.kind == "member_joined"]
    assert sorted(r.chat_id for r in notices) == [COORDINATOR, OTHER]
    assert notices[0].text == (
        "Beitritt: Anna Amsel ist dem Forum für Gemeinde Zöllnitz beigetreten"
        " (Mitglieder von Gemeinde Zöllnitz: 1)."
    )


async def test_batches_of_invitations_are_single_links_of_one_organisation(
    membership: MembershipService, uow: FakeUnitOfWork
) -> None:
    coordinator = await _actor(membership, COORDINATOR)
    made = await membership.create_invitations(
        coordinator, parse_organisation_spec("Gemeinde Zöllnitz"), 3
    )
    assert len({m.code for m in made}) == 3
    assert {i.organisation_id for i in uow.invitations.rows.values()} == {1}
    assert [m.organisation_created for m in made] == [True, True, True]
    assert uow.commits == 1


async def test_only_the_coordinator_may(
    membership: MembershipService, admin: OrganisationAdminService, uow: FakeUnitOfWork
) -> None:
    await _join(membership, 10, "Anna", "Gemeinde Zöllnitz")
    member = await _actor(membership, 10)
    commits = uow.commits
    for call in (
        admin.find_member(member, "Anna"),
        admin.card(member, 1),
        admin.remove(member, 1),
        admin.set_role(member, 1, "Bauamt"),
        admin.rename(member, "Zöllnitz", "Neu"),
        admin.delete(member, "Zöllnitz"),
    ):
        with pytest.raises(NotAllowed):
            await call
    assert uow.commits == commits


async def test_remove_tells_the_person_and_the_other_coordinators(
    membership: MembershipService, admin: OrganisationAdminService, uow: FakeUnitOfWork
) -> None:
    anna = await _join(membership, 10, "Anna", "Gemeinde Zöllnitz")
    coordinator = await _actor(membership, COORDINATOR)
    name, organisation, remaining = await admin.remove(coordinator, anna)
    assert (name, organisation.name, remaining) == ("Anna Amsel", "Gemeinde Zöllnitz", 0)
    member = uow.members.rows[anna]
    assert member.status is MemberStatus.LEFT and member.telegram_id is None
    removed = [r for r in uow.outbox.rows.values() if r.kind == "member_removed"]
    assert sorted(r.chat_id for r in removed) == [OTHER, 10]  # not the one who removed
    with pytest.raises(NotFound) as error:
        await admin.remove(coordinator, anna)
    assert error.value.message_key == "members.gone"


async def test_namesakes_move_and_role(
    membership: MembershipService, admin: OrganisationAdminService, uow: FakeUnitOfWork
) -> None:
    anna = await _join(membership, 10, "Anna", "Gemeinde Zöllnitz")
    await _join(membership, 11, "Anna", "Stadt Jena")
    coordinator = await _actor(membership, COORDINATOR)
    with pytest.raises(AmbiguousOwner):
        await admin.find_member(coordinator, "Anna")
    found = await admin.find_member(coordinator, "Anna (Gemeinde Zöllnitz)")
    assert found.id == anna
    with pytest.raises(NotFound) as error:
        await admin.find_member(coordinator, "Berta")
    assert error.value.message_key == "members.not_found"

    jena = await admin.organisation_for_move(coordinator, "Jena")
    assert jena.id is not None
    member, before, after = await admin.move(coordinator, anna, jena.id)
    assert (member.organisation_id, before.name, after.name) == (
        jena.id,
        "Gemeinde Zöllnitz",
        "Stadt Jena",
    )
    with pytest.raises(InvalidInput):
        await admin.move(coordinator, anna, jena.id)

    assert (await admin.set_role(coordinator, anna, " Bürgermeisterin ")).role == "Bürgermeisterin"
    assert (await admin.set_role(coordinator, anna, "-")).role is None
    with pytest.raises(InvalidInput):
        await admin.set_role(coordinator, anna, "x" * 101)


async def test_rename_merge_and_delete(
    membership: MembershipService, admin: OrganisationAdminService, uow: FakeUnitOfWork
) -> None:
    anna = await _join(membership, 10, "Anna", "Gemeinde Zöllnitz")
    await _join(membership, 11, "Bernd", "Gemeinde Rothenstein")
    coordinator = await _actor(membership, COORDINATOR)
    old, renamed = await admin.rename(coordinator, "1", "Gemeinde Zöllnitz-Süd")
    assert (old, renamed.name) == ("Gemeinde Zöllnitz", "Gemeinde Zöllnitz-Süd")
    with pytest.raises(InvalidInput) as error:
        await admin.rename(coordinator, "Zöllnitz-Süd", "gemeinde rothenstein")
    assert error.value.message_key == "org.rename_taken"

    keep, gone = await admin.pair(coordinator, "Zöllnitz-Süd", "Rothenstein")
    counts = await admin.merge_counts(coordinator, keep, gone)
    assert (counts.members, counts.former, counts.votes, counts.dropped) == (1, 0, 0, 0)
    await admin.merge(coordinator, keep, gone)
    assert [o.name for o in await uow.organisations.all()] == ["Gemeinde Zöllnitz-Süd"]
    assert {m.organisation_id for m in uow.members.rows.values()} == {keep}
    with pytest.raises(InvalidInput):
        await admin.pair(coordinator, "Zöllnitz-Süd", "1")

    with pytest.raises(InvalidInput) as error:
        await admin.delete(coordinator, "Zöllnitz-Süd")
    assert error.value.message_key == "org.delete_has_history"
    await membership.create_invitation(coordinator, parse_organisation_spec("Stadt Kahla"))
    assert await admin.delete(coordinator, "Kahla") == "Stadt Kahla"
    assert anna in uow.members.rows
