"""The meeting day end to end (issue 17): an Absage with its reason and substitute, the check-in
30 minutes before, /anwesenheit with marks by hand and the quorum (reached and missed), a vote
during the meeting for the organisations present only (also in the group chat), notes and the
minutes draft read back with python-docx and docx2python.

The voting tests' forum: Stadt Jena (Anna, Bernd), Gemeinde Zöllnitz (Carla, Dirk),
Saale-Holzland-Kreis (Emil). The test clock starts on Thu 26.11.2026, 10:00 in Berlin; the
meeting is the same day, 12:00–14:00 Uhr.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import docx
from docx2python import docx2python
from sqlmodel import select

from storage.models import Ballot, BallotOutcome, Proposal, ProposalStatus, Task
from storage.models_meeting_day import (
    AttendanceMark,
    MeetingAbsence,
    MeetingAttendanceMark,
    MeetingBallot,
    MeetingCheckIn,
    MeetingNote,
)
from tests.e2e.harness import COORDINATOR, Harness
from tests.e2e.test_exports import document, sheet_rows
from tests.e2e.test_voting import GROUP_CHAT, ballot_message, buttons, forum, votes
from tests.emulator import FakeUser
from tests.support import COORDINATOR_ID

START = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)  # 12:00 Uhr in Berlin
NEW = "/neuertermin 26.11.2026 12:00-14:00 | Forumssitzung | Rathaus Jena, Markt 1"


async def meeting(bot: Harness) -> None:
    answer = await bot.send_and_confirm(COORDINATOR, NEW)
    assert "#1" in (answer.text or ""), answer.text
    await bot.settle()


def invitation(bot: Harness, user: FakeUser) -> dict[str, Any]:
    return next(m for m in bot.emu.messages(user.id) if "Absage" in str(m.get("reply_markup")))


def check_ins(bot: Harness, user: FakeUser) -> list[dict[str, Any]]:
    return [m for m in bot.emu.messages(user.id) if "Sind Sie da?" in m.get("text", "")]


async def to_meeting_time(bot: Harness) -> None:
    """To 11:31 Uhr: the check-in (due 11:30) has gone out."""
    await bot.advance(START - timedelta(minutes=29) - bot.clock.now())


async def check_in(bot: Harness, user: FakeUser) -> str:
    (message,) = check_ins(bot, user)
    data = buttons(message).get("✅ Ich bin da (vor Ort)", "ci:1:p")  # gone once pressed
    answer = await bot.press(user, message, data)
    return str(answer.params.get("text"))


async def attendance(bot: Harness) -> dict[str, Any]:
    answer = await bot.send(COORDINATOR, "/anwesenheit 1")
    # The view is recorded (to follow the check-ins) once it was sent: a check-in pressed
    # before that handling ended would not edit it. Wait for the whole update.
    assert answer.caused_by is not None
    await bot.handled.wait(answer.caused_by)
    sent: dict[str, Any] = answer.response["result"]
    return sent


# --- the Absage, the check-in, attendance and quorum ---------------------------------------


async def test_absence_reason_substitute_check_in_marks_and_quorum(bot: Harness) -> None:
    f = await forum(bot)
    await meeting(bot)
    # Emil declines with a reason; his organisation has nobody else to send.
    ask = await bot.press_for_message(f.emil, invitation(bot, f.emil), "rsvp:1:n:i")
    assert "Möchten Sie einen Grund angeben" in (ask.text or "")
    done = await bot.send(f.emil, "Kreistagssitzung <Haushalt>")
    assert "Grund: entschuldigt – Kreistagssitzung &lt;Haushalt&gt;" in (done.text or "")
    # Bernd declines without a reason and names Anna (the only colleague offered).
    await bot.press_for_message(f.bernd, invitation(bot, f.bernd), "rsvp:1:n:i")
    question = await bot.choose(f.bernd, "Ohne Grund")
    assert "Vertretung" in (question.text or "")
    assert set(buttons(question.params)) == {"Anna", "Keine Vertretung", "« Zurück", "Abbrechen"}
    done = await bot.choose(f.bernd, "Anna")
    assert "Vertretung: Anna" in (done.text or "") and "Grund" not in (done.text or "")
    async with bot.uow() as uow:
        absences = (await uow.session.execute(select(MeetingAbsence))).scalars().all()
    assert sorted((a.reason or "", a.substitute_id is not None) for a in absences) == [
        ("", True),
        ("Kreistagssitzung <Haushalt>", False),
    ]

    # Not yet: at 11:29 no check-in; a forged press is refused.
    await bot.advance(START - timedelta(minutes=31) - bot.clock.now())
    assert not check_ins(bot, f.anna)
    early = await bot.press(f.anna, invitation(bot, f.anna), "ci:1:p")
    assert early.params.get("show_alert") is True
    assert "ab 30 Minuten vor Beginn" in early.params["text"]
    # From 11:30: everyone who has not declined gets it (with the place), Bernd and Emil not.
    await to_meeting_time(bot)
    for user in (f.anna, f.carla, f.dirk):
        (message,) = check_ins(bot, user)
        assert "Forumssitzung" in message["text"] and "Rathaus Jena, Markt 1" in message["text"]
        assert set(buttons(message)) == {"✅ Ich bin da (vor Ort)"}
    assert not check_ins(bot, f.bernd) and not check_ins(bot, f.emil)

    assert "Angemeldet um 11:31 Uhr (vor Ort)" in await check_in(bot, f.anna)
    assert "schon seit 11:31 Uhr" in await check_in(bot, f.anna)  # a second press: no change
    shown = await attendance(bot)
    text = shown["text"]
    assert "noch nicht begonnen" not in text  # the check-in is open
    assert "✅ Stadt Jena – anwesend: Anna (vor Ort)" in text
    assert "❌ Gemeinde Zöllnitz – abwesend" in text
    assert "🟡 Saale-Holzland-Kreis – entschuldigt: Emil: Kreistagssitzung <Haushalt>" in text
    assert "Nicht beschlussfähig: 1 von 3 stimmberechtigten Mitgliedskommunen anwesend" in text
    assert "(nötig: 2)" in text

    # Carla checks in: the coordinator's view follows by itself (an edit through the
    # outbox), quorate now; Aktualisieren shows the same.
    await bot.advance(timedelta(minutes=2))
    await check_in(bot, f.carla)
    await bot.settle()
    view = next(
        m for m in bot.emu.messages(COORDINATOR_ID) if m["message_id"] == shown["message_id"]
    )
    assert "Gemeinde Zöllnitz – anwesend: Carla (vor Ort)" in view["text"]
    assert "Beschlussfähig: 2 von 3" in view["text"]
    refreshed = await bot.press(COORDINATOR, view, buttons(view)["🔄 Aktualisieren"])
    assert refreshed.params.get("text") == "Aktualisiert."

    # By hand: Zöllnitz absent after all (quorum missed), the Kreis present (reached again).
    rows = view["reply_markup"]["inline_keyboard"]
    assert [r[0]["text"] for r in rows[:3]] == [
        "✅ Gemeinde Zöllnitz",
        "✅ Saale-Holzland-Kreis",
        "✅ Stadt Jena",
    ]
    zoellnitz_absent = rows[0][1]["callback_data"]
    await bot.press(COORDINATOR, view, zoellnitz_absent)
    view = next(
        m for m in bot.emu.messages(COORDINATOR_ID) if m["message_id"] == shown["message_id"]
    )
    assert "❌ Gemeinde Zöllnitz – abwesend: Carla (vor Ort) (von Hand eingetragen)" in view["text"]
    assert "Nicht beschlussfähig: 1 von 3" in view["text"]
    answer = await bot.press(COORDINATOR, view, rows[1][0]["callback_data"])
    assert answer.params.get("text") == "Eingetragen."
    view = next(
        m for m in bot.emu.messages(COORDINATOR_ID) if m["message_id"] == shown["message_id"]
    )
    assert "✅ Saale-Holzland-Kreis – anwesend" in view["text"]
    assert "Beschlussfähig: 2 von 3" in view["text"]
    async with bot.uow() as uow:
        marks = (await uow.session.execute(select(MeetingAttendanceMark))).scalars().all()
        rows_in = (await uow.session.execute(select(MeetingCheckIn))).scalars().all()
    assert sorted(m.mark for m in marks) == [AttendanceMark.ABSENT, AttendanceMark.PRESENT]
    assert len(rows_in) == 2  # Anna and Carla, once each

    # Members may not mark; forged marks are refused.
    refused = await bot.press(f.anna, view, rows[1][0]["callback_data"])
    assert refused.params.get("show_alert") is True
    for data in ("at:1:99:p", "at:99:1:p", "at:1:1:x"):
        refused = await bot.press(COORDINATOR, view, data)
        assert refused.params.get("show_alert") is True, data
    answer = await bot.send(f.anna, "/anwesenheit 1")
    assert "Koordination" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/anwesenheit")
    assert "/anwesenheit 12" in (answer.text or "")


# --- a vote during the meeting ---------------------------------------------------------------


async def topic_on_the_agenda(bot: Harness, f: Any) -> None:
    """Topic #1 accepted and on meeting #1's agenda as TOP 1 (set up through the services)."""
    await bot.send(f.anna, "/vorschlag Radweg Saaletal | Lückenschluss Burgau–Göschwitz")
    await bot.settle()
    async with bot.uow() as uow:
        proposal = await uow.proposals.get(1)
        assert proposal is not None
        proposal.status = ProposalStatus.ACCEPTED
        await uow.commit()
    await bot.services.proposals.place(await bot.actor(COORDINATOR), 1, 1)
    await bot.settle()


