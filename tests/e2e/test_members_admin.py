"""/mitglied: a member's card, Rolle, Andere Organisation, Entfernen; the coordinators hear of
joins and removals; organisations without members in the Monday summary — through the
emulator, in German and English."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from bot.jobs import DAILY_JOB
from storage.models import Member, MemberStatus, Vote
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.e2e.test_voting import buttons, forum, propose_and_open, texts, vote
from tests.emulator import BotApiEmulator, FakeUser


async def _member(bot: Harness, member_id: int) -> Member:
    async with bot.uow() as uow:
        found = await uow.members.get(member_id)
    assert found is not None
    return found


async def _member_id(bot: Harness, telegram_id: int) -> int:
    async with bot.uow() as uow:
        found = await uow.members.by_telegram_id(telegram_id)
    assert found is not None and found.id is not None
    return found.id


async def test_the_card_then_role_then_another_organisation(bot: Harness) -> None:
    f = await forum(bot)
    card = await bot.send(COORDINATOR, "/mitglied @anna")
    text = card.text or ""
    assert "👤 <b>Anna</b> (Mitglied #1)" in text
    assert "Organisation: Stadt Jena" in text
    assert "Rolle: – (noch keine eingetragen)" in text
    assert "Telegram: @anna" in text
    assert "Arbeitsgruppen: keine" in text
    assert "Beigetreten: Do., 26.11.2026, 10:00 Uhr" in text
    assert "Zuletzt aktiv: noch nichts" in text
    assert list(buttons(card.params)) == ["Entfernen", "Andere Organisation", "Rolle", "Abbrechen"]

    ask = await bot.choose(COORDINATOR, "Rolle")
    assert "Welche Rolle hat Anna" in (ask.text or "") and "Bisher: keine" in (ask.text or "")
    done = await bot.send(COORDINATOR, "Bürgermeisterin")
    assert done.text == "Rolle von Anna: Bürgermeisterin"
    assert (await _member(bot, 1)).role == "Bürgermeisterin"
    overview = await bot.send(COORDINATOR, "/mitglieder")
    assert "• Anna (@anna) – Bürgermeisterin\n• Bernd (@bernd)\n\n" in (overview.text or "")

    # By name, in any case; the role is on the card now.
    card = await bot.send(COORDINATOR, "/mitglied anna")
    assert "Rolle: Bürgermeisterin" in (card.text or "")
    ask = await bot.choose(COORDINATOR, "Andere Organisation")
    assert "Zu welcher Organisation gehört Anna jetzt (bisher: Stadt Jena)?" in (ask.text or "")
    # A typo finds nothing and asks again; umlauts written out find Zöllnitz.
    again = await bot.send(COORDINATOR, "Zollnitz")
    assert again.text == "Eine Mitgliedskommune „Zollnitz“ gibt es nicht."
    moved = await bot.send(COORDINATOR, "Zoellnitz")
    assert moved.text == (
        "Anna gehört jetzt zu Gemeinde Zöllnitz (bisher Stadt Jena)."
        " Was bisher abgegeben wurde, bleibt bei Stadt Jena."
    )
    await bot.settle()
    assert texts(bot, f.anna.id)[-1] == (
        "Die Koordination hat Sie im Forum Gemeinde Zöllnitz zugeordnet (bisher Stadt Jena)."
        " Ab jetzt stimmen Sie für Gemeinde Zöllnitz ab."
    )
    actor = await bot.actor(f.anna)
    assert actor.organisation is not None and actor.organisation.name == "Gemeinde Zöllnitz"

    # The role is cleared with "-"; a role too long is asked again.
    await bot.send(COORDINATOR, "/mitglied Anna")
    await bot.choose(COORDINATOR, "Rolle")
    too_long = await bot.send(COORDINATOR, "x" * 101)
    assert too_long.text == "Die Rolle darf höchstens 100 Zeichen lang sein."
    cleared = await bot.send(COORDINATOR, "-")
    assert cleared.text == "Die Rolle von Anna ist gelöscht."
    assert (await _member(bot, 1)).role is None

    # Moving the only member of an organisation says that it has nobody now.
    await bot.send(COORDINATOR, "/mitglied @emil")
    await bot.choose(COORDINATOR, "Andere Organisation")
    moved = await bot.send(COORDINATOR, "Stadt Jena")
    assert moved.text == (
        "Emil gehört jetzt zu Stadt Jena (bisher Saale-Holzland-Kreis). Was bisher abgegeben"
        " wurde, bleibt bei Saale-Holzland-Kreis.\n⚠️ Saale-Holzland-Kreis hat damit kein"
        " Mitglied mehr im Forum. Eine neue Einladung erstellen Sie mit /einladen"
        " Saale-Holzland-Kreis"
    )


async def test_removing_is_leaving_and_the_person_is_told(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send_and_confirm(COORDINATOR, "/neueaufgabe Emil | 15.12. | Kreisstraße prüfen")
    await bot.send(COORDINATOR, "/mitglied @emil")
    question = await bot.choose(COORDINATOR, "Entfernen")
    assert (question.text or "").startswith(
        "Emil (Saale-Holzland-Kreis) aus dem Forum entfernen? Das ist dasselbe wie ein eigener"
    )
    # Zurück leads to the card; nothing happened.
    card = await bot.choose(COORDINATOR, "« Zurück")
    assert "Organisation: Saale-Holzland-Kreis" in (card.text or "")
    await bot.choose(COORDINATOR, "Entfernen")
    done = await bot.choose(COORDINATOR, "Ja, entfernen")
    assert done.text == (
        "Emil ist aus dem Forum entfernt (Saale-Holzland-Kreis) und hat eine Nachricht bekommen.\n"
        "⚠️ Saale-Holzland-Kreis hat damit kein Mitglied mehr im Forum."
        " Eine neue Einladung erstellen Sie mit /einladen Saale-Holzland-Kreis\n\n"
        # His open task: the coordinator who removed him reads it too.
        "Offene Aufgaben gehen an Saale-Holzland-Kreis über (1); jedes Mitglied dort kann sie"
        " erledigt melden:\n• #1 „Kreisstraße prüfen“\nSoll jemand Bestimmtes sie übernehmen:"
        " /aufgabeuebertragen 1 Name oder Mitgliedskommune"
    )
    await bot.settle()
    assert texts(bot, f.emil.id)[-1].startswith(
        "Die Koordination hat Ihre Mitgliedschaft im Forum (Saale-Holzland-Kreis) beendet."
    )
    emil = await _member(bot, 5)
    assert emil.status is MemberStatus.LEFT
    assert (emil.telegram_id, emil.first_name, emil.username, emil.role) == (None, None, None, None)
    assert not (await bot.actor(f.emil)).is_member
    # He is no member any more: /mitglied does not find him.
    gone = await bot.send(COORDINATOR, "/mitglied @emil")
    assert gone.text == (
        "Kein Mitglied heißt „@emil“. Schreiben Sie den Vor- oder Nachnamen oder @username;"
        " /mitglieder zeigt alle."
    )


async def test_namesakes_get_a_button_each_and_a_typo_is_answered(bot: Harness) -> None:
    await forum(bot)
    async with bot.uow() as uow:
        for member_id, last in ((1, "Amsel"), (3, "Adler")):
            member = await uow.members.get(member_id)
            assert member is not None
            member.first_name, member.last_name = "Anna", last
        await uow.commit()
    choose = await bot.send(COORDINATOR, "/mitglied Anna")
    assert choose.text == "Mehrere Mitglieder heißen „Anna“. Wen meinen Sie?"
    labels = list(buttons(choose.params))
    assert labels == ["Anna Adler (Gemeinde Zöllnitz)", "Anna Amsel (Stadt Jena)", "Abbrechen"]
    card = await bot.choose(COORDINATOR, "Anna Adler (Gemeinde Zöllnitz)")
    assert "Anna Adler" in (card.text or "") and "Organisation: Gemeinde Zöllnitz" in (
        card.text or ""
    )
    await bot.send(COORDINATOR, "/abbrechen")
    card = await bot.send(COORDINATOR, "/mitglied Anna (Stadt Jena)")
    assert "Anna Amsel" in (card.text or "")
    await bot.send(COORDINATOR, "/abbrechen")
    typo = await bot.send(COORDINATOR, "/mitglied Anja")
    assert "Kein Mitglied heißt „Anja“" in (typo.text or "")
    usage = await bot.send(COORDINATOR, "/mitglied")
    assert (usage.text or "").startswith("Wen meinen Sie? Zum Beispiel: /mitglied @anna_amsel")


async def test_a_member_who_moves_leaves_their_votes_with_the_old_organisation(
    bot: Harness,
) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna)
    await vote(bot, f.anna, "Ja")  # for Stadt Jena
    await bot.send(COORDINATOR, "/mitglied @anna")
    await bot.choose(COORDINATOR, "Andere Organisation")
    await bot.send(COORDINATOR, "Gemeinde Zöllnitz")
    await vote(bot, f.anna, "Nein")  # now for Gemeinde Zöllnitz
    async with bot.uow() as uow:
        rows = (await uow.session.execute(select(Vote).order_by(col(Vote.id)))).scalars().all()
    assert [(v.voter, v.organisation_id, v.member_id, v.choice.value) for v in rows] == [
        ("org:1", 1, 1, "yes"),
        ("org:2", 2, 1, "no"),
    ]
    # Last activity is the latest vote.
    card = await bot.send(COORDINATOR, "/mitglied @anna")
    assert "Zuletzt aktiv: Do., 26.11.2026, 10:00 Uhr" in (card.text or "")


async def test_the_coordinator_hears_of_joins_and_removals(bot: Harness) -> None:
    anna, bernd = bot.user("Anna", "Amsel"), bot.user("Bernd", "Buchfink")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.settle()
    assert texts(bot, COORDINATOR.id)[-1] == (
        "Beitritt: Anna Amsel ist dem Forum für Gemeinde Zöllnitz beigetreten"
        " (Mitglieder von Gemeinde Zöllnitz: 1)."
    )
    await bot.send(COORDINATOR, "/language en")
    await bot.join(bernd, "Gemeinde Zöllnitz")
    await bot.settle()
    assert texts(bot, COORDINATOR.id)[-1] == (
        "Joined: Bernd Buchfink has joined the forum for Gemeinde Zöllnitz"
        " (members of Gemeinde Zöllnitz: 2)."
    )


async def test_removal_is_told_to_the_other_coordinators(
    emulator: BotApiEmulator, database_url: str
) -> None:
    other = FakeUser(id=777, first_name="Olga", username="olga", language_code="de")
    async with running_bot(
        emulator, database_url, coordinator_ids=f"{COORDINATOR.id},{other.id}"
    ) as bot:
        await bot.send(other, "/start")
        f = await forum(bot)
        await bot.send(COORDINATOR, "/mitglied Bernd")
        await bot.choose(COORDINATOR, "Entfernen")
        await bot.choose(COORDINATOR, "Ja, entfernen")
        await bot.settle()
        assert texts(bot, other.id)[-1] == (
            "Entfernt: Bernd (Stadt Jena) wurde von der Koordination aus dem Forum entfernt."
            " Name, Benutzername und Telegram-ID sind gelöscht.\n"
            "Stadt Jena bleibt im Forum vertreten (Mitglieder: 1)."
        )
        # The one who removed him is answered, not told again.
        assert not any(t.startswith("Entfernt:") for t in texts(bot, COORDINATOR.id))
        assert not (await bot.actor(f.bernd)).is_member


async def test_the_monday_summary_names_organisations_without_members(bot: Harness) -> None:
    await forum(bot)
    await bot.send(COORDINATOR, "/einladen Stadt Kahla")
    await bot.send(COORDINATOR, "/einladen Gemeinde Rothenstein")
    # Thursday 26.11. → Monday 30.11., the daily round.
    await bot.advance(timedelta(days=4))
    await bot.run_job(DAILY_JOB)
    assert texts(bot, COORDINATOR.id)[-1] == (
        "Ohne Mitglied im Forum (2):\n"
        "• Gemeinde Rothenstein\n"
        "• Stadt Kahla\n"
        "Eine Einladung erstellen Sie mit /einladen Name."
    )
    # Not on Tuesday; the next Monday again, in English.
    await bot.send(COORDINATOR, "/language en")
    count = len(texts(bot, COORDINATOR.id))
    await bot.advance(timedelta(days=1))
    await bot.run_job(DAILY_JOB)
    assert len(texts(bot, COORDINATOR.id)) == count
    await bot.send(COORDINATOR, "/einladen Gemeinde Rothenstein")  # a member joins
    rothenstein = bot.user("Rita")
    await bot.join(rothenstein, "Gemeinde Rothenstein")
    await bot.advance(timedelta(days=6))
    await bot.run_job(DAILY_JOB)
    assert texts(bot, COORDINATOR.id)[-1] == (
        "Without a member in the forum (1):\n• Stadt Kahla\nCreate an invitation with /invite name."
    )


async def test_the_card_in_english(bot: Harness) -> None:
    await forum(bot)
    await bot.send(COORDINATOR, "/language en")
    card = await bot.send(COORDINATOR, "/member @carla")
    text = card.text or ""
    assert "👤 <b>Carla</b> (member #3)" in text
    assert "Organisation: Gemeinde Zöllnitz" in text
    assert "Role: – (none entered yet)" in text
    assert "Joined: Thu, 26 Nov 2026, 10:00" in text
    assert list(buttons(card.params)) == ["Remove", "Other organisation", "Role", "Cancel"]
    await bot.choose(COORDINATOR, "Role")
    done = await bot.send(COORDINATOR, "Bauamt")
    assert done.text == "Role of Carla: Bauamt"
    # Plain text on the card (which takes buttons only) is answered with what to do.
    await bot.send(COORDINATOR, "/member Carla")
    hint = await bot.send(COORDINATOR, "remove")
    assert hint.text == "Please choose with the buttons under the message, or /cancel."


async def test_moving_to_a_name_that_fits_several_offers_a_button_each(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(COORDINATOR, "/einladen Gemeinde Zöllnitz-Süd")
    await bot.send(COORDINATOR, "/mitglied @emil")
    await bot.choose(COORDINATOR, "Andere Organisation")
    choose = await bot.send(COORDINATOR, "Zöll")
    assert choose.text == "„Zöll“ passt auf mehrere. Welche meinen Sie?"
    assert list(buttons(choose.params)) == [
        "Gemeinde Zöllnitz",
        "Gemeinde Zöllnitz-Süd",
        "« Zurück",
        "Abbrechen",
    ]
    moved = await bot.choose(COORDINATOR, "Gemeinde Zöllnitz-Süd")
    assert (moved.text or "").startswith(
        "Emil gehört jetzt zu Gemeinde Zöllnitz-Süd (bisher Saale-Holzland-Kreis)."
    )
    actor = await bot.actor(f.emil)
    assert actor.organisation is not None and actor.organisation.name == "Gemeinde Zöllnitz-Süd"


async def test_removing_in_english_and_the_person_is_told_in_theirs(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(f.dirk, "/language en")
    await bot.send(COORDINATOR, "/language en")
    await bot.send(COORDINATOR, "/member Dirk")
    question = await bot.choose(COORDINATOR, "Remove")
    assert (question.text or "").startswith(
        "Remove Dirk (Gemeinde Zöllnitz) from the forum? This is the same as leaving"
    )
    done = await bot.choose(COORDINATOR, "Yes, remove")
    assert done.text == (
        "Dirk has been removed from the forum (Gemeinde Zöllnitz) and was told.\n"
        "Gemeinde Zöllnitz remains represented in the forum (members: 1)."
    )
    await bot.settle()
    assert texts(bot, f.dirk.id)[-1].startswith(
        "The coordination has ended your membership in the forum (Gemeinde Zöllnitz)."
    )


async def test_a_representative_who_goes_ends_the_role_and_the_colleagues_hear(
    bot: Harness,
) -> None:
    """Removed, left with /austreten, moved: the coordinator reads that the role ended and how
    to name a new one; the organisation's remaining members are told who represents it now."""
    f = await forum(bot)  # Jena: Anna, Bernd; Zöllnitz: Carla, Dirk; SHK: Emil
    await bot.send(COORDINATOR, "/vertretung Zöllnitz | @dirk | @carla")
    await bot.send(COORDINATOR, "/vertretung Jena | @anna | @bernd")
    await bot.send_and_confirm(COORDINATOR, "/neueaufgabe Bernd | 15.12. | Stellungnahme")
    await bot.settle()
    # The coordinator removes Dirk, Zöllnitz's Stimmführung.
    await bot.send(COORDINATOR, "/mitglied @dirk")
    await bot.choose(COORDINATOR, "Entfernen")
    done = await bot.choose(COORDINATOR, "Ja, entfernen")
    assert done.text == (
        "Dirk ist aus dem Forum entfernt (Gemeinde Zöllnitz) und hat eine Nachricht bekommen.\n"
        "Gemeinde Zöllnitz bleibt im Forum vertreten (Mitglieder: 1).\n"
        "⚠️ Damit endet die Funktion als Stimmführung für Gemeinde Zöllnitz. Die übrigen"
        " Mitglieder sind benachrichtigt; eine neue Vertretung benennen Sie mit /vertretung"
        " Gemeinde Zöllnitz | @Stimmführung | @Stellvertretung"
    )
    await bot.settle()
    assert texts(bot, f.carla.id)[-1] == (
        "Dirk gehört nicht mehr zum Forum und ist damit nicht mehr Stimmführung für Gemeinde"
        " Zöllnitz.\n"
        "Stimmführung: noch niemand benannt\n"
        "Stellvertretung: Carla (@carla)\n"
        "Eine neue Stimmführung benennt die Koordination (/vertretung Gemeinde Zöllnitz |"
        " @Stimmführung | @Stellvertretung)."
    )
    # Bernd, Jena's deputy, leaves with /austreten: Anna hears it, and may name a new one; his
    # open task is hers now, said in the same message.
    await bot.send(f.bernd, "/austreten")
    sent = bot.emu.last_message(f.bernd.id, from_bot=True)
    mark = len(texts(bot, f.anna.id))
    await bot.press(f.bernd, sent, buttons(sent)["Ja, austreten"])
    await bot.settle()
    (told,) = texts(bot, f.anna.id)[mark:]
    assert told.endswith(
        "Die offenen Aufgaben von Bernd gehören jetzt Stadt Jena; erledigt melden oder"
        " kommentieren kann sie jedes Mitglied der Kommune (z. B. <code>/erledigt 1</code>):\n"
        "• #1 „Stellungnahme“"
    )
    assert (
        "Stadt Jena bleibt im Forum vertreten (Mitglieder: 1).\n"
        "⚠️ Damit endet die Funktion als Stellvertretung für Stadt Jena. Die übrigen Mitglieder"
        " sind benachrichtigt; eine neue Vertretung benennen Sie mit /vertretung Stadt Jena |"
        " @Stimmführung | @Stellvertretung\n\nOffene Aufgaben gehen an Stadt Jena über (1)"
    ) in texts(bot, COORDINATOR.id)[-1]
    anna = texts(bot, f.anna.id)[-1]
    assert anna.startswith(
        "Bernd gehört nicht mehr zum Forum und ist damit nicht mehr Stellvertretung für Stadt"
        " Jena.\nStimmführung: Anna (@anna)\nStellvertretung: niemand\n"
        "Eine neue Stellvertretung benennen die Koordination oder die Stimmführung:"
    )
    # Anna, Jena's Stimmführung, moves to the Saale-Holzland-Kreis: she and the coordinator
    # read that the role ended; Jena has no member left to tell.
    await bot.send(COORDINATOR, "/mitglied @anna")
    await bot.choose(COORDINATOR, "Andere Organisation")
    moved = await bot.send(COORDINATOR, "Saale-Holzland-Kreis")
    assert (moved.text or "").endswith(
        "⚠️ Damit endet die Funktion als Stimmführung für Stadt Jena."
    )
    await bot.settle()
    assert texts(bot, f.anna.id)[-1] == (
        "Die Koordination hat Sie im Forum Saale-Holzland-Kreis zugeordnet (bisher Stadt Jena)."
        " Ab jetzt stimmen Sie für Saale-Holzland-Kreis ab.\n"
        "Ihre Funktion als Stimmführung für Stadt Jena ist damit beendet."
    )
    shown = (await bot.send(COORDINATOR, "/vertretung Stadt Jena")).text or ""
    assert "Stimmführung: noch niemand benannt" in shown
