"""A `Sheet` as CSV for the server (`forumbot export --format csv`): UTF-8 with a byte order
mark and `;` between fields, as Excel and LibreOffice in German settings open it by a double
click; days as `2026-12-03`, moments as `2026-12-03 18:00` (the forum's time zone); the notes
after one empty line."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from bot.exports.sheet import Cell, Sheet, wall_clock

DELIMITER = ";"


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return wall_clock(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def render(sheet: Sheet) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow(sheet.headers)
    for row in sheet.rows:
        writer.writerow([_text(v) for v in row])
    if sheet.notes:
        writer.writerow([])
        for label, value in sheet.notes:
            writer.writerow([label, _text(value)])
    return buffer.getvalue().encode("utf-8-sig")