async def test_an_absage_excuses_also_without_a_reason(bot: Harness) -> None:
    """Abbrechen at the reason keeps the Absage (and says so); like "Ohne Grund", the
    organisation is listed as excused, not as absent."""
    f = await forum(bot)
    await meeting(bot)
    await bot.press_for_message(f.emil, invitation(bot, f.emil), "rsvp:1:n:i")
    cancelled = await bot.choose(f.emil, "Abbrechen")
    assert cancelled.text == (
        "In Ordnung – Ihre Absage bleibt gespeichert, ohne Grund und ohne Vertretung."
    )
    await bot.press_for_message(f.dirk, invitation(bot, f.dirk), "rsvp:1:n:i")
    cancelled = await bot.send(f.dirk, "/abbrechen")
    assert cancelled.text == (
        "In Ordnung – Ihre Absage bleibt gespeichert, ohne Grund und ohne Vertretung."
    )
    text = (await attendance(bot))["text"]
    # Two hours before the start: said, so that "abwesend" is not taken for a fact.
    assert "ℹ️ Die Sitzung hat noch nicht begonnen: Einchecken kann man ab 30 Minuten" in text
    assert "🟡 Saale-Holzland-Kreis – entschuldigt: Emil\n" in text, text
    # Carla has not answered: her organisation is excused by Dirk's Absage.
    assert "🟡 Gemeinde Zöllnitz – entschuldigt: Dirk\n" in text, text
    assert "❌ Stadt Jena – abwesend" in text, text


