"""Choosing the organisation a person meant: "Meinten Sie …?" and a choice of several."""

from __future__ import annotations

from bot.callbacks import OrgPick
from bot.i18n import Translator, plain_text
from bot.services.organisations import OrganisationChoice
from bot.texts.buttons import Button, Keyboard, in_rows


def choice(t: Translator, error: OrganisationChoice, command: str) -> tuple[str, Keyboard]:
    """The question and a button per organisation (for /invite also: create a new one); a
    press runs `command` again with the organisation chosen."""
    if error.may_create:
        text = t(
            "org.did_you_mean", typed=error.typed, name=" / ".join(o.name for o in error.candidates)
        )
        picks = [
            Button(plain_text(t("org.button_this", name=o.name)), OrgPick(command, o.id))
            for o in error.candidates
        ]
        picks.append(Button(plain_text(t("org.button_new", typed=error.typed)), OrgPick(command)))
        return text, in_rows(picks, 1)
    text = t("org.ambiguous", typed=error.typed, names=", ".join(o.name for o in error.candidates))
    return text, in_rows([Button(o.name, OrgPick(command, o.id)) for o in error.candidates], 1)
