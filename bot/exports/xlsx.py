"""A `Sheet` as an .xlsx workbook (openpyxl): one worksheet, bold header row frozen, an auto
filter over the table, days and moments as real spreadsheet dates, columns as wide as their
longest value (within limits), the notes two rows under the table."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.exports.sheet import Cell, Sheet, wall_clock

MIN_WIDTH = 6
MAX_WIDTH = 60
FILTER_BUTTON = 3  # room for the auto filter's arrow beside a header
INVALID_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})


def _shown_length(value: Cell, sheet: Sheet) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len(sheet.datetime_format)
    if isinstance(value, date):
        return len(sheet.date_format)
    # The longest line of a multi-line text.
    return max(len(line) for line in str(value).split("\n"))


def _cell_value(value: Cell) -> Cell:
    if isinstance(value, datetime):
        return wall_clock(value)
    if isinstance(value, str):
        # Control characters an .xlsx cannot hold (a name from a Telegram profile, say).
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _format(cell: Any, value: Cell, sheet: Sheet) -> None:
    if isinstance(value, datetime):
        cell.number_format = sheet.datetime_format
    elif isinstance(value, date):
        cell.number_format = sheet.date_format
    elif isinstance(value, str) and value.startswith("="):
        # Text stays text: openpyxl would write "=…" as a formula (formula injection).
        cell.data_type = "s"


def render(sheet: Sheet) -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet.title.translate(INVALID_TITLE)[:31] or "Export"
    bold = Font(bold=True)
    ws.append(list(sheet.headers))
    for cell in ws[1]:
        cell.font = bold
    widths = [len(h) + FILTER_BUTTON for h in sheet.headers]
    for row in sheet.rows:
        ws.append([_cell_value(v) for v in row])
        for index, value in enumerate(row):
            widths[index] = max(widths[index], _shown_length(value, sheet))
    last_row = len(sheet.rows) + 1
    columns = len(sheet.headers)
    for row, row_cells in zip(
        sheet.rows, ws.iter_rows(min_row=2, max_row=last_row, max_col=columns), strict=True
    ):
        for value, cell in zip(row, row_cells, strict=True):
            _format(cell, value, sheet)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{last_row}"
    if sheet.notes:
        row_number = last_row + 2
        for label, value in sheet.notes:
            label_cell = ws.cell(row=row_number, column=1, value=label)
            label_cell.font = bold
            value_cell = ws.cell(row=row_number, column=2, value=_cell_value(value))
            _format(value_cell, value, sheet)
            widths[0] = max(widths[0], len(label))
            if columns > 1:
                widths[1] = max(widths[1], _shown_length(value, sheet))
            row_number += 1
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = min(
            max(width + 2, MIN_WIDTH), MAX_WIDTH
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
