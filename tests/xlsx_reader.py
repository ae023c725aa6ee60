"""A second, independent reader of .xlsx files for the export tests: the workbook's XML read
with the standard library (zipfile, ElementTree), not with openpyxl that wrote it.

Reads the first worksheet: shared and inline strings, numbers, and cells whose number format
is a date or a time (turned into datetime from Excel's serial day count)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime, timedelta
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# Wall-clock time (a spreadsheet has no zones).
EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - Excel's day 0 (with its 1900 leap-year bug folded in)
BUILTIN_DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47}

Value = str | float | int | datetime | None


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters is not None
    number = 0
    for ch in letters.group():
        number = number * 26 + ord(ch) - 64
    return number


def _text(element: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in element.iter(f"{{{NS['m']}}}t"))


class Workbook:
    def __init__(self, payload: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(payload))
        names = self.zip.namelist()
        self.shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(self.zip.read("xl/sharedStrings.xml"))
            self.shared = [_text(si) for si in root.findall("m:si", NS)]
        self.date_styles = self._date_styles()
        workbook = ElementTree.fromstring(self.zip.read("xl/workbook.xml"))
        sheets = workbook.findall("m:sheets/m:sheet", NS)
        self.sheet_names = [s.get("name") for s in sheets]
        rels = ElementTree.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        target = str(targets[sheets[0].get(REL)]).removeprefix("/xl/")
        self.sheet = ElementTree.fromstring(self.zip.read(f"xl/{target}"))

    def _date_styles(self) -> set[int]:
        root = ElementTree.fromstring(self.zip.read("xl/styles.xml"))
        custom = {
            int(f.get("numFmtId", "0")): f.get("formatCode", "")
            for f in root.findall("m:numFmts/m:numFmt", NS)
        }
        found = set()
        for index, xf in enumerate(root.findall("m:cellXfs/m:xf", NS)):
            fmt = int(xf.get("numFmtId", "0"))
            code = re.sub(r'"[^"]*"|\[[^\]]*\]', "", custom.get(fmt, "")).lower()
            if fmt in BUILTIN_DATE_FORMATS or (code and re.search(r"[dmyhs]", code)):
                found.add(index)
        return found

    def rows(self) -> list[list[Value]]:
        """Every row of the sheet (empty rows as []), cells by position, None where empty."""
        result: list[list[Value]] = []
        for row in self.sheet.findall("m:sheetData/m:row", NS):
            number = int(row.get("r", "0"))
            while len(result) < number - 1:
                result.append([])
            cells: list[Value] = []
            for cell in row.findall("m:c", NS):
                column = _column(cell.get("r", "A"))
                while len(cells) < column - 1:
                    cells.append(None)
                cells.append(self._value(cell))
            result.append(cells)
        return result

    def _value(self, cell: ElementTree.Element) -> Value:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find("m:is", NS)
            return _text(inline) if inline is not None else ""
        raw = cell.findtext("m:v", default=None, namespaces=NS)
        if raw is None:
            return None
        if kind == "s":
            return self.shared[int(raw)]
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw == "1"
        number = float(raw)
        if int(cell.get("s", "0")) in self.date_styles:
            # To the minute: the serial's fraction is a binary float.
            moment = EPOCH + timedelta(days=number)
            return (moment + timedelta(seconds=30)).replace(second=0, microsecond=0)
        return int(number) if number.is_integer() else number

    def frozen_at(self) -> str | None:
        pane = self.sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
        return (
            pane.get("topLeftCell") if pane is not None and pane.get("state") == "frozen" else None
        )

    def auto_filter(self) -> str | None:
        element = self.sheet.find("m:autoFilter", NS)
        return element.get("ref") if element is not None else None

    def widths(self) -> dict[int, float]:
        return {
            int(col.get("min", "0")): float(col.get("width", "0"))
            for col in self.sheet.findall("m:cols/m:col", NS)
        }
