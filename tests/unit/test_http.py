"""The pieces of the bot's HTTP server that need no server: the update check, the per-client
rate limit and the once-a-minute warning."""

from __future__ import annotations

import json
import logging

import pytest

from bot.config import ConfigError, load_settings
from bot.http import ClientRateLimit, ThrottledWarning, client_key, parse_update


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_real_update_is_returned_unchanged() -> None:
    update = {
        "update_id": 10,
        "message": {
            "message_id": 1,
            "date": 1_800_000_000,
            "chat": {"id": 5, "type": "private", "first_name": "Anna"},
            "from": {"id": 5, "is_bot": False, "first_name": "Anna"},
            "text": "/start 👨\u200d👩\u200d👧",
            "some_future_field": {"x": [1, 2]},
        },
    }
    body = json.dumps(update).encode()
    assert parse_update(body) == update


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[]",
        b'{"update_id": -1}',
        b'{"update_id": 1.5}',
        b'{"update_id": 1, "message": null}',
        b'{"update_id": 1, "message": "x"}',
        b'{"update_id": 1, "\\ud800": {}}',
        b"\xff\xfe",
        b'{"update_id": 1, "message": ' + b"[" * 40 + b"]" * 40 + b"}",
    ],
)
def test_anything_else_is_none_with_one_warning(
    body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="bot.http"):
        assert parse_update(body) is None
    (record,) = caplog.records
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert "malformed update" in record.getMessage()


def test_the_rate_limit_allows_a_burst_then_one_request_per_share_of_the_minute() -> None:
    clock = Clock()
    limit = ClientRateLimit(3, clock=clock)
    assert [limit.take("192.0.2.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limit.take("192.0.2.1") == pytest.approx(20.0)
    assert limit.take("192.0.2.2") == 0.0  # another client
    clock.now += 10
    assert limit.take("192.0.2.1") == pytest.approx(10.0)
    clock.now += 10
    assert limit.take("192.0.2.1") == 0.0
    clock.now += 3600  # refilled, never beyond the burst
    assert [limit.take("192.0.2.1") for _ in range(4)][-1] > 0


def test_the_rate_limit_keeps_only_the_latest_clients() -> None:
    limit = ClientRateLimit(1, clock=Clock(), max_clients=2)
    assert limit.take("192.0.2.1") == 0.0
    assert limit.take("192.0.2.2") == 0.0
    assert limit.take("192.0.2.1") > 0  # still known: used last but one
    assert limit.take("192.0.2.3") == 0.0  # .2 is forgotten
    assert limit.take("192.0.2.1") > 0
    assert limit.take("192.0.2.2") == 0.0


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("unix-socket", "unix-socket"),
        (None, "-"),
    ],
)
def test_clients_are_counted_by_address_or_ipv6_network(address: str | None, key: str) -> None:
    assert client_key(address) == key


async def test_a_repeated_warning_is_written_at_most_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    warn = ThrottledWarning(logging.getLogger("bot.test"), "refused", event="x", clock=clock)
    with caplog.at_level(logging.INFO, logger="bot.test"):
        for i in range(100):
            warn(f"from 192.0.2.{i}")
        clock.now += 59
        warn("from 192.0.2.200")
        assert [r.getMessage() for r in caplog.records] == [
            "refused: 1 since the previous such line, the latest from 192.0.2.0"
        ]
        warn.flush()  # what the timer does a minute after the first line
        clock.now += 61
        warn("from 192.0.2.201")
    assert [r.getMessage() for r in caplog.records][1:] == [
        "refused: 100 since the previous such line, the latest from 192.0.2.200",
        "refused: 1 since the previous such line, the latest from 192.0.2.201",
    ]


def test_trusted_proxies_and_the_two_listeners_are_checked() -> None:
    base = {"_env_file": None, "bot_token": "1:a"}
    assert load_settings(**base).http_trusted_proxies == ("127.0.0.1", "::1")
    assert load_settings(**base, http_trusted_proxies="none").http_trusted_proxies == ()
    proxies = load_settings(**base, http_trusted_proxies="172.17.0.1, 10.0.0.0/8")
    assert proxies.http_trusted_proxies == ("172.17.0.1", "10.0.0.0/8")
    with pytest.raises(ConfigError, match="HTTP_TRUSTED_PROXIES is invalid"):
        load_settings(**base, http_trusted_proxies="proxy.example.org")
    with pytest.raises(ConfigError, match="METRICS_PORT must differ from HTTP_PORT"):
        load_settings(**base, http_port=8080, metrics_port=8080)
    assert load_settings(**base, http_port=0, metrics_port=0).metrics_port == 0
