"""What the emulated Bot API methods do, on already validated and decoded parameters.

Each handler takes the decoded parameters and returns the ``result`` Telegram would answer, or
raises :class:`ApiError`. Methods without a handler of their own answer ``True``.
"""

from __future__ import annotations

import copy
import itertools
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any, Literal

from tests.emulator.formatting import EntityParseError, FormattedText, parse_html, strip_text
from tests.emulator.models import ApiError, JsonDict, UploadedFile
from tests.emulator.ratelimit import RateLimiter, counts_as_message
from tests.emulator.spec import ATTACH_PREFIX, BotApiSpec
from tests.emulator.state import ChatStore, FileStore, Pulse, StoredFile, UpdateQueue, now

logger = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"

# Keys of a Message that make up its content (copied by forwardMessage / copyMessage).
CONTENT_KEYS = (
    "text",
    "entities",
    "caption",
    "caption_entities",
    "document",
    "photo",
    "audio",
    "video",
    "voice",
    "animation",
    "sticker",
    "location",
    "contact",
    "venue",
    "poll",
    "dice",
)

# Methods that write into a chat and fail with 403 once the user has blocked the bot.
_WRITING_PREFIXES = ("send", "copyMessage", "forwardMessage", "editMessage")

MEMBER_TYPES = {
    "creator": "ChatMemberOwner",
    "administrator": "ChatMemberAdministrator",
    "member": "ChatMemberMember",
    "restricted": "ChatMemberRestricted",
    "left": "ChatMemberLeft",
    "kicked": "ChatMemberBanned",
}

ChatMemberStatus = Literal["creator", "administrator", "member", "restricted", "left", "kicked"]
Handler = Callable[[JsonDict], Any]


