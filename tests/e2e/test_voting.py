"""Topics and votes end to end: proposing, the coordinator's decision, ballots, counting as equal
partners, reminders, closing at the deadline, group chats, forged buttons, topics onto agendas.

Three member organisations with five members: Stadt Jena (Anna, Bernd), Gemeinde Zöllnitz (Carla,
Dirk), Saale-Holzland-Kreis (Emil). The test clock starts on Thu 26.11.2026, 10:00 in Berlin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import select

from storage.models import (
    Ballot,
    BallotOutcome,
    Member,
    Organisation,
    OutboxMessage,
    Proposal,
    ProposalStatus,
    Vote,
    VoteChoice,
)
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.emulator import BotApiEmulator, FakeUser
from tests.support import COORDINATOR_ID, FakeClock

GROUP_CHAT = -100500


@dataclass
class Forum:
    anna: FakeUser
    bernd: FakeUser
    carla: FakeUser
    dirk: FakeUser
    emil: FakeUser

    @property
    def everyone(self) -> list[FakeUser]:
        return [self.anna, self.bernd, self.carla, self.dirk, self.emil]


async def forum(bot: Harness) -> Forum:
    async with bot.uow() as uow:
        orgs = {}
        for name in ("Stadt Jena", "Gemeinde Zöllnitz", "Saale-Holzland-Kreis"):
            orgs[name] = await uow.organisations.add(
                Organisation(name=name, created_at=bot.clock.now())
            )
        users = []
        for first, org in (
            ("Anna", "Stadt Jena"),
            ("Bernd", "Stadt Jena"),
            ("Carla", "Gemeinde Zöllnitz"),
            ("Dirk", "Gemeinde Zöllnitz"),
            ("Emil", "Saale-Holzland-Kreis"),
        ):
            user = bot.user(first)
            users.append(user)
            await uow.members.add(
                Member(
                    telegram_id=user.id,
                    first_name=first,
                    username=user.username,
                    organisation_id=orgs[org].id or 0,
                    joined_at=bot.clock.now(),
                )
            )
        await uow.commit()
    return Forum(*users)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def texts(bot: Harness, chat_id: int) -> list[str]:
    return [c.text or "" for c in bot.emu.sent(chat_id=chat_id, method="sendMessage")]


def ballot_message(bot: Harness, user: FakeUser) -> dict[str, Any]:
    """The (current version of the) ballot the member received."""
    found = [
        m
        for m in bot.emu.messages(user.id)
        if m.get("text", "").startswith(("Abstimmung über Thema", "Erinnerung: Abstimmung"))
    ]
    assert found, f"{user.first_name} got no ballot"
    return found[-1]


async def votes(bot: Harness) -> list[Vote]:
    async with bot.uow() as uow:
        return list((await uow.session.execute(select(Vote))).scalars().all())


async def proposal(bot: Harness, proposal_id: int = 1) -> Proposal:
    async with bot.uow() as uow:
        found = await uow.proposals.get(proposal_id)
    assert found is not None
    return found


async def propose_and_open(bot: Harness, by: FakeUser, when: str = "") -> None:
    answer = await bot.send(by, "/vorschlag Radweg Saaletal | Lückenschluss Burgau–Göschwitz")
    assert "#1" in (answer.text or "")
    await bot.settle()  # the coordinator's notice first
    answer = await bot.send(COORDINATOR, f"/abstimmungstarten 1 {when}".strip())
    assert "läuft bis" in (answer.text or ""), answer.text
    await bot.settle()


async def press_for_reply(
    bot: Harness, user: FakeUser, message: dict[str, Any], label: str
) -> dict[str, Any]:
    """Press the button labelled `label`; return the message the bot sends in answer."""
    call = await bot.press_for_message(user, message, buttons(message)[label])
    sent: dict[str, Any] = call.response["result"]
    return sent


async def vote(bot: Harness, user: FakeUser, label: str) -> dict[str, Any]:
    message = ballot_message(bot, user)
    data = {k.removeprefix("✅ "): v for k, v in buttons(message).items()}[label]
    answer = await bot.press(user, message, data)
    await bot.settle()
    return answer.params


# --- proposing -----------------------------------------------------------------------------


async def test_a_proposal_reaches_the_coordinator_with_three_buttons(bot: Harness) -> None:
    f = await forum(bot)
    answer = await bot.send(f.anna, "/vorschlag Radweg Saaletal | Lückenschluss Burgau–Göschwitz")
    assert answer.text is not None and "<b>#1</b> „Radweg Saaletal“ ist eingereicht" in answer.text
    await bot.settle()
    notice = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    assert "Neuer Themenvorschlag #1" in notice["text"]
    assert "Anna (Stadt Jena)" in notice["text"]
    assert "Lückenschluss Burgau–Göschwitz" in notice["text"]
    assert set(buttons(notice)) == {"Zur Abstimmung stellen", "Ablehnen", "Später"}


async def test_limits_are_named_and_nothing_is_stored(bot: Harness) -> None:
    f = await forum(bot)
    answer = await bot.send(f.anna, "/vorschlag " + "T" * 201)
    assert "201 Zeichen, höchstens 200" in (answer.text or "")
    answer = await bot.send(f.anna, "/vorschlag Titel | " + "x" * 2001)
    assert "2001 Zeichen, höchstens 2000" in (answer.text or "")
    stranger = bot.user("Fremd")
    answer = await bot.send(stranger, "/vorschlag Titel")
    assert "Mitglied" in (answer.text or "")
    assert await bot.count(Proposal) == 0
    assert await bot.count(OutboxMessage) == 0


async def test_guided_proposal_with_working_group(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(f.carla, "/vorschlag")
    await bot.send(f.carla, "Gewerbegebiet Nord")
    question = await bot.send(f.carla, "Gemeinsame Vermarktung der Flächen")
    assert "Arbeitsgruppe" in (question.text or "")
    message = bot.emu.last_message(f.carla.id, from_bot=True)
    hint = await bot.send(f.carla, "Gewerbe")  # typed instead of pressed
    assert "Schaltflächen" in (hint.text or "")
    preview = await press_for_reply(bot, f.carla, message, "Gewerbeflächen")
    assert "Gewerbegebiet Nord" in preview["text"] and "Gewerbeflächen" in preview["text"]
    confirmation = await press_for_reply(bot, f.carla, preview, "Einreichen")
    assert "#1" in confirmation["text"]
    stored = await proposal(bot)
    assert stored.title == "Gewerbegebiet Nord" and stored.group_id is not None
    assert stored.description == "Gemeinsame Vermarktung der Flächen"


async def test_rejection_with_a_reason_reaches_the_proposer(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(f.anna, "/vorschlag Tempo 30 überall")
    await bot.settle()
    notice = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    ask = await press_for_reply(bot, COORDINATOR, notice, "Ablehnen")
    assert "Begründung" in ask["text"]
    answer = await bot.send(COORDINATOR, "Zuständig ist die Straßenverkehrsbehörde.")
    assert "abgelehnt" in (answer.text or "")
    await bot.settle()
    assert any(
        "Begründung der Koordination: Zuständig ist die Straßenverkehrsbehörde." in text
        for text in texts(bot, f.anna.id)
    )
    assert (await proposal(bot)).status is ProposalStatus.REJECTED
    # Decided: neither a second rejection nor a vote.
    answer = await bot.send(COORDINATOR, "/ablehnen 1 doppelt")
    assert "schon entschieden" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1")
    assert "hat die Koordination abgelehnt; darüber wird nicht abgestimmt" in (answer.text or "")


async def test_withdraw_before_the_vote_only(bot: Harness) -> None:
    f = await forum(bot)
    answer = await bot.send(f.anna, "/vorschlag Erstes Thema")
    await bot.send(f.anna, "/vorschlag Zweites Thema")
    first = next(m for m in bot.emu.messages(f.anna.id) if "#1" in m.get("text", ""))
    assert answer.text is not None
    # Only the proposer may withdraw.
    answer = await bot.send(f.bernd, "/zurueckziehen 1")
    assert "nicht Ihrer" in (answer.text or "")
    await bot.press(f.anna, first, buttons(first)["Zurückziehen"])
    assert (await proposal(bot)).status is ProposalStatus.WITHDRAWN
    await bot.settle()
    assert any("zurückgezogen" in text for text in texts(bot, COORDINATOR_ID))
    await bot.send(COORDINATOR, "/abstimmungstarten 2")
    # Her ballot for #2 may reach the chat meanwhile: `send` returns the answer to this command.
    answer = await bot.send(f.anna, "/zurueckziehen 2")
    assert "nicht mehr zurückziehen" in (answer.text or "")


# --- counting ------------------------------------------------------------------------------


async def test_one_vote_per_organisation_the_latest_counts(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(f.anna, "/vorschlag Radweg Saaletal | Lückenschluss Burgau–Göschwitz")
    await bot.settle()
    notice = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    await bot.press(COORDINATOR, notice, buttons(notice)["Zur Abstimmung stellen"])
    await bot.settle()
    assert "läuft bis Do., 03.12.2026, 10:00 Uhr" in bot.emu.last_message(COORDINATOR_ID)["text"]
    for user in f.everyone:
        ballot = ballot_message(bot, user)
        assert "Vorgeschlagen von Anna (Stadt Jena)" in ballot["text"]
        assert "Abstimmen bis Do., 03.12.2026, 10:00 Uhr" in ballot["text"]
        assert set(buttons(ballot)) == {
            "Ja",
            "Ja, vorbehaltlich Ratsbeschluss",
            "Nein",
            "Enthaltung",
        }

    answer = await vote(bot, f.anna, "Ja")
    assert answer["text"] == "Gespeichert: Ja (Stadt Jena)"
    assert "Stimme für Stadt Jena: Ja (abgegeben von Anna)" in ballot_message(bot, f.anna)["text"]
    assert "✅ Ja" in buttons(ballot_message(bot, f.anna))
    await vote(bot, f.bernd, "Nein")  # same organisation: replaces Anna's Ja
    assert (
        "Stimme für Stadt Jena: Nein (abgegeben von Bernd)" in ballot_message(bot, f.bernd)["text"]
    )
    assert any("Bernd hat für Ihre Mitgliedskommune" in t for t in texts(bot, f.anna.id))
    await vote(bot, f.carla, "Ja, vorbehaltlich Ratsbeschluss")
    await vote(bot, f.emil, "Ja")
    stored = await votes(bot)
    assert sorted((v.voter, v.choice) for v in stored) == [
        (f"org:{org}", choice)
        for org, choice in sorted(
            [(1, VoteChoice.NO), (2, VoteChoice.YES_COUNCIL), (3, VoteChoice.YES)]
        )
    ]
    # Results stay hidden while the vote is open; the coordinator sees who is missing.
    details = await bot.send(f.dirk, "/thema 1")
    assert "Enthaltung 0" not in (details.text or "")
    closing = await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    assert "beendet" in (closing.text or "")
    await bot.settle()
    for chat in [*(u.id for u in f.everyone), COORDINATOR_ID]:
        (result,) = [t for t in texts(bot, chat) if "Ergebnis der Abstimmung" in t]
        assert (
            "Ja 2, davon 1 vorbehaltlich Ratsbeschluss · Nein 1 · Enthaltung 0"
            " — 3 von 3 Mitgliedskommunen; einfache Mehrheit" in result
        )
        assert "Beschlussfähig ab 2 Mitgliedskommunen." in result
        assert "Ergebnis: <b>angenommen</b>" in result
        assert "Zustimmung vorbehaltlich Ratsbeschluss: Gemeinde Zöllnitz" in result
    # Ballots now say the vote is closed and carry no buttons.
    closed = ballot_message(bot, f.bernd)
    assert "beendet" in closed["text"] and "Gezählte Stimme: Nein" in closed["text"]
    assert not buttons(closed)
    assert (await proposal(bot)).status is ProposalStatus.ACCEPTED


async def test_member_mode_counts_each_person(emulator: BotApiEmulator, database_url: str) -> None:
    async with running_bot(emulator, database_url, vote_mode="member") as bot:
        f = await forum(bot)
        await propose_and_open(bot, f.anna)
        await vote(bot, f.anna, "Ja")
        await vote(bot, f.bernd, "Nein")
        await vote(bot, f.carla, "Ja")
        assert "Ihre Stimme: Nein" in ballot_message(bot, f.bernd)["text"]
        assert len(await votes(bot)) == 3
        assert not any("hat für Ihre Mitgliedskommune" in t for t in texts(bot, f.anna.id))
        await bot.send(COORDINATOR, "/abstimmungbeenden 1")
        await bot.settle()
        (result,) = [t for t in texts(bot, f.emil.id) if "Ergebnis der Abstimmung" in t]
        assert "Ja 2 · Nein 1 · Enthaltung 0 — 3 von 5 Mitgliedern; einfache Mehrheit" in result
        assert "Beschlussfähig ab 3 Mitgliedern." in result
        assert "angenommen" in result


async def test_without_quorum_the_topic_is_not_accepted(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna)
    await vote(bot, f.anna, "Ja")
    await vote(bot, f.bernd, "Ja")
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    (result,) = [t for t in texts(bot, f.carla.id) if "Ergebnis der Abstimmung" in t]
    assert "Ja 1 · Nein 0 · Enthaltung 0 — 1 von 3 Mitgliedskommunen" in result
    assert "Beschlussfähig ab 2 Mitgliedskommunen." in result
    assert "nicht beschlussfähig" in result
    assert (await proposal(bot)).status is ProposalStatus.NOT_QUORATE
    async with bot.uow() as uow:
        ballot = await uow.ballots.of_proposal(1)
    assert ballot is not None and ballot.outcome is BallotOutcome.NOT_QUORATE


async def test_a_choice_can_change_until_the_deadline(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna, "28.11.2026 18:00")
    await vote(bot, f.carla, "Nein")
    await vote(bot, f.carla, "Enthaltung")
    (stored,) = await votes(bot)
    assert stored.choice is VoteChoice.ABSTAIN
    bot.clock.advance(timedelta(days=3))  # past the deadline, not yet closed by the job
    answer = await vote(bot, f.carla, "Ja")
    assert answer.get("show_alert") is True and "beendet" in answer["text"]
    (stored,) = await votes(bot)
    assert stored.choice is VoteChoice.ABSTAIN


# --- reminders and the deadline ----------------------------------------------------------


async def test_reminder_only_to_organisations_that_have_not_voted(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna, "30.11.2026 18:00")
    await vote(bot, f.bernd, "Ja")  # Stadt Jena has voted (for Anna too)
    await bot.advance(timedelta(days=3, hours=6))  # Sun 29.11., 16:00: 26 hours left
    assert not any("Erinnerung" in t for u in f.everyone for t in texts(bot, u.id))
    await bot.advance(timedelta(hours=3))  # 23 hours left
    reminded = {
        u.first_name for u in f.everyone if any("Erinnerung" in t for t in texts(bot, u.id))
    }
    assert reminded == {"Carla", "Dirk", "Emil"}
    # The reminder carries the buttons: voting from it counts.
    message = [m for m in bot.emu.messages(f.emil.id) if "Erinnerung" in m.get("text", "")][-1]
    await bot.press(f.emil, message, buttons(message)["Nein"])
    assert len(await votes(bot)) == 2


async def test_the_scheduler_closes_at_the_deadline(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna, "30.11.2026 18:00")
    await vote(bot, f.anna, "Ja")
    await vote(bot, f.carla, "Ja")
    await bot.run_job("ballots")
    assert not any("Ergebnis der Abstimmung" in t for t in texts(bot, f.emil.id))
    bot.clock.advance(timedelta(days=5))
    await bot.run_job("ballots")
    assert any("Ergebnis der Abstimmung" in t for t in texts(bot, f.emil.id))
    assert (await proposal(bot)).status is ProposalStatus.ACCEPTED
    async with bot.uow() as uow:
        ballot = await uow.ballots.of_proposal(1)
    assert ballot is not None and ballot.closed_by is None
    # Running the job again sends nothing twice.
    before = len(bot.emu.sent(method="sendMessage"))
    await bot.run_job("ballots")
    assert len(bot.emu.sent(method="sendMessage")) == before


async def test_a_deadline_passed_while_the_bot_was_down_closes_on_start(
    emulator: BotApiEmulator, database_url: str
) -> None:
    clock = FakeClock()
    async with running_bot(emulator, database_url, clock=clock) as bot:
        f = await forum(bot)
        await propose_and_open(bot, f.anna, "30.11.2026 18:00")
        await vote(bot, f.anna, "Ja")
        await vote(bot, f.emil, "Ja")
    clock.advance(timedelta(days=7))
    mark = emulator.mark()
    async with running_bot(emulator, database_url, clock=clock):
        result = await emulator.wait_for(
            lambda call: "Ergebnis der Abstimmung" in (call.text or ""), after=mark
        )
        assert "angenommen" in (result.text or "")


# --- group chats and forged buttons ------------------------------------------------------


async def test_ballots_in_the_group_chat_count_members_only(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna)
    await bot.send(f.carla, "/themen", chat_id=GROUP_CHAT, chat_type="supergroup")
    (posted,) = [
        m for m in bot.emu.messages(GROUP_CHAT) if "Abstimmung über Thema" in m.get("text", "")
    ]
    outsider = bot.user("Fremd")
    answer = await bot.press(outsider, posted, buttons(posted)["Ja"])
    assert answer.params.get("show_alert") is True
    assert await votes(bot) == []
    answer = await bot.press(f.dirk, posted, buttons(posted)["Nein"])
    assert answer.params.get("text") == "Gespeichert: Nein (Gemeinde Zöllnitz)"
    (stored,) = await votes(bot)
    assert stored.choice is VoteChoice.NO
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    posted = next(
        m for m in bot.emu.messages(GROUP_CHAT) if m["message_id"] == posted["message_id"]
    )
    assert "beendet" in posted["text"] and not buttons(posted)


async def test_forged_stale_and_doubled_presses_change_nothing(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna)
    message = ballot_message(bot, f.anna)
    for data in ("v:99:y", "v:1:x", "v:1:", "v:show:99", "p:open:1", "p:later:1", "p:place:1:1"):
        answer = await bot.press(f.anna, message, data)
        assert answer.params.get("show_alert") is True, data
    assert await votes(bot) == []
    # Double click and two colleagues at the same moment: one vote for the organisation.
    mark = bot.emu.mark()
    ids = [
        bot.emu.press_button(f.anna, message, "v:1:y"),
        bot.emu.press_button(f.anna, message, "v:1:y"),
        bot.emu.press_button(f.bernd, ballot_message(bot, f.bernd), "v:1:n"),
    ]
    await bot.emu.wait_for(
        lambda call: (
            call.method == "answerCallbackQuery"
            and all(bot.emu.callback_answer(i) is not None for i in ids)
        ),
        after=mark,
    )
    for query_id in ids:
        assert not (bot.emu.callback_answer(query_id) or {}).get("show_alert")
    (stored,) = await votes(bot)
    assert stored.voter == "org:1"
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    answer = await bot.press(f.anna, message, "v:1:n")
    assert answer.params.get("show_alert") is True and "beendet" in str(answer.params["text"])
    (stored,) = await votes(bot)
    assert stored.voter == "org:1"
    # No error ever reached a chat.
    assert not any("Fehler" in t for u in f.everyone for t in texts(bot, u.id))
    assert not bot.emu.violations


# --- topics into meetings ----------------------------------------------------------------


async def test_an_accepted_topic_goes_onto_an_agenda_with_one_button(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send_and_confirm(
        COORDINATOR, "/newmeeting 10.12.2026 18:00 | Forumssitzung | Rathaus"
    )
    await propose_and_open(bot, f.carla)
    for user in (f.anna, f.carla, f.emil):
        await vote(bot, user, "Ja")
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    overview = await bot.send(f.dirk, "/themen")
    assert "Radweg Saaletal – noch auf keiner Tagesordnung" in (overview.text or "")
    overview = await bot.send(COORDINATOR, "/themen")
    message = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    message = await press_for_reply(bot, COORDINATOR, message, "#1 auf eine Tagesordnung")
    assert "Auf welche Tagesordnung" in message["text"]
    (label,) = [k for k in buttons(message) if "Forumssitzung" in k]
    await bot.press(COORDINATOR, message, buttons(message)[label])
    await bot.settle()
    agenda = await bot.send(f.anna, "/tagesordnung 1")
    assert "TOP 1: Radweg Saaletal" in (agenda.text or "")
    assert any("steht auf der Tagesordnung von Termin #1" in t for t in texts(bot, f.carla.id))
    actor = await bot.actor(f.anna)
    _, ics = await bot.services.meetings.calendar_file(actor, 1)
    assert "Radweg Saaletal" in ics.decode()
    # Pressing again (a replay) adds nothing.
    answer = await bot.press(COORDINATOR, message, buttons(message)[label])
    assert answer.params.get("show_alert") is True
    async with bot.uow() as uow:
        assert len(await uow.meetings.agenda(1)) == 1
    assert (await proposal(bot)).status is ProposalStatus.SCHEDULED


async def test_topics_lists_open_votes_with_the_members_own_state(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna)
    await vote(bot, f.bernd, "Nein")
    overview = await bot.send(f.anna, "/themen")
    assert "#1 Radweg Saaletal – bis Do., 03.12.2026, 10:00 Uhr (1 abgestimmt)" in (
        overview.text or ""
    )
    assert "Stimme für Stadt Jena: <b>Nein</b> (abgegeben von Bernd)" in (overview.text or "")
    overview = await bot.send(f.emil, "/themen")
    assert "Für Saale-Holzland-Kreis ist noch keine Stimme abgegeben." in (overview.text or "")
    details = await bot.send(COORDINATOR, "/thema 1")
    assert "Noch nicht abgestimmt: Gemeinde Zöllnitz, Saale-Holzland-Kreis" in (details.text or "")
    assert await bot.count(Ballot) == 1
    # The button under /themen shows the ballot again; it too is closed with the vote.
    listing = next(
        m
        for m in reversed(bot.emu.messages(f.emil.id))
        if "Offene Abstimmungen" in m.get("text", "")
    )
    again = await press_for_reply(bot, f.emil, listing, "Stimmzettel #1")
    assert set(buttons(again)) == {"Ja", "Ja, vorbehaltlich Ratsbeschluss", "Nein", "Enthaltung"}
    await bot.send(COORDINATOR, "/abstimmungbeenden 1")
    await bot.settle()
    again = next(m for m in bot.emu.messages(f.emil.id) if m["message_id"] == again["message_id"])
    assert "beendet" in again["text"] and not buttons(again)


async def test_later_keeps_a_proposal_waiting(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(f.anna, "/vorschlag Gemeinsames Gewerbeflächenkataster")
    await bot.settle()
    notice = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    await bot.press(COORDINATOR, notice, buttons(notice)["Später"])
    notice = bot.emu.last_message(COORDINATOR_ID, from_bot=True)
    assert "Zurückgestellt" in notice["text"] and not buttons(notice)
    assert (await proposal(bot)).status is ProposalStatus.DEFERRED
    overview = await bot.send(COORDINATOR, "/themen")
    assert "#1 Gemeinsames Gewerbeflächenkataster – Anna (Stadt Jena)" in (overview.text or "")
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1 27.11.2026 09:00")
    assert "läuft bis Fr., 27.11.2026, 09:00 Uhr" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/abstimmungstarten 1")
    assert "Über Thema #1 läuft bereits eine Abstimmung." in (answer.text or "")


async def test_running_results_are_shown_only_when_switched_on(
    emulator: BotApiEmulator, database_url: str
) -> None:
    async with running_bot(emulator, database_url, show_running_results=True) as bot:
        f = await forum(bot)
        await propose_and_open(bot, f.anna)
        await vote(bot, f.anna, "Nein")
        assert "Ja 0 · Nein 1 · Enthaltung 0 — 1 von 3" in ballot_message(bot, f.anna)["text"]
        details = await bot.send(f.emil, "/thema 1")
        assert "Nein 1 · Enthaltung 0" in (details.text or "")


async def test_a_deadline_in_the_past_or_malformed_is_refused(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(f.anna, "/vorschlag Thema")
    await bot.settle()
    for command, expected in {
        "/abstimmungstarten 1 25.11.2026 18:00": "in der Zukunft",
        "/abstimmungstarten 1 irgendwann": "„irgendwann“ verstehe ich nicht.",
        "/abstimmungstarten 1 31.02.2027": "Das Datum 31.02.2027 gibt es nicht.",
        "/abstimmungstarten eins": "/abstimmungstarten 12",
        "/abstimmungstarten 7": "Themenvorschlag #7 gibt es nicht",
    }.items():
        answer = await bot.send(COORDINATOR, command)
        assert expected in (answer.text or ""), (command, answer.text)
    answer = await bot.send(f.anna, "/abstimmungstarten 1")
    assert "der Koordination vorbehalten" in (answer.text or "")
    assert await bot.count(Ballot) == 0
    assert (await proposal(bot)).status is ProposalStatus.SUBMITTED


async def test_a_member_who_joins_during_a_vote_gets_the_ballot(bot: Harness) -> None:
    f = await forum(bot)
    await propose_and_open(bot, f.anna, "30.11.2026 18:00")
    await vote(bot, f.carla, "Ja")
    late = bot.user("Greta")
    welcome = await bot.join(late, "Gemeinde Zöllnitz")
    assert "Willkommen" in (welcome.text or "")
    await bot.emu.wait_for(
        lambda call: call.chat_id == late.id and "Abstimmung über Thema" in (call.text or "")
    )
    ballot = ballot_message(bot, late)
    # Her organisation has voted: the ballot says so, and no reminder will follow.
    assert "Stimme für Gemeinde Zöllnitz: Ja (abgegeben von Carla)" in ballot["text"]
    await bot.advance(timedelta(days=4))
    assert not any("Erinnerung" in t for t in texts(bot, late.id))
    assert any("Erinnerung" in t for t in texts(bot, f.emil.id))


async def test_user_text_in_ballots_is_escaped(bot: Harness) -> None:
    f = await forum(bot)
    await bot.send(f.anna, "/vorschlag Bau & <Verkehr> | <i>kein</i> Markup & Co.")
    await bot.settle()
    await bot.send(COORDINATOR, "/abstimmungstarten 1")
    await bot.settle()
    ballot = ballot_message(bot, f.emil)
    assert "Bau & <Verkehr>" in ballot["text"] and "<i>kein</i> Markup & Co." in ballot["text"]
    assert not bot.emu.violations
