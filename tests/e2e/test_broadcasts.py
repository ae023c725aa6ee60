"""Broadcasts through the outbox: preview, Senden/Abbrechen, targets, progress, report, faults."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from storage.models import Broadcast, Member, OrganisationKind, OutboxMessage, OutboxState
from tests.e2e.harness import COORDINATOR, Harness, running_bot
from tests.emulator import BotApiEmulator, FakeUser
from tests.support import COORDINATOR_ID


def buttons(message: dict[str, Any]) -> dict[str, str]:
    markup = message.get("reply_markup") or {}
    return {b["text"]: b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row}


def received(bot: Harness, user: FakeUser) -> list[str]:
    """What a member got: texts of messages and copies in their chat."""
    return [
        str(call.text or call.method)
        for call in bot.emu.sent(chat_id=user.id)
        if call.method in ("sendMessage", "copyMessage", "sendDocument")
    ]


async def preview(bot: Harness, command: str) -> dict[str, Any]:
    await bot.send(COORDINATOR, command)
    return bot.emu.last_message(COORDINATOR_ID)


async def send(bot: Harness, command: str) -> dict[str, Any]:
    """Broadcast `command`, press Senden, wait until the sender is done; the progress message."""
    message = await preview(bot, command)
    answer = await bot.press(COORDINATOR, message, buttons(message)["Senden"])
    assert answer.params.get("show_alert") is not True, answer.params
    await bot.settle()
    return next(
        m for m in bot.emu.messages(COORDINATOR_ID) if m["message_id"] == message["message_id"]
    )


async def report(bot: Harness) -> str:
    call = await bot.emu.wait_for(chat_id=COORDINATOR_ID, text_contains="Bericht Rundschreiben")
    return call.text or ""


async def test_nothing_is_sent_before_senden_and_abbrechen_sends_nothing(bot: Harness) -> None:
    members = await bot.seed_members(3)
    message = await preview(bot, "/rundschreiben Sitzung fällt aus")
    text = str(message["text"])
    assert "Vorschau Rundschreiben #1" in text and "3 Empfänger" in text
    assert "Sitzung fällt aus" in text
    assert all(received(bot, m) == [] for m in members)

    answer = await bot.press(COORDINATOR, message, buttons(message)["Abbrechen"])
    assert answer.ok
    assert "abgebrochen" in str(bot.emu.last_message(COORDINATOR_ID)["text"])
    answer = await bot.press(COORDINATOR, message, "bc:send:1")  # the old Senden button
    assert answer.params.get("show_alert") is True
    await bot.settle()
    assert all(received(bot, m) == [] for m in members)
    assert await bot.count(OutboxMessage) == 0


async def test_every_member_gets_one_copy_and_the_coordinator_a_report(bot: Harness) -> None:
    members = await bot.seed_members(5)
    progress = await send(bot, "/broadcast Einladung <zur> Sitzung & Co")
    for member in members:
        assert received(bot, member) == [
            "<b>Mitteilung der Koordination</b>\n\nEinladung &lt;zur&gt; Sitzung &amp; Co"
        ]
    assert str(progress["text"]) == "Rundschreiben #1: 5 / 5 zugestellt – abgeschlossen"
    text = await report(bot)
    assert "Zugestellt: 5 von 5" in text and "Nicht erreichbar: 0" in text
    listing = await bot.send(COORDINATOR, "/broadcasts")
    assert "#1" in (listing.text or "") and "5 / 5 zugestellt" in (listing.text or "")
    assert not bot.emu.violations


async def test_pressing_senden_twice_sends_once(bot: Harness) -> None:
    members = await bot.seed_members(2)
    message = await preview(bot, "/broadcast Doppelt")
    await bot.press(COORDINATOR, message, buttons(message)["Senden"])
    answer = await bot.press(COORDINATOR, message, "bc:send:1")
    assert answer.params.get("show_alert") is True
    await bot.settle()
    assert all(len(received(bot, m)) == 1 for m in members)


async def test_a_target_limits_the_recipients(bot: Harness) -> None:
    districts = await bot.seed_members(2, "Saale-Holzland-Kreis", kind=OrganisationKind.LANDKREIS)
    towns = await bot.seed_members(2, "Gemeinde Bucha", kind=OrganisationKind.GEMEINDE)
    message = await preview(bot, "/broadcast @Landkreise Nur für Kreise")
    assert "an Landkreise: 2 Empfänger" in str(message["text"])
    await bot.press(COORDINATOR, message, buttons(message)["Senden"])
    await bot.settle()
    assert all(len(received(bot, m)) == 1 for m in districts)
    assert all(received(bot, m) == [] for m in towns)


async def test_a_working_group_as_target(bot: Harness) -> None:
    anna = bot.user("Anna")
    await bot.join(anna, "Gemeinde Zöllnitz")
    others = await bot.seed_members(2)
    await bot.send(anna, "/groups")
    groups = bot.emu.last_message(anna.id)
    await bot.press(anna, groups, buttons(groups)["➕ Grün- und Freiräume"])
    message = await preview(bot, "/broadcast @grün_und_freiräume Begehung am Montag")
    assert "AG Grün- und Freiräume: 1 Empfänger" in str(message["text"])
    await bot.press(COORDINATOR, message, buttons(message)["Senden"])
    await bot.settle()
    assert any("Begehung am Montag" in text for text in received(bot, anna))
    assert all(received(bot, m) == [] for m in others)


async def test_a_broadcast_that_would_reach_nobody_is_refused_at_the_preview(
    bot: Harness,
) -> None:
    await bot.seed_members(2, "Saale-Holzland-Kreis", kind=OrganisationKind.LANDKREIS)
    # A PDF of the coordinator's, copied to @Gemeinden: there is no municipality's member.
    pdf = bot.emu.add_file(b"%PDF-1.4 Einladung", "einladung.pdf", "application/pdf")
    original = bot.emu.send_message(COORDINATOR, "", document=pdf)
    reply_to = int(original["message"]["message_id"])
    answer = await bot.send(COORDINATOR, "/rundschreiben @Gemeinden", reply_to_message_id=reply_to)
    text = answer.text or ""
    assert "An Gemeinden ginge das Rundschreiben an niemanden" in text
    assert "Es ist nichts gespeichert" in text and "/einladen" in text
    assert not buttons(bot.emu.last_message(COORDINATOR_ID))  # no Senden
    group = await bot.send(COORDINATOR, "/rundschreiben @Mobilität Treffen am Montag")
    assert "An Mitglieder der AG Mobilität ginge das Rundschreiben an niemanden" in (
        group.text or ""
    )
    await bot.send(COORDINATOR, "/language en")
    english = await bot.send(COORDINATOR, "/broadcast @municipalities Hello")
    assert "would reach nobody" in (english.text or "")
    assert "No broadcasts" in ((await bot.send(COORDINATOR, "/broadcasts")).text or "")
    assert await bot.count(Broadcast) == 0 and await bot.count(OutboxMessage) == 0


async def test_an_unknown_target_is_refused_with_the_valid_ones(bot: Harness) -> None:
    answer = await bot.send(COORDINATOR, "/broadcast @Bundestag Hallo")
    text = answer.text or ""
    assert "@Bundestag" in text
    assert "@Landkreise" in text and "@Mobilität" in text and "@Grün-_und_Freiräume" in text
    assert await bot.count(OutboxMessage) == 0


async def test_bad_input_is_explained(bot: Harness) -> None:
    answer = await bot.send(COORDINATOR, "/rundschreiben")
    assert "/rundschreiben Ihr Text" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/rundschreiben " + "x" * 4001)
    assert "höchstens 4000" in (answer.text or "")
    member = bot.user("Anna")
    await bot.join(member, "Gemeinde Zöllnitz")
    answer = await bot.send(member, "/broadcast Hallo alle")
    assert "Koordination vorbehalten" in (answer.text or "")


async def test_replying_with_broadcast_copies_the_coordinators_message(bot: Harness) -> None:
    members = await bot.seed_members(2)
    original = bot.emu.send_message(COORDINATOR, "Foto vom Termin")
    message_id = original["message"]["message_id"]
    await bot.send(COORDINATOR, "/broadcast", reply_to_message_id=message_id)
    preview_message = bot.emu.last_message(COORDINATOR_ID)
    assert "Nachricht, auf die Sie geantwortet haben" in str(preview_message["text"])
    await bot.press(COORDINATOR, preview_message, buttons(preview_message)["Senden"])
    await bot.settle()
    for member in members:
        (copy,) = bot.emu.sent(chat_id=member.id, method="copyMessage")
        assert copy.params["from_chat_id"] == COORDINATOR_ID
        assert copy.params["message_id"] == message_id


async def test_replying_to_a_message_of_the_bot_is_refused(bot: Harness) -> None:
    await bot.send(COORDINATOR, "/help")
    bots_message = bot.emu.last_message(COORDINATOR_ID)
    answer = await bot.send(
        COORDINATOR, "/broadcast", reply_to_message_id=int(bots_message["message_id"])
    )
    assert "nur eigene Nachrichten" in (answer.text or "")


async def test_each_failure_has_its_outcome(emulator: BotApiEmulator, database_url: str) -> None:
    # A send timeout of 1 s (the least allowed): the "timeout" fault hangs until the bot gives up.
    async with running_bot(
        emulator, database_url, outbox_max_attempts=2, outbox_send_timeout_seconds=1
    ) as bot:
        members = await bot.seed_members(6)
        rate_limited, flaky, broken, blocked, refused, timing_out = members
        bot.emu.fail_next(1, "429", chat_id=rate_limited.id, retry_after=1)
        bot.emu.fail_next(1, "500", chat_id=flaky.id)
        bot.emu.fail_next(2, "500", chat_id=broken.id)
        bot.emu.block(blocked.id)
        bot.emu.fail_next(1, "400", chat_id=refused.id, description="Bad Request: chat not found")
        bot.emu.fail_next(1, "timeout", chat_id=timing_out.id)
        await send(bot, "/broadcast Hallo")

        # 429: waited out at once for that chat only; 403: skipped; 400: failed at once.
        assert len(received(bot, rate_limited)) == 1
        assert received(bot, blocked) == [] and received(bot, refused) == []
        # 500 and timeout: tried again after the backoff (2 s); the broken one gives up.
        assert received(bot, flaky) == [] and received(bot, timing_out) == []
        await bot.advance(timedelta(seconds=2))
        assert len(received(bot, flaky)) == 1 and len(received(bot, timing_out)) == 1
        assert received(bot, broken) == []

        async with bot.uow() as uow:
            rows = {r.chat_id: r for r in await _rows(uow)}
            member = await uow.members.by_telegram_id(blocked.id)
        assert rows[rate_limited.id].state is OutboxState.SENT
        assert rows[flaky.id].state is OutboxState.SENT and rows[flaky.id].attempts == 2
        assert rows[broken.id].state is OutboxState.FAILED and rows[broken.id].attempts == 2
        assert "NetworkError" in (rows[broken.id].last_error or "")
        assert rows[blocked.id].state is OutboxState.SKIPPED
        assert rows[refused.id].state is OutboxState.FAILED
        assert rows[refused.id].last_error == "Chat not found"
        assert member is not None and member.unreachable_at is not None

        text = await report(bot)
        assert "Zugestellt: 3 von 6" in text
        assert "Nicht erreichbar: 1" in text and blocked.first_name in text
        assert "Fehlgeschlagen: 2" in text and "Chat not found" in text


async def _rows(uow: Any) -> list[OutboxMessage]:
    from sqlmodel import select

    return list((await uow.session.execute(select(OutboxMessage))).scalars().all())


async def test_200_members_each_get_exactly_one_copy_within_telegrams_limits(
    database_url: str,
) -> None:
    async with (
        BotApiEmulator(enforce_rate_limits=True) as emu,
        running_bot(emu, database_url, fast_chats=False) as bot,
    ):
        members = await bot.seed_members(200)
        started = asyncio.get_running_loop().time()
        progress = await send(bot, "/broadcast An alle")
        took = asyncio.get_running_loop().time() - started
        edits = [
            call
            for call in emu.sent(chat_id=COORDINATOR_ID, method="editMessageText")
            if call.params.get("message_id") == progress["message_id"]
        ]
        # One progress message, edited at most every 3 seconds (plus the first and last edit).
        assert 2 <= len(edits) <= took / bot.settings.broadcast_progress_seconds + 2
        assert str(progress["text"]) == "Rundschreiben #1: 200 / 200 zugestellt – abgeschlossen"
        for member in members:
            assert len(received(bot, member)) == 1, member.id
        assert emu.rate_limit_hits == 0
        assert bot.app.limiter.retry_after_count == 0
        assert "Zugestellt: 200 von 200" in await report(bot)
        assert emu.violations == []


async def test_members_who_left_are_skipped(bot: Harness) -> None:
    staying, leaving = await bot.seed_members(2)
    message = await preview(bot, "/broadcast Hallo")
    async with bot.uow() as uow:  # leaves between preview and Senden
        member = await uow.members.by_telegram_id(leaving.id)
        assert member is not None
        member.telegram_id = None
        await uow.commit()
    await bot.press(COORDINATOR, message, buttons(message)["Senden"])
    await bot.settle()
    assert len(received(bot, staying)) == 1 and received(bot, leaving) == []
    assert await bot.count(Member) == 2


async def test_control_characters_are_dropped_not_stored(bot: Harness) -> None:
    """A NUL in a text (PostgreSQL cannot store it) is dropped: a broadcast of only that is
    refused like an empty one; elsewhere the rest of the text is kept, lines included."""
    await bot.seed_members(1)
    answer = await bot.send(COORDINATOR, "/rundschreiben \x00")
    assert "So versenden Sie ein Rundschreiben" in (answer.text or "")
    answer = await bot.send(COORDINATOR, "/rundschreiben Zeile\x00 eins\nZeile zwei")
    assert "Vorschau Rundschreiben #1" in (answer.text or "")
    assert "Zeile eins\nZeile zwei" in (answer.text or "")
    async with bot.uow() as uow:
        broadcast = await uow.broadcasts.get(1)
    assert broadcast is not None and broadcast.text == "Zeile eins\nZeile zwei"
