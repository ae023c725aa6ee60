"""Organisation names, one resolver (issue 14), end to end in German and English: what the
coordinator types finds the organisation (any case, umlauts folded, without the kind word, a
unique prefix) in invitations, tasks and agendas; several → buttons to choose; `/einladen
Zöllnitz` with `Gemeinde Zöllnitz` asks "Meinten Sie …?" instead of creating a duplicate."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from bot.i18n import plain_text
from storage.models import AgendaItem, Invitation, Organisation, Task
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import RecordedCall


def buttons(call: RecordedCall) -> dict[str, str]:
    markup = call.result.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


async def choose(bot: Harness, question: RecordedCall, label: str) -> str:
    message: dict[str, Any] = question.result
    answer = await bot.press_for_message(COORDINATOR, message, buttons(question)[label])
    return plain_text(answer.text or "")


async def organisations(bot: Harness) -> list[str]:
    async with bot.uow() as uow:
        return [o.name for o in await uow.organisations.all()]


async def test_invite_asks_did_you_mean_instead_of_a_duplicate(bot: Harness) -> None:
    await bot.seed_members(1, "Gemeinde Zöllnitz")
    question = await bot.send(COORDINATOR, "/einladen Zöllnitz")
    assert plain_text(question.text or "") == (
        "Meinten Sie Gemeinde Zöllnitz?\nSonst lege ich „Zöllnitz“ als neue Organisation an."
    )
    assert list(buttons(question)) == ["Ja, Gemeinde Zöllnitz", "Neu anlegen: Zöllnitz"]
    assert await bot.count(Invitation) == 0
    answer = await choose(bot, question, "Ja, Gemeinde Zöllnitz")
    assert answer.startswith("Einladung #1 für Gemeinde Zöllnitz")
    assert await organisations(bot) == ["Gemeinde Zöllnitz"]
    # The same button again: nothing twice.
    again = await bot.press(
        COORDINATOR, question.result, buttons(question)["Ja, Gemeinde Zöllnitz"]
    )
    assert "gilt nicht mehr" in (again.params.get("text") or "")
    assert await bot.count(Invitation) == 1
    # A new one after all.
    question = await bot.send(COORDINATOR, "/einladen zoellnitz")
    answer = await choose(bot, question, "Neu anlegen: zoellnitz")
    assert "Einladung #2" in answer
    assert sorted(await organisations(bot)) == ["Gemeinde Zöllnitz", "zoellnitz"]
    # The exact name, in any case: no question.
    answer = plain_text((await bot.send(COORDINATOR, "/einladen gemeinde zöllnitz")).text or "")
    assert answer.startswith("Einladung #3 für Gemeinde Zöllnitz")


async def test_tasks_and_agenda_find_the_organisation_as_typed(bot: Harness) -> None:
    await bot.seed_members(1, "Gemeinde Zöllnitz")
    await bot.seed_members(1, "Stadt Jena")
    await bot.seed_members(1, "Gemeinde Großlöbichau")
    answer = await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe zoellnitz | 15.12.2026 | Stellungnahme"
    )
    assert "vergeben an Gemeinde Zöllnitz" in (answer.text or "")
    answer = await bot.send_and_confirm(COORDINATOR, "/neueaufgabe Grossloeb | 15.12.2026 | Radweg")
    assert "vergeben an Gemeinde Großlöbichau" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/aufgabeuebertragen 2 jena")
    assert "Stadt Jena" in (answer.text or "")
    await bot.send_and_confirm(COORDINATOR, "/neuertermin 10.12.2026 18:00 | Forum")
    answer = await bot.send(COORDINATOR, "/tagesordnung 1 neu Haushalt | Jena | 15")
    assert "Haushalt" in (answer.text or "") and "Stadt Jena" in (answer.text or "")
    async with bot.uow() as uow:
        (item,) = (await uow.session.execute(select(AgendaItem))).scalars().all()
        jena = await uow.organisations.by_name("Stadt Jena")
    assert jena is not None and item.organisation_id == jena.id


async def test_several_matches_are_chosen_with_buttons(bot: Harness) -> None:
    await bot.seed_members(1, "Gemeinde Bucha")
    await bot.seed_members(1, "Stadt Buchholz")
    question = await bot.send_and_confirm(COORDINATOR, "/neueaufgabe Buch | 15.12.2026 | Bericht")
    assert plain_text(question.text or "") == (
        "„Buch“ passt auf mehrere Organisationen: Gemeinde Bucha, Stadt Buchholz. Welche meinen "
        "Sie? (Sie können auch den vollen Namen schreiben.)"
    )
    assert await bot.count(Task) == 0
    preview = await choose(bot, question, "Stadt Buchholz")
    assert "Für: Stadt Buchholz" in preview and "Stimmt alles?" in preview
    assert await bot.count(Task) == 0
    answer = plain_text((await bot.choose(COORDINATOR, "✅ Vergeben")).text or "")
    assert "Aufgabe #1 vergeben an Stadt Buchholz: Bericht" in answer
    assert await bot.count(Task) == 1


async def test_in_english(bot: Harness) -> None:
    await bot.seed_members(1, "Gemeinde Zöllnitz")
    await bot.seed_members(1, "Gemeinde Bucha")
    await bot.seed_members(1, "Stadt Buchholz")
    await bot.send(COORDINATOR, "/language en")
    question = await bot.send(COORDINATOR, "/invite Zoellnitz")
    assert plain_text(question.text or "") == (
        "Did you mean Gemeinde Zöllnitz?\n"
        "Otherwise I will create “Zoellnitz” as a new organisation."
    )
    assert list(buttons(question)) == ["Yes, Gemeinde Zöllnitz", "Create new: Zoellnitz"]
    answer = await choose(bot, question, "Yes, Gemeinde Zöllnitz")
    assert answer.startswith("Invitation #1 for Gemeinde Zöllnitz")
    question = await bot.send_and_confirm(COORDINATOR, "/newtask buch | 15.12.2026 | Report")
    assert "“buch” fits several organisations: Gemeinde Bucha, Stadt Buchholz." in (
        question.text or ""
    )
    answer = await choose(bot, question, "Gemeinde Bucha")
    assert "Gemeinde Bucha" in answer
    async with bot.uow() as uow:
        names = [o.name for o in await uow.organisations.all()]
    assert "Zoellnitz" not in names and await bot.count(Organisation) == 3


async def test_a_broadcast_to_one_organisation(bot: Harness) -> None:
    zoellnitz = await bot.seed_members(2, "Gemeinde Zöllnitz")
    (jena,) = await bot.seed_members(1, "Stadt Jena")
    preview = await bot.send(
        COORDINATOR, "/rundschreiben @Zoellnitz Die Sitzung beginnt um 18 Uhr."
    )
    text = plain_text(preview.text or "")
    assert "Mitglieder von Gemeinde Zöllnitz" in text and "2 Empfänger" in text
    send = buttons(preview)["Senden"]
    await bot.press(COORDINATOR, preview.result, send)
    await bot.settle()
    for user in zoellnitz:
        assert any(
            "Die Sitzung beginnt" in (m.get("text") or "") for m in bot.emu.messages(user.id)
        )
    assert not any(
        "Die Sitzung beginnt" in (m.get("text") or "") for m in bot.emu.messages(jena.id)
    )
    await bot.send(COORDINATOR, "/language en")
    preview = await bot.send(COORDINATOR, "/broadcast @Stadt_Jena The meeting starts at 6 pm.")
    assert "members of Stadt Jena" in (preview.text or "")
