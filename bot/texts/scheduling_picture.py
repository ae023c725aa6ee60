"""The coordinator's view of a scheduling poll as a picture (PNG, drawn with Pillow), to
forward to a group chat: organisations × slots, each cell coloured (green Ja, yellow
Vielleicht, red Nein, grey no answer), and under each slot how many organisations said Ja."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from bot.i18n import Translator, plain_text
from bot.services.ids import id_of
from storage.models import RsvpAnswer

if TYPE_CHECKING:
    from bot.services.scheduling import PollOverview

COLOURS: dict[RsvpAnswer | None, str] = {
    RsvpAnswer.YES: "#4caf50",
    RsvpAnswer.MAYBE: "#ffc107",
    RsvpAnswer.NO: "#e53935",
    None: "#e0e0e0",
}
SHORT = {RsvpAnswer.YES: "poll.answer_yes", RsvpAnswer.MAYBE: "poll.answer_maybe"}
PAD = 16
CELL_W = 110
ROW_H = 34
NAME_W_MAX = 360


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def matrix_png(t: Translator, overview: PollOverview, zone: ZoneInfo) -> bytes:
    view = overview.view
    poll = view.poll
    slots = list(view.slots)
    title_font, font, small = _font(22), _font(16), _font(13)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    names = [o.name for o in overview.organisations]
    name_w = min(
        NAME_W_MAX,
        max([int(probe.textlength(n, font=font)) for n in names] + [120]) + PAD,
    )
    head_h = 2 * ROW_H + 8
    width = max(PAD * 2 + name_w + CELL_W * len(slots), 560)
    height = PAD * 2 + 40 + head_h + ROW_H * (len(names) + 1) + 40
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    title = plain_text(t("poll.picture_title", id=poll.id, title=poll.title))
    draw.text((PAD, PAD), title, fill="black", font=title_font)
    top = PAD + 40
    for i, slot in enumerate(slots):
        x = PAD + name_w + CELL_W * i
        local = slot.starts_at.astimezone(zone)
        end = slot.ends_at.astimezone(zone)
        draw.text(
            (x + 6, top),
            f"{slot.position}. {t.date(slot.starts_at, zone)}",
            fill="black",
            font=small,
        )
        draw.text(
            (x + 6, top + ROW_H - 6),
            f"{local:%H:%M}–{end:%H:%M}",
            fill="black",
            font=small,
        )
    y = top + head_h
    for organisation, name in zip(overview.organisations, names, strict=True):
        shown = name
        while probe.textlength(shown, font=font) > name_w - PAD and len(shown) > 4:
            shown = shown[:-2] + "…"
        draw.text((PAD, y + 8), shown, fill="black", font=font)
        for i, slot in enumerate(slots):
            x = PAD + name_w + CELL_W * i
            answer = overview.cells.get((id_of(organisation), slot.position))
            draw.rectangle((x + 2, y + 2, x + CELL_W - 2, y + ROW_H - 2), fill=COLOURS[answer])
        y += ROW_H
    # The score row: Ja (Vielleicht) per slot.
    by_position = {s.position: s for s in overview.ranking}
    yes, maybe = t(SHORT[RsvpAnswer.YES]), t(SHORT[RsvpAnswer.MAYBE])
    for i, slot in enumerate(slots):
        x = PAD + name_w + CELL_W * i
        score = by_position[slot.position]
        draw.text(
            (x + 6, y + 8),
            f"{yes} {score.yes} ({maybe[0]} {score.maybe})",
            fill="black",
            font=small,
        )
    y += ROW_H + 8
    legend_x = PAD
    labels = plain_text(t("poll.picture_legend")).split(" · ")
    for answer, label in zip(
        (RsvpAnswer.YES, RsvpAnswer.MAYBE, RsvpAnswer.NO, None), labels, strict=False
    ):
        draw.rectangle((legend_x, y + 4, legend_x + 16, y + 20), fill=COLOURS[answer])
        draw.text((legend_x + 22, y + 4), label, fill="black", font=small)
        legend_x += 40 + int(probe.textlength(label, font=small))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
