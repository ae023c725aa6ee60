"""Prometheus metrics of one bot (its own CollectorRegistry, so several bots can live in one
process, as in the tests) and the readiness check.

- `forumbot_updates_total{type,outcome}` and `forumbot_update_seconds{type}`: every update,
  counted and timed around the Application's processing (`BotApplication.process_update`).
- `forumbot_outbox_rows{state}`: counted in the database when /metrics is asked for.
- `forumbot_outbox_sends_total{result}`: the outbox sender's outcomes (`SenderStats`).
- `forumbot_telegram_429_total`: 429 answers Telegram gave to any request (the limiter counts).
- `forumbot_outbox_possible_duplicates_total`: sends retried although they may have arrived
  (no answer within OUTBOX_SEND_TIMEOUT_SECONDS, or the connection broke after sending).
- `forumbot_telegram_unauthorized_total` and `forumbot_outbox_paused`: 401 answers to the
  sender, and 1 while it waits for Telegram to accept the token again.
- `forumbot_webhook_refused_total`, `forumbot_webhook_malformed_total`,
  `forumbot_calendar_rate_limited_total`: what the public HTTP listener refused (`HttpStats`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from bot.delivery.records import SenderStats
from bot.http import HttpStats
from storage.models import OutboxMessage, OutboxState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Handling an update: mostly a few milliseconds, a feed or a broadcast preview up to seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# SenderStats fields and the `result` label they become.
SEND_RESULTS = {
    "sent": "sent",
    "failed": "failed",
    "skipped": "skipped",
    "retried": "retry",
    "handed_back": "handed_back",
    "lost_claims": "lost_claim",
}


class _DeliveryCollector(Collector):
    """Reads the sender's and the limiter's counters when scraped."""

    def __init__(
        self,
        stats: Callable[[], SenderStats | None],
        retry_after: Callable[[], int],
        paused: Callable[[], bool],
    ) -> None:
        self._stats = stats
        self._retry_after = retry_after
        self._paused = paused

    def collect(self) -> Iterable[Metric]:
        sends = CounterMetricFamily(
            "forumbot_outbox_sends",
            "Outbox messages by the result of an attempt to send them",
            labels=["result"],
        )
        stats = asdict(self._stats() or SenderStats())
        for field, result in SEND_RESULTS.items():
            sends.add_metric([result], float(stats[field]))
        yield sends
        yield CounterMetricFamily(
            "forumbot_telegram_429",
            "429 Too Many Requests answers from Telegram (the limiter should keep it at 0)",
            value=float(self._retry_after()),
        )
        yield CounterMetricFamily(
            "forumbot_outbox_possible_duplicates",
            "Outbox sends retried although the earlier attempt may have arrived (no answer)",
            value=float(stats["possible_duplicates"]),
        )
        yield CounterMetricFamily(
            "forumbot_telegram_unauthorized",
            "401 answers to the outbox sender (Telegram refused the bot token)",
            value=float(stats["unauthorized"]),
        )
        yield GaugeMetricFamily(
            "forumbot_outbox_paused",
            "1 while the outbox waits for Telegram to accept the bot token again",
            value=1.0 if self._paused() else 0.0,
        )


class _HttpCollector(Collector):
    """The public listener's refusals, read when scraped."""

    def __init__(self, stats: HttpStats) -> None:
        self._stats = stats

    def collect(self) -> Iterable[Metric]:
        yield CounterMetricFamily(
            "forumbot_webhook_refused",
            "Webhook requests without the right secret token (answered 401)",
            value=float(self._stats.webhook_refused),
        )
        yield CounterMetricFamily(
            "forumbot_webhook_malformed",
            "Webhook requests with the right secret but no readable update (answered 400)",
            value=float(self._stats.webhook_malformed),
        )
        yield CounterMetricFamily(
            "forumbot_calendar_rate_limited",
            "Calendar feed requests over the per-client rate limit (answered 429)",
            value=float(self._stats.calendar_limited),
        )
        yield CounterMetricFamily(
            "forumbot_oparl_rate_limited",
            "OParl requests over the per-client rate limit (answered 429)",
            value=float(self._stats.oparl_limited),
        )


class BotMetrics:
    def __init__(
        self,
        *,
        sender_stats: Callable[[], SenderStats | None],
        retry_after_count: Callable[[], int],
        sender_paused: Callable[[], bool] = lambda: False,
        http_stats: HttpStats | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "forumbot_updates",
            "Updates handled, by type (message, callback_query, …) and outcome (ok, error)",
            ["type", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "forumbot_update_seconds",
            "Time from taking an update off the queue to the end of its handling",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outbox_rows = Gauge(
            "forumbot_outbox_rows",
            "Outbox rows by state, counted in the database when scraped",
            ["state"],
            registry=self.registry,
        )
        self.registry.register(_DeliveryCollector(sender_stats, retry_after_count, sender_paused))
        self.registry.register(_HttpCollector(http_stats or HttpStats()))

    def observe_update(self, kind: str, outcome: str, seconds: float) -> None:
        self.updates.labels(kind, outcome).inc()
        self.latency.labels(kind).observe(seconds)

    async def render(self, engine: AsyncEngine | None) -> bytes:
        """The text exposition, with the outbox counted now (if the database is open)."""
        if engine is not None:
            counts = await outbox_counts(engine)
            for state in OutboxState:
                self.outbox_rows.labels(state.value).set(counts.get(state.value, 0))
        return generate_latest(self.registry)


async def outbox_counts(engine: AsyncEngine) -> dict[str, int]:
    stmt = select(col(OutboxMessage.state), func.count()).group_by(col(OutboxMessage.state))
    async with engine.connect() as connection:
        rows = (await connection.execute(stmt)).all()
    return {OutboxState(state).value: int(count) for state, count in rows}
