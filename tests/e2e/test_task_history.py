"""Tasks as their people see them (issue 13, items 1-4): the description reaches the owners and
is shown; /aufgabe shows a task with its history; every reason given for a change is kept and
sent; the coordinator is told who reported; owners are chosen by name."""

from __future__ import annotations

from dataclasses import replace

from storage.models import Task
from storage.models_tasks import TaskEvent, TaskEventKind
from tests.e2e.harness import COORDINATOR, Harness
from tests.emulator import FakeUser, RecordedCall
from tests.support import COORDINATOR_ID

# The test clock: Thu 26.11.2026, 10:00 in Berlin.

DESCRIPTION = (
    "Bitte die Stellungnahme der Gemeinde zum Radwegekonzept bis zur AG-Sitzung abstimmen, "
    "mit Kostenschätzung und Karte."
)


def texts(bot: Harness, user_id: int) -> list[str]:
    return [c.text or "" for c in bot.emu.sent(chat_id=user_id, method="sendMessage")]


def new_texts(bot: Harness, user_id: int, mark: int) -> list[str]:
    """What `user_id` was sent since `mark`."""
    return [
        c.text or ""
        for c in bot.emu.calls[mark:]
        if c.ok and c.method == "sendMessage" and c.chat_id == user_id
    ]


async def member(
    bot: Harness, first: str, last: str | None, organisation: str, *, language: str = "de"
) -> FakeUser:
    user = bot.user(first, last, language_code=language)
    await bot.join(user, organisation)
    return user


# --- item 1: the description -------------------------------------------------------------


