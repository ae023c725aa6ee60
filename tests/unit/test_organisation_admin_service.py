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
from storage.enums import RepresentativeRole
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
    removed = await admin.remove(coordinator, anna)
    assert (removed.name, removed.organisation.name, removed.remaining, removed.role) == (
        "Anna Amsel",
        "Gemeinde Zöllnitz",
        0,
        None,
    )
    member = uow.members.rows[anna]
    assert member.status is MemberStatus.LEFT and member.telegram_id is None
    notices = [r for r in uow.outbox.rows.values() if r.kind == "member_removed"]
    assert sorted(r.chat_id for r in notices) == [OTHER, 10]  # not the one who removed
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
    moved = await admin.move(coordinator, anna, jena.id)
    assert (moved.member.organisation_id, moved.before.name, moved.after.name) == (
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


def _texts(uow: FakeUnitOfWork, kind: str) -> dict[int, str]:
    return {r.chat_id: r.text or "" for r in uow.outbox.rows.values() if r.kind == kind}


async def test_a_merge_ends_the_roles_of_b_and_tells_b_s_members(
    membership: MembershipService, admin: OrganisationAdminService, uow: FakeUnitOfWork
) -> None:
    anna = await _join(membership, 10, "Anna", "Stadt Jena")
    carla = await _join(membership, 12, "Carla", "Gemeinde Zöllnitz")
    dirk = await _join(membership, 13, "Dirk", "Gemeinde Zöllnitz")
    now = FakeClock().now()
    await uow.representation.replace(1, anna, [], now)
    await uow.representation.replace(2, dirk, [carla], now)
    coordinator = await _actor(membership, COORDINATOR)
    counts = await admin.merge_counts(coordinator, 1, 2)
    # The roles are no history that moves: they end, and the confirmation names them.
    assert (counts.members, counts.other) == (2, 0)
    assert counts.roles == (
        ("Dirk Amsel", RepresentativeRole.LEAD),
        ("Carla Amsel", RepresentativeRole.DEPUTY),
    )
    uow.outbox.rows.clear()
    await admin.merge(coordinator, 1, 2)
    told = _texts(uow, "org_merged")
    assert set(told) == {10, 12, 13}  # B's members, and Anna: who joins her organisation
    assert told[10] == (
        "Gemeinde Zöllnitz ist im Forum in Stadt Jena aufgegangen (zusammengelegt von der"
        " Koordination). Zu Stadt Jena gehören jetzt auch: Carla Amsel, Dirk Amsel."
    )
    assert told[13] == (
        "Gemeinde Zöllnitz ist im Forum in Stadt Jena aufgegangen (zusammengelegt von der"
        " Koordination). Sie gehören jetzt zu Stadt Jena; ab jetzt stimmen Sie für Stadt Jena ab.\n"
        "Ihre Funktion als Stimmführung für Gemeinde Zöllnitz ist damit beendet.\n"
        "Stimmführung von Stadt Jena: Anna Amsel. /vertretung zeigt die ganze Vertretung."
    )
    assert await uow.representation.roles([carla, dirk]) == {}
    assert await uow.representation.roles([anna]) == {anna: RepresentativeRole.LEAD}


async def test_a_stimmfuehrung_who_leaves_or_moves_ends_the_role_and_colleagues_hear(
    membership: MembershipService, admin: OrganisationAdminService, uow: FakeUnitOfWork
) -> None:
    carla = await _join(membership, 12, "Carla", "Gemeinde Zöllnitz")
    dirk = await _join(membership, 13, "Dirk", "Gemeinde Zöllnitz")
    await _join(membership, 14, "Emil", "Gemeinde Zöllnitz")
    await _join(membership, 10, "Anna", "Stadt Jena")
    await uow.representation.replace(1, dirk, [carla], FakeClock().now())  # Zöllnitz
    uow.outbox.rows.clear()
    await membership.leave(await membership.identify(_profile(13, "Dirk", "Amsel")))
    coordinators = _texts(uow, "member_left")
    assert coordinators[COORDINATOR].endswith(
        "Gemeinde Zöllnitz bleibt im Forum vertreten (Mitglieder: 2).\n"
        "⚠️ Damit endet die Funktion als Stimmführung für Gemeinde Zöllnitz. Die übrigen"
        " Mitglieder sind benachrichtigt; eine neue Vertretung benennen Sie mit /vertretung"
        " Gemeinde Zöllnitz | @Stimmführung | @Stellvertretung"
    )
    colleagues = _texts(uow, "representation")
    assert set(colleagues) == {12, 14}
    assert colleagues[12] == (
        "Dirk Amsel gehört nicht mehr zum Forum und ist damit nicht mehr Stimmführung für"
        " Gemeinde Zöllnitz.\n"
        "Stimmführung: noch niemand benannt\n"
        "Stellvertretung: Carla Amsel\n"
        "Eine neue Stimmführung benennt die Koordination (/vertretung Gemeinde Zöllnitz |"
        " @Stimmführung | @Stellvertretung)."
    )
    # Carla, the deputy, moves to Stadt Jena: her role ends, Emil hears it, she is told.
    uow.outbox.rows.clear()
    moved = await admin.move(await _actor(membership, COORDINATOR), carla, 2)
    assert moved.role is RepresentativeRole.DEPUTY and moved.remaining == 1
    assert set(_texts(uow, "representation")) == {14}
    assert _texts(uow, "member_moved")[12].endswith(
        "Ihre Funktion als Stellvertretung für Gemeinde Zöllnitz ist damit beendet."
    )
    assert await uow.representation.roles([carla]) == {}
    # A member without a role leaves: nobody but the coordinators hears of it.
    uow.outbox.rows.clear()
    await membership.leave(await membership.identify(_profile(14, "Emil", "Amsel")))
    assert not _texts(uow, "representation")
    assert "Funktion" not in _texts(uow, "member_left")[COORDINATOR]
