"""A meeting's minutes draft as a .docx (python-docx), pure: plain data in, the file's bytes out.

Every text arrives ready to print, in the coordinator's language (`bot/services/minutes_draft.py`
gathers and words it). The document uses Word's own styles: Title, Heading 1 for the sections,
Heading 2 per agenda item, "Table Grid" for the tables, and a footer with the page number as a
PAGE field (Word and LibreOffice fill it in).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

TABLE_STYLE = "Table Grid"


@dataclass(frozen=True)
class Labels:
    """The fixed words of the document, in the reader's language."""

    attendance: str
    organisation: str
    state: str
    who: str
    agenda: str
    notes: str
    votes: str
    decisions: str
    tasks: str
    task: str
    owner: str
    due: str
    choice: str
    next_meeting: str
    general: str
    nothing: str
    page: str


@dataclass(frozen=True)
class AttendanceRow:
    organisation: str
    state: str  # anwesend / entschuldigt / abwesend (advisory ones say so)
    detail: str  # who was there, or the reasons


@dataclass(frozen=True)
class VoteRecord:
    heading: str  # "Abstimmung zu Thema #4 …: angenommen"
    summary: str  # the counts
    per_organisation: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class TaskRow:
    title: str
    owner: str
    due: str


@dataclass(frozen=True)
class Section:
    """An agenda item (or the meeting as a whole: the last section, `general`)."""

    heading: str
    notes: list[str] = field(default_factory=list)
    votes: list[VoteRecord] = field(default_factory=list)
    # Decisions with their numbers (issue 16), once its table exists: see minutes_draft.py.
    decisions: list[str] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)


@dataclass(frozen=True)
class Minutes:
    labels: Labels
    forum: str
    title: str  # "Protokoll: Forumssitzung (#12)"
    facts: list[tuple[str, str]]  # (Datum, …), (Zeit, …), (Ort, …)
    roles: list[str]  # "Sitzungsleitung: …", "Protokoll: …"
    attendance: list[AttendanceRow]
    quorum: str
    sections: list[Section]
    next_meeting: str


def render(minutes: Minutes) -> bytes:
    doc = Document()
    labels = minutes.labels
    doc.add_paragraph(minutes.forum, style="Subtitle")
    doc.add_heading(minutes.title, level=0)
    for name, value in minutes.facts:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{name}: ").bold = True
        paragraph.add_run(value)
    for line in minutes.roles:
        doc.add_paragraph(line)

    doc.add_heading(labels.attendance, level=1)
    table = _table(doc, labels.organisation, labels.state, labels.who)
    for row in minutes.attendance:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = row.organisation, row.state, row.detail
    doc.add_paragraph(minutes.quorum)

    doc.add_heading(labels.agenda, level=1)
    for section in minutes.sections:
        _section(doc, labels, section)

    doc.add_heading(labels.next_meeting, level=1)
    doc.add_paragraph(minutes.next_meeting)
    _page_numbers(doc, labels.page)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _section(doc: DocumentObject, labels: Labels, section: Section) -> None:
    doc.add_heading(section.heading, level=2)
    _labelled(doc, labels.notes)
    for note in section.notes or [labels.nothing]:
        doc.add_paragraph(note, style="List Bullet")
    _labelled(doc, labels.votes)
    if not section.votes:
        doc.add_paragraph(labels.nothing, style="List Bullet")
    for vote in section.votes:
        doc.add_paragraph(vote.heading, style="List Bullet")
        doc.add_paragraph(vote.summary)
        if vote.per_organisation:
            table = _table(doc, labels.organisation, labels.choice)
            for organisation, choice in vote.per_organisation:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = organisation, choice
    _labelled(doc, labels.decisions)
    for decision in section.decisions or [labels.nothing]:
        doc.add_paragraph(decision, style="List Bullet")
    _labelled(doc, labels.tasks)
    if not section.tasks:
        doc.add_paragraph(labels.nothing, style="List Bullet")
        return
    table = _table(doc, labels.task, labels.owner, labels.due)
    for task in section.tasks:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = task.title, task.owner, task.due


def _table(doc: DocumentObject, *headings: str) -> Any:  # python-docx's Table is untyped
    """A table in the document's table style, its first row the bold headings."""
    table = doc.add_table(rows=1, cols=len(headings))
    table.style = doc.styles[TABLE_STYLE]
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    return table


def _labelled(doc: DocumentObject, text: str) -> Paragraph:
    paragraph = doc.add_paragraph()
    paragraph.add_run(text).bold = True
    return paragraph


def _page_numbers(doc: DocumentObject, word: str) -> None:
    """`Seite <PAGE>` centred in every page's footer."""
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(f"{word} ")
    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instruction, separate, shown, end):
        run._r.append(element)