async def test_a_command_during_the_absage_form_keeps_the_absage(bot: Harness) -> None:
    """Another command ends the reason form; it says the Absage stays (the typed reason is not
    kept), instead of "es wurde nichts gespeichert"."""
    f = await forum(bot)
    await meeting(bot)
    await bot.press_for_message(f.dirk, invitation(bot, f.dirk), "rsvp:1:n:i")
    question = await bot.send(f.dirk, "Krankheit")
    assert "Vertretung" in (question.text or "")  # the substitute step
    left = await bot.send(f.dirk, "/kalender")
    assert left.text == (
        "Das Formular „Begründung der Absage“ ist beendet. Ihre Absage bleibt gespeichert, "
        "ohne Grund und ohne Vertretung."
    )
    await bot.send(f.bernd, "/language en")
    await bot.press_for_message(f.bernd, invitation(bot, f.bernd), "rsvp:1:n:i")
    left = await bot.send(f.bernd, "/calendar")
    assert left.text == (
        "The form “reason for the declined meeting” has ended. Your “no” stays saved, without "
        "a reason or a substitute."
    )
    text = (await attendance(bot))["text"]
    assert "🟡 Gemeinde Zöllnitz – entschuldigt: Dirk\n" in text, text
    assert "Krankheit" not in text, text


