"""`forumbot import-organisations FILE.csv`: organisations created or updated from a table
(columns name, kind, AGS; UTF-8 with or without BOM; `;` or `,`, whichever the file uses).

Every row is checked first; one bad row and nothing is imported (the bad rows are listed with
their line numbers). Otherwise all rows go into the database in one transaction. A row names
an organisation by its name (in any case): an existing one gets the kind and AGS given (empty
cells leave them as they are), a new one is created (without a kind, the kind is guessed from
the name, as /einladen does)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.parsing import (
    MAX_ORGANISATION_NAME,
    clean_text,
    guess_kind,
    parse_kind,
    parse_organisation_spec,
)
from bot.services.errors import ServiceError
from bot.services.uow import UnitOfWorkFactory
from storage.models import Organisation, OrganisationKind

_HEADERS = {
    "name": "name",
    "kind": "kind",
    "art": "kind",
    "ags": "ags",
    "gemeindeschlüssel": "ags",
    "gemeindeschluessel": "ags",
}


@dataclass(frozen=True)
class Row:
    line: int
    name: str
    kind: OrganisationKind | None
    ags: str | None


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str  # a catalog key
    value: str = ""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)


def read_table(data: bytes) -> tuple[list[Row], list[BadRow]]:
    """The rows of the file and the bad ones (by line number, counting from 1)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [BadRow(0, "import.not_utf8")]
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return [], [BadRow(0, "import.empty")]
    sample = "\n".join(lines[:20])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,").delimiter
    except csv.Error:
        delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    table = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    columns = ["name", "kind", "ags"]
    start = 0
    first = [clean_text(c).casefold() for c in table[0]] if table else []
    if first and first[0] in _HEADERS:
        columns = [_HEADERS.get(c, "") for c in first]
        start = 1
        if "name" not in columns:
            return [], [BadRow(1, "import.no_name_column")]
    rows: list[Row] = []
    bad: list[BadRow] = []
    seen: dict[str, int] = {}
    for index, cells in enumerate(table[start:], start=start + 1):
        values = {columns[i]: clean_text(c) for i, c in enumerate(cells) if i < len(columns)}
        if not any(values.values()):
            continue  # an empty line
        name, kind_text, ags = values.get("name", ""), values.get("kind", ""), values.get("ags")
        if not name:
            bad.append(BadRow(index, "import.name_missing"))
            continue
        if len(name) > MAX_ORGANISATION_NAME:
            bad.append(BadRow(index, "import.name_too_long", name[:40]))
            continue
        kind = parse_kind(kind_text) if kind_text else None
        if kind_text and kind is None:
            bad.append(BadRow(index, "import.kind_unknown", kind_text))
            continue
        if ags:
            try:
                parse_organisation_spec(f"{name} | {ags}")
            except ServiceError:
                bad.append(BadRow(index, "import.ags_invalid", ags))
                continue
        if name.casefold() in seen:
            bad.append(BadRow(index, "import.duplicate", name))
            continue
        seen[name.casefold()] = index
        rows.append(Row(index, name, kind, ags or None))
    return rows, bad


async def import_organisations(uow: UnitOfWorkFactory, clock: Clock, data: bytes) -> ImportReport:
    """Check every row, then import all of them in one transaction, or none."""
    rows, bad = read_table(data)
    report = ImportReport(bad=bad)
    if bad:
        return report
    now = clock.now()
    async with uow() as work:
        existing = {o.name.casefold(): o for o in await work.organisations.all()}
        by_ags = {o.ags: o for o in existing.values() if o.ags}
        for row in rows:
            organisation = existing.get(row.name.casefold())
            owner = by_ags.get(row.ags) if row.ags else None
            if owner is not None and owner is not organisation:
                report.bad.append(BadRow(row.line, "import.ags_taken", owner.name))
                continue
            if organisation is None:
                organisation = await work.organisations.add(
                    Organisation(
                        name=row.name,
                        kind=row.kind or guess_kind(row.name),
                        ags=row.ags,
                        created_at=now,
                    )
                )
                existing[row.name.casefold()] = organisation
                if row.ags:
                    by_ags[row.ags] = organisation
                report.created.append(row.name)
                continue
            changed = False
            if row.kind is not None and organisation.kind != row.kind:
                organisation.kind, changed = row.kind, True
            if row.ags is not None and organisation.ags != row.ags:
                organisation.ags, changed = row.ags, True
                by_ags[row.ags] = organisation
            (report.updated if changed else report.unchanged).append(organisation.name)
        if report.bad:
            # Nothing half-imported: the transaction is rolled back.
            return ImportReport(bad=report.bad)
        await work.commit(completes_update=False)
    return report
