"""Settings from the environment and `.env` (pydantic-settings).

Every setting the bot reads is declared here and listed in `.env.example` and the README.
"""

from __future__ import annotations

import ipaddress
import re
import sys
from datetime import time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_WORKING_GROUPS = (
    "Wohnen",
    "Gewerbeflächen",
    "Mobilität",
    "Grün- und Freiräume",
    "Infrastruktur",
    "Brandschutz",
)

Language = Literal["de", "en"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LogFormat = Literal["text", "json"]
Mode = Literal["polling", "webhook"]
# What Telegram accepts as a webhook's secret_token (1–256 characters).
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
_PATH_SECRET = re.compile(r"[A-Za-z0-9_-]{16,128}")


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Configuration of one bot process."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        env_ignore_empty=True,
    )

    bot_token: SecretStr
    database_url: str = "sqlite+aiosqlite:///./forum.db"
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str = "https://api.telegram.org/file/bot"
    bot_username: str | None = None
    coordinator_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    timezone: str = "Europe/Berlin"
    default_language: Language = "de"
    log_level: LogLevel = "INFO"
    log_format: LogFormat = "text"
    mode: Mode = "polling"
    webhook_path_secret: SecretStr | None = None
    webhook_secret_token: SecretStr | None = None
    database_wait_seconds: float = Field(default=300.0, ge=0)
    telegram_wait_seconds: float = Field(default=300.0, ge=0)
    # Updates handled at once (of different people; one person's updates stay in order).
    update_concurrency: int = Field(default=8, ge=1, le=256)
    # The leader's lease (it renews it a third of this apart): after a crash, another process
    # (or the restarted one) leads at most this long later and takes over its work.
    leader_lease_seconds: float = Field(default=3.0, ge=0.5, le=300)
    # Where `forumbot run` keeps its instance lock (bot/instance.py); systemd's StateDirectory=
    # sets it. A restart after a crash leads at once instead of after the leader lease.
    state_directory: str = "."
    invite_ttl_days: int = Field(default=14, ge=1, le=365)
    working_groups: Annotated[tuple[str, ...], NoDecode] = DEFAULT_WORKING_GROUPS
    outbox_rate_per_second: float = Field(default=30.0, gt=0, le=30)
    outbox_max_attempts: int = Field(default=5, ge=1, le=50)
    outbox_lease_seconds: int = Field(default=60, ge=1, le=3600)
    # How long a send waits for Telegram's answer (PTB's default, 5 s, is shorter than a busy
    # Telegram takes: the message arrived, the answer came late, and the retry sent it again).
    outbox_send_timeout_seconds: float = Field(default=30.0, ge=1, le=300)
    outbox_poll_seconds: int = Field(default=30, ge=1, le=3600)
    meeting_default_minutes: int = Field(default=120, ge=5, le=24 * 60)
    # A guided form nobody answered for this long has ended (the next message says so).
    form_timeout_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    # Reminders before a meeting, e.g. "7d,24h" or "2h,30m".
    meeting_reminders: Annotated[tuple[int, ...], NoDecode] = (7 * 24 * 60, 24 * 60)
    task_reminder_days: Annotated[tuple[int, ...], NoDecode] = (3,)
    task_reminder_time: time = time(9, 0)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    public_base_url: str = "http://localhost:8080"
    # The reverse proxies whose X-Forwarded-For names the client (addresses or networks, `*`,
    # or `none`); everyone else is the address of their own connection.
    http_trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ("127.0.0.1", "::1")
    http_header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    http_keepalive_seconds: int = Field(default=5, ge=1, le=300)
    http_max_connections: int = Field(default=200, ge=1, le=100_000)
    calendar_rate_per_minute: int = Field(default=60, ge=1, le=100_000)
    # The internal listener: /readyz, /metrics (and /healthz). Keep it off the internet.
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=8081, ge=0, le=65535)
    calendar_name: str = "Nachbarschaftsforum Jena"
    calendar_organizer_name: str = "Koordination Nachbarschaftsforum"
    calendar_organizer_email: str = "forum@jena.de"
    # Past meetings in the personal feed: those of the last this many days (future ones all).
    feed_past_days: int = Field(default=365, ge=0, le=3650)
    broadcast_progress_seconds: float = Field(default=3.0, ge=0.5, le=60)
    # Voting: one vote per member organisation (default) or per person.
    vote_mode: Literal["organisation", "member"] = "organisation"
    # Who casts an organisation's vote: any of its members, or only its Stimmführung and
    # Stellvertretung (/vertretung); fixed per vote when it opens.
    vote_right: Literal["anyone", "representatives"] = "anyone"
    # Valid when more than this share of the organisations (members) eligible have voted.
    quorum: float = Field(default=0.5, ge=0, lt=1)
    # simple: Ja > Nein; two_thirds: Ja at least 2/3 of Ja + Nein; absolute: Ja > half of all
    # eligible. Abstentions count for the quorum only.
    majority: Literal["simple", "two_thirds", "absolute"] = "simple"
    show_running_results: bool = False
    # A meeting is quorate (beschlussfähig) when more than this share of the voting
    # organisations invited is present (issue 17).
    meeting_quorum: float = Field(default=0.5, ge=0, lt=1)
    vote_days: int = Field(default=7, ge=1, le=90)
    vote_reminder_hours: int = Field(default=24, ge=1, le=24 * 14)
    # Decisions (issue 16). all: every council reservation must be ratified; majority: a
    # rejected reservation no longer counts as Ja, the decision stands while the rest carries it.
    ratification_rule: Literal["all", "majority"] = "all"
    # A decision is announced this long after its vote closed (its wording may change until then).
    decision_announce_minutes: int = Field(default=30, ge=0, le=7 * 24 * 60)
    # OParl 1.1 (issue 21): the forum's public meetings, agendas and papers at
    # PUBLIC_BASE_URL/oparl/v1/system; persons only with OPARL_PERSONS and their consent.
    oparl_enabled: bool = False
    oparl_persons: bool = False
    oparl_body_name: str = "Nachbarschaftsforum Jena"
    oparl_body_website: str | None = None
    oparl_rate_per_minute: int = Field(default=300, ge=1, le=100_000)

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _parse_ids(cls, value: object) -> object:
        parts = _split_csv(value)
        if isinstance(parts, list):
            try:
                return frozenset(int(part) for part in parts)
            except ValueError:
                raise ValueError("must be comma-separated Telegram user ids (numbers)") from None
        return parts

    @field_validator("working_groups", mode="before")
    @classmethod
    def _parse_groups(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("meeting_reminders", mode="before")
    @classmethod
    def _parse_reminders(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        minutes = []
        for part in value.split(","):
            if not part.strip():
                continue
            match = re.fullmatch(r"(\d+)\s*([dhm])", part.strip().lower())
            if match is None:
                raise ValueError("use amounts like 7d, 24h or 30m, comma-separated")
            amount, unit = int(match.group(1)), match.group(2)
            minutes.append(amount * {"d": 24 * 60, "h": 60, "m": 1}[unit])
        return tuple(sorted(set(minutes), reverse=True))

    @field_validator("task_reminder_days", mode="before")
    @classmethod
    def _parse_days(cls, value: object) -> object:
        parts = _split_csv(value)
        if isinstance(parts, list):
            try:
                days = tuple(int(p) for p in parts)
            except ValueError:
                raise ValueError("comma-separated numbers of days, e.g. 3 or 7,3") from None
            if any(d < 1 or d > 60 for d in days):
                raise ValueError("days between 1 and 60")
            return days
        return parts

    @field_validator("http_trusted_proxies", mode="before")
    @classmethod
    def _parse_proxies(cls, value: object) -> object:
        parts = _split_csv(value)
        if not isinstance(parts, list):
            return parts
        if [p.lower() for p in parts] == ["none"]:
            return ()
        for part in parts:
            if part == "*":
                continue
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(
                    "comma-separated IP addresses or networks of the reverse proxies, "
                    "* for any, or none"
                ) from None
        return tuple(parts)

    @field_validator("public_base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value()
        head, sep, tail = token.partition(":")
        if not sep or not head.isdigit() or not tail:
            raise ValueError("must look like '123456789:ABC-DEF…' as issued by @BotFather")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Berlin)") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _check_db(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", "mode", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("webhook_secret_token")
    @classmethod
    def _check_secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET_TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("1–256 characters A–Z, a–z, 0–9, _ and - (Telegram's rule)")
        return value

    @field_validator("webhook_path_secret")
    @classmethod
    def _check_path_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _PATH_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("16–128 characters A–Z, a–z, 0–9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_secrets(self) -> Settings:
        return self.require_webhook_secrets() if self.mode == "webhook" else self

    @model_validator(mode="after")
    def _two_listeners(self) -> Settings:
        if self.metrics_port and (self.metrics_host, self.metrics_port) == (
            self.http_host,
            self.http_port,
        ):
            raise ValueError(
                "METRICS_PORT must differ from HTTP_PORT: /readyz and /metrics have a listener "
                "of their own"
            )
        return self

    @model_validator(mode="after")
    def _lease_covers_a_send(self) -> Settings:
        # Half the lease to wait for a place under the limits, half for Telegram's answer: a
        # send still waiting for its answer when the lease runs out could be repeated by
        # whoever takes the row over.
        if self.outbox_lease_seconds < 2 * self.outbox_send_timeout_seconds:
            raise ValueError(
                "OUTBOX_LEASE_SECONDS must be at least twice OUTBOX_SEND_TIMEOUT_SECONDS "
                f"({self.outbox_lease_seconds} < 2 × {self.outbox_send_timeout_seconds:g})"
            )
        return self

    def require_webhook_secrets(self) -> Settings:
        """Webhook mode needs both secrets; raises ValueError naming the missing one."""
        for name in ("webhook_path_secret", "webhook_secret_token"):
            if getattr(self, name) is None:
                raise ValueError(f"{name.upper()} is required in webhook mode")
        return self

    @property
    def webhook_path(self) -> str:
        assert self.webhook_path_secret is not None, "webhook mode only"
        return f"/telegram/{self.webhook_path_secret.get_secret_value()}"

    @property
    def webhook_url(self) -> str:
        return self.public_base_url + self.webhook_path

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def invite_ttl(self) -> timedelta:
        return timedelta(days=self.invite_ttl_days)


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


def describe_validation_error(error: ValidationError) -> str:
    """One line naming the first offending environment variable."""
    first = error.errors()[0]
    reason = str(first["msg"]).removeprefix("Value error, ")
    if not first["loc"]:  # a rule about several settings names them itself
        return f"configuration error: {reason}"
    name = str(first["loc"][0]).upper()
    if first["type"] == "missing":
        return f"configuration error: {name} is required but not set"
    return f"configuration error: {name} is invalid: {reason}"


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise ConfigError with a one-line explanation if they are wrong."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error)) from None


def load_settings_or_exit(**overrides: object) -> Settings:
    try:
        return load_settings(**overrides)
    except ConfigError as error:
        message = str(error)
        if "BOT_TOKEN is required" in message and not Path(".env").exists():
            message += " (no .env here: cp .env.example .env, then set BOT_TOKEN in it)"
        print(message, file=sys.stderr)
        raise SystemExit(2) from None
