"""Issue 15 end to end: an organisation's status (Mitglied, beratend, archiviert) and who votes
for it (Stimmführung, Stellvertretung, VOTE_RIGHT), played by the coordinator and by two members
of one municipality, with typos, in German and once in English.

Stadt Jena (Anna, Bernd), Gemeinde Zöllnitz (Carla, Dirk), Saale-Holzland-Kreis (Emil); the
test clock starts on Thu 26.11.2026, 10:00 in Berlin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import select

from storage.enums import OrganisationStatus, OutboxState, VoteCapacity, VoteRight
from storage.models import Ballot, Organisation, OutboxMessage, Vote, VoteChoice
from storage.models_representation import Representative
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.e2e.test_exports import document, sheet_rows
from tests.e2e.test_voting import (
    GROUP_CHAT,
    ballot_message,
    buttons,
    forum,
    propose_and_open,
    texts,
    vote,
)
from tests.emulator import BotApiEmulator, FakeUser


@pytest.fixture
async def rep_bot(emulator: BotApiEmulator, database_url: str) -> AsyncIterator[Harness]:
    """The bot with VOTE_RIGHT=representatives."""
    async with running_bot(emulator, database_url, vote_right="representatives") as harness:
        yield harness


async def stored_votes(bot: Harness) -> dict[int, Vote]:
    async with bot.uow() as uow:
        return {v.organisation_id: v for v in (await uow.session.execute(select(Vote))).scalars()}


async def statuses(bot: Harness) -> dict[str, OrganisationStatus]:
    async with bot.uow() as uow:
        rows = (await uow.session.execute(select(Organisation))).scalars()
        return {o.name: o.status for o in rows}


# --- status --------------------------------------------------------------------------------


async def test_status_advisory_and_archived_in_lists_ballots_and_results(bot: Harness) -> None:
    f = await forum(bot)
    # Typos: an unknown word and no separator are answered with the usage, nothing changes.
    answer = await bot.send(COORDINATOR, "/kommunestatus Saale-Holzland-Kreis | berated")
    assert "So geht es: /kommunestatus" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/kommunestatus Saale-Holzland-Kreis")
    assert "So geht es: /kommunestatus" in (answer.text or "")
    assert set((await statuses(bot)).values()) == {OrganisationStatus.MEMBER}
    # A member may not.
    answer = await bot.send(f.emil, "/kommunestatus Saale-Holzland-Kreis | beratend")
    assert "Koordination" in (answer.text or "")
    # The name as the resolver finds it (a prefix), the status in any case.
    answer = await bot.send(COORDINATOR, "/kommunestatus Saale-Holz | Beratend")
    assert answer.text is not None
    assert "Saale-Holzland-Kreis: jetzt <b>beratend</b> (vorher Mitglied)." in answer.text
    assert "stimmt aber nicht ab" in answer.text
    answer = await bot.send(COORDINATOR, "/kommunestatus Saale-Holzland-Kreis | beratend")
    assert "ist bereits beratend. Nichts geändert." in (answer.text or "")

    overview = (await bot.send(COORDINATOR, "/mitglieder")).text or ""
    assert "Saale-Holzland-Kreis</b> · beratend" in overview
    assert "2 stimmberechtigte Mitgliedskommunen, 1 beratend." in overview

    # The vote: Emil's ballot is for information only; the others can press.
    await propose_and_open(bot, f.anna)
    emil_ballot = ballot_message(bot, f.emil)
    assert not buttons(emil_ballot)
    assert "Zur Information: Saale-Holzland-Kreis ist beratendes Mitglied" in emil_ballot["text"]
    assert set(buttons(ballot_message(bot, f.carla))) >= {"Ja", "Nein"}
    # Shown again from /themen: still without buttons.
    topics = await bot.send(f.emil, "/themen")
    ballot_button = buttons(topics.params)["Stimmzettel #1"]
    sent = bot.emu.last_message(f.emil.id, from_bot=True)
    again = await bot.press_for_message(f.emil, sent, ballot_button)
    assert "ist beratendes Mitglied" in (again.text or "") and not buttons(again.params)
    # A press on a ballot posted in a group chat is refused with an alert, nothing stored.
    await bot.send(f.carla, "/themen", chat_id=GROUP_CHAT, chat_type="supergroup")
    (posted,) = [
        m for m in bot.emu.messages(GROUP_CHAT) if "Abstimmung über Thema" in m.get("text", "")
    ]
    answer = await bot.press(f.emil, posted, buttons(posted)["Ja"])
    assert answer.params.get("show_alert") is True
    assert "Saale-Holzland-Kreis ist beratendes Mitglied" in answer.params["text"]
    assert await stored_votes(bot) == {}

    await vote(bot, f.anna, "Ja")
    await vote(bot, f.carla, "Nein")
    answer = await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    assert "beendet" in (answer.text or "")
    await bot.settle()
    result = texts(bot, f.emil.id)[-1]
    assert "2 von 2 Mitgliedskommunen" in result
    assert "2 stimmberechtigte Mitgliedskommunen, 1 beratend" in result
    async with bot.uow() as uow:
        ballot = (await uow.session.execute(select(Ballot))).scalars().one()
    assert ballot.result is not None and ballot.result["eligible"] == 2
    assert ballot.result["advisory"] == 1

    # Archived: kept, but gone from the lists; its members get no new ballots.
    answer = await bot.send(COORDINATOR, "/kommunearchivieren Zoellnitz")
    assert "Gemeinde Zöllnitz: jetzt <b>archiviert</b>" in (answer.text or "")
    overview = (await bot.send(COORDINATOR, "/mitglieder")).text or ""
    assert "Archiviert: Gemeinde Zöllnitz" in overview
    assert "<b>Gemeinde Zöllnitz" not in overview
    assert "1 stimmberechtigte Mitgliedskommune, 1 beratend." in overview
    carla_before = len(bot.emu.messages(f.carla.id))
    await bot.send(f.anna, "/vorschlag Zweites Thema")
    await bot.settle()
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 2")
    assert "Stimmzettel gehen an 3 Mitglieder" in (answer.text or "")
    await bot.settle()
    assert len(bot.emu.messages(f.carla.id)) == carla_before
    # Brought back with /kommunestatus.
    answer = await bot.send(COORDINATOR, "/kommunestatus Gemeinde Zöllnitz | Mitglied")
    assert "jetzt <b>Mitglied</b> (vorher archiviert)" in (answer.text or "")
    assert (await statuses(bot))["Gemeinde Zöllnitz"] is OrganisationStatus.MEMBER


async def test_what_was_queued_for_an_archived_organisation_is_not_sent(bot: Harness) -> None:
    f = await forum(bot)
    # A meeting on Monday: its reminder the day before is queued for everyone invited.
    await bot.send_and_confirm(COORDINATOR, "/neuertermin 30.11.2026 18:00 | Forum | Volkshaus")
    await bot.settle()
    carla_before = len(bot.emu.messages(f.carla.id))  # the invitation among them
    anna_before = len(bot.emu.messages(f.anna.id))
    answer = await bot.send(COORDINATOR, "/kommunearchivieren Zoellnitz")
    assert "Gemeinde Zöllnitz: jetzt <b>archiviert</b>" in (answer.text or "")
    await bot.advance(timedelta(days=3, hours=12))  # Sunday evening: the reminders are due
    assert len(bot.emu.messages(f.anna.id)) > anna_before  # Jena is reminded ...
    assert len(bot.emu.messages(f.carla.id)) == carla_before  # ... Zöllnitz, archived, is not
    async with bot.uow() as uow:
        rows = (
            (
                await uow.session.execute(
                    select(OutboxMessage).where(OutboxMessage.chat_id == f.carla.id)
                )
            )
            .scalars()
            .all()
        )
    skipped = [r for r in rows if r.state is OutboxState.SKIPPED]
    assert skipped and all("archived" in (r.last_error or "") for r in skipped)


# --- representation ------------------------------------------------------------------------


async def test_naming_the_representation(rep_bot: Harness) -> None:
    bot = rep_bot
    f = await forum(bot)
    answer = await bot.send(COORDINATOR, "/vertretung Stadt Jena")
    assert answer.text is not None
    assert "<b>Vertretung von Stadt Jena</b> (Mitglied)" in answer.text
    assert "Stimmführung: noch niemand benannt" in answer.text
    assert "nur Stimmführung und Stellvertretung" in answer.text
    # Typos: an unknown person (the members are listed), someone of another organisation.
    answer = await bot.send(COORDINATOR, "/vertretung Stadt Jena | @anne")
    assert "„@anne“ ist kein Mitglied von Stadt Jena. Mitglieder: Anna, Bernd" in (
        answer.text or ""
    )
    answer = await bot.send(COORDINATOR, "/vertretung Stadt Jena | @carla")
    assert "Carla ist Mitglied für Gemeinde Zöllnitz, nicht für Stadt Jena." in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/vertretung Stadt Jena | @anna | @bernd")
    assert answer.text is not None and answer.text.startswith("✅ Gespeichert.")
    assert "Stimmführung: Anna (@anna)" in answer.text
    assert "Stellvertretung: Bernd (@bernd)" in answer.text

    # A member without a role may look, not name.
    answer = await bot.send(f.dirk, "/vertretung")  # their own organisation
    assert "<b>Vertretung von Gemeinde Zöllnitz</b>" in (answer.text or "")
    answer = await bot.send(f.dirk, "/vertretung Gemeinde Zöllnitz | @dirk")
    assert "können nur die Koordination und die Stimmführung" in (answer.text or "")
    # The coordinator names Carla (by name, the organisation without its kind word) …
    answer = await bot.send(COORDINATOR, "/vertretung Zöllnitz | Carla")
    assert "Stimmführung: Carla (@carla)" in (answer.text or "")
    # … and Carla, as Stimmführung, her deputy; but not for another organisation.
    answer = await bot.send(f.carla, "/vertretung Stadt Jena | @carla")
    assert "Die Vertretung von Stadt Jena können nur die Koordination und die Stimmführung" in (
        answer.text or ""
    )
    answer = await bot.send(f.carla, "/vertretung Gemeinde Zöllnitz | @carla | @dirk")
    assert "Stellvertretung: Dirk (@dirk)" in (answer.text or "")
    await bot.settle()
    # Those named are told, with who named them.
    assert (
        "Sie sind jetzt <b>Stellvertretung</b> für Gemeinde Zöllnitz (benannt von der Stimmführung "
        "Ihrer Kommune)" in texts(bot, f.dirk.id)[-1]
    )
    assert any(
        "Sie sind jetzt <b>Stimmführung</b> für Gemeinde Zöllnitz (benannt von der Koordination)"
        in text
        for text in texts(bot, f.carla.id)
    )
    overview = (await bot.send(COORDINATOR, "/mitglieder")).text or ""
    assert "Anna (@anna) – Stimmführung" in overview
    assert "Dirk (@dirk) – Stellvertretung" in overview

    # A Stimmführung who leaves loses the role (personal data); the deputy stays.
    question = await bot.send(f.anna, "/austreten")
    sent = bot.emu.last_message(f.anna.id, from_bot=True)
    assert "wirklich beenden" in (question.text or "")
    await bot.press(f.anna, sent, buttons(sent)["Ja, austreten"])
    answer = await bot.send(COORDINATOR, "/vertretung Stadt Jena")
    assert "Stimmführung: noch niemand benannt" in (answer.text or "")
    assert "Stellvertretung: Bernd (@bernd)" in (answer.text or "")
    async with bot.uow() as uow:
        roles = (await uow.session.execute(select(Representative))).scalars().all()
    assert sorted(r.member_id for r in roles) == [2, 3, 4]  # Bernd, Carla, Dirk

    # "| -" removes an organisation's representation.
    answer = await bot.send(COORDINATOR, "/vertretung Stadt Jena | -")
    assert "Stellvertretung: niemand" in (answer.text or "")
    await bot.settle()
    assert (
        "Sie sind nicht mehr Stimmführung oder Stellvertretung für Stadt Jena"
        in (texts(bot, f.bernd.id)[-1])
    )


async def test_only_representatives_vote_and_the_stimmfuehrung_counts(rep_bot: Harness) -> None:
    bot = rep_bot
    f = await forum(bot)
    await bot.send(COORDINATOR, "/vertretung Stadt Jena | @anna | @bernd")
    await bot.send(COORDINATOR, "/vertretung Gemeinde Zöllnitz | @carla | @dirk")
    # Saale-Holzland-Kreis has nobody: the coordinator is warned when the vote opens.
    await bot.send(f.anna, "/vorschlag Radweg Saaletal | Lückenschluss Burgau–Göschwitz")
    await bot.settle()
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1")
    assert answer.text is not None and "läuft bis" in answer.text
    assert (
        "Ohne Stimmführung und Stellvertretung (können nicht abstimmen): Saale-Holzland-Kreis"
        in (answer.text)
    )
    await bot.settle()
    async with bot.uow() as uow:
        ballot = (await uow.session.execute(select(Ballot))).scalars().one()
    assert ballot.vote_right is VoteRight.REPRESENTATIVES
    # Emil (no role) gets the ballot for information; the others can press.
    emil = ballot_message(bot, f.emil)
    assert not buttons(emil)
    assert "Zur Information: Für Saale-Holzland-Kreis stimmen die Stimmführung" in emil["text"]
    assert "abgeben können sie ihre Stimmführung und Stellvertretung" in emil["text"]
    for user in (f.anna, f.bernd, f.carla, f.dirk):
        assert "Ja" in buttons(ballot_message(bot, user))

    # Stadt Jena: the Stimmführung first, then the deputy: not counted, and told why.
    await vote(bot, f.anna, "Ja")
    alert = await vote(bot, f.bernd, "Nein")
    assert alert.get("show_alert") is True
    assert alert["text"] == (
        "Nicht gezählt: Für Stadt Jena hat die Stimmführung Anna bereits abgestimmt (Ja); "
        "ihre Wahl gilt."
    )
    # Zöllnitz: the deputy first, then the Stimmführung replaces it; the deputy is told.
    await vote(bot, f.dirk, "Nein")
    assert ballot_message(bot, f.carla)["text"].endswith(
        "Stimme für Gemeinde Zöllnitz: Nein, abgegeben von Dirk (Stellvertretung)"
    )
    await vote(bot, f.carla, "Ja, vorbehaltlich Ratsbeschluss")
    assert any(
        "Carla (Stimmführung) hat für Ihre Mitgliedskommune" in t for t in texts(bot, f.dirk.id)
    )
    assert ballot_message(bot, f.dirk)["text"].endswith(
        "Zöllnitz: Ja, vorbehaltlich Ratsbeschluss, abgegeben von Carla (Stimmführung)"
    )
    # Emil cannot vote from a group-posted ballot either.
    await bot.send(f.carla, "/themen", chat_id=GROUP_CHAT, chat_type="supergroup")
    (posted,) = [
        m for m in bot.emu.messages(GROUP_CHAT) if "Abstimmung über Thema" in m.get("text", "")
    ]
    answer = await bot.press(f.emil, posted, buttons(posted)["Ja"])
    assert "stimmen die Stimmführung und die Stellvertretung ab" in answer.params["text"]

    stored = await stored_votes(bot)
    assert {o: (v.choice, v.capacity) for o, v in stored.items()} == {
        1: (VoteChoice.YES, VoteCapacity.LEAD),
        2: (VoteChoice.YES_COUNCIL, VoteCapacity.LEAD),
    }
    # The coordinator's /thema: who cast each vote, in which capacity (no choice while open).
    details = (await bot.send(COORDINATOR, "/thema 1")).text or ""
    assert "• Gemeinde Zöllnitz: abgegeben von Carla (Stimmführung)" in details
    assert "• Stadt Jena: abgegeben von Anna (Stimmführung)" in details
    assert "Noch nicht abgestimmt: Saale-Holzland-Kreis" in details

    answer = await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    result = texts(bot, f.emil.id)[-1]
    assert "3 stimmberechtigte Mitgliedskommunen\n" in result  # none advisory: not said
    details = (await bot.send(COORDINATOR, "/thema 1")).text or ""
    assert "• Stadt Jena: Ja, abgegeben von Anna (Stimmführung)" in details
    # The vote record for the minutes: the capacity in the Funktion column.
    _, payload = document(await bot.send(COORDINATOR, "/export abstimmung 1"))
    rows = sheet_rows(payload)
    header = rows[0]
    table = {r[0]: r for r in rows[1:4]}
    capacity = header.index("Funktion")
    assert table["Stadt Jena"][capacity] == "Stimmführung"
    assert table["Gemeinde Zöllnitz"][capacity] == "Stimmführung"
    assert table["Saale-Holzland-Kreis"][capacity] is None


async def test_in_english(rep_bot: Harness) -> None:
    bot = rep_bot
    f = await forum(bot)
    await bot.send(f.emil, "/language en")
    await bot.send(COORDINATOR, "/language en")
    answer = await bot.send(COORDINATOR, "/representation Saale-Holzland | @emil")
    assert "Representative (Stimmführung): Emil (@emil)" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/orgstatus Stadt Jena | advisory")
    assert "Stadt Jena: now <b>advisory</b> (was member)." in (answer.text or "")
    await bot.send(f.carla, "/vorschlag Radweg Saaletal")
    await bot.settle()
    answer = await bot.send(COORDINATOR, "/openvote 1")
    assert "Without representative or deputy (cannot vote): Gemeinde Zöllnitz" in (
        answer.text or ""
    )
    await bot.settle()
    await vote_en(bot, f.emil, "Yes")
    ballot = [m for m in bot.emu.messages(f.emil.id) if "Vote on topic" in m.get("text", "")][-1]
    assert "Vote of Saale-Holzland-Kreis: Yes, cast by Emil (representative)" in ballot["text"]
    await bot.send(COORDINATOR, "/closevote 1")
    await bot.settle()
    assert "2 member organisations with a vote, 1 advisory" in texts(bot, f.emil.id)[-1]


async def vote_en(bot: Harness, user: FakeUser, label: str) -> None:
    found = [m for m in bot.emu.messages(user.id) if "Vote on topic" in m.get("text", "")]
    assert found, "no English ballot"
    data = {k.removeprefix("✅ "): v for k, v in buttons(found[-1]).items()}[label]
    await bot.press(user, found[-1], data)
    await bot.settle()


async def test_the_vote_record_in_member_mode_lists_who_may_vote(
    emulator: BotApiEmulator, database_url: str
) -> None:
    """VOTE_MODE=member with representatives: the record lists the Stimmführungen and
    Stellvertretungen and whoever voted (not Bernd, who has no role, nor the
    Saale-Holzland-Kreis, which has nobody), with the count the result gave."""
    async with running_bot(
        emulator, database_url, vote_right="representatives", vote_mode="member"
    ) as bot:
        f = await forum(bot)
        await bot.send(COORDINATOR, "/vertretung Stadt Jena | @anna")
        await bot.send(COORDINATOR, "/vertretung Zöllnitz | Carla | dirk")
        await propose_and_open(bot, f.anna)
        await vote(bot, f.carla, "Ja")
        await vote(bot, f.dirk, "Nein")
        await bot.send(COORDINATOR, "/abstimmungbeenden 1")
        await bot.settle()
        assert "2 von 3 Mitgliedern" in texts(bot, f.bernd.id)[-1]
        _, payload = document(await bot.send(COORDINATOR, "/export abstimmung 1"))
    rows = sheet_rows(payload)
    assert [r[:4] for r in rows[1:4]] == [
        ["Carla", "Gemeinde Zöllnitz", None, "Ja"],
        ["Dirk", "Gemeinde Zöllnitz", None, "Nein"],
        ["Anna", "Stadt Jena", None, "keine Stimme"],
    ]
    assert rows[4] == [None] * len(rows[0])  # the table ends; the notes follow
    notes = {r[0]: r[1] for r in rows[5:]}
    assert notes["Zählweise"] == "eine Stimme je Stimmführung und Stellvertretung"
    assert notes["Stimmberechtigt"] == 3


async def test_the_deputies_field_and_who_is_told(rep_bot: Harness) -> None:
    """`| -` for the deputies, one person in both roles refused, and the one who changes the
    representation reads it in the answer instead of a message as from someone else."""
    bot = rep_bot
    f = await forum(bot)
    await bot.send(COORDINATOR, "/vertretung Zöllnitz | @dirk | @carla")
    await bot.settle()
    # Dirk cannot be his own deputy: refused, nothing changed.
    answer = await bot.send(f.dirk, "/vertretung Zöllnitz | @dirk | @dirk")
    assert answer.text == (
        "Dirk kann nicht zugleich Stimmführung und Stellvertretung für Gemeinde Zöllnitz sein. "
        "Es wurde nichts geändert. Bitte nennen Sie als Stellvertretung eine andere Person oder "
        "„-“ für keine."
    )
    shown = (await bot.send(f.dirk, "/vertretung")).text or ""
    assert "Stellvertretung: Carla (@carla)" in shown
    # "| -" for the deputies: Dirk stays Stimmführung, Carla is no longer deputy and is told.
    answer = await bot.send(f.dirk, "/vertretung Zöllnitz | @dirk | -")
    text = answer.text or ""
    assert text.startswith("✅ Gespeichert.\n<b>Vertretung von Gemeinde Zöllnitz</b>")
    assert "Stimmführung: Dirk (@dirk)" in text and "Stellvertretung: niemand" in text
    await bot.settle()
    assert texts(bot, f.carla.id)[-1].startswith(
        "Sie sind nicht mehr Stimmführung oder Stellvertretung für Gemeinde Zöllnitz "
        "(geändert von der Stimmführung Ihrer Kommune)."
    )
    # Dirk hands over to Carla and makes himself deputy: his answer says what he is now.
    answer = await bot.send(f.dirk, "/vertretung Zöllnitz | @carla | @dirk")
    assert (answer.text or "").startswith(
        "✅ Gespeichert.\nSie sind jetzt <b>Stellvertretung</b> für Gemeinde Zöllnitz."
    )
    # Carla removes the representation: her answer says it, Dirk gets the message.
    answer = await bot.send(f.carla, "/vertretung Zöllnitz | -")
    assert (answer.text or "").startswith(
        "✅ Gespeichert.\nSie sind nicht mehr Stimmführung für Gemeinde Zöllnitz."
    )
    await bot.settle()
    assert texts(bot, f.dirk.id)[-1].startswith(
        "Sie sind nicht mehr Stimmführung oder Stellvertretung für Gemeinde Zöllnitz"
    )
    # Neither was sent a message of a change they made themselves.
    assert not any("Ihrer Kommune)" in t for t in texts(bot, f.dirk.id)[:-1])
    assert sum("(benannt von der Stimmführung" in t for t in texts(bot, f.carla.id)) == 1
    assert sum("(geändert von der Stimmführung" in t for t in texts(bot, f.carla.id)) == 1