async def test_a_vote_in_the_meeting_counts_the_organisations_present_only(bot: Harness) -> None:
    f = await forum(bot)
    await meeting(bot)
    await topic_on_the_agenda(bot, f)
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1 jetzt")
    assert "Gerade läuft keine Sitzung" in (answer.text or "")
    await to_meeting_time(bot)
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1 jetzt")
    assert "noch keine stimmberechtigte Mitgliedskommune anwesend" in (answer.text or "")
    await check_in(bot, f.anna)
    await check_in(bot, f.carla)
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1 jetzt zehn")
    assert "/abstimmungstarten 12 jetzt 5m" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1 jetzt 5m")
    text = answer.text or ""
    assert "gestartet: 5 Minuten, bis 11:36 Uhr" in text, text
    assert "Tagesordnungspunkt: TOP 1" in text
    assert "Stimmberechtigt (2): Gemeinde Zöllnitz, Stadt Jena" in text
    assert "Nicht anwesend, stimmen nicht mit: Saale-Holzland-Kreis" in text
    await bot.settle()
    for user in (f.anna, f.bernd, f.carla, f.dirk):
        assert ballot_message(bot, user)
    assert not [m for m in bot.emu.messages(f.emil.id) if "Abstimmung über" in m.get("text", "")]
    # Emil's own /themen shows the ballot for information only: his Kreis is not there.
    listing = (await bot.send(f.emil, "/themen")).response["result"]
    label = next(label for label in buttons(listing) if "#1" in label)
    shown = await bot.press_for_message(f.emil, listing, buttons(listing)[label])
    assert (
        "ℹ️ Zur Information: Saale-Holzland-Kreis ist in dieser Sitzung nicht als anwesend"
        " eingetragen; abstimmen können nur die anwesenden Mitgliedskommunen." in (shown.text or "")
    )
    assert not buttons(shown.params)

    # In the group chat: the ballot is posted; Emil's press does not count, Dirk's does.
    await bot.send(f.dirk, "/themen", chat_id=GROUP_CHAT, chat_type="supergroup")
    (posted,) = [
        m for m in bot.emu.messages(GROUP_CHAT) if "Abstimmung über Thema" in m.get("text", "")
    ]
    refused = await bot.press(f.emil, posted, buttons(posted)["Ja"])
    assert refused.params.get("show_alert") is True
    assert "nur die anwesenden Mitgliedskommunen" in refused.params["text"]
    saved = await bot.press(f.dirk, posted, buttons(posted)["Nein"])
    assert saved.params.get("text") == "Gespeichert: Nein (Gemeinde Zöllnitz)"
    anna = ballot_message(bot, f.anna)
    await bot.press(f.anna, anna, buttons(anna)["Ja"])
    assert sorted(v.organisation_id for v in await votes(bot)) == [1, 2]

    # It closes after 5 minutes: 2 eligible, both voted; Ja 1, Nein 1: rejected.
    await bot.advance(timedelta(minutes=6))
    await bot.run_job("ballots")
    async with bot.uow() as uow:
        (ballot,) = (await uow.session.execute(select(Ballot))).scalars().all()
        (link,) = (await uow.session.execute(select(MeetingBallot))).scalars().all()
        agenda = (await uow.meetings.agendas([1]))[1]
        proposal = await uow.session.get(Proposal, 1)
    assert ballot.closed_at is not None and ballot.outcome is BallotOutcome.REJECTED
    assert ballot.result is not None and ballot.result["eligible"] == 2
    assert (ballot.result["yes"], ballot.result["no"]) == (1, 1)
    assert link.meeting_id == 1 and link.agenda_item_id == agenda[0][0].id
    assert proposal is not None and proposal.status is ProposalStatus.SCHEDULED
    await bot.settle()
    result = [m["text"] for m in bot.emu.messages(f.emil.id) if "Ergebnis" in m.get("text", "")]
    assert result and "2 von 2" in result[-1]
    # The vote record for the minutes: the organisation not present is named as such.
    _, payload = document(await bot.send(COORDINATOR, "/export abstimmung 1"))
    rows = sheet_rows(payload)
    choice = rows[0].index("Stimme")
    table = {r[0]: r[choice] for r in rows[1:4]}
    assert table == {
        "Gemeinde Zöllnitz": "Nein",
        "Saale-Holzland-Kreis": "nicht anwesend (stimmte nicht mit)",
        "Stadt Jena": "Ja",
    }


