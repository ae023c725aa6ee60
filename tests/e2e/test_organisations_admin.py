"""Organisations over the years: invitations in batches, rename with /kommune, merge with
/zusammenlegen (the counts first; where both voted, A's vote stands), delete only without
history — through the emulator, in German and English."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Invitation, Member, Organisation, Task, Vote
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_voting import buttons, forum, propose_and_open, texts, vote


async def _organisations(bot: Harness) -> dict[str, Organisation]:
    async with bot.uow() as uow:
        return {o.name: o for o in await uow.organisations.all()}


def _links(text: str) -> list[str]:
    return [word for word in text.split() if word.startswith("https://t.me/")]


async def test_a_batch_of_invitations_in_one_message(bot: Harness) -> None:
    answer = await bot.send(COORDINATOR, "/einladen Gemeinde Zöllnitz | 3")
    text = answer.text or ""
    assert text.startswith(
        "3 Einladungslinks für Gemeinde Zöllnitz, jeder für eine Person,"
        " gültig bis Do., 10.12.2026, 10:00 Uhr:"
    )
    links = _links(text)
    assert len(links) == 3 and len(set(links)) == 3
    assert "#1: https://t.me/" in text and "#3: https://t.me/" in text
    assert "Gemeinde Zöllnitz ist neu angelegt." in text
    assert await bot.count(Invitation) == 3
    # Each link is for one person.
    anna, bernd = bot.user("Anna"), bot.user("Bernd")
    code = links[0].partition("?start=")[2]
    welcome = await bot.send(anna, f"/start {code}")
    assert "Gemeinde Zöllnitz" in (welcome.text or "")
    used = await bot.send(bernd, f"/start {code}")
    assert (used.text or "").startswith("Dieser Einladungslink wurde bereits verwendet.")
    welcome = await bot.send(bernd, f"/start {links[1].partition('?start=')[2]}")
    assert "Gemeinde Zöllnitz" in (welcome.text or "")


async def test_a_count_with_a_name_that_only_resembles_asks_first(bot: Harness) -> None:
    await bot.send(COORDINATOR, "/einladen Gemeinde Zöllnitz")
    question = await bot.send(COORDINATOR, "/einladen Zoellnitz | 2")
    assert "Meinten Sie" in (question.text or "")
    label = next(k for k in buttons(question.params) if "Gemeinde Zöllnitz" in k)
    answer = await bot.choose(COORDINATOR, label)
    assert (answer.text or "").startswith("2 Einladungslinks für Gemeinde Zöllnitz")
    assert len(_links(answer.text or "")) == 2
    assert list(await _organisations(bot)) == ["Gemeinde Zöllnitz"]


async def test_counts_out_of_range_and_the_old_forms(bot: Harness) -> None:
    for text in ("/einladen Stadt Kahla | 0", "/einladen Stadt Kahla | 21"):
        answer = await bot.send(COORDINATOR, text)
        assert answer.text == (
            "Wie viele Einladungslinks? Eine Zahl von 1 bis 20,"
            " z. B. /einladen Gemeinde Zöllnitz | 3"
        )
    assert await bot.count(Organisation) == 0
    # Kind and AGS as before, also with a count.
    answer = await bot.send(COORDINATOR, "/einladen Saale-Holzland-Kreis | Landkreis | 16074")
    assert len(_links(answer.text or "")) == 1
    answer = await bot.send(COORDINATOR, "/einladen Stadt Kahla | 2 | Stadt | 16074044")
    assert len(_links(answer.text or "")) == 2
    kahla = (await _organisations(bot))["Stadt Kahla"]
    assert kahla.ags == "16074044" and kahla.kind is not None and kahla.kind.value == "stadt"
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send(COORDINATOR, "/invite Stadt Kahla | 2")
    assert (answer.text or "").startswith("2 invitation links for Stadt Kahla, each for one person")


async def test_rename_keeps_the_history_and_the_kind_form_still_works(bot: Harness) -> None:
    f = await forum(bot)
    answer = await bot.send(COORDINATOR, "/kommune Zöllnitz | Gemeinde Zöllnitz-Rothenstein")
    assert answer.text == (
        "Gemeinde Zöllnitz heißt jetzt Gemeinde Zöllnitz-Rothenstein. Ihre Geschichte"
        " (Mitglieder, Stimmen, Aufgaben) bleibt dieselbe."
    )
    actor = await bot.actor(f.carla)
    assert actor.organisation is not None
    assert actor.organisation.name == "Gemeinde Zöllnitz-Rothenstein"
    # A kind in the second field: kind and AGS, as always.
    answer = await bot.send(COORDINATOR, "/kommune Zöllnitz-Rothenstein | Gemeinde | 16074093")
    assert "Gemeinde Zöllnitz-Rothenstein" in (answer.text or "")
    org = (await _organisations(bot))["Gemeinde Zöllnitz-Rothenstein"]
    assert org.ags == "16074093"
    # By number; a name another organisation has is refused.
    answer = await bot.send(COORDINATOR, "/kommune 1 | Stadt Jena (Saale)")
    assert answer.text is not None and answer.text.startswith("Stadt Jena heißt jetzt")
    answer = await bot.send(COORDINATOR, "/kommune 1 | saale-holzland-kreis")
    assert answer.text == (
        "Den Namen Saale-Holzland-Kreis gibt es schon. Zum Zusammenlegen:"
        " /zusammenlegen Saale-Holzland-Kreis | Name"
    )
    answer = await bot.send(COORDINATOR, "/kommune 99 | Neu")
    assert answer.text == "Keine Organisation hat die Nr. 99."
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send(COORDINATOR, "/organisation 3 | Landkreis SHK")
    assert answer.text == (
        "Saale-Holzland-Kreis is now called Landkreis SHK. Its history (members, votes, tasks)"
        " stays the same."
    )


async def test_merge_lists_the_counts_and_a_vote_on_the_same_ballot_is_dropped(
    bot: Harness,
) -> None:
    f = await forum(bot)  # Jena: Anna, Bernd; Zöllnitz: Carla, Dirk; SHK: Emil
    await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme"
    )
    await propose_and_open(bot, f.anna)
    await vote(bot, f.anna, "Ja")  # Stadt Jena
    await vote(bot, f.carla, "Nein")  # Gemeinde Zöllnitz, on the same ballot
    await bot.send(COORDINATOR, "/vertretung Zöllnitz | @carla | @dirk")
    await bot.settle()

    question = await bot.send(COORDINATOR, "/zusammenlegen Jena | Zöllnitz")
    assert question.text == (
        "<b>Gemeinde Zöllnitz</b> in <b>Stadt Jena</b> aufgehen lassen? Danach gibt es Gemeinde"
        " Zöllnitz nicht mehr. Zu Stadt Jena wechseln:\n"
        "• Mitglieder: 2\n"
        "• frühere Mitglieder (ohne Namen): 0\n"
        "• Stimmen: 0\n"
        "• Aufgaben: 1\n"
        "• weitere Geschichte (Aufgabenverlauf, Vorschläge, Tagesordnungspunkte, Antworten auf"
        " Terminfindungen): 1\n"
        "• Stimmen, die entfallen: 1 — bei diesen Abstimmungen hat auch Stadt Jena gestimmt\n"
        "• Die Vertretung von Gemeinde Zöllnitz endet: Carla (Stimmführung), Dirk"
        " (Stellvertretung); sie werden Mitglieder von Stadt Jena ohne Funktion. Die Vertretung"
        " von Stadt Jena bleibt, wie sie ist.\n"
        "\n"
        "Haben beide über dasselbe abgestimmt, gilt die Stimme von Stadt Jena; die von Gemeinde"
        " Zöllnitz entfällt. Die Ergebnisse abgeschlossener Abstimmungen bleiben, wie sie"
        " verkündet wurden."
    )
    done = await bot.choose(COORDINATOR, "Ja, Gemeinde Zöllnitz zusammenlegen")
    assert done.text == (
        "Gemeinde Zöllnitz ist in Stadt Jena aufgegangen: 2 Mitglieder, 0 Stimmen, 1 Aufgabe"
        " gehören jetzt zu Stadt Jena. 1 doppelte Stimme entfällt. Die Vertretung von Gemeinde"
        " Zöllnitz ist beendet: Carla (Stimmführung), Dirk (Stellvertretung). Die Mitglieder von"
        " Gemeinde Zöllnitz erfahren es per Nachricht."
    )
    await bot.settle()
    # Zöllnitz's members hear it; Carla, its Stimmführung, that the role ended and that Jena
    # has none yet.
    assert texts(bot, f.carla.id)[-1] == (
        "Gemeinde Zöllnitz ist im Forum in Stadt Jena aufgegangen (zusammengelegt von der"
        " Koordination). Sie gehören jetzt zu Stadt Jena; ab jetzt stimmen Sie für Stadt Jena"
        " ab.\n"
        "Ihre Funktion als Stimmführung für Gemeinde Zöllnitz ist damit beendet.\n"
        "Stadt Jena hat noch keine Stimmführung. Benennen kann sie die Koordination: /vertretung"
        " Stadt Jena | @Stimmführung | @Stellvertretung"
    )
    assert "Ihre Funktion als Stellvertretung" in texts(bot, f.dirk.id)[-1]
    # Jena's members hear who joins them, and which open tasks are theirs now.
    assert texts(bot, f.anna.id)[-1] == (
        "Gemeinde Zöllnitz ist im Forum in Stadt Jena aufgegangen (zusammengelegt von der"
        " Koordination). Zu Stadt Jena gehören jetzt auch: Carla, Dirk.\n"
        "Diese offenen Aufgaben von Gemeinde Zöllnitz gehören jetzt Stadt Jena:\n"
        "• #1 „Stellungnahme“"
    )
    organisations = await _organisations(bot)
    assert list(organisations) == ["Saale-Holzland-Kreis", "Stadt Jena"]
    jena = organisations["Stadt Jena"].id
    async with bot.uow() as uow:
        members = (await uow.session.execute(select(Member))).scalars().all()
        votes = (await uow.session.execute(select(Vote))).scalars().all()
        tasks = (await uow.session.execute(select(Task))).scalars().all()
    assert sorted(m.first_name or "" for m in members if m.organisation_id == jena) == [
        "Anna",
        "Bernd",
        "Carla",
        "Dirk",
    ]
    assert [(v.voter, v.organisation_id, v.choice.value) for v in votes] == [
        (f"org:{jena}", jena, "yes")
    ]
    assert [t.organisation_id for t in tasks] == [jena]
    # Carla now votes for Stadt Jena: her press changes Jena's vote.
    await vote(bot, f.carla, "Enthaltung")
    async with bot.uow() as uow:
        votes = (await uow.session.execute(select(Vote))).scalars().all()
    assert [(v.voter, v.choice.value) for v in votes] == [(f"org:{jena}", "abstain")]


async def test_merge_asks_and_cancel_changes_nothing_in_english(bot: Harness) -> None:
    await forum(bot)
    await bot.send(COORDINATOR, "/language en")
    question = await bot.send(COORDINATOR, "/mergeorganisations Saale-Holzland-Kreis | Jena")
    assert (question.text or "").startswith(
        "Merge <b>Stadt Jena</b> into <b>Saale-Holzland-Kreis</b>? Afterwards Stadt Jena no"
        " longer exists. Moving to Saale-Holzland-Kreis:\n• members: 2\n"
    )
    assert list(buttons(question.params)) == ["Yes, merge Stadt Jena", "Cancel"]
    cancelled = await bot.choose(COORDINATOR, "Cancel")
    assert cancelled.text == "Cancelled. Nothing was saved."
    assert len(await _organisations(bot)) == 3
    same = await bot.send(COORDINATOR, "/mergeorganisations Jena | Stadt Jena")
    assert same.text == "Stadt Jena cannot be merged with itself."
    usage = await bot.send(COORDINATOR, "/mergeorganisations Jena")
    assert (usage.text or "").startswith("To merge two organisations (B into A):")


async def test_delete_only_without_history(bot: Harness) -> None:
    await forum(bot)
    await bot.send(COORDINATOR, "/einladen Stadt Kahla | 2")
    answer = await bot.send(COORDINATOR, "/kommuneloeschen Zöllnitz")
    assert answer.text == (
        "Gemeinde Zöllnitz hat schon eine Geschichte im Forum (Mitglieder, Stimmen, Aufgaben"
        " o. Ä.: 2 Einträge) und wird nicht gelöscht. Archivieren Sie sie stattdessen"
        " (<code>/kommunearchivieren Gemeinde Zöllnitz</code>); so bleibt ihre Geschichte"
        " erhalten. Zum Zusammenlegen mit einer anderen: /zusammenlegen."
    )
    answer = await bot.send(COORDINATOR, "/kommuneloeschen Kahla")
    assert answer.text == "Stadt Kahla ist gelöscht (mit ihren offenen Einladungen)."
    assert "Stadt Kahla" not in await _organisations(bot)
    assert await bot.count(Invitation) == 0
    answer = await bot.send(COORDINATOR, "/kommuneloeschen Kahla")
    assert answer.text == "Eine Mitgliedskommune „Kahla“ gibt es nicht."
    usage = await bot.send(COORDINATOR, "/kommuneloeschen")
    assert usage.text == "Welche Organisation? Zum Beispiel: /kommuneloeschen Gemeinde Testdorf"


async def test_delete_in_english(bot: Harness) -> None:
    await forum(bot)
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send(COORDINATOR, "/deleteorganisation Jena")
    assert (answer.text or "").startswith(
        "Stadt Jena already has a history in the forum (members, votes, tasks or the like:"
        " 2 records) and is not deleted. Archive it instead"
    )
    await bot.send(COORDINATOR, "/invite Stadt Kahla")
    answer = await bot.send(COORDINATOR, "/deleteorganisation Stadt Kahla")
    assert answer.text == "Stadt Kahla has been deleted (with its open invitations)."
