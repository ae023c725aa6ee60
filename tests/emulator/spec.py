"""The Bot API description (``tests/data/telegram-bot-api.json``) and request validation.

Type expressions in the description are ``Integer``, ``Float``, ``String``, ``Boolean``,
``InputFile``, the name of an object type, or ``Array of <type expression>``. A field lists one
or more of them (a union). Abstract types (``BotCommandScope``, ``InputMedia``, ...) list their
``subtypes``; a value of an abstract type must be a valid value of one of them.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.emulator.models import JsonDict, UploadedFile

DEFAULT_SPEC_PATH = Path(__file__).resolve().parent.parent / "data" / "telegram-bot-api.json"

ARRAY_PREFIX = "Array of "
PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean", "InputFile"})
ATTACH_PREFIX = "attach://"

# Fields of InlineKeyboardButton that do not choose what the button does.
_BUTTON_DECORATION_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})
_BOT_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_DISCRIMINATOR_RES = (re.compile(r'always "([^"]+)"'), re.compile(r"must be ([a-z_]+)"))


@dataclass(frozen=True)
class FieldSpec:
    name: str
    types: tuple[str, ...]
    required: bool
    description: str


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True)
class TypeSpec:
    name: str
    fields: Mapping[str, FieldSpec]
    subtypes: tuple[str, ...]
    discriminator: tuple[str, str] | None
    """``(field, value)`` that identifies this type among its siblings, e.g. ``("type", "chat")``
    for ``BotCommandScopeChat``."""

    @property
    def is_abstract(self) -> bool:
        return bool(self.subtypes)


def _fields(raw: Sequence[JsonDict]) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(
            name=f["name"],
            types=tuple(f["types"]),
            required=bool(f.get("required", False)),
            description=str(f.get("description", "")),
        )
        for f in raw
    }


def _discriminator(raw: JsonDict, fields: Mapping[str, FieldSpec]) -> tuple[str, str] | None:
    if not raw.get("subtype_of") or not fields:
        return None
    first = next(iter(fields.values()))
    if first.types != ("String",) or not first.required:
        return None
    for pattern in _DISCRIMINATOR_RES:
        match = pattern.search(first.description)
        if match:
            return first.name, match.group(1)
    return None


class BotApiSpec:
    """The parsed Bot API description."""

    def __init__(self, raw: JsonDict) -> None:
        self.version: str = str(raw.get("version", "unknown"))
        self.methods: dict[str, MethodSpec] = {
            name: MethodSpec(
                name=name,
                fields=_fields(m.get("fields", [])),
                returns=tuple(m.get("returns", [])),
            )
            for name, m in raw["methods"].items()
        }
        self.types: dict[str, TypeSpec] = {}
        for name, t in raw["types"].items():
            fields = _fields(t.get("fields", []))
            self.types[name] = TypeSpec(
                name=name,
                fields=fields,
                subtypes=tuple(t.get("subtypes", [])),
                discriminator=_discriminator(t, fields),
            )
        self._methods_lower = {name.lower(): spec for name, spec in self.methods.items()}

    @classmethod
    def load(cls, path: Path | None = None) -> BotApiSpec:
        return _load_cached((path or DEFAULT_SPEC_PATH).resolve())

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up like Telegram does: case-insensitively."""
        return self._methods_lower.get(name.lower())

    def default_object(self, type_name: str, **values: Any) -> JsonDict:
        """An object of ``type_name`` with ``values`` and neutral values for the other required
        fields (``False``, ``0``, ``""``, ``[]``, nested defaults)."""
        spec = self.types[type_name]
        result: JsonDict = {}
        for field in spec.fields.values():
            if field.name in values:
                result[field.name] = values[field.name]
            elif field.required:
                result[field.name] = self._default_value(field.types[0])
        unknown = set(values) - set(spec.fields)
        if unknown:
            raise KeyError(f"{type_name} has no fields {sorted(unknown)}")
        return result

    def _default_value(self, type_expr: str) -> Any:
        defaults: dict[str, Any] = {"Integer": 0, "Float": 0.0, "String": "", "Boolean": False}
        if type_expr.startswith(ARRAY_PREFIX):
            return []
        if type_expr in defaults:
            return defaults[type_expr]
        spec = self.types[type_expr]
        if spec.is_abstract:
            return self._default_value(spec.subtypes[0])
        return self.default_object(type_expr)


@functools.cache
def _load_cached(path: Path) -> BotApiSpec:
    return BotApiSpec(json.loads(path.read_text(encoding="utf-8")))


def describe(value: object) -> str:
    """A short description of a JSON value for error messages."""
    if isinstance(value, UploadedFile):
        return f"an uploaded file ({value.filename!r})"
    text = json.dumps(value, ensure_ascii=False) if _is_json(value) else repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    kind = {
        bool: "boolean",
        int: "integer",
        float: "float",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)
    return f"{kind} {text}"


def _is_json(value: object) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


