"""The coordinator's view of a scheduling poll as a picture (PNG, drawn with Pillow), to
forward to a group chat: organisations × slots, each cell coloured (green Ja, yellow
Vielleicht, red Nein, grey no answer), under each slot how many organisations said Ja and
Vielleicht, the best slot (or the fixed one) framed.

The text is drawn in DejaVu Sans (Debian's fonts-dejavu-core, in the Docker image); where it
is missing, in Pillow's own font, which lacks umlauts: they are then written out (ö → oe)."""

from __future__ import annotations

import io
import math
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from PIL import Image, ImageDraw, ImageFont

from bot.i18n import Translator, plain_text
from bot.services.ids import id_of
from storage.models import RsvpAnswer

if TYPE_CHECKING:
    from bot.services.scheduling import PollOverview

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

COLOURS: dict[RsvpAnswer | None, str] = {
    RsvpAnswer.YES: "#43a047",
    RsvpAnswer.MAYBE: "#fdd835",
    RsvpAnswer.NO: "#e53935",
    None: "#e0e0e0",
}
LEGEND = (RsvpAnswer.YES, RsvpAnswer.MAYBE, RsvpAnswer.NO, None)
FRAME = "#1b5e20"
PAD = 18
CELL_W = 124
ROW_H = 34
NAME_W_MAX = 340
DAY_FORMAT = {"de": "EEE dd.MM.", "en": "EEE d MMM"}
_PLAIN = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "–": "-"}
)


@cache
def _fonts(size: int) -> tuple[Font, bool]:
    """The font at `size`, and whether it draws umlauts."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size), True
    except OSError:
        return ImageFont.load_default(size=size), False


def matrix_png(t: Translator, overview: PollOverview, zone: ZoneInfo) -> bytes:
    view = overview.view
    poll = view.poll
    slots = list(view.slots)
    (title_font, full), (font, _), (small, _) = _fonts(22), _fonts(16), _fonts(13)

    def text(value: str) -> str:
        return value if full else value.translate(_PLAIN)

    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    names = [text(o.name) for o in overview.organisations]
    widest = max([math.ceil(probe.textlength(n, font=font)) for n in names] + [140])
    name_w = min(NAME_W_MAX, widest + PAD)
    title = text(plain_text(t("poll.picture_title", id=poll.id, title=poll.title)))
    width = max(
        PAD * 2 + name_w + CELL_W * len(slots),
        int(probe.textlength(title, font=title_font)) + 2 * PAD,
    )
    top = PAD + 44
    grid_top = top + 2 * ROW_H
    height = grid_top + ROW_H * len(names) + 2 * ROW_H + 44 + PAD
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.text((PAD, PAD), title, fill="black", font=title_font)

    # The slot framed: the fixed one, else the best.
    framed = poll.chosen_position or (overview.ranking[0].position if overview.ranking else None)
    by_position = {s.position: s for s in overview.ranking}
    yes, maybe = t("poll.answer_yes"), t("poll.answer_maybe")
    pattern = DAY_FORMAT.get(t.language, DAY_FORMAT["de"])
    for i, slot in enumerate(slots):
        x = PAD + name_w + CELL_W * i
        start, end = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
        day = format_datetime(start, pattern, locale=t.language)
        draw.text((x + 6, top), text(f"{slot.position}. {day}"), fill="black", font=small)
        draw.text((x + 6, top + 20), f"{start:%H:%M}-{end:%H:%M}", fill="black", font=small)
        for row, organisation in enumerate(overview.organisations):
            y = grid_top + ROW_H * row
            answer = overview.cells.get((id_of(organisation), slot.position))
            draw.rectangle((x + 2, y + 2, x + CELL_W - 2, y + ROW_H - 2), fill=COLOURS[answer])
        score = by_position[slot.position]
        y = grid_top + ROW_H * len(names) + 6
        draw.text((x + 6, y), text(f"{yes}: {score.yes}"), fill="black", font=small)
        draw.text((x + 6, y + 18), text(f"{maybe}: {score.maybe}"), fill="black", font=small)
        if slot.position == framed:
            draw.rectangle(
                (x, top - 4, x + CELL_W, grid_top + ROW_H * len(names) + 2), outline=FRAME, width=3
            )
    for row, name in enumerate(names):
        shown = name
        while probe.textlength(shown, font=font) > name_w - PAD and len(shown) > 4:
            shown = shown[:-2] + "…" if full else shown[:-4] + "..."
        draw.text((PAD, grid_top + ROW_H * row + 8), shown, fill="black", font=font)

    y = grid_top + ROW_H * len(names) + 2 * ROW_H + 8
    x = PAD
    labels = plain_text(t("poll.picture_legend")).split(" · ")
    for answer, label in zip(LEGEND, labels, strict=False):
        draw.rectangle((x, y + 2, x + 16, y + 18), fill=COLOURS[answer])
        draw.text((x + 22, y + 2), text(label), fill="black", font=small)
        x += 44 + int(probe.textlength(text(label), font=small))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
