"""The README's configuration table and .env.example name every setting the code reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = sorted(name.upper() for name in Settings.model_fields)


@pytest.mark.parametrize("name", SETTINGS)
def test_every_setting_is_documented(name: str) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"\n{name}=" in example
    assert f"| `{name}` |" in readme


def test_the_example_names_nothing_the_code_does_not_read() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    names = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert names == set(SETTINGS)
