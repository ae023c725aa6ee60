from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def settings(**values: object) -> object:
    return load_settings(_env_file=None, **values)


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = load_settings(_env_file=None, bot_token="1:abc")
    assert s.database_url == "sqlite+aiosqlite:///./forum.db"
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert s.timezone == "Europe/Berlin"
    assert s.default_language == "de"
    assert s.invite_ttl_days == 14
    assert s.coordinator_ids == frozenset()
    assert s.working_groups == (
        "Wohnen",
        "Gewerbeflächen",
        "Mobilität",
        "Grün- und Freiräume",
        "Infrastruktur",
        "Brandschutz",
    )


def test_environment_lists_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", "1:abc")
    monkeypatch.setenv("COORDINATOR_IDS", "12, 34")
    monkeypatch.setenv("WORKING_GROUPS", "Wohnen, Tourismus")
    s = load_settings(_env_file=None)
    assert s.coordinator_ids == frozenset({12, 34})
    assert s.working_groups == ("Wohnen", "Tourismus")


def test_webhook_mode_builds_the_url_from_the_public_address() -> None:
    s = load_settings(
        _env_file=None,
        bot_token="1:abc",
        mode="WEBHOOK",
        public_base_url="https://forum.example/",
        webhook_path_secret="p" * 20,
        webhook_secret_token="s" * 20,
    )
    assert s.mode == "webhook"
    assert s.webhook_url == "https://forum.example/telegram/" + "p" * 20
    assert "s" * 20 not in repr(s)


def test_the_token_is_never_shown() -> None:
    s = load_settings(_env_file=None, bot_token="1:very-secret")
    assert "very-secret" not in repr(s)
    assert "very-secret" not in str(s.model_dump())


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "configuration error: BOT_TOKEN is required but not set"),
        ({"bot_token": "nonsense"}, "BOT_TOKEN is invalid"),
        ({"bot_token": "1:a", "coordinator_ids": "12,abc"}, "COORDINATOR_IDS is invalid"),
        ({"bot_token": "1:a", "timezone": "Europe/Jena"}, "TIMEZONE is invalid"),
        ({"bot_token": "1:a", "database_url": "mysql://x"}, "DATABASE_URL is invalid"),
        ({"bot_token": "1:a", "default_language": "fr"}, "DEFAULT_LANGUAGE is invalid"),
        ({"bot_token": "1:a", "invite_ttl_days": "0"}, "INVITE_TTL_DAYS is invalid"),
        ({"bot_token": "1:a", "log_level": "loud"}, "LOG_LEVEL is invalid"),
        ({"bot_token": "1:a", "log_format": "xml"}, "LOG_FORMAT is invalid"),
        ({"bot_token": "1:a", "mode": "push"}, "MODE is invalid"),
        (
            {"bot_token": "1:a", "mode": "webhook", "webhook_secret_token": "s" * 32},
            "configuration error: WEBHOOK_PATH_SECRET is required in webhook mode",
        ),
        (
            {"bot_token": "1:a", "mode": "webhook", "webhook_path_secret": "p" * 32},
            "configuration error: WEBHOOK_SECRET_TOKEN is required in webhook mode",
        ),
        ({"bot_token": "1:a", "webhook_secret_token": "no spaces"}, "WEBHOOK_SECRET_TOKEN is"),
        ({"bot_token": "1:a", "webhook_path_secret": "short"}, "WEBHOOK_PATH_SECRET is invalid"),
        ({"bot_token": "1:a", "database_wait_seconds": "-1"}, "DATABASE_WAIT_SECONDS is"),
        ({"bot_token": "1:a", "outbox_send_timeout_seconds": "0.5"}, "OUTBOX_SEND_TIMEOUT_SECONDS"),
        (
            {"bot_token": "1:a", "outbox_lease_seconds": "40"},
            "configuration error: OUTBOX_LEASE_SECONDS must be at least twice "
            "OUTBOX_SEND_TIMEOUT_SECONDS (40 < 2 × 30)",
        ),
    ],
)
def test_bad_settings_are_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, object], message: str
) -> None:
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **values)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
