"""Texts and buttons of scheduling polls (Terminfindung): the member's message with a row of
buttons per slot, its reminder, the closed message, the notice which slot won, the
coordinator's view (organisations × slots, the ranking, who has not answered)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import PollAnswer, PollFix, PollPicture
from bot.i18n import Html, Translator
from bot.services.ids import id_of
from bot.texts.buttons import Button, Keyboard
from storage.models import Meeting, RsvpAnswer
from storage.models_scheduling import SchedulingPoll, SchedulingSlot

if TYPE_CHECKING:
    from bot.services.scheduling import PollOverview, PollView

ANSWER_KEYS = {
    RsvpAnswer.YES: "poll.answer_yes",
    RsvpAnswer.MAYBE: "poll.answer_maybe",
    RsvpAnswer.NO: "poll.answer_no",
}
# In the matrix: one sign per cell.
SIGNS = {RsvpAnswer.YES: "✅", RsvpAnswer.MAYBE: "❔", RsvpAnswer.NO: "❌", None: "·"}
ORDER = (RsvpAnswer.YES, RsvpAnswer.MAYBE, RsvpAnswer.NO)


def slot_span(t: Translator, slot: SchedulingSlot, zone: ZoneInfo) -> str:
    return t.span(slot.starts_at, slot.ends_at, zone)


def _head(t: Translator, poll: SchedulingPoll, group_name: str | None) -> str:
    head = t("poll.head", id=poll.id, title=poll.title)
    if group_name:
        head += "\n" + t("poll.group", group=group_name)
    return head


def _deadline_line(t: Translator, poll: SchedulingPoll, zone: ZoneInfo) -> str:
    if poll.deadline is None:
        return t("poll.until_fixed")
    return t("poll.until", deadline=t.datetime(poll.deadline, zone))


def poll_text(
    t: Translator,
    view: PollView,
    mine: dict[int, RsvpAnswer],
    zone: ZoneInfo,
    *,
    reminder: bool = False,
    expired: bool = False,
) -> str:
    """The member's message: a line per slot with their answer so far (`expired`: the
    deadline has passed, the answers stand as they are)."""
    poll = view.poll
    lines = []
    if reminder and not expired:
        lines.append(t("poll.reminder"))
    lines.append(_head(t, poll, view.group_name))
    if expired and poll.deadline is not None:
        lines += ["", t("poll.expired_line", deadline=t.datetime(poll.deadline, zone))]
    else:
        lines += ["", t("poll.intro"), _deadline_line(t, poll, zone)]
    lines.append("")
    for slot in view.slots:
        answer = mine.get(slot.position)
        shown = t(ANSWER_KEYS[answer]) if answer else t("poll.no_answer")
        lines.append(
            t(
                "poll.slot_line",
                n=slot.position,
                slot=slot_span(t, slot, zone),
                answer=Html(f"{SIGNS[answer]} {html.escape(shown)}"),
            )
        )
    return "\n".join(lines)


def poll_buttons(t: Translator, view: PollView, mine: dict[int, RsvpAnswer]) -> Keyboard:
    """A row per slot: `1: Ja` `1: Vielleicht` `1: Nein`, the member's answer ticked."""
    poll_id = id_of(view.poll)
    rows = []
    for slot in view.slots:
        row = []
        for answer in ORDER:
            label = f"{slot.position}: {t(ANSWER_KEYS[answer])}"
            if mine.get(slot.position) is answer:
                label = f"✅ {label}"
            row.append(Button(label, PollAnswer(poll_id, slot.position, answer)))
        rows.append(tuple(row))
    return tuple(rows)


def closed_text(t: Translator, view: PollView, slot: SchedulingSlot, zone: ZoneInfo) -> str:
    return "\n".join(
        [
            _head(t, view.poll, view.group_name),
            "",
            t("poll.closed_line", slot=slot_span(t, slot, zone)),
        ]
    )


def fixed_notice(
    t: Translator,
    view: PollView,
    slot: SchedulingSlot,
    meeting: Meeting,
    zone: ZoneInfo,
    *,
    said_yes: bool,
) -> str:
    text = t(
        "poll.fixed_notice",
        id=view.poll.id,
        title=view.poll.title,
        slot=slot_span(t, slot, zone),
        meeting=meeting.id,
    )
    if said_yes:
        text += "\n" + t("poll.fixed_confirmed")
    return text


def deadline_notice(t: Translator, poll: SchedulingPoll) -> str:
    return t("poll.deadline_notice", id=poll.id, title=poll.title)


def created_text(t: Translator, view: PollView, zone: ZoneInfo) -> str:
    poll = view.poll
    slots = "\n".join(
        t("poll.slot_plain", n=s.position, slot=slot_span(t, s, zone)) for s in view.slots
    )
    return t(
        "poll.created",
        id=poll.id,
        title=poll.title,
        slots=Html(slots),
        count=view.invited,
        deadline=Html(_deadline_line(t, poll, zone)),
        audience=view.group_name or t("poll.everyone"),
    )


def overview_text(t: Translator, overview: PollOverview, zone: ZoneInfo) -> str:
    view = overview.view
    poll = view.poll
    slots = {s.position: s for s in view.slots}
    lines = [_head(t, poll, view.group_name)]
    if poll.closed_at is not None and poll.chosen_position in slots:
        lines.append(
            t(
                "poll.view_fixed",
                slot=slot_span(t, slots[poll.chosen_position], zone),
                meeting=poll.meeting_id,
            )
        )
    elif poll.deadline is not None:
        lines.append(t("poll.view_deadline", deadline=t.datetime(poll.deadline, zone)))
    else:
        lines.append(t("poll.view_no_deadline"))
    answered = len(overview.organisations) - len(overview.silent)
    lines.append(t("poll.view_answered", answered=answered, total=len(overview.organisations)))
    lines += ["", t("poll.view_ranking")]
    for rank, score in enumerate(overview.ranking, start=1):
        lines.append(
            t(
                "poll.view_rank_line",
                rank=rank,
                n=score.position,
                slot=slot_span(t, slots[score.position], zone),
                yes=score.yes,
                maybe=score.maybe,
                no=score.no,
            )
        )
    lines += ["", t("poll.view_matrix")]
    for organisation in overview.organisations:
        cells = " ".join(
            f"{p}{SIGNS[overview.cells.get((id_of(organisation), p))]}" for p in sorted(slots)
        )
        lines.append(f"{html.escape(organisation.name)}: {cells}")
    if overview.silent:
        names = ", ".join(o.name for o in overview.silent)
        lines += ["", t("poll.view_silent", names=names)]
    return "\n".join(lines)


def overview_buttons(t: Translator, overview: PollOverview, zone: ZoneInfo) -> Keyboard:
    """Termin festlegen per slot (the best first) while the poll is open; Als Bild."""
    view = overview.view
    poll_id = id_of(view.poll)
    slots = {s.position: s for s in view.slots}
    rows: list[tuple[Button, ...]] = []
    if view.poll.closed_at is None:
        for score in overview.ranking:
            slot = slots[score.position]
            label = t("poll.button_fix", n=slot.position, slot=slot_span(t, slot, zone))
            rows.append((Button(label, PollFix(poll_id, slot.position)),))
    rows.append((Button(t("poll.button_picture"), PollPicture(poll_id)),))
    return tuple(rows)
