"""How a meeting's place is written in previews and change notes: a link is called one, and a
place typed as `Online https://…` is not said twice."""

from __future__ import annotations

from bot.texts.meetings import place_text


def test_a_place_and_a_link() -> None:
    assert place_text("Rathaus Jena", None) == "Rathaus Jena"
    assert place_text(None, "https://meet.example.org/x") == "online: https://meet.example.org/x"
    assert place_text("Rathaus Jena", "https://m.example/x") == (
        "Rathaus Jena · online: https://m.example/x"
    )
    assert place_text("Online", "https://m.example/x") == "online: https://m.example/x"
    assert place_text(None, None) == "–"
