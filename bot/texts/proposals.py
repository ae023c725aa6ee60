"""Texts and buttons of topic proposals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.callbacks import TopicAction, TopicButton
from bot.i18n import Translator
from bot.services.ids import id_of
from bot.texts.buttons import Button, Keyboard

if TYPE_CHECKING:
    from bot.services.proposals import ProposalView


def proposal_confirmation(t: Translator, view: ProposalView) -> tuple[str, Keyboard]:
    """To the proposer: submitted, with the button to withdraw it."""
    pid = id_of(view.proposal)
    withdraw = Button(t("proposal.button_withdraw"), TopicButton(TopicAction.WITHDRAW, pid))
    return t("proposal.submitted", id=pid, title=view.proposal.title), ((withdraw,),)
