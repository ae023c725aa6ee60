"""Decisions and their ratification end to end (issue 16): a vote accepted with three "Ja,
vorbehaltlich Ratsbeschluss" becomes decision 2026/01; the three councils go every path
(ratified, rejected under both rules, deferred, reservation withdrawn), reminders fall due on a
controlled clock, in German and English.

Six member organisations: Stadt Jena (Anna, Bernd) votes Ja; Gemeinde Zöllnitz (Carla, Dirk),
Saale-Holzland-Kreis (Emil) and Gemeinde Bucha (Frieda) Ja, vorbehaltlich Ratsbeschluss;
Gemeinde Milda (Gustav) and Stadt Kahla (Hanna) Nein: Ja 4, Nein 2, accepted. The test clock
starts on Thu 26.11.2026, 10:00 in Berlin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import select

from storage.enums import DecisionStatus, RatificationStatus
from storage.models import Member, Organisation
from storage.models_decisions import Decision, Ratification
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.e2e.test_exports import document, sheet_rows
from tests.e2e.test_voting import buttons, press_for_reply, texts, vote
from tests.emulator import BotApiEmulator, FakeUser
from tests.support import COORDINATOR_ID

ORGS = (
    ("Anna", "Stadt Jena"),
    ("Bernd", "Stadt Jena"),
    ("Carla", "Gemeinde Zöllnitz"),
    ("Dirk", "Gemeinde Zöllnitz"),
    ("Emil", "Saale-Holzland-Kreis"),
    ("Frieda", "Gemeinde Bucha"),
    ("Gustav", "Gemeinde Milda"),
    ("Hanna", "Stadt Kahla"),
)


@dataclass
class Forum:
    people: dict[str, FakeUser]

    def __getattr__(self, name: str) -> FakeUser:
        return self.people[name.capitalize()]


async def forum(bot: Harness) -> Forum:
    async with bot.uow() as uow:
        orgs: dict[str, Organisation] = {}
        people = {}
        for first, name in ORGS:
            if name not in orgs:
                orgs[name] = await uow.organisations.add(
                    Organisation(name=name, created_at=bot.clock.now())
                )
            user = bot.user(first)
            people[first] = user
            await uow.members.add(
                Member(
                    telegram_id=user.id,
                    first_name=first,
                    username=user.username,
                    organisation_id=orgs[name].id or 0,
                    joined_at=bot.clock.now(),
                )
            )
        await uow.commit()
    return Forum(people)


async def decide(bot: Harness, f: Forum, english: tuple[FakeUser, ...] = ()) -> None:
    """Topic #1 voted and closed: decision 2026/01 with three reservations (`english` read
    English from the close on)."""
    await bot.send(f.anna, "/vorschlag Radweg Saaletal | Lückenschluss Burgau–Göschwitz")
    await bot.settle()
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1")
    assert "läuft bis" in (answer.text or "")
    await bot.settle()
    await vote(bot, f.anna, "Ja")
    for user in (f.carla, f.emil, f.frieda):
        await vote(bot, user, "Ja, vorbehaltlich Ratsbeschluss")
    await vote(bot, f.gustav, "Nein")
    await vote(bot, f.hanna, "Nein")
    for user in english:
        await bot.send(user, "/language en")
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()


async def decision(bot: Harness) -> tuple[Decision, dict[str, Ratification]]:
    async with bot.uow() as uow:
        (found,) = (await uow.session.execute(select(Decision))).scalars().all()
        items = (await uow.decisions.ratifications([found.id or 0]))[found.id or 0]
        names = {o.id: o.name for o in await uow.organisations.all()}
    return found, {names[i.organisation_id]: i for i in items}


def last_with(bot: Harness, user: FakeUser, part: str) -> dict[str, Any]:
    found = [m for m in bot.emu.messages(user.id) if part in m.get("text", "")]
    assert found, f"{user.first_name} got no message with {part!r}"
    return found[-1]


async def announced(bot: Harness) -> None:
    await bot.advance(timedelta(minutes=30))


# --- the register ------------------------------------------------------------------------


async def test_an_accepted_vote_becomes_a_numbered_decision_with_three_ratifications(
    bot: Harness,
) -> None:
    f = await forum(bot)
    await decide(bot, f)
    found, items = await decision(bot)
    assert (found.year, found.number, found.status) == (2026, 1, DecisionStatus.PROVISIONAL)
    assert set(items) == {"Gemeinde Zöllnitz", "Saale-Holzland-Kreis", "Gemeinde Bucha"}
    assert all(i.status is RatificationStatus.OPEN for i in items.values())
    # The coordinator is told at once, and may set the wording before the announcement.
    notice = last_with(bot, COORDINATOR, "Beschluss 2026/01")
    assert "Do., 26.11.2026, 10:30 Uhr allen Mitgliedern bekanntgegeben" in notice["text"]
    assert not [t for t in texts(bot, f.bernd.id) if "Beschluss 2026/01" in t]
    answer = await bot.send(
        COORDINATOR, "/beschlusstext 2026/01 | Das Forum unterstützt den Lückenschluss."
    )
    assert "Das Forum unterstützt den Lückenschluss." in (answer.text or "")
    await announced(bot)
    text = last_with(bot, f.bernd, "Beschluss 2026/01")["text"]
    assert "Das Forum unterstützt den Lückenschluss." in text
    assert "Stand: vorläufig" in text
    assert (
        "Vorbehaltlich Ratsbeschluss: Gemeinde Bucha, Gemeinde Zöllnitz, Saale-Holzland-Kreis"
        in text
    )
    # Once announced, the wording stays.
    answer = await bot.send(COORDINATOR, "/beschlusstext 2026/01 | Anders")
    assert "schon bekanntgegeben" in (answer.text or "")
    # Both of Zöllnitz get the ratification message with its buttons; Jena does not.
    for user in (f.carla, f.dirk):
        ask = last_with(bot, user, "hat vorbehaltlich Ratsbeschluss zugestimmt")
        assert set(buttons(ask)) == {"Ratstermin eintragen", "Vorbehalt entfällt"}
    assert not [t for t in texts(bot, f.anna.id) if "Ratstermin eintragen" in t]
    # The register.
    listing = (await bot.send(f.anna, "/beschluesse")).text or ""
    assert "• <b>2026/01</b> (Do., 26.11.2026) „Radweg Saaletal“ – vorläufig" in listing
    assert "3 Ratsbefassungen offen" in listing
    details = (await bot.send(f.anna, "/beschluss 2026/01")).text or ""
    assert "• Gemeinde Zöllnitz: Ja, vorbehaltlich Ratsbeschluss" in details
    assert "• Gemeinde Milda: Nein" in details
    assert "• Saale-Holzland-Kreis: offen" in details
    typo = (await bot.send(f.anna, "/beschluss 26-01")).text or ""
    assert "keine Beschlussnummer" in typo
    missing = (await bot.send(f.anna, "/beschluss 2026/09")).text or ""
    assert "Einen Beschluss 2026/09 gibt es nicht" in missing


# --- every path under RATIFICATION_RULE=all -------------------------------------------------


async def test_ratified_withdrawn_and_deferred_make_it_effective(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await announced(bot)
    # Zöllnitz: Carla enters the date through the button (the next message), with a typo first.
    ask = last_with(bot, f.carla, "hat vorbehaltlich Ratsbeschluss zugestimmt")
    question = await press_for_reply(bot, f.carla, ask, "Ratstermin eintragen")
    assert "Wann berät Ihr Rat" in question["text"]
    retry = await bot.send(f.carla, "Gemeinderat irgendwann")
    assert "Bitte Datum und Gremium" in (retry.text or "")
    saved = await bot.send(f.carla, "morgen Gemeinderat")
    assert "terminiert: Fr., 27.11.2026 (Gemeinderat)" in (saved.text or "")
    await bot.settle()
    # Dirk (same municipality) is told, with the outcome buttons.
    told = last_with(bot, f.dirk, "eingetragen von Carla")
    assert {"Rat hat zugestimmt", "Rat hat abgelehnt", "Rat hat vertagt"} <= set(buttons(told))
    # The council met and agreed: Dirk presses the day after.
    await bot.advance(timedelta(days=1))
    pressed = await press_for_reply(bot, f.dirk, told, "Rat hat zugestimmt")
    assert "zugestimmt am Fr., 27.11.2026" in pressed["text"]
    assert "Stand des Beschlusses: vorläufig." in pressed["text"]
    assert "jetzt" not in pressed["text"]  # the status did not change
    # Pressed again (an old message): refused, nothing changes.
    again = await bot.press(f.carla, told, buttons(told)["Rat hat abgelehnt"])
    assert "schon eingetragen" in str(again.params)
    # Saale-Holzland-Kreis: the reservation no longer applies.
    ask = last_with(bot, f.emil, "hat vorbehaltlich Ratsbeschluss zugestimmt")
    pressed = await press_for_reply(bot, f.emil, ask, "Vorbehalt entfällt")
    assert "Vorbehalt entfallen" in pressed["text"]
    # Bucha: a date by command, then deferred (only the date changes), then approved.
    answer = await bot.send(f.frieda, "/ratstermin 2026/01 10.12.2026 Gemeinderat")
    assert "terminiert: Do., 10.12.2026 (Gemeinderat)" in (answer.text or "")
    answer = await bot.send(f.frieda, "/ratsbeschluss 2026/01 vertagt 14.01.2027")
    assert "vertagt: Do., 14.01.2027 (Gemeinderat)" in (answer.text or "")
    assert (await decision(bot))[0].status is DecisionStatus.PROVISIONAL
    await bot.settle()
    assert not [
        t for t in texts(bot, f.anna.id) if "„Radweg Saaletal“ ist jetzt" in t
    ]  # no status change
    answer = await bot.send(
        f.frieda, "/ratsbeschluss 2026/01 zugestimmt heute https://bucha.de/rat/12"
    )
    assert "jetzt <b>wirksam</b>" in (answer.text or "")
    await bot.settle()
    found, items = await decision(bot)
    assert found.status is DecisionStatus.EFFECTIVE
    assert items["Gemeinde Bucha"].link == "https://bucha.de/rat/12"
    # Every member is told, once.
    for user in f.people.values():
        told_all = [
            t for t in texts(bot, user.id) if "„Radweg Saaletal“ ist jetzt <b>wirksam</b>" in t
        ]
        assert len(told_all) == 1, user.first_name
    assert (
        "• Gemeinde Bucha: zugestimmt am Fr., 27.11.2026 – https://bucha.de/rat/12"
        in (last_with(bot, f.anna, "ist jetzt wirksam")["text"])
    )


async def test_one_rejection_under_all_makes_it_not_effective(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await announced(bot)
    # Not their reservation: Anna's Stadt Jena voted Ja.
    answer = await bot.send(f.anna, "/ratsbeschluss 2026/01 abgelehnt")
    assert "keine Ratsbefassung einzutragen" in (answer.text or "")
    answer = await bot.send(f.carla, "/ratsbeschluss 2026/01 jein")
    assert "So tragen Sie das Ergebnis ein" in (answer.text or "")
    answer = await bot.send(f.carla, "/ratsbeschluss 2026/01 abgelehnt 26.11.2026")
    assert "jetzt <b>nicht wirksam</b>" in (answer.text or "")
    await bot.settle()
    assert (await decision(bot))[0].status is DecisionStatus.NOT_EFFECTIVE
    assert any("ist jetzt <b>nicht wirksam</b>" in t for t in texts(bot, f.hanna.id))
    assert any("ist jetzt <b>nicht wirksam</b>" in t for t in texts(bot, COORDINATOR_ID))


async def test_under_majority_a_decision_stands_until_the_rest_no_longer_carries_it(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, ratification_rule="majority") as bot:
        f = await forum(bot)
        await decide(bot, f)
        await announced(bot)
        # Zöllnitz rejects: Ja 3 (Jena, SHK, Bucha) still outnumber Nein 2.
        answer = await bot.send(f.dirk, "/ratsbeschluss 2026/01 abgelehnt")
        assert "Stand des Beschlusses: <b>vorläufig</b>" in (answer.text or "")
        # SHK rejects too: Ja 2, Nein 2: no longer carried.
        answer = await bot.send(f.emil, "/ratsbeschluss 2026/01 abgelehnt")
        assert "jetzt <b>nicht wirksam</b>" in (answer.text or "")
        await bot.settle()
        assert (await decision(bot))[0].status is DecisionStatus.NOT_EFFECTIVE
        assert any("ist jetzt <b>nicht wirksam</b>" in t for t in texts(bot, f.bernd.id))


async def test_under_majority_one_rejection_still_ends_effective(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, ratification_rule="majority") as bot:
        f = await forum(bot)
        await decide(bot, f)
        await announced(bot)
        # A day without a year, for an outcome: the one just past (not next year's).
        await bot.send(f.carla, "/ratsbeschluss 2026/01 abgelehnt 25.11.")
        await bot.send(f.emil, "/ratsbeschluss 2026/01 entfällt")
        answer = await bot.send(f.frieda, "/ratsbeschluss 2026/01 zugestimmt")
        assert "jetzt <b>wirksam</b>" in (answer.text or "")
        details = (await bot.send(f.gustav, "/beschluss 2026/01")).text or ""
        assert "Stand: <b>wirksam</b>" in details
        assert "• Gemeinde Zöllnitz: abgelehnt am Mi., 25.11.2026" in details


# --- reminders on a controlled clock --------------------------------------------------------


async def test_reminders_without_a_date_and_the_morning_after_the_council(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await announced(bot)
    remind = "fehlt noch der Ratstermin von Gemeinde Zöllnitz"
    # 14 days on (Thu 10.12., 09:00): the first reminder, to both of Zöllnitz.
    await bot.advance(timedelta(days=13, hours=22))
    assert not [t for t in texts(bot, f.carla.id) if remind in t]
    await bot.advance(timedelta(hours=2))
    assert len([t for t in texts(bot, f.carla.id) if remind in t]) == 1
    assert len([t for t in texts(bot, f.dirk.id) if remind in t]) == 1
    # The daily round again changes nothing (derived, not sent twice).
    await bot.run_job("tasks")
    assert len([t for t in texts(bot, f.carla.id) if remind in t]) == 1
    # Then every 14 days, at most four times.
    await bot.advance(timedelta(days=60))
    assert len([t for t in texts(bot, f.carla.id) if remind in t]) == 4
    await bot.advance(timedelta(days=30))
    assert len([t for t in texts(bot, f.carla.id) if remind in t]) == 4
    # Bucha enters a date: the morning after it, asked for the outcome.
    now = bot.clock.now()
    await bot.send(
        f.frieda, "/ratstermin 2026/01 " + (now + timedelta(days=3)).strftime("%d.%m.%Y")
    )
    outcome = "Wie wurde entschieden?"
    await bot.advance(timedelta(days=3))
    assert not [t for t in texts(bot, f.frieda.id) if outcome in t]
    await bot.advance(timedelta(days=1))
    assert len([t for t in texts(bot, f.frieda.id) if outcome in t]) == 1
    # Recorded: nothing more for Bucha.
    await bot.send(f.frieda, "/ratsbeschluss 2026/01 zugestimmt")
    await bot.advance(timedelta(days=30))
    assert len([t for t in texts(bot, f.frieda.id) if outcome in t]) == 1


async def test_the_coordinator_gets_the_open_ratifications_on_monday(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await announced(bot)
    await bot.send(f.carla, "/ratstermin 2026/01 28.01.2027 Gemeinderat")
    await bot.run_job("tasks")  # Thursday: no overview
    assert not [t for t in texts(bot, COORDINATOR_ID) if "Offene Ratsbefassungen" in t]
    await bot.advance(timedelta(days=4))  # Monday 30.11.
    await bot.run_job("tasks")
    (overview,) = [t for t in texts(bot, COORDINATOR_ID) if "Offene Ratsbefassungen" in t]
    assert "Offene Ratsbefassungen</b> (3)" in overview
    assert "Gemeinde Zöllnitz: terminiert: Do., 28.01.2027 (Gemeinderat)" in overview
    assert "Gemeinde Bucha: offen" in overview


# --- English ---------------------------------------------------------------------------------


async def test_in_english(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f, english=(f.carla, f.bernd))
    await announced(bot)
    text = last_with(bot, f.bernd, "Decision 2026/01")["text"]
    assert "Status: provisional" in text
    ask = last_with(bot, f.carla, "agreed subject to council approval")
    question = await press_for_reply(bot, f.carla, ask, "Enter council date")
    assert "When will your council discuss" in question["text"]
    saved = await bot.send(f.carla, "28.01.2027 Gemeinderat")
    assert "scheduled: Thu, 28 Jan 2027 (Gemeinderat)" in (saved.text or "")
    answer = await bot.send(f.carla, "/councilresult 2026/01 approved today")
    assert "approved on Thu, 26 Nov 2026" in (answer.text or "")
    await bot.send(f.emil, "/ratsbeschluss 2026/01 entfällt")
    await bot.send(f.frieda, "/ratsbeschluss 2026/01 zugestimmt")
    await bot.settle()
    assert any("is now <b>effective</b>" in t for t in texts(bot, f.bernd.id))
    listing = (await bot.send(f.bernd, "/decisions 2026")).text or ""
    assert "2026/01" in listing and "effective" in listing


# --- tasks linked to a decision -------------------------------------------------------------


async def test_a_task_linked_to_the_decision_is_shown_on_it(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    wrong = await bot.send(COORDINATOR, "/neueaufgabe B2026/09 Gemeinde Zöllnitz | 31.01.2027 | X")
    assert "Einen Beschluss 2026/09 gibt es nicht" in (wrong.text or "")
    preview = await bot.send(
        COORDINATOR, "/neueaufgabe B2026/01 Gemeinde Zöllnitz | 31.01.2027 | Planung beauftragen"
    )
    assert "Zu Beschluss 2026/01" in (preview.text or "")
    created = await bot.choose(COORDINATOR, "✅ Vergeben")
    assert "Planung beauftragen" in (created.text or "")
    details = (await bot.send(f.carla, "/beschluss 2026/01")).text or ""
    assert "• #1 Planung beauftragen (offen)" in details


# --- the register in the exports -----------------------------------------------------------


async def test_export_beschluesse(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await bot.send(f.carla, "/ratsbeschluss 2026/01 zugestimmt 26.11.2026 https://zoellnitz.de/1")
    await bot.send(f.emil, "/ratsbeschluss 2026/01 abgelehnt")
    answer = await bot.send(COORDINATOR, "/export beschluesse")
    filename, payload = document(answer)
    assert filename == "beschluesse_2026-11-26.xlsx"
    header, row = sheet_rows(payload)
    record = dict(zip(header, row, strict=True))
    assert record["Beschluss-Nr."] == "2026/01"
    assert record["Stand"] == "nicht wirksam"
    assert (record["Ja"], record["Ja, vorbehaltlich Ratsbeschluss"], record["Nein"]) == (1, 3, 2)
    assert "Gemeinde Milda: Nein" in record["Stimmen je Mitgliedskommune"]
    assert (
        "Gemeinde Zöllnitz: zugestimmt am Do., 26.11.2026 – https://zoellnitz.de/1"
        in record["Ratsbefassungen"]
    )
    assert "Saale-Holzland-Kreis: abgelehnt am Do., 26.11.2026" in record["Ratsbefassungen"]
    assert record["Offene Ratsbefassungen"] == 1
    # Members may not export.
    refused = await bot.send(f.anna, "/export beschluesse")
    assert refused.method == "sendMessage"


async def test_deferred_by_the_button_to_a_date_or_to_none_yet(bot: Harness) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await announced(bot)
    await bot.send(f.carla, "/ratstermin 2026/01 03.12.2026 Gemeinderat")
    await bot.settle()
    told = last_with(bot, f.dirk, "eingetragen von Carla")
    question = await press_for_reply(bot, f.dirk, told, "Rat hat vertagt")
    assert "Auf wann ist Beschluss 2026/01" in question["text"]
    typo = await bot.send(f.dirk, "irgendwann")
    assert "So tragen Sie das Ergebnis ein" in (typo.text or "")
    saved = await bot.send(f.dirk, "25.02.2027")
    assert "vertagt: Do., 25.02.2027 (Gemeinderat)" in (saved.text or "")
    # Deferred again, without a new date: reminded as without a date, 14 days on.
    await bot.settle()
    told = last_with(bot, f.carla, "eingetragen von Dirk")
    await press_for_reply(bot, f.carla, told, "Rat hat vertagt")
    saved = await bot.send(f.carla, "offen")
    assert "Gemeinde Zöllnitz: vertagt (eingetragen von Carla)" in plain(saved.text)
    assert (await decision(bot))[1]["Gemeinde Zöllnitz"].council_date is None
    remind = "fehlt noch der Ratstermin von Gemeinde Zöllnitz"
    await bot.advance(timedelta(days=15))
    assert len([t for t in texts(bot, f.dirk.id) if remind in t]) == 1
    # The status never changed: nobody was told of one.
    assert not [t for t in texts(bot, f.anna.id) if "„Radweg Saaletal“ ist jetzt" in t]


def plain(text: str | None) -> str:
    return (text or "").replace("<b>", "").replace("</b>", "")


async def test_in_member_mode_one_ratification_per_organisation_weighs_its_people(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(
        emulator, database_url, vote_mode="member", ratification_rule="majority"
    ) as bot:
        f = await forum(bot)
        await bot.send(f.anna, "/vorschlag Radweg Saaletal | Lückenschluss Burgau–Göschwitz")
        await bot.settle()
        await bot.send(COORDINATOR, "/abstimmungstarten 1")
        await bot.settle()
        for user in (f.anna, f.bernd):
            await vote(bot, user, "Ja")
        for user in (f.carla, f.dirk, f.emil, f.frieda):
            await vote(bot, user, "Ja, vorbehaltlich Ratsbeschluss")
        for user in (f.gustav, f.hanna):
            await vote(bot, user, "Nein")
        await bot.send(COORDINATOR, "/abstimmungbeenden 1")
        await bot.settle()
        _, items = await decision(bot)
        assert {name: i.weight for name, i in items.items()} == {
            "Gemeinde Zöllnitz": 2,
            "Saale-Holzland-Kreis": 1,
            "Gemeinde Bucha": 1,
        }
        # Ja 6 against Nein 2: Zöllnitz's two and SHK's one rejected leave Ja 3 > 2 …
        await bot.send(f.carla, "/ratsbeschluss 2026/01 abgelehnt")
        answer = await bot.send(f.emil, "/ratsbeschluss 2026/01 abgelehnt")
        assert "Stand des Beschlusses: <b>vorläufig</b>" in (answer.text or "")
        # … and Bucha's rejection leaves Ja 2, not more than Nein 2.
        answer = await bot.send(f.frieda, "/ratsbeschluss 2026/01 abgelehnt")
        assert "jetzt <b>nicht wirksam</b>" in (answer.text or "")


async def test_who_joins_an_organisation_later_gets_its_waiting_ratification(
    bot: Harness,
) -> None:
    f = await forum(bot)
    await decide(bot, f)
    await announced(bot)
    answer = await bot.send(f.carla, "/ratstermin 2026/01 10.12.2026 Gemeinderat")
    assert "terminiert: Do., 10.12.2026 (Gemeinderat)" in (answer.text or "")
    # Ida joins Zöllnitz after the decision: she gets its ratification, with the buttons for
    # what comes next (the date is set: the outcome); Jan, new in Jena, gets none.
    ida, jan = bot.user("Ida"), bot.user("Jan")
    await bot.join(ida, "Gemeinde Zöllnitz")
    await bot.join(jan, "Stadt Jena")
    ask = last_with(bot, ida, "hat vorbehaltlich Ratsbeschluss zugestimmt")
    assert "2026/01" in ask["text"] and "10.12.2026 (Gemeinderat)" in ask["text"]
    assert {"Rat hat zugestimmt", "Rat hat abgelehnt", "Rat hat vertagt"} <= set(buttons(ask))
    assert not [t for t in texts(bot, jan.id) if "Ratsbeschluss zugestimmt" in t]
    # The council met; her press the day after counts for Zöllnitz like a colleague's.
    await bot.advance(timedelta(days=15))
    pressed = await press_for_reply(bot, ida, ask, "Rat hat zugestimmt")
    assert "zugestimmt am Do., 10.12.2026" in pressed["text"]
    _, items = await decision(bot)
    assert items["Gemeinde Zöllnitz"].status is RatificationStatus.APPROVED
