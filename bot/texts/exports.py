"""Texts and buttons of /export: the menu of tables and the caption of the file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.callbacks import ExportButton, ExportTable
from bot.exports.sheet import Sheet
from bot.i18n import Translator, plain_text
from bot.texts.buttons import Button, Keyboard, in_rows
from storage.models import Proposal

MENU = {
    ExportTable.MEMBERS: "export.button_members",
    ExportTable.ORGANISATIONS: "export.button_organisations",
    ExportTable.VOTES: "export.button_votes",
    ExportTable.TASKS: "export.button_tasks",
    ExportTable.MEETINGS: "export.button_meetings",
    ExportTable.DECISIONS: "export.button_decisions",
}
TITLE_IN_BUTTON = 40  # characters of a topic's title on its button


def menu_buttons(t: Translator, recent_votes: Sequence[Proposal]) -> Keyboard:
    """The tables two to a row, then the record of each of the latest votes."""
    tables = in_rows((Button(t(key), ExportButton(table)) for table, key in MENU.items()), 2)
    votes = []
    for proposal in recent_votes:
        title = proposal.title
        if len(title) > TITLE_IN_BUTTON:
            title = title[: TITLE_IN_BUTTON - 1] + "…"
        label = plain_text(t("export.button_vote", id=proposal.id, title=title))
        votes.append((Button(label, ExportButton(ExportTable.VOTE, proposal.id)),))
    return (*tables, *votes)


def caption(t: Translator, sheet: Sheet, now: datetime, zone: ZoneInfo) -> str:
    rows = len(sheet.rows)
    return t.plural(
        "export.caption", rows, title=sheet.title, rows=rows, when=t.datetime(now, zone)
    )
