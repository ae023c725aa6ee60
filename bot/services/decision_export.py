"""`/export beschluesse` (issue 16): the decision register as a table, one row per decision,
with the vote per organisation and every council ratification. Read-only, a few queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.exports.sheet import Cell, Row
from bot.i18n import plain_text
from bot.services.export_columns import Column, Context, headers, rows
from bot.services.feature_ports import ExportRepo
from bot.texts import decisions as texts
from storage.enums import PENDING_RATIFICATION
from storage.models import Vote
from storage.models_decisions import Decision, Ratification


@dataclass(frozen=True)
class Record:
    decision: Decision
    result: dict[str, int]
    votes: list[Vote]
    ratifications: list[Ratification]


def _count(name: str) -> Callable[[Record, Context], Cell]:
    return lambda r, c: int(r.result.get(name, 0))


def _votes(r: Record, c: Context) -> Cell:
    lines = sorted(
        f"{c.organisation(v.organisation_id) or '–'}: {c.text(texts.CHOICE_KEYS[v.choice])}"
        for v in r.votes
    )
    return "; ".join(lines) or None


def _ratifications(r: Record, c: Context) -> Cell:
    items = [
        f"{c.organisation(i.organisation_id) or '–'}: "
        + plain_text(texts.item_status(c.t, i, c.zone))
        for i in r.ratifications
    ]
    return "; ".join(items) or None


def _open(r: Record) -> int:
    return len([i for i in r.ratifications if i.status in PENDING_RATIFICATION])


DECISION_COLUMNS: tuple[Column[Record], ...] = (
    Column("export.col_decision_number", lambda r, c: texts.number(r.decision)),
    Column("export.col_decision_title", lambda r, c: r.decision.title),
    Column("export.col_decision_text", lambda r, c: r.decision.text),
    Column("export.col_decided_at", lambda r, c: c.when(r.decision.decided_at)),
    Column("export.col_decision_topic", lambda r, c: r.decision.proposal_id),
    Column("export.col_decision_meeting", lambda r, c: r.decision.meeting_id),
    Column(
        "export.col_decision_status",
        lambda r, c: c.text(f"decision.status.{r.decision.status.value}"),
    ),
    Column("export.col_decision_yes", _count("yes")),
    Column("export.col_decision_yes_council", _count("yes_council")),
    Column("export.col_decision_no", _count("no")),
    Column("export.col_decision_abstain", _count("abstain")),
    Column("export.col_decision_votes", _votes),
    Column("export.col_decision_ratifications", _ratifications),
    Column("export.col_decision_open", lambda r, c: _open(r)),
    Column("export.col_decision_updated", lambda r, c: c.when(r.decision.updated_at)),
)


async def decision_rows(repo: ExportRepo, c: Context) -> tuple[tuple[str, ...], list[Row]]:
    decisions = await repo.decisions()
    ballots = {b.id: b for b, _ in await repo.ballots()}
    by_decision: dict[int, list[Ratification]] = {}
    for item in await repo.ratifications():
        by_decision.setdefault(item.decision_id, []).append(item)
    records = []
    for decision in decisions:
        ballot = ballots.get(decision.ballot_id)
        records.append(
            Record(
                decision,
                dict((ballot.result or {}) if ballot else {}),
                list(await repo.votes(decision.ballot_id)),
                by_decision.get(decision.id or 0, []),
            )
        )
    return headers(DECISION_COLUMNS, c), rows(DECISION_COLUMNS, records, c)
