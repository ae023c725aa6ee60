"""OParl through the bot (issue 21): the coordinator marks a meeting internal and public again
(`/termin <nr> intern|öffentlich`) and records a member organisation's council system
(`/ratsinfo`); members agree to be named or withdraw (`/sichtbarkeit`). Each change is read back
from the bot's own HTTP server, where OPARL_ENABLED mounts the interface."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.e2e.harness import COORDINATOR, Harness, local_base_url, running_bot
from tests.e2e.test_decisions import decide
from tests.e2e.test_decisions import forum as decisions_forum
from tests.e2e.test_voting import buttons, press_for_reply
from tests.emulator import BotApiEmulator
from tests.support import COORDINATOR_ID

BASE = "http://localhost:8080/oparl/v1"  # PUBLIC_BASE_URL's default
NOT_ALLOWED = "Dieser Befehl ist der Koordination vorbehalten. Es wurde nichts geändert."


@pytest.fixture
async def bot(emulator: BotApiEmulator, database_url: str) -> AsyncIterator[Harness]:
    async with running_bot(
        emulator, database_url, oparl_enabled=True, oparl_persons=True
    ) as harness:
        yield harness


async def api(bot: Harness, path: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=local_base_url(bot.app)) as client:
        response = await client.get("/oparl/v1/" + path)
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] == "*"
    data: dict[str, Any] = response.json()
    return data


async def text(bot: Harness, user: Any, message: str) -> str:
    return (await bot.send(user, message)).text or ""


async def test_a_meeting_marked_internal_leaves_the_interface_and_comes_back(bot: Harness) -> None:
    anna = bot.user("Anna", "Albrecht")
    await bot.join(anna, "Gemeinde Zöllnitz")
    confirmed = await bot.send_and_confirm(
        COORDINATOR, "/neuertermin 03.12.2026 18:00 | Forum Stadt-Umland | Rathaus Jena"
    )
    assert "#1" in (confirmed.text or "")
    await bot.settle()
    listed = await api(bot, "body/1/meeting")
    assert [m["id"] for m in listed["data"]] == [f"{BASE}/meeting/1"]
    assert listed["data"][0]["name"] == "Forum Stadt-Umland"
    assert listed["data"][0]["location"]["description"] == "Rathaus Jena"

    # A member may not; nothing changes.
    assert await text(bot, anna, "/termin 1 intern") == NOT_ALLOWED
    assert len((await api(bot, "body/1/meeting"))["data"]) == 1

    # A typo gets the usage, with the number given.
    assert await text(bot, COORDINATOR, "/termin 1 intren") == (
        "Bitte so: /termin 1 zeigt den Termin; /termin 1 intern nimmt ihn aus der öffentlichen "
        "OParl-Schnittstelle, /termin 1 öffentlich zeigt ihn dort wieder (nur die Koordination)."
    )
    before = datetime.now(UTC)  # the change stamps keep real time
    assert await text(bot, COORDINATOR, "/termin 1 intern") == (
        "Termin #1 „Forum Stadt-Umland“ ist jetzt <b>intern</b>: Die öffentliche "
        "OParl-Schnittstelle zeigt ihn und seine Tagesordnung nicht mehr (wer ihn schon "
        "abgerufen hat, sieht ihn als gelöscht). Wieder öffentlich: /termin 1 öffentlich"
    )
    assert (await api(bot, "body/1/meeting"))["data"] == []
    assert await text(bot, COORDINATOR, "/termin 1 intern") == (  # again: it says so
        "Termin #1 „Forum Stadt-Umland“ ist bereits <b>intern</b>: Die öffentliche "
        "OParl-Schnittstelle zeigt ihn nicht. Wieder öffentlich: /termin 1 öffentlich"
    )
    gone = await api(bot, "meeting/1")
    assert gone["deleted"] is True and "name" not in gone
    changed = await api(bot, f"body/1/meeting?modified_since={quote(before.isoformat())}")
    assert [m["deleted"] for m in changed["data"]] == [True]
    # The meeting itself still shows it to the members; the coordinator sees that it is internal.
    shown = await text(bot, anna, "/termin 1")
    assert "Forum Stadt-Umland" in shown and "Intern" not in shown
    assert (await text(bot, COORDINATOR, "/termin 1")).endswith(
        "\n\n🔒 Intern: nicht in der öffentlichen OParl-Schnittstelle. "
        "Öffentlich machen: /termin 1 öffentlich"
    )

    assert await text(bot, COORDINATOR, "/termin 1 öffentlich") == (
        "Termin #1 „Forum Stadt-Umland“ ist <b>öffentlich</b>: Die OParl-Schnittstelle zeigt "
        "ihn mit seiner Tagesordnung. Intern machen: /termin 1 intern"
    )
    assert (await text(bot, COORDINATOR, "/termin 1 öffentlich")).startswith(
        "Termin #1 „Forum Stadt-Umland“ ist bereits <b>öffentlich</b>"
    )
    await bot.send(COORDINATOR, "/language en")
    assert await text(bot, COORDINATOR, "/meeting 1 public") == (
        "Meeting #1 “Forum Stadt-Umland” is <b>public</b> already: the OParl interface shows it "
        "with its agenda. Make it internal: /meeting 1 internal"
    )
    assert (await text(bot, COORDINATOR, "/meeting 1 internal")).startswith(
        "Meeting #1 “Forum Stadt-Umland” is now <b>internal</b>"
    )
    assert (await text(bot, COORDINATOR, "/meeting 1 internal")).startswith(
        "Meeting #1 “Forum Stadt-Umland” is <b>internal</b> already"
    )
    await bot.send(COORDINATOR, "/meeting 1 public")
    await bot.send(COORDINATOR, "/sprache de")
    assert "🔒" not in await text(bot, COORDINATOR, "/termin 1")
    back = await api(bot, "meeting/1")
    assert back["name"] == "Forum Stadt-Umland" and "deleted" not in back
    assert await text(bot, COORDINATOR, "/termin 7 intern") == "Einen Termin #7 gibt es nicht."


async def test_members_decide_whether_they_are_named(bot: Harness) -> None:
    anna = bot.user("Anna", "Albrecht")
    bert = bot.user("Bert", "Brandt")
    await bot.join(anna, "Gemeinde Zöllnitz")
    await bot.join(bert, "Gemeinde Zöllnitz")
    assert (await api(bot, "body/1/person"))["data"] == []

    assert await text(bot, anna, "/sichtbarkeit") == (
        "Sie sind <b>nicht sichtbar</b>: Die öffentliche OParl-Schnittstelle des Forums nennt "
        "Ihren Namen nicht (so ist es voreingestellt). Wenn Sie zustimmen, dass sie Namen, "
        "Kommune und Arbeitsgruppen zeigt: /sichtbarkeit ja"
    )
    assert await text(bot, anna, "/sichtbarkeit jaa") == (
        "Bitte /sichtbarkeit ja oder /sichtbarkeit nein; ohne Zusatz sehen Sie Ihre Einstellung."
    )
    assert await text(bot, anna, "/sichtbarkeit ja") == (
        "Gespeichert. Sie sind <b>sichtbar</b>: Die öffentliche OParl-Schnittstelle des Forums "
        "nennt Ihren Vor- und Nachnamen, Ihre Kommune und Ihre Arbeitsgruppen. Wieder "
        "ausblenden: /sichtbarkeit nein"
    )
    # Again: the same state, not "Gespeichert".
    assert (await text(bot, anna, "/sichtbarkeit ja")).startswith("Sie sind <b>sichtbar</b>")
    persons = (await api(bot, "body/1/person"))["data"]
    assert [p["name"] for p in persons] == ["Anna Albrecht"]
    (membership,) = persons[0]["membership"]
    organisation = await api(bot, membership["organization"].removeprefix(BASE + "/"))
    assert organisation["name"] == "Gemeinde Zöllnitz"
    assert organisation["classification"] == "Gemeinde"

    await bot.send(bert, "/language en")
    assert await text(bot, bert, "/visibility yes") == (
        "Saved. You are <b>visible</b>: the forum's public OParl interface shows your first and "
        "last name, your organisation and your working groups. Hide again: /visibility no"
    )
    assert {p["name"] for p in (await api(bot, "body/1/person"))["data"]} == {
        "Anna Albrecht",
        "Bert Brandt",
    }

    before = datetime.now(UTC)  # the change stamps keep real time
    assert (await text(bot, anna, "/sichtbarkeit nein")).startswith(
        "Gespeichert. Sie sind <b>nicht sichtbar</b>"
    )
    assert [p["name"] for p in (await api(bot, "body/1/person"))["data"]] == ["Bert Brandt"]
    changed = await api(bot, f"body/1/person?modified_since={quote(before.isoformat())}")
    (withdrawn,) = changed["data"]
    assert withdrawn["deleted"] is True and "name" not in withdrawn
    # The coordinator is no member: nothing to decide.
    assert await text(bot, COORDINATOR, "/sichtbarkeit") == (
        "Diese Funktion gilt für Mitglieder einer Mitgliedskommune. Sie sind als Koordination "
        "eingetragen, aber nicht selbst Mitglied."
    )


async def test_the_coordinator_records_a_councils_own_system(bot: Harness) -> None:
    anna = bot.user("Anna", "Albrecht")
    await bot.join(anna, "Gemeinde Zöllnitz")
    assert await text(bot, COORDINATOR, "/ratsinfo Gemeinde Zöllnitz") == (
        "Bitte so: /ratsinfo Gemeinde Zöllnitz | https://… (die Adresse des OParl-Body im "
        "Ratsinformationssystem der Kommune); /ratsinfo Gemeinde Zöllnitz | entfernen löscht sie."
    )
    assert await text(bot, COORDINATOR, "/ratsinfo Gemeinde Zöllnitz | ris.zoellnitz.de") == (
        "Das ist keine gültige Adresse: Sie muss mit https:// beginnen, darf keine Leerzeichen "
        "enthalten und höchstens 500 Zeichen lang sein."
    )
    url = "https://ris.zoellnitz.de/oparl/v1/body/1"
    assert await text(bot, COORDINATOR, f"/ratsinfo Zöllnitz | {url}") == (
        "Gespeichert: Gemeinde Zöllnitz verweist in der OParl-Schnittstelle auf ihr eigenes "
        f"Ratsinformationssystem: {url}"
    )
    organisations = (await api(bot, "body/1/organization"))["data"]
    (zoellnitz,) = [o for o in organisations if o["name"] == "Gemeinde Zöllnitz"]
    assert zoellnitz["externalBody"] == url
    assert await text(bot, anna, f"/ratsinfo Zöllnitz | {url}") == NOT_ALLOWED
    assert await text(bot, COORDINATOR, "/ratsinfo Gemeinde Zöllnitz | entfernen") == (
        "Gespeichert: Gemeinde Zöllnitz verweist in der OParl-Schnittstelle auf kein eigenes "
        "Ratsinformationssystem mehr."
    )
    again = await api(bot, zoellnitz["id"].removeprefix(BASE + "/"))
    assert "externalBody" not in again
    assert await text(bot, COORDINATOR, "/ratsinfo Gemeinde Nirgendwo | " + url) == (
        "Eine Mitgliedskommune „Gemeinde Nirgendwo“ gibt es nicht."
    )


async def test_a_decided_topic_on_an_agenda_shows_its_decision(bot: Harness) -> None:
    """Topic #1 accepted (decision 2026/01), put on meeting #1's agenda by the coordinator's
    button, its wording set with /beschlusstext: the agenda item carries the result, the
    wording and the forum's deliberation as a Consultation of paper 1."""
    f = await decisions_forum(bot)
    await bot.send_and_confirm(
        COORDINATOR, "/neuertermin 10.12.2026 18:00 | Forumssitzung | Rathaus Jena"
    )
    await decide(bot, f)
    await bot.send(COORDINATOR, "/themen")
    message = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    message = await press_for_reply(bot, COORDINATOR, message, "#1 auf eine Tagesordnung")
    (label,) = [k for k in buttons(message) if "Forumssitzung" in k]
    await bot.press(COORDINATOR, message, buttons(message)[label])
    await bot.settle()

    (item,) = (await api(bot, "meeting/1"))["agendaItem"]
    assert item["name"] == "Radweg Saaletal" and item["result"] == "angenommen"
    assert item["resolutionText"] == "Beschluss 2026/01: Lückenschluss Burgau–Göschwitz"
    answer = await text(
        bot, COORDINATOR, "/beschlusstext 2026/01 | Das Forum unterstützt den Lückenschluss."
    )
    assert "Das Forum unterstützt den Lückenschluss." in answer
    item = await api(bot, item["id"].removeprefix(BASE + "/"))
    assert item["resolutionText"] == "Beschluss 2026/01: Das Forum unterstützt den Lückenschluss."
    deliberation = await api(bot, item["consultation"].removeprefix(BASE + "/"))
    assert deliberation["agendaItem"] == item["id"]
    assert deliberation["meeting"] == f"{BASE}/meeting/1"
    assert deliberation["paper"] == f"{BASE}/paper/1"
    assert deliberation["organization"] == [f"{BASE}/organization/plenum"]
    assert deliberation["authoritative"] is True and deliberation["role"] == "Beschlussfassung"
    paper = await api(bot, "paper/1")
    assert paper["keyword"] == ["angenommen", "Beschluss 2026/01", "vorläufig"]
    assert deliberation in paper["consultation"]
    # The votes before it, the three councils' ratifications (open) after it.
    roles = [c["role"] for c in paper["consultation"]]
    position = roles.index("Beschlussfassung")
    assert all(r.startswith("Abstimmung im Forum") for r in roles[:position])
    assert [r.split(":")[0] for r in roles[position + 1 :]] == [
        "Ratsbeschluss zu Beschluss 2026/01"
    ] * 3