@dataclass
class DecodedRequest:
    params: JsonDict
    attachments: dict[str, UploadedFile]
    errors: list[str]


class SpecValidator:
    """Checks requests (and, for self-tests, answers) against the spec.

    Every check returns a list of human-readable errors, each prefixed with the path of the
    offending value (``reply_markup.inline_keyboard[0][1].callback_data: ...``).
    """

    def __init__(self, spec: BotApiSpec) -> None:
        self.spec = spec
        self._semantic_checks: dict[str, Callable[[JsonDict, str], list[str]]] = {
            "InlineKeyboardButton": self._check_inline_button,
            "BotCommand": self._check_bot_command,
        }

    # -- requests -------------------------------------------------------------------------------

    def decode_request(
        self,
        method: MethodSpec,
        values: Mapping[str, Any],
        files: Mapping[str, UploadedFile],
    ) -> DecodedRequest:
        """Decode and check the parameters of one call.

        ``values`` are the non-file parameters, either already typed (JSON body) or strings
        (query string, form fields); strings are decoded according to the parameter's spec types,
        e.g. ``"42"`` becomes ``42`` for an Integer and ``'{"inline_keyboard": ...}'`` an object.
        """
        params: JsonDict = {}
        errors: list[str] = []
        for name, raw in values.items():
            if raw is None:
                continue
            field = method.fields.get(name)
            if field is None:
                errors.append(f'unknown parameter "{name}"')
                continue
            value = self._coerce(raw, field.types)
            errors.extend(self.check_union(value, field.types, name))
            params[name] = value

        attachments: dict[str, UploadedFile] = {}
        for name, upload in files.items():
            field = method.fields.get(name)
            if field is None:
                attachments[name] = upload
            elif not any(_mentions_input_file(t) for t in field.types):
                errors.append(f'parameter "{name}" does not accept a file upload')
            elif name in params:
                errors.append(f'parameter "{name}" is sent both as a value and as a file')
            else:
                params[name] = upload

        referenced = set(_attach_references(params))
        for name in sorted(referenced - set(attachments)):
            errors.append(f'"{ATTACH_PREFIX}{name}" refers to a file part that was not sent')
        for name in sorted(set(attachments) - referenced):
            errors.append(
                f'file part "{name}" is neither a parameter nor referenced as {ATTACH_PREFIX}'
            )
        for field in method.fields.values():
            if field.required and field.name not in params:
                errors.append(f'missing required parameter "{field.name}"')
        return DecodedRequest(params=params, attachments=attachments, errors=errors)

    def _coerce(self, raw: Any, types: Sequence[str]) -> Any:
        """Decode a string sent for a parameter that is not (only) a String."""
        if not isinstance(raw, str):
            return raw
        typed = [t for t in types if t not in ("String", "InputFile")]
        if not typed:
            return raw
        try:
            decoded = json.loads(raw)
        except ValueError:
            return raw
        if any(not self.check(decoded, t, "") for t in typed):
            return decoded
        if len(typed) < len(types):  # a String (or file_id) is allowed as well
            return raw
        # Invalid either way: objects are checked further, scalars reported as sent.
        return decoded if isinstance(decoded, dict | list) else raw

    # -- values ---------------------------------------------------------------------------------

    def check_union(self, value: Any, types: Sequence[str], path: str) -> list[str]:
        """Errors if ``value`` is none of ``types``."""
        if len(types) == 1:
            return self.check(value, types[0], path)
        candidates = self._narrow_by_discriminator(value, types)
        if not candidates:
            return self._discriminator_error(value, types, path)
        results = [(t, self.check(value, t, path)) for t in candidates]
        for _, errors in results:
            if not errors:
                return []
        objects = [(t, e) for t, e in results if self._is_object_type(t)]
        if isinstance(value, dict) and objects:
            # Report against the type the value most looks like.
            _, errors = max(objects, key=lambda item: self._fit(value, item[0], item[1]))
            return errors
        return [f"{path}: expected {' or '.join(types)}, got {describe(value)}"]

    def check(self, value: Any, type_expr: str, path: str) -> list[str]:
        """Errors if ``value`` is not of the type expression ``type_expr``."""
        if type_expr.startswith(ARRAY_PREFIX):
            inner = type_expr[len(ARRAY_PREFIX) :]
            if not isinstance(value, list):
                return [f"{path}: expected {type_expr}, got {describe(value)}"]
            errors: list[str] = []
            for index, item in enumerate(value):
                errors.extend(self.check(item, inner, f"{path}[{index}]"))
            return errors
        if type_expr in PRIMITIVES:
            if _is_primitive(value, type_expr):
                return []
            return [f"{path}: expected {type_expr}, got {describe(value)}"]
        spec = self.spec.types.get(type_expr)
        if spec is None:
            return [f"{path}: the spec does not define type {type_expr!r}"]
        if spec.is_abstract:
            return self.check_union(value, spec.subtypes, path)
        return self._check_object(value, spec, path)

    def _check_object(self, value: Any, spec: TypeSpec, path: str) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: expected {spec.name} object, got {describe(value)}"]
        errors: list[str] = []
        for key, item in value.items():
            field = spec.fields.get(key)
            if field is None:
                errors.append(f'{path}: unknown field "{key}" for {spec.name}')
            else:
                errors.extend(self.check_union(item, field.types, f"{path}.{key}"))
        for field in spec.fields.values():
            if field.required and field.name not in value:
                errors.append(f'{path}: missing required field "{field.name}" of {spec.name}')
        semantic = self._semantic_checks.get(spec.name)
        if semantic is not None and not errors:
            errors.extend(semantic(value, path))
        return errors

    def _is_object_type(self, type_expr: str) -> bool:
        return type_expr in self.spec.types and type_expr != "InputFile"

    def _concrete_types(self, type_expr: str) -> Iterator[TypeSpec]:
        spec = self.spec.types.get(type_expr)
        if spec is None:
            return
        if spec.is_abstract:
            for subtype in spec.subtypes:
                yield from self._concrete_types(subtype)
        else:
            yield spec

    def _narrow_by_discriminator(self, value: Any, types: Sequence[str]) -> list[str]:
        """Drop the object types whose discriminator (``"type": "chat"``) ``value`` contradicts."""
        if not isinstance(value, dict):
            return list(types)
        kept: list[str] = []
        for type_expr in types:
            concrete = list(self._concrete_types(type_expr))
            if not concrete or any(self._discriminator_allows(value, t) for t in concrete):
                kept.append(type_expr)
        return kept

    @staticmethod
    def _discriminator_allows(value: JsonDict, spec: TypeSpec) -> bool:
        if spec.discriminator is None:
            return True
        key, expected = spec.discriminator
        return key not in value or value[key] == expected

    def _discriminator_error(self, value: JsonDict, types: Sequence[str], path: str) -> list[str]:
        allowed: dict[str, list[str]] = {}
        for type_expr in types:
            for spec in self._concrete_types(type_expr):
                if spec.discriminator is not None:
                    key, expected = spec.discriminator
                    allowed.setdefault(key, []).append(expected)
        key = next((k for k in allowed if k in value), "type")
        return [
            f"{path}: {key} {describe(value.get(key))} is not one of "
            f"{', '.join(sorted(set(allowed.get(key, []))))} (for {' or '.join(types)})"
        ]

    def _fit(self, value: JsonDict, type_expr: str, errors: list[str]) -> tuple[int, int]:
        """How well an object matches a type: known keys (more is better), then errors."""
        known = {f for spec in self._concrete_types(type_expr) for f in spec.fields}
        return len(set(value) & known), -len(errors)

    # -- rules the spec states only in prose ----------------------------------------------------

    def _check_inline_button(self, button: JsonDict, path: str) -> list[str]:
        errors: list[str] = []
        actions = sorted(set(button) - _BUTTON_DECORATION_FIELDS)
        if len(actions) != 1:
            errors.append(
                f"{path}: an inline keyboard button needs exactly one action field "
                f"(url, callback_data, ...), got {actions or 'none'}"
            )
        data = button.get("callback_data")
        if isinstance(data, str) and not 1 <= len(data.encode("utf-8")) <= 64:
            errors.append(
                f"{path}.callback_data: BUTTON_DATA_INVALID: must be 1-64 bytes, "
                f"got {len(data.encode('utf-8'))} bytes"
            )
        if button.get("text") == "":
            errors.append(f"{path}.text: a button text must not be empty")
        return errors

    @staticmethod
    def _check_bot_command(command: JsonDict, path: str) -> list[str]:
        errors: list[str] = []
        name = command.get("command")
        if isinstance(name, str) and not _BOT_COMMAND_RE.fullmatch(name):
            errors.append(
                f"{path}.command: BOT_COMMAND_INVALID: {name!r} must be 1-32 characters "
                "of a-z, 0-9 and _"
            )
        description = command.get("description")
        if isinstance(description, str) and not 1 <= len(description) <= 256:
            errors.append(f"{path}.description: must be 1-256 characters, got {len(description)}")
        return errors


def _is_primitive(value: object, type_expr: str) -> bool:
    if type_expr == "Integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_expr == "Float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if type_expr == "String":
        return isinstance(value, str)
    if type_expr == "Boolean":
        return isinstance(value, bool)
    return isinstance(value, UploadedFile)  # InputFile


def _mentions_input_file(type_expr: str) -> bool:
    return type_expr.removeprefix(ARRAY_PREFIX) == "InputFile" or type_expr == "InputFile"


def _attach_references(value: object) -> Iterator[str]:
    """Names referenced as ``attach://<name>`` anywhere in ``value``."""
    if isinstance(value, str):
        if value.startswith(ATTACH_PREFIX):
            yield value[len(ATTACH_PREFIX) :]
    elif isinstance(value, dict):
        for item in value.values():
            yield from _attach_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _attach_references(item)
