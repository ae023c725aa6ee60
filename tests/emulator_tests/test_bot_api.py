"""The emulator driven by the real python-telegram-bot ``Bot``."""

from __future__ import annotations

import datetime as dtm

import httpx
import pytest
import telegram
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaDocument,
    KeyboardButton,
    LinkPreviewOptions,
    MenuButtonCommands,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.request import HTTPXRequest

from tests.emulator import BotApiEmulator, FakeUser, UploadedFile

ANNA = FakeUser(1001, "Anna", "Schmidt", username="anna_s")

# do_api_request for methods PTB knows warns; these tests use it to send what PTB would not.
raw_request = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBUserWarning")
# Creating RetryAfter with an int retry_after warns inside PTB 22.
retry_after_int = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


def take_violations(emu: BotApiEmulator) -> list[str]:
    """The violations a test provoked on purpose; clears them for the teardown check."""
    found = list(emu.violations)
    emu.violations.clear()
    return found


async def test_get_me(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == 123456
    assert me.username == "forum_test_bot"
    assert me.can_join_groups is True
    assert bot.username == "forum_test_bot"  # from the getMe of `async with bot`
    assert emulator.sent(method="getMe")


async def test_wrong_token_is_unauthorized(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{emulator.base_url}999:WRONG/getMe")
    assert response.status_code == 401
    assert response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert take_violations(emulator) == ["getMe: request with a wrong bot token"]


async def test_unknown_method_is_not_found(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    with pytest.raises(telegram.error.EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    assert take_violations(emulator) == ["sendTelepathy: unknown method 'sendTelepathy'"]


async def test_method_names_are_case_insensitive(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{emulator.base_url}{emulator.token}/GETME")
    assert response.json()["result"]["username"] == "forum_test_bot"
    assert emulator.calls[-1].method == "getMe"


async def test_send_message(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    message = await bot.send_message(ANNA.id, "Hallo Anna", reply_markup=keyboard("a", "b"))

    assert message.text == "Hallo Anna"
    assert message.chat.id == ANNA.id
    assert message.chat.type == "private"
    assert message.from_user is not None and message.from_user.is_bot
    assert message.reply_markup == keyboard("a", "b")
    call = emulator.sent(ANNA.id, "sendMessage")[-1]
    assert call.text == "Hallo Anna"
    assert call.params["reply_markup"] == keyboard("a", "b").to_dict()
    assert emulator.last_message(ANNA.id)["message_id"] == message.message_id


async def test_message_ids_increase_per_chat(bot: telegram.Bot) -> None:
    first = await bot.send_message(1, "one")
    second = await bot.send_message(1, "two")
    other = await bot.send_message(-1002, "three")
    assert second.message_id == first.message_id + 1
    assert other.message_id == 1
    assert other.chat.type == "supergroup"


async def test_html_is_parsed_into_entities(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    message = await bot.send_message(
        1,
        "<b>Termin</b> am <i>Montag</i> &lt;18 Uhr&gt; 🎉 <a href='https://x.de'>Link</a>",
        parse_mode=ParseMode.HTML,
    )
    assert message.text == "Termin am Montag <18 Uhr> 🎉 Link"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 6),
        ("italic", 10, 6),
        ("text_link", 29, 4),  # the emoji counts two UTF-16 code units
    ]
    found = await emulator.wait_for(text_contains="Termin am Montag")  # across the tags
    assert found.params["parse_mode"] == "HTML"


async def test_broken_html_is_rejected(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    user_text = "Tom & Jerry <3"
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(1, f"<b>Neu:</b> {user_text}", parse_mode=ParseMode.HTML)

    [violation] = take_violations(emulator)
    assert violation.startswith("sendMessage: can't parse entities:")
    assert not emulator.sent(method="sendMessage")
    assert emulator.calls[-1].ok is False


async def test_too_long_text_is_rejected(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    await bot.send_message(1, "x" * 4096)  # the limit itself is fine
    await bot.send_message(1, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")  # tags are free
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "ä" * 2000 + "😀" * 1049)  # 4098 UTF-16 code units

    assert take_violations(emulator) == [
        "sendMessage: message is too long: 4098 > 4096 UTF-16 code units after entity parsing"
    ]


async def test_empty_text_is_rejected(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1, "<b> </b>", parse_mode="HTML")
    assert take_violations(emulator) == ["sendMessage: message text is empty"]


async def test_long_callback_data_is_rejected(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    data = "vote:" + "ü" * 30  # 65 bytes in UTF-8, although only 35 characters
    with pytest.raises(BadRequest):
        await bot.send_message(1, "Abstimmung", reply_markup=keyboard("ok", data))

    [violation] = take_violations(emulator)
    assert violation == (
        "sendMessage: reply_markup.inline_keyboard[0][1].callback_data: "
        "BUTTON_DATA_INVALID: must be 1-64 bytes, got 65 bytes"
    )


@raw_request
async def test_button_needs_exactly_one_action(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    button = {"text": "Both", "url": "https://example.org", "callback_data": "x"}
    with pytest.raises(BadRequest):
        await bot.do_api_request(
            "sendMessage",
            api_kwargs={"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[button]]}},
        )
    [violation] = take_violations(emulator)
    assert "exactly one action field" in violation


@raw_request
async def test_unknown_parameter_is_rejected(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match="Unknown parameter"):
        await bot.do_api_request("sendMessage", api_kwargs={"chat_id": 1, "text": "x", "bogus": 1})
    assert take_violations(emulator) == ['sendMessage: unknown parameter "bogus"']


async def test_unknown_field_in_object_is_rejected(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(
            1, "x", reply_parameters=ReplyParameters(1, api_kwargs={"colour": "blue"})
        )
    assert take_violations(emulator) == [
        'sendMessage: reply_parameters: unknown field "colour" for ReplyParameters'
    ]


@raw_request
async def test_missing_required_parameter_is_rejected(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    with pytest.raises(BadRequest, match="Missing required parameter"):
        await bot.do_api_request("sendMessage", api_kwargs={"chat_id": 1})
    assert take_violations(emulator) == ['sendMessage: missing required parameter "text"']


async def test_wrong_type_is_rejected(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{emulator.base_url}{emulator.token}/sendMessage",
            json={"chat_id": 1, "text": "x", "disable_notification": "sometimes"},
        )
    assert response.status_code == 400
    assert take_violations(emulator) == [
        'sendMessage: disable_notification: expected Boolean, got string "sometimes"'
    ]


async def test_json_bodies_are_accepted(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{emulator.base_url}{emulator.token}/sendMessage",
            json={"chat_id": "7", "text": "json", "reply_markup": {"inline_keyboard": []}},
        )
    assert response.json()["ok"] is True
    assert emulator.calls[-1].params == {
        "chat_id": 7,
        "text": "json",
        "reply_markup": {"inline_keyboard": []},
    }


async def test_many_ptb_calls_agree_with_the_spec(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    """A broad sample of what a bot sends, with PTB filling in its own fields."""
    chat = ANNA.id
    emulator.send_message(ANNA, "Hallo")
    question = await bot.send_message(
        chat,
        "Wie heißt du?",
        reply_markup=ForceReply(input_field_placeholder="Name"),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        disable_notification=True,
        protect_content=True,
        reply_parameters=ReplyParameters(message_id=1),
    )
    assert question.reply_to_message is not None
    assert question.reply_to_message.text == "Hallo"
    await bot.send_message(
        chat,
        "Menü",
        reply_markup=ReplyKeyboardMarkup(
            [[KeyboardButton("Termine"), KeyboardButton("Hilfe")]], resize_keyboard=True
        ),
    )
    assert emulator.reply_keyboard(chat) is not None
    await bot.send_message(chat, "weg", reply_markup=ReplyKeyboardRemove())
    assert emulator.reply_keyboard(chat) is None
    await bot.send_chat_action(chat, ChatAction.TYPING)
    copied = await bot.copy_message(chat, from_chat_id=chat, message_id=question.message_id)
    forwarded = await bot.forward_message(-100500, from_chat_id=chat, message_id=1)
    assert forwarded.forward_origin is not None
    assert emulator.last_message(chat)["message_id"] == copied.message_id
    await bot.delete_message(chat, copied.message_id)
    await bot.set_chat_menu_button(chat_id=chat, menu_button=MenuButtonCommands())
    assert (await bot.get_chat_menu_button(chat)).type == "commands"
    await bot.set_my_commands([BotCommand("start", "Starten")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    await bot.delete_my_commands()
    await bot.set_webhook("https://example.org/hook", secret_token="s3cret")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_chat(chat)).first_name == "Anna"
    member = await bot.get_chat_member(-100500, ANNA.id)
    assert member.status == "member"
    assert member.user.first_name == "Anna"
    await bot.leave_chat(-100500)  # not emulated specially: validated, answers True
    assert emulator.violations == []


async def test_send_document_upload(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    message = await bot.send_document(
        ANNA.id,
        b"BEGIN:VCALENDAR\r\n",
        filename="termine.ics",
        caption="<b>Termine</b>",
        parse_mode="HTML",
    )

    assert message.document is not None
    assert message.document.file_name == "termine.ics"
    assert message.document.file_size == 17
    assert message.caption == "Termine"
    call = emulator.sent(ANNA.id, "sendDocument")[-1]
    upload = call.params["document"]
    assert isinstance(upload, UploadedFile)
    assert upload.content == b"BEGIN:VCALENDAR\r\n"
    assert upload.filename == "termine.ics"
    assert upload.mime_type == "text/calendar"
    assert emulator.file_content(message.document.file_id) == b"BEGIN:VCALENDAR\r\n"

    # The file can be fetched again and re-sent by file_id.
    file = await bot.get_file(message.document.file_id)
    assert await file.download_as_bytearray() == bytearray(b"BEGIN:VCALENDAR\r\n")
    again = await bot.send_document(-100500, message.document.file_id)
    assert again.document is not None
    assert again.document.file_id == message.document.file_id


async def test_send_photo(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    message = await bot.send_photo(1, b"\x89PNG fake", caption="Bild", filename="a.png")
    assert message.photo
    assert message.caption == "Bild"
    assert emulator.file_content(message.photo[-1].file_id) == b"\x89PNG fake"


async def test_send_media_group(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    messages = await bot.send_media_group(
        1,
        [
            InputMediaDocument(
                b"eins", filename="1.txt", caption="<b>Erstes</b>", parse_mode="HTML"
            ),
            InputMediaDocument(b"zwei", filename="2.txt"),
        ],
    )
    assert [m.caption for m in messages] == ["Erstes", None]
    assert len({m.media_group_id for m in messages}) == 1
    contents = [emulator.file_content(m.document.file_id) for m in messages if m.document]
    assert contents == [b"eins", b"zwei"]
    assert set(emulator.calls[-1].attachments) == {
        m["media"].removeprefix("attach://") for m in emulator.calls[-1].params["media"]
    }


async def test_other_methods_are_validated_and_answered_generically(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    assert await bot.pin_chat_message(1, 1)  # returns True in the Bot API
    location = await bot.send_location(1, 50.93, 11.59)  # returns a message without content
    assert location.chat.id == 1
    assert emulator.last_message(1)["message_id"] == location.message_id
    assert [c.method for c in emulator.calls[-2:]] == ["pinChatMessage", "sendLocation"]


async def test_too_long_caption_is_rejected(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_document(1, b"x", filename="x.txt", caption="x" * 1025)
    assert len(take_violations(emulator)) == 1


async def test_edit_message_text(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    sent = await bot.send_message(1, "Abstimmung", reply_markup=keyboard("ja", "nein"))

    edited = await bot.edit_message_text(
        "Abstimmung beendet", chat_id=1, message_id=sent.message_id
    )

    assert isinstance(edited, telegram.Message)
    assert edited.text == "Abstimmung beendet"
    assert edited.edit_date is not None
    stored = emulator.last_message(1)
    assert stored["text"] == "Abstimmung beendet"
    assert "reply_markup" not in stored  # Telegram drops a keyboard that is not sent again


async def test_edit_missing_message_fails(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("neu", chat_id=1, message_id=99)
    assert emulator.violations == []  # a legitimate outcome, not a bot error


async def test_edit_without_change_is_not_modified(bot: telegram.Bot) -> None:
    sent = await bot.send_message(1, "<b>fix</b>", parse_mode="HTML", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_text(
            "<b>fix</b>",
            chat_id=1,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=keyboard("a"),
        )
    # Changing only the keyboard is a modification.
    await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(1, sent.message_id, reply_markup=keyboard("b"))


async def test_last_message(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    sent = await bot.send_message(ANNA.id, "Bot")
    emulator.send_message(ANNA, "Anna")
    assert emulator.last_message(ANNA.id)["text"] == "Anna"
    assert emulator.last_message(ANNA.id, from_bot=True)["message_id"] == sent.message_id
    assert [m["text"] for m in emulator.messages(ANNA.id)] == ["Bot", "Anna"]
    with pytest.raises(AssertionError, match="no messages in chat 2"):
        emulator.last_message(2)


async def test_edit_user_message_fails(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    update = emulator.send_message(ANNA, "meins")
    with pytest.raises(BadRequest, match="can't be edited"):
        await bot.edit_message_text(
            "deins", chat_id=ANNA.id, message_id=update["message"]["message_id"]
        )


async def test_delete_message(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    sent = await bot.send_message(1, "kurz")
    assert await bot.delete_message(1, sent.message_id)
    assert emulator.messages(1) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(1, sent.message_id)


async def test_commands_per_scope_and_language(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    await bot.set_my_commands([BotCommand("start", "Start")])
    await bot.set_my_commands(
        [BotCommand("hilfe", "Hilfe anzeigen")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="de",
    )
    await bot.set_my_commands(
        [BotCommand("admin", "Verwaltung")], scope=BotCommandScopeChat(42), language_code="de"
    )

    assert emulator.commands() == [{"command": "start", "description": "Start"}]
    assert emulator.commands({"type": "all_private_chats"}, "de") == [
        {"command": "hilfe", "description": "Hilfe anzeigen"}
    ]
    assert emulator.commands({"type": "chat", "chat_id": 42}, "de") == [
        {"command": "admin", "description": "Verwaltung"}
    ]
    assert emulator.commands({"type": "chat", "chat_id": 42}) == []
    stored = await bot.get_my_commands(scope=BotCommandScopeChat(42), language_code="de")
    assert [c.command for c in stored] == ["admin"]


async def test_invalid_commands_are_rejected(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Termine-Liste", "")])
    violations = take_violations(emulator)
    assert len(violations) == 2
    assert "BOT_COMMAND_INVALID" in violations[0]


async def test_unknown_scope_type_is_rejected(emulator: BotApiEmulator) -> None:
    async with httpx.AsyncClient() as client:
        await client.post(
            f"{emulator.base_url}{emulator.token}/setMyCommands",
            data={"commands": "[]", "scope": '{"type": "galaxy"}'},
        )
    [violation] = take_violations(emulator)
    assert violation.startswith('setMyCommands: scope: type string "galaxy" is not one of')


async def test_answer_callback_query(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    sent = await bot.send_message(ANNA.id, "Frage", reply_markup=keyboard("ja"))
    query_id = emulator.press_button(ANNA, sent.to_dict(), "ja")
    [update] = await bot.get_updates()
    assert update.callback_query is not None
    assert update.callback_query.data == "ja"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id

    assert await update.callback_query.answer("Danke!")
    assert emulator.callback_answer(query_id) == {"callback_query_id": query_id, "text": "Danke!"}
    with pytest.raises(BadRequest, match="Query is too old"):
        await update.callback_query.answer("nochmal")


@retry_after_int
async def test_fail_next_429_raises_retry_after(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    emulator.fail_next(1, "429", method="sendMessage", retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(1, "zu schnell")
    assert raised.value.retry_after in (3, dtm.timedelta(seconds=3))
    assert emulator.calls[-1].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 3",
        "parameters": {"retry_after": 3},
    }
    assert emulator.messages(1) == []  # the failed call had no effect
    await bot.send_message(1, "jetzt")  # only the next call failed


async def test_fail_next_403_raises_forbidden(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    emulator.fail_next(1, "403", chat_id=2)
    await bot.send_message(1, "other chat is unaffected")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(2, "x")


async def test_fail_next_500_raises_network_error(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    emulator.fail_next(2, "500")
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(1, "x")
    await bot.send_message(1, "x")
    assert [c.ok for c in emulator.calls[-3:]] == [False, False, True]


async def test_fail_next_400_with_description(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    emulator.fail_next(1, "400", description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(1, "x")
    assert emulator.violations == []


async def test_fail_next_timeout(emulator: BotApiEmulator) -> None:
    request = HTTPXRequest(read_timeout=0.3)
    bot = telegram.Bot(
        emulator.token, base_url=emulator.base_url, request=request, get_updates_request=request
    )
    async with bot:
        emulator.fail_next(1, "timeout", method="sendMessage")
        with pytest.raises(TimedOut):
            await bot.send_message(1, "hallo?")
        assert (await bot.send_message(1, "hallo!")).text == "hallo!"
    assert [(c.ok, c.text) for c in emulator.calls if c.method == "sendMessage"] == [
        (False, "hallo?"),
        (True, "hallo!"),
    ]


async def test_fail_next_slow_delivers_but_answers_late(emulator: BotApiEmulator) -> None:
    impatient = HTTPXRequest(read_timeout=0.3)
    bot = telegram.Bot(
        emulator.token, base_url=emulator.base_url, request=impatient, get_updates_request=impatient
    )
    async with bot:
        emulator.fail_next(1, "slow", method="sendMessage", delay=30.0)
        with pytest.raises(TimedOut):
            await bot.send_message(1, "angekommen?")
    # Delivered although the client never learned it: the message is in the chat.
    assert [(c.ok, c.text) for c in emulator.calls if c.method == "sendMessage"] == [
        (True, "angekommen?")
    ]
    assert [m["text"] for m in emulator.messages(1)] == ["angekommen?"]

    patient = HTTPXRequest(read_timeout=10.0)
    bot = telegram.Bot(
        emulator.token, base_url=emulator.base_url, request=patient, get_updates_request=patient
    )
    async with bot:
        emulator.fail_next(1, "slow", method="sendMessage", delay=0.2)
        sent = await bot.send_message(1, "spät, aber da")
    assert sent.text == "spät, aber da"
    assert emulator.violations == []


async def test_fail_next_401_raises_invalid_token_until_cleared(
    bot: telegram.Bot, emulator: BotApiEmulator
) -> None:
    emulator.fail_next(100, "401")
    with pytest.raises(InvalidToken):
        await bot.get_me()
    with pytest.raises(InvalidToken):
        await bot.send_message(1, "x")
    emulator.clear_faults()
    assert (await bot.send_message(1, "wieder da")).text == "wieder da"
    assert emulator.messages(1)[-1]["text"] == "wieder da"
    assert emulator.violations == []


async def test_blocked_user(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    emulator.block(ANNA.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ANNA.id, "Hallo?")
    with pytest.raises(Forbidden):
        await bot.send_document(ANNA.id, b"x", filename="x.txt")
    assert (await bot.get_chat(ANNA.id)).id == ANNA.id  # reading still works
    emulator.unblock(ANNA.id)
    await bot.send_message(ANNA.id, "wieder da")


@retry_after_int
async def test_rate_limits_are_enforced_when_enabled() -> None:
    async with BotApiEmulator(enforce_rate_limits=True) as emu:
        bot = telegram.Bot(emu.token, base_url=emu.base_url)
        async with bot:
            await bot.send_message(1, "eins")
            with pytest.raises(RetryAfter):
                await bot.send_message(1, "zwei")  # 1 message per second per private chat
            await bot.send_message(2, "anderer Chat")
            for i in range(20):
                await bot.send_message(-100, f"Gruppe {i}")
            with pytest.raises(RetryAfter):
                await bot.send_message(-100, "zu viel")  # 20 per minute per group
        assert emu.rate_limit_hits == 2
        assert emu.violations == []


async def test_wait_for_times_out_with_a_dump(bot: telegram.Bot, emulator: BotApiEmulator) -> None:
    await bot.send_message(1, "da")
    with pytest.raises(AssertionError, match=r"sendMessage\(\{'chat_id': 1, 'text': 'da'\}\)"):
        await emulator.wait_for(chat_id=2, timeout=0.05)
