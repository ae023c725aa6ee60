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


def test_make_run_installs_only_what_running_needs(tmp_path: Path) -> None:
    """`make run` on a fresh machine: the bot's dependencies, not pytest, mypy and friends."""
    import subprocess

    def planned(target: str) -> str:
        return subprocess.run(
            ["make", "-n", target, f"VENV={tmp_path / 'venv'}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run = planned("run")
    assert "pip install --quiet -e .\n" in run and "[dev]" not in run
    assert "npm" not in run  # Node.js is for the tests only
    assert "'.[dev]'" in planned("test")


def test_the_readme_names_the_commands_it_refers_to() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    vote_days = next(line for line in readme.splitlines() if line.startswith("| `VOTE_DAYS`"))
    assert "`/abstimmungstarten`" in vote_days
    prerequisites = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert "Node.js" in prerequisites and "only for the tests" in prerequisites
