"""Invitations, joining, bad codes, roles, language — through the emulator and the real bot."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from storage.models import Invitation, Member, Organisation, OrganisationKind
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import FakeUser


async def test_a_stranger_learns_what_the_bot_is_and_how_to_get_an_invitation(bot: Harness) -> None:
    stranger = bot.user("Erika", language_code="de")
    answer = await bot.send(stranger, "/start")
    assert "Nachbarschaftsforum" in (answer.text or "")
    assert "Einladung" in (answer.text or "")
    assert "Koordination" in (answer.text or "")


async def test_a_stranger_with_english_telegram_gets_english(bot: Harness) -> None:
    stranger = bot.user("John", language_code="en-GB")
    answer = await bot.send(stranger, "/start")
    assert "invitation" in (answer.text or "")
    assert "coordinator" in (answer.text or "")


async def test_unknown_languages_fall_back_to_german(bot: Harness) -> None:
    stranger = bot.user("Jan", language_code="pl")
    answer = await bot.send(stranger, "/start")
    assert "Einladung" in (answer.text or "")


async def test_invite_creates_the_organisation_and_a_deep_link(bot: Harness) -> None:
    answer = await bot.send(COORDINATOR, "/invite Gemeinde Zöllnitz")
    text = answer.text or ""
    assert "Gemeinde Zöllnitz" in text
    link = next(word for word in text.split() if word.startswith("https://t.me/"))
    assert link.startswith(f"https://t.me/{bot.emu.bot_username}?start=")
    code = link.partition("?start=")[2]
    # 32 URL-safe characters = 192 random bits; a deep-link parameter may have up to 64.
    assert len(code) >= 22 and len(code) <= 64
    assert "Do., 10.12.2026, 10:00 Uhr" in text  # 14 days from the test clock, Berlin time
    async with bot.uow() as uow:
        organisation = await uow.organisations.by_name("Gemeinde Zöllnitz")
        invitations = await uow.invitations.open_with_organisations(bot.clock.now())
    assert organisation is not None and organisation.kind is OrganisationKind.GEMEINDE
    assert len(invitations) == 1
    # Only a hash of the code is stored.
    assert code not in invitations[0][0].code_hash


async def test_invite_with_kind_and_ags(bot: Harness) -> None:
    await bot.send(COORDINATOR, "/einladen Saale-Holzland-Kreis | Landkreis | 16074")
    async with bot.uow() as uow:
        organisation = await uow.organisations.by_name("Saale-Holzland-Kreis")
    assert organisation is not None
    assert organisation.kind is OrganisationKind.LANDKREIS and organisation.ags == "16074"


async def test_invite_without_a_name_explains_and_creates_nothing(bot: Harness) -> None:
    answer = await bot.send(COORDINATOR, "/invite")
    assert "/einladen Gemeinde Zöllnitz" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/invite Zöllnitz | 1234")
    assert "Gemeindeschlüssel" in (answer.text or "")
    assert await bot.count(Organisation) == 0
    assert await bot.count(Invitation) == 0


async def test_joining_greets_by_name_and_makes_a_member(bot: Harness) -> None:
    anna = bot.user("Anna", "Amsel")
    answer = await bot.join(anna, "Gemeinde Zöllnitz")
    text = answer.text or ""
    assert "Anna" in text and "Gemeinde Zöllnitz" in text
    assert "/arbeitsgruppen" in text  # what they can do now
    actor = await bot.actor(anna)
    assert actor.is_member and actor.organisation is not None
    assert actor.organisation.name == "Gemeinde Zöllnitz"


async def test_names_are_escaped_in_html_messages(bot: Harness) -> None:
    tricky = FakeUser(id=4242, first_name="<b>Max & Co", username="max")
    answer = await bot.join(tricky, "Gemeinde <Kleinstadt> & Co")
    assert "&lt;b&gt;Max &amp; Co" in (answer.params.get("text") or "")
    assert not bot.emu.violations


async def test_unknown_code_creates_nothing(bot: Harness) -> None:
    stranger = bot.user("Udo")
    answer = await bot.send(stranger, "/start Abcdefghijklmnopqrstuvwxyz012345")
    assert "ungültig" in (answer.text or "")
    answer = await bot.send(stranger, "/start ../../etc<script>")
    assert "ungültig" in (answer.text or "")
    assert await bot.count(Member) == 0


async def test_expired_code(bot: Harness) -> None:
    link = await bot.invite_link("Gemeinde Bucha")
    bot.clock.advance(timedelta(days=14, seconds=1))
    answer = await bot.send(bot.user("Eva"), f"/start {link.partition('?start=')[2]}")
    assert "abgelaufen" in (answer.text or "")
    assert await bot.count(Member) == 0


async def test_revoked_code(bot: Harness) -> None:
    link = await bot.invite_link("Gemeinde Bucha")
    listing = await bot.send(COORDINATOR, "/invitations")
    assert "#1 – Gemeinde Bucha" in (listing.text or "")
    answer = await bot.send(COORDINATOR, "/revoke 1")
    assert "widerrufen" in (answer.text or "")
    answer = await bot.send(bot.user("Rolf"), f"/start {link.partition('?start=')[2]}")
    assert "widerrufen" in (answer.text or "")
    assert await bot.count(Member) == 0
    listing = await bot.send(COORDINATOR, "/einladungen")
    assert "keine offenen Einladungen" in (listing.text or "")


async def test_a_link_is_for_one_person(bot: Harness) -> None:
    link = await bot.invite_link("Gemeinde Bucha")
    code = link.partition("?start=")[2]
    await bot.send(bot.user("Erste"), f"/start {code}")
    answer = await bot.send(bot.user("Zweite"), f"/start {code}")
    assert "bereits verwendet" in (answer.text or "")
    assert await bot.count(Member) == 1


async def test_a_member_opening_a_second_link_is_told_they_are_a_member(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    answer = await bot.join(anna, "Stadt Jena")
    assert "bereits Mitglied" in (answer.text or "")
    assert "Gemeinde Zöllnitz" in (answer.text or "")
    actor = await bot.actor(anna)
    assert actor.organisation is not None and actor.organisation.name == "Gemeinde Zöllnitz"
    # The second invitation is still open for someone else.
    listing = await bot.send(COORDINATOR, "/invitations")
    assert "Stadt Jena" in (listing.text or "")


async def test_a_member_may_not_use_coordinator_commands(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    organisations = await bot.count(Organisation)
    invitations = await bot.count(Invitation)
    for command in (
        "/invite Gemeinde Neu",
        "/members",
        "/mitglieder",
        "/revoke 1",
        "/addgroup Tourismus",
        "/invitations",
        "/kommune Gemeinde Zöllnitz | Stadt",
    ):
        answer = await bot.send(anna, command)
        assert "Koordination vorbehalten" in (answer.text or ""), command
    assert await bot.count(Organisation) == organisations
    assert await bot.count(Invitation) == invitations
    groups = await bot.send(anna, "/groups")
    assert "Tourismus" not in (groups.text or "")


async def test_a_stranger_may_not_use_member_commands(bot: Harness) -> None:
    stranger = bot.user("Sven")
    for command in ("/groups", "/mydata", "/leave"):
        answer = await bot.send(stranger, command)
        assert "nur Mitgliedern" in (answer.text or ""), command
    answer = await bot.send(stranger, "/members")
    assert "Koordination vorbehalten" in (answer.text or "")


async def test_members_lists_organisations_with_their_members(bot: Harness) -> None:
    await bot.join(bot.user("Anna", "Amsel"), "Gemeinde Zöllnitz")
    await bot.join(bot.user("Bernd", "Buchfink"), "Stadt Jena")
    await bot.join(bot.user("Clara", "Chen"), "Stadt Jena")
    await bot.invite_link("Gemeinde Bucha")
    answer = await bot.send(COORDINATOR, "/mitglieder")
    text = answer.text or ""
    assert "Mitgliedskommunen: 3, Mitglieder: 3" in text
    jena = text.index("Stadt Jena")
    assert text.index("Bernd Buchfink (@bernd)") > jena
    assert text.index("Clara Chen") > jena
    assert "noch kein Mitglied" in text.split("Gemeinde Bucha")[1].split("\n\n")[0]


async def test_a_changed_telegram_name_is_taken_over(bot: Harness) -> None:
    anna = bot.user("Anna", "Amsel")
    await bot.join(anna, "Gemeinde Zöllnitz")
    renamed = replace(anna, last_name="Amsel-Fink", username="anna_fink")
    await bot.send(renamed, "/hilfe")
    text = (await bot.send(COORDINATOR, "/mitglieder")).text or ""
    assert "Anna Amsel-Fink (@anna_fink)" in text
    assert "Anna Amsel (@anna)" not in text


async def test_organisation_kind_and_ags_can_be_given_later(bot: Harness) -> None:
    await bot.invite_link("Zöllnitz")
    answer = await bot.send(COORDINATOR, "/kommune Zöllnitz | Gemeinde | 16074093")
    assert "Zöllnitz (Gemeinde, AGS 16074093)" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/kommune Nirgendwo | Gemeinde")
    assert "gibt es nicht" in (answer.text or "")


async def test_coordinator_commands_are_refused_in_groups(bot: Harness) -> None:
    answer = await bot.send(
        COORDINATOR,
        "/invite Gemeinde Bucha",
        chat_id=-100123,
        chat_type="supergroup",
        chat_title="Forum",
    )
    assert "persönlichen Chat" in (answer.text or "")
    assert await bot.count(Invitation) == 0


async def test_an_invitation_is_redeemed_only_in_the_private_chat(bot: Harness) -> None:
    """`/start <code>` in a group: no joining, no welcome with the organisation in the group;
    a pointer to the private chat instead, and the code stays valid for it."""
    link = await bot.invite_link("Gemeinde Zöllnitz")
    code = link.partition("?start=")[2]
    anna = bot.user("Anna")
    for chat_type in ("group", "supergroup"):
        mark = bot.emu.mark()
        calls = await bot.exchange(
            anna, f"/start@{bot.emu.bot_username} {code}", chat_id=-100777, chat_type=chat_type
        )
        texts = [c.text or "" for c in calls if c.chat_id == -100777]
        assert len(texts) == 1, texts
        assert "persönlichen Chat" in texts[0] and f"@{bot.emu.bot_username}" in texts[0]
        assert "Zöllnitz" not in texts[0] and code not in texts[0]
        assert [c for c in bot.emu.calls[mark:] if c.chat_id == anna.id] == []
    assert await bot.count(Member) == 0
    welcome = await bot.send(anna, f"/start {code}")
    assert "Willkommen im Nachbarschaftsforum, Anna" in (welcome.text or "")
    assert "Gemeinde Zöllnitz" in (welcome.text or "")
