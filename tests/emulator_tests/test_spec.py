"""Request validation against the Bot API description, without a server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.emulator.models import UploadedFile
from tests.emulator.spec import ARRAY_PREFIX, PRIMITIVES, BotApiSpec, SpecValidator


@pytest.fixture(scope="module")
def spec() -> BotApiSpec:
    return BotApiSpec.load()


@pytest.fixture(scope="module")
def validator(spec: BotApiSpec) -> SpecValidator:
    return SpecValidator(spec)


def decode(
    validator: SpecValidator,
    method: str,
    values: dict[str, Any],
    files: dict[str, UploadedFile] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    method_spec = validator.spec.method(method)
    assert method_spec is not None
    decoded = validator.decode_request(method_spec, values, files or {})
    return decoded.params, decoded.errors


def test_every_type_expression_in_the_spec_is_known(spec: BotApiSpec) -> None:
    """Guards a refreshed spec file: the validator understands all of it."""
    fields = [f for m in spec.methods.values() for f in m.fields.values()]
    fields += [f for t in spec.types.values() for f in t.fields.values()]
    expressions = {t for f in fields for t in f.types}
    expressions |= {s for t in spec.types.values() for s in t.subtypes}
    unknown = {
        e
        for e in expressions
        if e.removeprefix(ARRAY_PREFIX).removeprefix(ARRAY_PREFIX)
        not in PRIMITIVES | set(spec.types)
    }
    assert unknown == set()
    for abstract in (t for t in spec.types.values() if t.is_abstract):
        for subtype in abstract.subtypes:
            sub = spec.types.get(subtype)
            siblings_share_a_discriminator = sub is None or sub.discriminator is not None
            if abstract.name not in ("MaybeInaccessibleMessage", "InputMessageContent"):
                assert siblings_share_a_discriminator, subtype


def test_method_lookup_is_case_insensitive(spec: BotApiSpec) -> None:
    method = spec.method("SENDMESSAGE")
    assert method is not None and method.name == "sendMessage"
    assert spec.method("sendTelepathy") is None


def test_form_strings_are_coerced_to_the_spec_types(validator: SpecValidator) -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    params, errors = decode(
        validator,
        "sendMessage",
        {
            "chat_id": "-100123",
            "text": "42",
            "disable_notification": "true",
            "reply_markup": json.dumps(markup),
            "message_thread_id": "7",
        },
    )
    assert errors == []
    assert params == {
        "chat_id": -100123,
        "text": "42",  # a String stays a string even if it looks like a number
        "disable_notification": True,
        "reply_markup": markup,
        "message_thread_id": 7,
    }


def test_a_username_is_a_valid_chat_id(validator: SpecValidator) -> None:
    params, errors = decode(validator, "sendMessage", {"chat_id": "@forum_jena", "text": "x"})
    assert errors == []
    assert params["chat_id"] == "@forum_jena"


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"message_thread_id": "7.5"}, 'message_thread_id: expected Integer, got string "7.5"'),
        ({"message_thread_id": True}, "message_thread_id: expected Integer, got boolean true"),
        ({"protect_content": "yes"}, 'protect_content: expected Boolean, got string "yes"'),
        ({"chat_id": 1.5}, "chat_id: expected Integer or String, got float 1.5"),
        ({"entities": "{}"}, "entities: expected Array of MessageEntity, got object {}"),
    ],
)
def test_wrong_types(validator: SpecValidator, values: dict[str, Any], error: str) -> None:
    _, errors = decode(validator, "sendMessage", {"chat_id": 1, "text": "x", **values})
    assert errors == [error]


def test_nested_objects_are_checked(validator: SpecValidator) -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": 5}], {"text": "b"}]}
    _, errors = decode(
        validator, "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": markup}
    )
    assert errors == [
        "reply_markup.inline_keyboard[0][0].callback_data: expected String, got integer 5",
        "reply_markup.inline_keyboard[1]: expected Array of InlineKeyboardButton, "
        'got object {"text": "b"}',
    ]


def test_union_errors_refer_to_the_closest_type(validator: SpecValidator) -> None:
    markup = {"keyboard": [[{"text": "a", "request_user": True}]], "resize_keyboard": True}
    _, errors = decode(
        validator, "sendMessage", {"chat_id": 1, "text": "x", "reply_markup": markup}
    )
    assert errors == [
        'reply_markup.keyboard[0][0]: unknown field "request_user" for KeyboardButton'
    ]


def test_abstract_types_are_resolved_by_discriminator(validator: SpecValidator) -> None:
    _, errors = decode(
        validator,
        "setMyCommands",
        {
            "commands": [{"command": "start", "description": "Start"}],
            "scope": {"type": "chat", "chat_id": 42},
        },
    )
    assert errors == []

    _, errors = decode(validator, "setMyCommands", {"commands": [], "scope": {"type": "chat"}})
    assert errors == ['scope: missing required field "chat_id" of BotCommandScopeChat']

    _, errors = decode(validator, "setMyCommands", {"commands": [], "scope": {"type": "moon"}})
    assert len(errors) == 1
    assert errors[0].startswith('scope: type string "moon" is not one of all_chat_administrators')


def test_subtypes_sharing_a_discriminator_are_told_apart_by_fields(
    validator: SpecValidator,
) -> None:
    cached = {"type": "audio", "id": "1", "audio_file_id": "abc"}
    linked = {"type": "audio", "id": "2", "audio_url": "https://x/a.mp3", "title": "A"}
    assert validator.check(cached, "InlineQueryResult", "r") == []
    assert validator.check(linked, "InlineQueryResult", "r") == []
    assert validator.check({"type": "audio", "id": "3"}, "InlineQueryResult", "r") != []


def test_attach_references_must_match_file_parts(validator: SpecValidator) -> None:
    upload = UploadedFile("a.pdf", b"%PDF", "application/pdf")
    media = [{"type": "document", "media": "attach://file1"}]
    params, errors = decode(
        validator,
        "sendMediaGroup",
        {"chat_id": "1", "media": json.dumps(media)},
        {"file1": upload},
    )
    assert errors == []
    assert params["media"] == media

    _, errors = decode(
        validator, "sendMediaGroup", {"chat_id": 1, "media": media}, {"file2": upload}
    )
    assert errors == [
        '"attach://file1" refers to a file part that was not sent',
        'file part "file2" is neither a parameter nor referenced as attach://',
    ]


def test_files_only_for_input_file_parameters(validator: SpecValidator) -> None:
    upload = UploadedFile("a.txt", b"x", "text/plain")
    params, errors = decode(validator, "sendDocument", {"chat_id": 1}, {"document": upload})
    assert errors == []
    assert params["document"] == upload

    _, errors = decode(validator, "sendMessage", {"chat_id": 1}, {"text": upload})
    assert errors == [
        'parameter "text" does not accept a file upload',
        'missing required parameter "text"',
    ]


def test_default_objects_are_valid(spec: BotApiSpec, validator: SpecValidator) -> None:
    for type_name in ("ChatMemberAdministrator", "ChatMemberRestricted", "ChatFullInfo"):
        value = spec.default_object(type_name)
        assert validator.check(value, type_name, type_name) == []
    with pytest.raises(KeyError):
        spec.default_object("User", colour="blue")