def commands_key(scope: JsonDict | None, language_code: str | None) -> tuple[str, str]:
    """Where setMyCommands stores a command list: the scope (as canonical JSON) and language."""
    scope = scope or {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code or ""


class BotApiMethods:
    """The Telegram server's side of the Bot API methods, and the state they work on."""

    def __init__(
        self,
        spec: BotApiSpec,
        bot_user: JsonDict,
        *,
        rate_limiter: RateLimiter | None = None,
        changed: Pulse | None = None,
    ) -> None:
        self.spec = spec
        self.bot_user = bot_user
        self.chats = ChatStore()
        self.files = FileStore()
        self.updates = UpdateQueue(changed or Pulse())
        self.rate_limiter = rate_limiter
        self.rate_limit_hits = 0
        self.blocked: set[int] = set()
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.menu_buttons: dict[int | None, JsonDict] = {}
        self.reply_keyboards: dict[int, JsonDict] = {}
        self.member_statuses: dict[tuple[int, int], ChatMemberStatus] = {}
        self.callback_queries: dict[str, JsonDict] = {}
        self.callback_answers: dict[str, JsonDict] = {}
        self.chat_actions: list[tuple[int, str]] = []
        self.webhook: JsonDict = {"url": ""}
        self._media_group_ids = itertools.count(1)
        self._handlers: dict[str, Handler] = {
            "getMe": self.get_me,
            "logOut": _true,
            "close": _true,
            "setWebhook": self.set_webhook,
            "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info,
            "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands,
            "deleteMyCommands": self.delete_my_commands,
            "setChatMenuButton": self.set_chat_menu_button,
            "getChatMenuButton": self.get_chat_menu_button,
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "sendMediaGroup": self.send_media_group,
            "forwardMessage": self.forward_message,
            "copyMessage": self.copy_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "getChat": self.get_chat,
            "getChatMember": self.get_chat_member,
            "getFile": self.get_file,
        }

    # -- dispatch -------------------------------------------------------------------------------

    def dispatch(
        self,
        method: str,
        params: JsonDict,
        attachments: Mapping[str, UploadedFile] | None = None,
        received_at: float | None = None,
    ) -> Any:
        """Run ``method`` (spec spelling) on valid ``params``; getUpdates is not handled here.

        ``attach://<name>`` references in ``params`` are replaced by the uploaded files."""
        chat = self._target_chat(params)
        if chat is not None:
            self._check_chat_accepts(method, chat, received_at)
        result = self._run(method, _resolve_attachments(params, attachments or {}))
        if chat is not None and self.rate_limiter is not None and counts_as_message(method):
            self.rate_limiter.record(chat["id"], chat["type"], received_at)
        return result

    def _run(self, method: str, params: JsonDict) -> Any:
        handler = self._handlers.get(method)
        if handler is not None:
            return handler(params)
        returns = self.spec.methods[method].returns
        if returns == ("Message",) and "chat_id" in params:
            # Not emulated in detail: a message without content keeps PTB and the history happy.
            return self._post(params, {})
        if returns != ("Boolean",):
            logger.warning("emulator answers True to %s, which returns %s", method, returns)
        return True

    def _check_chat_accepts(
        self, method: str, chat: JsonDict, received_at: float | None = None
    ) -> None:
        """403 if the user blocked the bot, 429 if a rate limit is exceeded."""
        if method.startswith(_WRITING_PREFIXES) and chat["id"] in self.blocked:
            raise ApiError(403, BLOCKED)
        if self.rate_limiter is not None and counts_as_message(method):
            retry_after = self.rate_limiter.retry_after(chat["id"], chat["type"], received_at)
            if retry_after is not None:
                self.rate_limit_hits += 1
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )

    def _target_chat(self, params: JsonDict) -> JsonDict | None:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int | str):
            return self.chats.resolve(chat_id)
        return None

    # -- bot and webhook ------------------------------------------------------------------------

    def get_me(self, params: JsonDict) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def set_webhook(self, params: JsonDict) -> bool:
        self.webhook = {
            key: params[key]
            for key in ("url", "secret_token", "allowed_updates", "max_connections")
            if key in params
        }
        if params.get("drop_pending_updates"):
            self.updates.drop_all()
        return True

    def delete_webhook(self, params: JsonDict) -> bool:
        self.webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self.updates.drop_all()
        return True

    def get_webhook_info(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": self.webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates.pending),
        }
        for key in ("allowed_updates", "max_connections"):
            if key in self.webhook:
                info[key] = self.webhook[key]
        return info

    def begin_get_updates(self, params: JsonDict) -> tuple[int, float, list[str] | None]:
        """Check a getUpdates call and confirm by its offset; returns what to fetch
        (``limit``, ``timeout``, ``allowed_updates``) from :attr:`updates`."""
        if self.webhook.get("url"):
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
                violations=["getUpdates called while a webhook is set"],
            )
        if "offset" in params:
            self.updates.confirm(params["offset"])
        limit = min(max(params.get("limit", 100), 1), 100)
        return limit, float(params.get("timeout", 0)), params.get("allowed_updates")

    def set_my_commands(self, params: JsonDict) -> bool:
        key = commands_key(params.get("scope"), params.get("language_code"))
        self.commands[key] = params["commands"]
        return True

    def get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        key = commands_key(params.get("scope"), params.get("language_code"))
        return self.commands.get(key, [])

    def delete_my_commands(self, params: JsonDict) -> bool:
        self.commands.pop(commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    def set_chat_menu_button(self, params: JsonDict) -> bool:
        self.menu_buttons[params.get("chat_id")] = params.get("menu_button", {"type": "default"})
        return True

    def get_chat_menu_button(self, params: JsonDict) -> JsonDict:
        chat_id = params.get("chat_id")
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None, {"type": "commands"})

    # -- sending --------------------------------------------------------------------------------

    def send_message(self, params: JsonDict) -> JsonDict:
        formatted = self.format_text(params["text"], params, kind="text")
        return self._post(params, _text_content(formatted, "text", "entities"))

    def send_document(self, params: JsonDict) -> JsonDict:
        stored = self._input_file(params["document"], folder="documents")
        content: JsonDict = {"document": stored.as_document()}
        content.update(self._caption_content(params))
        return self._post(params, content)

    def send_photo(self, params: JsonDict) -> JsonDict:
        stored = self._input_file(params["photo"], folder="photos")
        content: JsonDict = {"photo": stored.as_photo()}
        content.update(self._caption_content(params))
        return self._post(params, content)

    def send_media_group(self, params: JsonDict) -> list[JsonDict]:
        group_id = str(next(self._media_group_ids))
        messages: list[JsonDict] = []
        for item in params["media"]:
            content: JsonDict = {"media_group_id": group_id}
            if item["type"] == "document":
                document = self._input_file(item["media"], folder="documents")
                content["document"] = document.as_document()
            elif item["type"] == "photo":
                content["photo"] = self._input_file(item["media"], folder="photos").as_photo()
            content.update(self._caption_content(item))  # item has its own parse_mode
            messages.append(self._post(params, content))
        return messages

    def forward_message(self, params: JsonDict) -> JsonDict:
        source = self._source_message(params, "forward")
        content = _content_of(source)
        sender = source.get("from")
        if sender is not None:
            origin: JsonDict = {"type": "user", "date": source["date"], "sender_user": sender}
        else:
            origin = {"type": "chat", "date": source["date"], "sender_chat": source["chat"]}
        content["forward_origin"] = origin
        return self._post(params, content)

    def copy_message(self, params: JsonDict) -> JsonDict:
        source = self._source_message(params, "copy")
        content = _content_of(source)
        if "caption" in params and "text" not in source:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            content.update(self._caption_content(params))
        message = self._post(params, content)
        return {"message_id": message["message_id"]}

    def format_text(
        self, text: str, params: JsonDict, *, kind: Literal["text", "caption"]
    ) -> FormattedText:
        """Apply ``parse_mode`` and check the length limits; errors are the bot's fault."""
        entities_key = "entities" if kind == "text" else "caption_entities"
        parse_mode = params.get("parse_mode") or ""
        if parse_mode.lower() == "html":
            try:
                formatted = parse_html(text)
            except EntityParseError as error:
                detail = f"can't parse entities: {error}"
                raise ApiError.bad_request(detail, violation=True) from error
        elif parse_mode.lower() in ("", "markdown", "markdownv2"):
            # Markdown is passed through unchecked.
            formatted = FormattedText(text, list(params.get(entities_key, [])))
        else:
            raise ApiError.bad_request(f"unsupported parse_mode {parse_mode!r}", violation=True)
        formatted = strip_text(formatted)
        if kind == "text":
            if not formatted.text:
                raise ApiError.bad_request("message text is empty", violation=True)
            if formatted.length > MAX_TEXT_LENGTH:
                raise ApiError(
                    400,
                    "Bad Request: message is too long",
                    violations=[
                        f"message is too long: {formatted.length} > {MAX_TEXT_LENGTH} "
                        "UTF-16 code units after entity parsing"
                    ],
                )
        elif formatted.length > MAX_CAPTION_LENGTH:
            raise ApiError(
                400,
                "Bad Request: message caption is too long",
                violations=[
                    f"message caption is too long: {formatted.length} > {MAX_CAPTION_LENGTH} "
                    "UTF-16 code units after entity parsing"
                ],
            )
        return formatted

    def _caption_content(self, params: JsonDict) -> JsonDict:
        caption = params.get("caption")
        if not caption:
            return {}
        formatted = self.format_text(caption, params, kind="caption")
        return _text_content(formatted, "caption", "caption_entities")

    def _input_file(self, value: UploadedFile | str, *, folder: str) -> StoredFile:
        if isinstance(value, UploadedFile):
            return self.files.add(value.content, value.filename, value.mime_type, folder=folder)
        stored = self.files.get(value)
        if stored is not None:
            return stored
        if value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or None
            return self.files.add(b"", name, None, folder=folder)
        raise ApiError.bad_request("wrong file identifier/HTTP URL specified")

    def _post(self, params: JsonDict, content: JsonDict) -> JsonDict:
        """Store a new message from the bot in the chat ``params["chat_id"]``."""
        chat = self.chats.resolve(params["chat_id"])
        message: JsonDict = {"from": self.bot_user, "chat": chat, "date": now()}
        if "message_thread_id" in params:
            message["message_thread_id"] = params["message_thread_id"]
        reply_to = self._reply_to(chat, params.get("reply_parameters"))
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(content)
        markup = self._apply_reply_markup(chat["id"], params.get("reply_markup"))
        if markup is not None:
            message["reply_markup"] = markup
        return copy.deepcopy(self.chats.add_message(chat["id"], message))

    def _reply_to(self, chat: JsonDict, reply: JsonDict | None) -> JsonDict | None:
        if reply is None or reply.get("chat_id", chat["id"]) != chat["id"]:
            return None
        replied = self.chats.get(chat["id"], reply["message_id"])
        if replied is None:
            if reply.get("allow_sending_without_reply"):
                return None
            raise ApiError.bad_request("message to be replied not found")
        return {k: v for k, v in replied.items() if k != "reply_to_message"}

    def _apply_reply_markup(self, chat_id: int, markup: JsonDict | None) -> JsonDict | None:
        """The markup to show on the message; reply keyboards are remembered per chat."""
        if markup is None:
            return None
        if "inline_keyboard" in markup:
            return markup
        if "keyboard" in markup:
            self.reply_keyboards[chat_id] = markup
        elif markup.get("remove_keyboard"):
            self.reply_keyboards.pop(chat_id, None)
        return None

    def _source_message(self, params: JsonDict, action: str) -> JsonDict:
        source_chat = self.chats.resolve(params["from_chat_id"])
        source = self.chats.get(source_chat["id"], params["message_id"])
        if source is None:
            raise ApiError.bad_request(f"message to {action} not found")
        return source

    # -- editing --------------------------------------------------------------------------------

    def _edit_target(self, params: JsonDict) -> JsonDict | None:
        """The stored message an edit refers to; ``None`` for inline messages."""
        if "inline_message_id" in params:
            return None
        if "chat_id" not in params or "message_id" not in params:
            raise ApiError.bad_request(
                "message identifier is not specified (chat_id and message_id, "
                "or inline_message_id)",
                violation=True,
            )
        chat = self.chats.resolve(params["chat_id"])
        message = self.chats.get(chat["id"], params["message_id"])
        if message is None:
            raise ApiError.bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_user["id"]:
            raise ApiError.bad_request("message can't be edited")
        return message

    def _save_edit(self, old: JsonDict, new: JsonDict) -> JsonDict:
        if new == old:
            raise ApiError.bad_request(NOT_MODIFIED)
        new["edit_date"] = now()
        self.chats.replace(old["chat"]["id"], new)
        return copy.deepcopy(new)

    def edit_message_text(self, params: JsonDict) -> JsonDict | bool:
        if "rich_message" in params:
            raise ApiError.bad_request(
                "rich_message is not supported by the emulator yet", violation=True
            )
        formatted = self.format_text(params.get("text", ""), params, kind="text")
        old = self._edit_target(params)
        if old is None:
            return True
        if "text" not in old:
            raise ApiError.bad_request("there is no text in the message to edit")
        new = _without(old, "text", "entities", "reply_markup", "edit_date")
        new.update(_text_content(formatted, "text", "entities"))
        if "reply_markup" in params:  # Telegram drops the keyboard unless it is sent again
            new["reply_markup"] = params["reply_markup"]
        return self._save_edit(_without(old, "edit_date"), new)

    def edit_message_caption(self, params: JsonDict) -> JsonDict | bool:
        content = self._caption_content(params)
        old = self._edit_target(params)
        if old is None:
            return True
        if "text" in old:
            raise ApiError.bad_request("there is no caption in the message to edit")
        new = _without(old, "caption", "caption_entities", "reply_markup", "edit_date")
        new.update(content)
        if "reply_markup" in params:
            new["reply_markup"] = params["reply_markup"]
        return self._save_edit(_without(old, "edit_date"), new)

    def edit_message_reply_markup(self, params: JsonDict) -> JsonDict | bool:
        old = self._edit_target(params)
        if old is None:
            return True
        new = _without(old, "reply_markup", "edit_date")
        if params.get("reply_markup", {}).get("inline_keyboard"):
            new["reply_markup"] = params["reply_markup"]
        return self._save_edit(_without(old, "edit_date"), new)

    def delete_message(self, params: JsonDict) -> bool:
        chat = self.chats.resolve(params["chat_id"])
        if not self.chats.delete(chat["id"], params["message_id"]):
            raise ApiError.bad_request("message to delete not found")
        return True

    # -- other ----------------------------------------------------------------------------------

    def answer_callback_query(self, params: JsonDict) -> bool:
        query_id = params["callback_query_id"]
        if query_id not in self.callback_queries or query_id in self.callback_answers:
            raise ApiError.bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text", "")
        if len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError.bad_request(
                f"MESSAGE_TOO_LONG: callback query answer text has {len(text)} characters, "
                f"at most {MAX_CALLBACK_ANSWER_LENGTH} are allowed",
                violation=True,
            )
        self.callback_answers[query_id] = dict(params)
        return True

    def send_chat_action(self, params: JsonDict) -> bool:
        chat = self.chats.resolve(params["chat_id"])
        self.chat_actions.append((chat["id"], params["action"]))
        return True

    def get_chat(self, params: JsonDict) -> JsonDict:
        chat = self.chats.resolve(params["chat_id"])
        return self.spec.default_object(
            "ChatFullInfo", **chat, accent_color_id=0, max_reaction_count=11
        )

    def get_chat_member(self, params: JsonDict) -> JsonDict:
        chat = self.chats.resolve(params["chat_id"])
        user_id: int = params["user_id"]
        if user_id == self.bot_user["id"]:
            user = self.bot_user
        else:
            user = self.chats.users.get(
                user_id, {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
            )
        status = self.member_statuses.get((chat["id"], user_id), "member")
        return self.spec.default_object(MEMBER_TYPES[status], status=status, user=user)

    def get_file(self, params: JsonDict) -> JsonDict:
        stored = self.files.get(params["file_id"])
        if stored is None:
            raise ApiError.bad_request("invalid file_id")
        return stored.as_file()


def _true(params: JsonDict) -> bool:
    return True


def _text_content(formatted: FormattedText, text_key: str, entities_key: str) -> JsonDict:
    content: JsonDict = {text_key: formatted.text}
    if formatted.entities:
        content[entities_key] = formatted.entities
    return content


def _content_of(message: JsonDict) -> JsonDict:
    return {key: copy.deepcopy(message[key]) for key in CONTENT_KEYS if key in message}


def _without(message: JsonDict, *keys: str) -> JsonDict:
    return {k: v for k, v in message.items() if k not in keys}


def _resolve_attachments(value: Any, attachments: Mapping[str, UploadedFile]) -> Any:
    """``value`` with every ``attach://<name>`` of an uploaded part replaced by the file."""
    if isinstance(value, str) and value.startswith(ATTACH_PREFIX):
        return attachments.get(value[len(ATTACH_PREFIX) :], value)
    if isinstance(value, dict):
        return {k: _resolve_attachments(v, attachments) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_attachments(v, attachments) for v in value]
    return value
