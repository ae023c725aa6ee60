"""Telegram HTML parsing."""

from __future__ import annotations

import pytest

from tests.emulator.formatting import (
    EntityParseError,
    FormattedText,
    parse_html,
    strip_text,
    utf16_len,
)


def entities(source: str) -> list[tuple[str, int, int]]:
    return [(e["type"], e["offset"], e["length"]) for e in parse_html(source).entities]


def test_plain_text_and_entities() -> None:
    assert parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#228; &#x1F600;").text == (
        'a <b> & "c" ä 😀'
    )
    assert parse_html("x > y").text == "x > y"  # a bare > is fine


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("<b>a</b><strong>b</strong>", [("bold", 0, 1), ("bold", 1, 1)]),
        ("<i>a</i><em>b</em>", [("italic", 0, 1), ("italic", 1, 1)]),
        ("<u>a</u><ins>b</ins>", [("underline", 0, 1), ("underline", 1, 1)]),
        ("<s>a</s><strike>b</strike><del>c</del>", [("strikethrough", i, 1) for i in range(3)]),
        (
            '<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span>',
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ("<code>x</code>", [("code", 0, 1)]),
        ("<blockquote>q</blockquote>", [("blockquote", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", [("expandable_blockquote", 0, 1)]),
        ("<b>fett <i>und kursiv</i></b>", [("bold", 0, 15), ("italic", 5, 10)]),
        ("😀<b>x</b>", [("bold", 2, 1)]),
        ("<B>x</B>", [("bold", 0, 1)]),
        ("<b></b>x", []),
    ],
)
def test_tags(source: str, expected: list[tuple[str, int, int]]) -> None:
    assert entities(source) == expected


def test_entity_details() -> None:
    [link, mention, pre, emoji, time] = parse_html(
        "<a href=\"https://x.de/?a=1&amp;b=2\">L</a> <a href='tg://user?id=42'>M</a> "
        '<pre><code class="language-python">p</code></pre> '
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> '
        '<tg-time unix="1647531900" format="wDT">t</tg-time>'
    ).entities
    assert link == {"type": "text_link", "offset": 0, "length": 1, "url": "https://x.de/?a=1&b=2"}
    assert mention["type"] == "text_mention"
    assert mention["user"]["id"] == 42
    assert pre == {"type": "pre", "offset": 4, "length": 1, "language": "python"}
    assert emoji["custom_emoji_id"] == "5368324170671202286"
    assert time["unix_time"] == 1647531900
    assert time["date_time_format"] == "wDT"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Tom & Jerry", 'Character "&" at byte offset 4 must be escaped as "&amp;"'),
        ("&nbsp;", 'Character "&" at byte offset 0'),
        ("ä <3", 'Character "<" at byte offset 3 must be escaped as "&lt;"'),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("<b>offen", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", 'Unexpected end tag "b" at byte offset 1'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<tg-emoji>x</tg-emoji>", 'Tag "tg-emoji" must have attribute "emoji-id"'),
        ('<a href="x"', 'Can\'t find end of tag "a" started at byte offset 0'),
        ("&#xD800;", "Invalid character reference"),
    ],
)
def test_invalid_html(source: str, message: str) -> None:
    with pytest.raises(EntityParseError) as raised:
        parse_html(source)
    assert message in str(raised.value)


def test_strip_keeps_entities_aligned() -> None:
    stripped = strip_text(parse_html("\n  <b>Hallo</b> <i> </i>\n"))
    assert stripped == FormattedText("Hallo", [{"type": "bold", "offset": 0, "length": 5}])


def test_utf16_len() -> None:
    assert utf16_len("aä€") == 3
    assert utf16_len("😀") == 2