async def test_the_description_reaches_the_owners_the_list_and_the_detail_view(
    bot: Harness,
) -> None:
    anna = await member(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    olga = await member(bot, "Olga", "Weber", "Stadt Jena")
    await bot.send_and_confirm(
        COORDINATOR,
        f"/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme Radweg | {DESCRIPTION}",
    )
    await bot.settle()
    (notice,) = [t for t in texts(bot, anna.id) if "Neue Aufgabe #1" in t]
    assert f"Beschreibung: {DESCRIPTION}" in notice
    assert "vergeben von der Koordination" in notice
    assert "Einzelheiten und Verlauf: /aufgabe 1" in notice

    listing = (await bot.send(anna, "/aufgaben")).text or ""
    assert "#1 Stellungnahme Radweg – fällig am Di., 15.12.2026" in listing
    # Shortened: the first 80 characters, with an ellipsis.
    assert "Bitte die Stellungnahme der Gemeinde zum Radwegekonzept bis zur AG-Sitzung" in listing
    assert "Kostenschätzung" not in listing and "…" in listing
    assert "/aufgabe 1" in listing
    overview = (await bot.send(COORDINATOR, "/aufgaben")).text or ""
    assert "Bitte die Stellungnahme der Gemeinde" in overview

    detail = await bot.send(anna, "/aufgabe 1")
    text = detail.text or ""
    assert "Aufgabe #1: Stellungnahme Radweg" in text
    assert "Für: Gemeinde Zöllnitz" in text
    assert "Fällig am: Di., 15.12.2026" in text
    assert "Stand: offen" in text
    assert DESCRIPTION in text
    assert (
        "Do., 26.11.2026, 10:00 Uhr: vergeben an Gemeinde Zöllnitz, fällig am Di., 15.12.2026"
        " – von der Koordination"
    ) in text
    buttons = [b["text"] for row in detail.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["✅ #1 erledigt", "💬 #1 Kommentar"]

    # Another organisation's member may not look at it; the coordinator may.
    refused = (await bot.send(olga, "/aufgabe 1")).text or ""
    assert "gehört nicht Ihrer Mitgliedskommune" in refused and DESCRIPTION not in refused
    assert DESCRIPTION in ((await bot.send(COORDINATOR, "/aufgabe 1")).text or "")
    assert "/aufgabe 5" in ((await bot.send(anna, "/aufgabe")).text or "")
    assert "Eine Aufgabe #9 gibt es nicht" in ((await bot.send(anna, "/aufgabe 9")).text or "")


async def test_the_detail_view_in_english_and_not_in_a_group(bot: Harness) -> None:
    john = await member(bot, "John", "Miller", "Gemeinde Zöllnitz", language="en")
    await bot.send(john, "/language en")
    await bot.send_and_confirm(
        COORDINATOR, "/newtask Gemeinde Zöllnitz | 15.12.2026 | Cycle path | Draft <b>"
    )
    await bot.settle()
    (notice,) = [t for t in texts(bot, john.id) if "New task #1" in t]
    assert "Description: Draft &lt;b&gt;" in notice
    text = (await bot.send(john, "/task 1")).text or ""
    assert "Task #1: Cycle path" in text and "Description:\nDraft &lt;b&gt;" in text
    assert "Thu, 26 Nov 2026, 10:00: assigned to Gemeinde Zöllnitz" in text
    assert "– by the coordination" in text
    group = await bot.send(
        john, "/task@" + bot.emu.bot_username + " 1", chat_id=-100777, chat_type="supergroup"
    )
    assert "Cycle path" not in (group.text or "") and bot.emu.bot_username in (group.text or "")


# --- item 2: reasons -----------------------------------------------------------------------


async def test_every_reason_is_kept_shown_in_the_history_and_sent(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    olga = await member(bot, "Olga", "Weber", "Stadt Jena")
    await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme"
    )
    await bot.send(anna, "/erledigt 1 verschickt")
    await bot.settle()

    mark = bot.emu.mark()
    answer = await bot.send(COORDINATOR, "/aufgabeoeffnen 1 Die Karte fehlt noch")
    assert answer.text == (
        "Aufgabe #1 (Stellungnahme) ist wieder offen.\nGrund: Die Karte fehlt noch"
    )
    answer = await bot.send(COORDINATOR, "/aufgabefrist 1 18.12.2026 AG tagt später")
    assert "fällig am Fr., 18.12.2026" in (answer.text or "")
    assert "Grund: AG tagt später" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/aufgabeuebertragen 1 Stadt Jena | Jena plant den Radweg")
    assert "Aufgabe #1 ist jetzt bei Stadt Jena." in (answer.text or "")
    question = await bot.send(COORDINATOR, "/aufgabestreichen 1 Hat sich erledigt, Plan verworfen")
    assert "Aufgabe #1 „Stellungnahme“ (Stadt Jena) streichen?" in (question.text or "")
    answer = await bot.choose(COORDINATOR, "✅ Ja, streichen")
    assert "Grund: Hat sich erledigt, Plan verworfen" in (answer.text or "")
    await bot.settle()

    to_anna = new_texts(bot, anna.id, mark)
    assert any("wieder offen" in t and "Grund: Die Karte fehlt noch" in t for t in to_anna)
    assert any(
        "fällig am Fr., 18.12.2026 (bisher Di., 15.12.2026)" in t and "Grund: AG tagt später" in t
        for t in to_anna
    )
    assert any(
        "liegt nicht mehr bei Gemeinde Zöllnitz" in t and "Grund: Jena plant den Radweg" in t
        for t in to_anna
    )
    to_olga = new_texts(bot, olga.id, mark)
    assert any("Neue Aufgabe #1" in t and "Grund: Jena plant den Radweg" in t for t in to_olga)
    assert any(
        "ist gestrichen" in t and "Grund: Hat sich erledigt, Plan verworfen" in t for t in to_olga
    )

    history = (await bot.send(COORDINATOR, "/aufgabe 1")).text or ""
    expected = [
        "vergeben an Gemeinde Zöllnitz, fällig am Di., 15.12.2026 – von der Koordination",
        "erledigt gemeldet von Anna Schmidt (Gemeinde Zöllnitz)",
        "„verschickt“",
        "wieder geöffnet von der Koordination",
        "Grund: Die Karte fehlt noch",
        "Frist geändert von Di., 15.12.2026 auf Fr., 18.12.2026 – von der Koordination",
        "Grund: AG tagt später",
        "übertragen von Gemeinde Zöllnitz an Stadt Jena – von der Koordination",
        "Grund: Jena plant den Radweg",
        "gestrichen von der Koordination",
        "Grund: Hat sich erledigt, Plan verworfen",
    ]
    positions = [history.find(line) for line in expected]
    assert -1 not in positions, (history, positions)
    assert positions == sorted(positions), history
    assert "Stand: gestrichen" in history
    async with bot.uow() as uow:
        events = await uow.tasks.events(1)
    assert [e.kind for e in events] == [
        TaskEventKind.CREATED,
        TaskEventKind.DONE,
        TaskEventKind.REOPENED,
        TaskEventKind.DUE_CHANGED,
        TaskEventKind.REASSIGNED,
        TaskEventKind.CANCELLED,
    ]


async def test_changes_without_a_reason_still_work(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme"
    )
    answer = await bot.send(COORDINATOR, "/aufgabefrist 1 17.12.2026")
    assert answer.text == "Aufgabe #1 ist jetzt fällig am Do., 17.12.2026."
    answer = await bot.send(COORDINATOR, "/aufgabefrist 1")
    assert "/aufgabefrist 5 20.12.2026 Grund" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/aufgabeuebertragen 1")
    assert "/aufgabeuebertragen 5 Stadt Jena | Grund" in (answer.text or "")
    await bot.settle()
    notices = [t for t in texts(bot, anna.id) if "jetzt fällig am Do., 17.12.2026" in t]
    assert len(notices) == 1 and "Grund" not in notices[0]
    assert await bot.count(TaskEvent) == 2
    assert await bot.count(Task) == 1


# --- item 3: who reported ----------------------------------------------------------------


async def test_the_coordinator_is_told_who_reported_done_and_who_commented(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    bernd = await member(bot, "Bernd", "Krause", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme"
    )
    await bot.settle()
    mark = bot.emu.mark()
    await bot.send(anna, "/kommentar 1 Entwurf liegt dem Bürgermeister vor")
    await bot.send(bernd, "/erledigt 1 Stellungnahme verschickt")
    await bot.settle()
    to_coordinator = new_texts(bot, COORDINATOR_ID, mark)
    (comment,) = [t for t in to_coordinator if "Kommentar von" in t]
    assert comment.startswith(
        "💬 Kommentar von Anna Schmidt (Gemeinde Zöllnitz) zu Aufgabe #1"
        " (Stellungnahme, Gemeinde Zöllnitz):\nEntwurf liegt dem Bürgermeister vor"
    )
    (done,) = [t for t in to_coordinator if "ist erledigt" in t]
    assert done.startswith(
        "✅ Aufgabe #1 (Stellungnahme, Gemeinde Zöllnitz) ist erledigt"
        " – gemeldet von Bernd Krause (Gemeinde Zöllnitz).\nKommentar: Stellungnahme verschickt"
    )
    # The colleague hears it too, and the one who reported is not told their own report.
    assert any("gemeldet von Bernd Krause" in t for t in new_texts(bot, anna.id, mark))
    assert not any("gemeldet von" in t for t in new_texts(bot, bernd.id, mark))


async def test_who_reported_in_english(bot: Harness) -> None:
    anna = await member(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    john = await member(bot, "John", "Miller", "Gemeinde Zöllnitz", language="en")
    await bot.send(john, "/language en")
    await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe Gemeinde Zöllnitz | 15.12.2026 | Stellungnahme"
    )
    await bot.settle()
    mark = bot.emu.mark()
    await bot.send(anna, "/erledigt 1")
    await bot.settle()
    (done,) = [t for t in new_texts(bot, john.id, mark) if "is done" in t]
    assert "reported by Anna Schmidt (Gemeinde Zöllnitz)" in done
    # Item 2 in English: the reason comes with the notice and stands in the history.
    await bot.send(COORDINATOR, "/aufgabeoeffnen 1 Die Karte fehlt")
    await bot.settle()
    (reopened,) = [t for t in new_texts(bot, john.id, mark) if "is open again" in t]
    assert "reopened by the coordination." in reopened
    assert "Reason: Die Karte fehlt" in reopened
    history = (await bot.send(john, "/task 1")).text or ""
    assert "reported done by Anna Schmidt (Gemeinde Zöllnitz)" in history
    assert "reopened by the coordination\n    Reason: Die Karte fehlt" in history


# --- item 4: owners by name ----------------------------------------------------------------


async def without_username(bot: Harness, first: str, last: str, organisation: str) -> FakeUser:
    """A member who has no Telegram username (many have none)."""
    user = replace(bot.user(first, last), username=None)
    await bot.join(user, organisation)
    return user


def button_labels(call: RecordedCall) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def press_label(bot: Harness, call: RecordedCall, label: str) -> RecordedCall:
    message = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    (data,) = [
        b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
        if b["text"] == label
    ]
    return await bot.press_for_message(COORDINATOR, message, data)


async def test_a_member_without_a_username_is_found_by_name(bot: Harness) -> None:
    anna = await without_username(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    answer = await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe @Anna | 15.12.2026 | Protokoll prüfen"
    )
    assert answer.text == (
        "Aufgabe #1 vergeben an Anna Schmidt (Gemeinde Zöllnitz): Protokoll prüfen,"
        " fällig am Di., 15.12.2026."
    )
    answer = await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe anna schmidt | 16.12.2026 | Zweite"
    )
    assert "Aufgabe #2 vergeben an Anna Schmidt (Gemeinde Zöllnitz)" in (answer.text or "")
    await bot.settle()
    assert [t for t in texts(bot, anna.id) if "Neue Aufgabe" in t] != []
    assert "Protokoll prüfen" in ((await bot.send(anna, "/aufgaben")).text or "")


async def test_namesakes_are_chosen_with_buttons(bot: Harness) -> None:
    schmidt = await without_username(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    mueller = await without_username(bot, "Anna", "Müller", "Stadt Jena")
    question = await bot.send(
        COORDINATOR, "/neueaufgabe Anna | 15.12.2026 | Protokoll prüfen | Seiten 3 bis 5"
    )
    assert question.text == "Mehrere Mitglieder heißen „Anna“. Wem geben Sie die Aufgabe?"
    assert button_labels(question) == [
        "Anna Schmidt (Gemeinde Zöllnitz)",
        "Anna Müller (Stadt Jena)",
        "« Zurück",
        "Abbrechen",
    ]
    assert await bot.count(Task) == 0
    message = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    preview = await press_label(bot, question, "Anna Müller (Stadt Jena)")
    assert "Für: Anna Müller (Stadt Jena)" in (preview.text or "")
    assert "Stimmt alles?" in (preview.text or "")
    assert await bot.count(Task) == 0
    done = await bot.choose(COORDINATOR, "✅ Vergeben")
    assert done.text == (
        "Aufgabe #1 vergeben an Anna Müller (Stadt Jena): Protokoll prüfen,"
        " fällig am Di., 15.12.2026."
    )
    await bot.settle()
    assert any("Seiten 3 bis 5" in t for t in texts(bot, mueller.id))
    assert not any("Neue Aufgabe" in t for t in texts(bot, schmidt.id))
    # A second press on the same question creates nothing more.
    data = message["reply_markup"]["inline_keyboard"][1][0]["callback_data"]
    _, calls = await bot.press_and_wait(COORDINATOR, message, data)
    assert not any("vergeben an" in (c.text or "") for c in calls)
    assert await bot.count(Task) == 1

    # In the guided form the same: the name, then a button, then the due date.
    assert "Schritt 1 von 4" in ((await bot.send(COORDINATOR, "/neueaufgabe")).text or "")
    question = await bot.send(COORDINATOR, "anna")
    assert "Mehrere Mitglieder heißen „anna“" in (question.text or "")
    step = await press_label(bot, question, "Anna Schmidt (Gemeinde Zöllnitz)")
    assert "Schritt 2 von 4" in (step.text or "")
    await bot.send(COORDINATOR, "/abbrechen")

    # Reassigning names the namesakes and takes "Name (Mitgliedskommune)".
    answer = await bot.send(COORDINATOR, "/aufgabeuebertragen 1 Anna | Urlaub")
    assert "Anna Schmidt (Gemeinde Zöllnitz), Anna Müller (Stadt Jena)" in (answer.text or "")
    assert "Vorname Nachname (Mitgliedskommune)" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/aufgabeuebertragen 1 Anna (Gemeinde Zöllnitz) | Urlaub")
    assert answer.text == (
        "Aufgabe #1 ist jetzt bei Anna Schmidt (Gemeinde Zöllnitz).\nGrund: Urlaub"
    )
    answer = await bot.send(COORDINATOR, "/aufgabeuebertragen 1 @Anna (Gemeinde Zöllnitz)")
    assert answer.text == (
        "Aufgabe #1 ist bereits bei Anna Schmidt (Gemeinde Zöllnitz). Es wurde nichts geändert."
    )


async def test_back_from_the_namesakes_previews_nobody_unchosen(bot: Harness) -> None:
    """« Zurück under the namesake question of the one-line command, then « Zur Vorschau:
    the person is asked for again (no preview of the bare name 'Anna' for 0 people)."""
    await without_username(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    mueller = await without_username(bot, "Anna", "Müller", "Stadt Jena")
    await bot.send(COORDINATOR, "/neueaufgabe Anna | 15.12.2026 | Protokoll prüfen")
    fields = await bot.choose(COORDINATOR, "« Zurück")
    assert fields.text == "Was möchten Sie ändern?"
    again = await bot.choose(COORDINATOR, "« Zur Vorschau")
    assert again.text == "Mehrere Mitglieder heißen „Anna“. Wem geben Sie die Aufgabe?"
    preview = await bot.choose(COORDINATOR, "Anna Müller (Stadt Jena)")
    assert "Für: Anna Müller (Stadt Jena) – benachrichtigt wird 1 Person" in (preview.text or "")
    done = await bot.choose(COORDINATOR, "✅ Vergeben")
    assert (done.text or "").startswith("Aufgabe #1 vergeben an Anna Müller (Stadt Jena)")
    await bot.settle()
    assert any("Neue Aufgabe #1" in t for t in texts(bot, mueller.id))


async def test_namesakes_in_english(bot: Harness) -> None:
    await without_username(bot, "Anna", "Schmidt", "Gemeinde Zöllnitz")
    await without_username(bot, "Anna", "Müller", "Stadt Jena")
    await bot.send(COORDINATOR, "/language en")
    question = await bot.send_and_confirm(COORDINATOR, "/newtask Anna | 15.12.2026 | Minutes")
    assert question.text == "Several members are called “Anna”. Who gets the task?"


# --- a member who leaves ------------------------------------------------------------------


async def leave(bot: Harness, user: FakeUser) -> None:
    await bot.send(user, "/austreten")
    message = bot.emu.last_message(user.id, from_bot=True)
    labels = {
        b["text"]: b["callback_data"]
        for row in message["reply_markup"]["inline_keyboard"]
        for b in row
    }
    await bot.press(user, message, labels["Ja, austreten"])
    await bot.settle()


async def test_a_leavers_open_task_passes_to_their_organisation(bot: Harness) -> None:
    carla = await member(bot, "Carla", "Klein", "Gemeinde Zöllnitz")
    dirk = await member(bot, "Dirk", "Dorn", "Gemeinde Zöllnitz")
    await bot.send_and_confirm(COORDINATOR, "/neueaufgabe Carla | 15.12. | Fotos Brücke")
    await bot.send(carla, "/kommentar 1 Fotos sind bestellt")
    await bot.settle()
    mark = bot.emu.mark()
    await leave(bot, carla)
    (notice,) = [t for t in new_texts(bot, COORDINATOR_ID, mark) if "Austritt" in t]
    assert "Offene Aufgaben gehen an Gemeinde Zöllnitz über (1)" in notice
    assert "• #1 „Fotos Brücke“" in notice and "/aufgabeuebertragen 1" in notice
    # Her colleague is told the task is theirs now (not only at the next reminder).
    assert new_texts(bot, dirk.id, mark) == [
        "Carla Klein ist nicht mehr im Forum. Die offenen Aufgaben von Carla Klein gehören jetzt "
        "Gemeinde Zöllnitz; erledigt melden oder kommentieren kann sie jedes Mitglied der "
        "Kommune (z. B. <code>/erledigt 1</code>):\n• #1 „Fotos Brücke“"
    ]

    detail = (await bot.send(dirk, "/aufgabe 1")).text or ""
    assert "Für: Gemeinde Zöllnitz" in detail and "#1 (" not in detail
    assert "vergeben an ehemaliges Mitglied (Gemeinde Zöllnitz)" in detail
    assert "Kommentar von ehemaliges Mitglied (Gemeinde Zöllnitz)" in detail
    assert "an Gemeinde Zöllnitz übergegangen – die zuständige Person ist ausgetreten" in detail
    overview = (await bot.send(COORDINATOR, "/aufgaben")).text or ""
    assert "#1 Fotos Brücke" in overview and "für #1" not in overview
    done = (await bot.send(dirk, "/erledigt 1 Fotos liegen vor")).text or ""
    assert "gehört nicht Ihnen" not in done and "#1" in done
    async with bot.uow() as uow:
        task = await uow.tasks.get(1)
        assert task is not None and task.member_id is None and task.done_by is not None
    # In English the history names the former member too.
    await bot.send(dirk, "/language en")
    english = (await bot.send(dirk, "/task 1")).text or ""
    assert "former member (Gemeinde Zöllnitz)" in english
    assert "passed to Gemeinde Zöllnitz – the person responsible left the forum" in english
