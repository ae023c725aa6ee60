"""Texts and buttons of topic proposals: the notices, the proposer's confirmation, the meetings
an accepted topic can go onto."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import PlaceTopic, RejectTopic, TopicAction, TopicButton
from bot.i18n import Translator
from bot.services.ids import id_of
from bot.texts.buttons import Button, Keyboard
from bot.texts.people import name_of
from storage.models import AgendaItem, Meeting

if TYPE_CHECKING:
    from bot.services.proposals import ProposalView


def proposer_label(t: Translator, view: ProposalView) -> str:
    """`Anna Amsel (Stadt Jena)`, or `Koordination` for the coordinator's own motion."""
    if view.by_coordinator:
        return t("proposal.by_coordinator")
    if view.proposer is None or not view.proposer.former:
        return view.proposer_label
    name = name_of(t, view.proposer)  # who proposed it has left: "ehemaliges Mitglied"
    return f"{name} ({view.organisation.name})" if view.organisation else name


def proposal_text(
    t: Translator,
    key: str,
    view: ProposalView,
    zone: ZoneInfo,
    meeting: Meeting | None = None,
    **extra: object,
) -> str:
    """The catalog text `key` about a proposal (every key gets the same parameters)."""
    proposal = view.proposal
    return t(
        key,
        id=proposal.id,
        title=proposal.title,
        description=proposal.description or "–",
        proposer=proposer_label(t, view),
        group=view.group.name if view.group else "–",
        reason=proposal.reason or "",
        meeting_id=meeting.id if meeting else "",
        meeting_title=meeting.title if meeting else "",
        meeting_when=t.datetime(meeting.starts_at, zone) if meeting else "",
        **extra,
    )


def decision_buttons(t: Translator, proposal_id: int) -> Keyboard:
    """Under the coordinator's notice of a new proposal: vote, reject, later."""
    return (
        (Button(t("proposal.button_open"), TopicButton(TopicAction.OPEN_VOTE, proposal_id)),),
        (
            Button(t("proposal.button_reject"), RejectTopic(proposal_id)),
            Button(t("proposal.button_later"), TopicButton(TopicAction.LATER, proposal_id)),
        ),
    )


def proposal_confirmation(t: Translator, view: ProposalView) -> tuple[str, Keyboard]:
    """To the proposer: submitted, with the button to withdraw it; to the coordinator who
    proposed it, the decision buttons (put it to the vote at once, or later)."""
    pid = id_of(view.proposal)
    if view.by_coordinator:
        return t("proposal.submitted_coordinator", id=pid, title=view.proposal.title), (
            decision_buttons(t, pid)
        )
    withdraw = Button(t("proposal.button_withdraw"), TopicButton(TopicAction.WITHDRAW, pid))
    return t("proposal.submitted", id=pid, title=view.proposal.title), ((withdraw,),)


def meeting_choice(
    t: Translator, proposal_id: int, meetings: Sequence[Meeting], zone: ZoneInfo
) -> tuple[str, Keyboard]:
    """Which of the next meetings an accepted topic goes onto: a button each."""
    rows = tuple(
        (
            Button(
                t(
                    "proposal.meeting_button",
                    id=m.id,
                    title=m.title[:40],
                    when=t.date(m.starts_at, zone),
                ),
                PlaceTopic(proposal_id, id_of(m)),
            ),
        )
        for m in meetings
    )
    return t("proposal.choose_meeting", id=proposal_id), rows


def placed_text(t: Translator, view: ProposalView, meeting: Meeting, item: AgendaItem) -> str:
    return t(
        "proposal.placed",
        id=view.proposal.id,
        title=view.proposal.title,
        meeting=meeting.id,
        meeting_title=meeting.title,
        position=item.position,
    )