async def test_a_vote_opened_in_the_group_chat_posts_its_ballot_there(bot: Harness) -> None:
    f = await forum(bot)
    await meeting(bot)
    await topic_on_the_agenda(bot, f)
    await to_meeting_time(bot)
    await check_in(bot, f.anna)
    await check_in(bot, f.carla)
    group = {"chat_id": GROUP_CHAT, "chat_type": "supergroup"}
    # In the group only a meeting's vote opens; anything else is pointed to the private chat.
    calls = await bot.exchange(COORDINATOR, "/abstimmungstarten 1", **group)
    (refusal,) = [c.text or "" for c in calls if c.chat_id == GROUP_CHAT]
    assert refusal.startswith("Im Gruppenchat starten Sie nur eine Abstimmung in der laufenden")
    assert await votes(bot) == [] and not [c for c in calls if c.chat_id != GROUP_CHAT]
    # `jetzt` there: the answer (without the hint to post it) and the ballot, in the group.
    calls = await bot.exchange(COORDINATOR, "/abstimmungstarten 1 jetzt 5m", **group)
    opened, posted = [c for c in calls if c.chat_id == GROUP_CHAT and c.method == "sendMessage"]
    assert "gestartet: 5 Minuten, bis 11:36 Uhr" in (opened.text or "")
    assert "Nicht anwesend, stimmen nicht mit: Saale-Holzland-Kreis" in (opened.text or "")
    assert "/themen" not in (opened.text or "")
    assert (posted.text or "").startswith("<b>Abstimmung über Thema #1</b>\n<b>Radweg Saaletal</b>")
    ballot = posted.result
    refused = await bot.press(f.emil, ballot, buttons(ballot)["Ja"])
    assert "nur die anwesenden Mitgliedskommunen" in refused.params["text"]
    saved = await bot.press(f.dirk, ballot, buttons(ballot)["Ja"])
    assert saved.params.get("text") == "Gespeichert: Ja (Gemeinde Zöllnitz)"
    assert [v.organisation_id for v in await votes(bot)] == [2]
    # Closed, the posted ballot shows the result (no buttons left).
    await bot.advance(timedelta(minutes=6))
    await bot.run_job("ballots")
    await bot.settle()
    closed = bot.emu.sent(chat_id=GROUP_CHAT, method="editMessageText")[-1]
    assert closed.params["message_id"] == posted.result["message_id"]
    assert (closed.text or "").startswith("<b>Abstimmung über Thema #1 beendet</b>")
    assert "Ja 1 · Nein 0 · Enthaltung 0 — 1 von 2 Mitgliedskommunen" in (closed.text or "")
    assert buttons(closed.result) == {}


