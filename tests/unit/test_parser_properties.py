"""Property-based tests: every parser of user input either returns a value or raises the
service's `InvalidInput` (which becomes a localized answer) — never anything else."""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st

from bot.i18n import translator
from bot.parsing import (
    MAX_GROUP_NAME,
    MAX_ORGANISATION_NAME,
    clean_text,
    parse_day,
    parse_group_name,
    parse_offsets,
    parse_organisation_spec,
    parse_positive_int,
    parse_when,
    split_place,
)
from bot.services.errors import InvalidInput

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

# Text as people (and attackers) type it: any Unicode, plus strings built from the pieces the
# parsers look for, so that the interesting branches are reached, not only "no match".
PIECES = st.sampled_from(
    [
        "0", "1", "9", "12", "31", "00", "99", "0000", "2026", "9999", "0001", "-", ".", ":",
        "–", " ", "T", "Uhr", "|", ",", "#", "d", "h", "m", "Gemeinde", "Kreis", "https://",
        "http://x", "\n", "\t", "\x00", "\u200b", "²", "١", "٣", "𝟗", "Ⅻ", "", "@", "/", "%",
    ]
)  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(PIECES, max_size=12).map("".join),
    st.text(alphabet=string.digits + ".:-– T|,#dhm", max_size=30),
)


def _only_invalid_input(parse: Callable[[str], Any], text: str) -> Any:
    """Run the parser; `InvalidInput` is an answer, so its message must render."""
    try:
        return parse(text)
    except InvalidInput as error:
        for language in ("de", "en"):
            rendered = translator(language)(error.message_key, **error.params)
            assert rendered and rendered != error.message_key, error.message_key
        return None


@given(TEXT)
@example("01.01.0001 00:00")
@example("31.12.9999 23:59")
@example("31.12.9999 23:00-23:59")
@example("29.03.2026 02:30")
@example("25.10.2026 02:30")
@example("٠١.٠١.٢٠٢٧ ١٨:٠٠")
def test_parse_when_never_raises_anything_else(text: str) -> None:
    parsed = _only_invalid_input(lambda s: parse_when(s, ZONE, NOW), text)
    if parsed is not None:
        start, end = parsed
        assert start.tzinfo is not None
        assert end is None or end > start


# naive on purpose: a wall-clock time as people type it
@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31)))  # noqa: DTZ001
def test_parse_when_reads_back_what_the_bot_writes(moment: datetime) -> None:
    text = f"{moment:%d.%m.%Y %H:%M}"
    try:
        start, end = parse_when(text, ZONE, NOW)
    except InvalidInput as error:  # only the DST gap and overlap are refused
        refused = repr(error.params["reason"])
        assert refused.startswith(("Msg('when.nonexistent'", "Msg('when.ambiguous'"))
        return
    assert start.replace(tzinfo=None) == moment.replace(second=0, microsecond=0)
    assert end is None


@given(TEXT)
@example("Gemeinde | ²²²²² ")
@example("x|١٢٣٤٥")
@example("|")
def test_parse_organisation_spec(text: str) -> None:
    spec = _only_invalid_input(parse_organisation_spec, text)
    if spec is not None:
        assert spec.name and len(spec.name) <= MAX_ORGANISATION_NAME
        assert spec.ags is None or (spec.ags.isascii() and spec.ags.isdigit())


@given(TEXT)
def test_parse_group_name(text: str) -> None:
    name = _only_invalid_input(parse_group_name, text)
    if name is not None:
        assert name == clean_text(name) and 0 < len(name) <= MAX_GROUP_NAME


@given(TEXT)
@example("²")
@example("#0")
@example("1234567890")
def test_parse_positive_int(text: str) -> None:
    value = parse_positive_int(text)
    assert value is None or 0 < value < 10**9


@given(TEXT)
def test_split_place(text: str) -> None:
    location, url = split_place(text)
    assert location is None or location == clean_text(location) != ""
    assert url is None or url.lower().startswith(("http://", "https://"))


@given(TEXT)
@example("١d")
@example("0m")
@example("9999d")
@example("1m,2m,3m,4m,5m,6m")
def test_parse_offsets(text: str) -> None:
    offsets = _only_invalid_input(parse_offsets, text)
    if offsets is not None:
        assert 1 <= len(offsets) <= 5
        assert all(1 <= m <= 60 * 24 * 60 for m in offsets)
        assert offsets == sorted(offsets, reverse=True)


def check_clean_text(text: str) -> None:
    cleaned = clean_text(text)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned and "\n" not in cleaned
    # Only what holds an emoji sequence together may be unprintable: a joiner between two
    # emoji, the tags of a subdivision flag.
    for i, ch in enumerate(cleaned):
        if ch.isprintable() or ch == " ":
            continue
        if ch == "\u200d":
            assert 0 < i < len(cleaned) - 1 and unicodedata.category(cleaned[i + 1]) == "So"
        else:
            assert "\U000e0020" <= ch <= "\U000e007f", repr(ch)
    assert clean_text(cleaned) == cleaned


@given(st.text())
def test_clean_text(text: str) -> None:
    check_clean_text(text)


EMOJI_PARTS = ["\U0001f468", "\u200d", "\ufe0f", "\U0001f3f4", "\U000e0067", "\U000e007f"]
EMOJI_PARTS += ["\u0000", " ", "a", "\U0001f3fd", "\u2764", "\u202e"]


@given(st.lists(st.sampled_from(EMOJI_PARTS)))
def test_clean_text_on_emoji_parts(parts: list[str]) -> None:
    check_clean_text("".join(parts))


@given(TEXT)
@example("31.02.2026")
@example("0000-01-01")
@example("١٢.١٢.٢٠٢٦")
def test_task_parse_date(text: str) -> None:
    _only_invalid_input(lambda s: parse_day(s, ZONE, NOW), text)