# --- notes and the minutes draft ---------------------------------------------------------------


def _document(bot: Harness) -> bytes:
    call = bot.emu.sent(chat_id=COORDINATOR_ID, method="sendDocument")[-1]
    file_id = call.response["result"]["document"]["file_id"]
    return bot.emu.file_content(file_id)


async def test_notes_and_the_minutes_draft_match_the_database(bot: Harness) -> None:
    f = await forum(bot)
    await meeting(bot)
    await topic_on_the_agenda(bot, f)
    answer = await bot.send_and_confirm(
        COORDINATOR, "/neuertermin 10.12.2026 18:00 | Forumssitzung Dezember | Rathaus Jena"
    )
    assert "#2" in (answer.text or "")
    answer = await bot.send_and_confirm(
        COORDINATOR, "/neueaufgabe #1 Zöllnitz | 18.12.2026 | Stellungnahme Radweg"
    )
    assert "#1" in (answer.text or ""), answer.text
    ask = await bot.press_for_message(f.emil, invitation(bot, f.emil), "rsvp:1:n:i")
    assert ask.text
    await bot.send(f.emil, "Kreistag <Haushalt> & Co")
    await to_meeting_time(bot)
    await check_in(bot, f.anna)
    await check_in(bot, f.carla)
    answer = await bot.send(COORDINATOR, "/notiz 1 1 Planung bis März & Kosten <50.000 €>")
    assert "Notiz zu #1, TOP 1 (Radweg Saaletal) gespeichert" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/notiz 1 0 Begrüßung durch die Koordination")
    assert "Notiz zu #1 Forumssitzung gespeichert" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/notiz 1 5 zu weit")
    assert "hat keinen TOP 5" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/notiz 1 eins Text")
    assert "/notiz 12 2 Text" in (answer.text or "")
    await bot.send(COORDINATOR, "/abstimmungstarten 1 jetzt 5m")
    await bot.settle()
    for user in (f.anna, f.carla):
        ballot = ballot_message(bot, user)
        await bot.press(user, ballot, buttons(ballot)["Ja"])
    await bot.advance(timedelta(minutes=6))
    await bot.run_job("ballots")
    assert await bot.count(MeetingNote) == 2

    answer = await bot.send(COORDINATOR, "/protokollentwurf 1")
    assert answer.method == "sendDocument"
    assert "/protokoll 1" in str(answer.params.get("caption"))
    data = _document(bot)
    document = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name if p.style else "", p.text) for p in document.paragraphs]
    texts = [text for _, text in paragraphs]
    assert ("Title", "Protokoll: Forumssitzung (#1)") in paragraphs
    assert ("Subtitle", bot.services.settings.calendar_name) in paragraphs
    assert "Datum: Do., 26.11.2026" in texts and "Zeit: 12:00–14:00 Uhr" in texts
    assert "Ort: Rathaus Jena, Markt 1" in texts
    assert any(t.startswith("Sitzungsleitung:") for t in texts)
    assert any(t.startswith("Protokoll: ") for t in texts)
    headings1 = [text for style, text in paragraphs if style == "Heading 1"]
    assert headings1 == ["Anwesenheit", "Tagesordnung", "Nächste Sitzung"]
    headings2 = [text for style, text in paragraphs if style == "Heading 2"]
    assert headings2 == ["TOP 1: Radweg Saaletal (Stadt Jena)", "Sitzung allgemein"]
    assert "Planung bis März & Kosten <50.000 €>" in texts
    assert "Begrüßung durch die Koordination" in texts
    assert "#2 Forumssitzung Dezember, Do., 10.12.2026, 18:00–20:00 Uhr" in texts
    assert any("Beschlussfähig: 2 von 3" in t for t in texts)
    assert any(t.startswith("Thema #1 Radweg Saaletal") and "angenommen" in t for t in texts)
    # The accepted vote is a decision (issue 16), listed with its number under its TOP.
    async with bot.uow() as uow:
        decision = await uow.decisions.of_ballot(1)
    assert decision is not None and (decision.year, decision.number) == (2026, 1)
    top1 = texts.index("TOP 1: Radweg Saaletal (Stadt Jena)")
    general = texts.index("Sitzung allgemein")
    (line,) = [t for t in texts[top1:general] if t.startswith("2026/01: ")]
    assert line.startswith(f"2026/01: {decision.title}"), line

    # The tables: attendance (against the database), the vote per organisation, the tasks.
    assert all(
        table.style is not None and table.style.name == "Table Grid" for table in document.tables
    )
    grid = [[cell.text for cell in row.cells] for row in document.tables[0].rows]
    assert grid == [
        ["Mitgliedskommune", "Status", "Teilnehmende / Grund"],
        ["Gemeinde Zöllnitz", "anwesend", "Carla (vor Ort)"],
        ["Saale-Holzland-Kreis", "entschuldigt", "Emil: Kreistag <Haushalt> & Co"],
        ["Stadt Jena", "anwesend", "Anna (vor Ort)"],
    ]
    async with bot.uow() as uow:
        checked = (await uow.session.execute(select(MeetingCheckIn))).scalars().all()
        task = await uow.session.get(Task, 1)
    assert len(checked) == 2 and task is not None and task.meeting_id == 1
    per_org = [[cell.text for cell in row.cells] for row in document.tables[1].rows]
    assert per_org == [
        ["Mitgliedskommune", "Stimme"],
        ["Gemeinde Zöllnitz", "Ja"],
        ["Stadt Jena", "Ja"],
    ]
    tasks = [[cell.text for cell in row.cells] for row in document.tables[2].rows]
    assert tasks == [
        ["Aufgabe", "Zuständig", "Fällig am"],
        ["#1 Stellungnahme Radweg", "Gemeinde Zöllnitz", "Fr., 18.12.2026"],
    ]
    # Page numbers: a PAGE field in the footer.
    footer = document.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("Seite")
    assert "PAGE" in footer._p.xml and "fldChar" in footer._p.xml

    # A second reader sees the same.
    with docx2python(io.BytesIO(data)) as read:
        body = read.text
        footer_text = read.footer
    assert "Protokoll: Forumssitzung (#1)" in body
    assert "Emil: Kreistag <Haushalt> & Co" in body and "Stellungnahme Radweg" in body
    assert "Planung bis März & Kosten <50.000 €>" in body
    assert "Seite" in str(footer_text)

    # The draft, edited, goes out with /protokoll as before: a copy to everyone invited.
    edited = bot.emu.add_file(data, "protokoll-1.docx")
    bot.emu.send_message(COORDINATOR, "", document=edited)
    uploaded = bot.emu.last_message(COORDINATOR_ID)
    answer = await bot.send(
        COORDINATOR, "/protokoll 1", reply_to_message_id=int(uploaded["message_id"])
    )
    assert "geht an 5 Personen" in (answer.text or ""), answer.text
    await bot.settle()
    for user in f.everyone:
        (copy,) = bot.emu.sent(chat_id=user.id, method="copyMessage")
        assert copy.params["message_id"] == uploaded["message_id"]

    # In English for an English-speaking coordinator.
    await bot.send(COORDINATOR, "/language en")
    await bot.send(COORDINATOR, "/minutesdraft 1")
    english = docx.Document(io.BytesIO(_document(bot)))
    headings = [p.text for p in english.paragraphs if p.style and p.style.name == "Heading 1"]
    assert headings == ["Attendance", "Agenda", "Next meeting"]
    assert "Minutes: Forumssitzung (#1)" in [p.text for p in english.paragraphs]
