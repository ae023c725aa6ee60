"""Texts and buttons of votes: the ballot (and its reminder), the standing choice, the result,
the closed ballot, /themen and /thema."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.callbacks import ShowBallot, TopicAction, TopicButton, Vote
from bot.i18n import Html, Translator
from bot.services.counting import Result
from bot.services.electorate import capacity_label_key
from bot.services.ids import id_of
from bot.texts.buttons import Button, Keyboard
from bot.texts.people import name_param
from bot.texts.proposals import proposer_label
from storage.enums import VoteCapacity, VoteRight
from storage.models import Ballot, BallotOutcome, ProposalStatus, VoteChoice, VoteMode
from storage.models import Vote as CastVote

if TYPE_CHECKING:
    from bot.services.ballots import BallotView, CastBy, Standing
    from bot.services.proposals import ProposalView

CHOICE_KEYS = {
    VoteChoice.YES: "vote.choice_yes",
    VoteChoice.YES_COUNCIL: "vote.choice_yes_council",
    VoteChoice.NO: "vote.choice_no",
    VoteChoice.ABSTAIN: "vote.choice_abstain",
}
OUTCOME_KEYS = {
    BallotOutcome.ACCEPTED: "vote.outcome_accepted",
    BallotOutcome.REJECTED: "vote.outcome_rejected",
    BallotOutcome.NOT_QUORATE: "vote.outcome_not_quorate",
}
# Statuses of a proposal that has (or had) a vote.
VOTED_ON = frozenset(
    {
        ProposalStatus.VOTING,
        ProposalStatus.ACCEPTED,
        ProposalStatus.NOT_ACCEPTED,
        ProposalStatus.NOT_QUORATE,
        ProposalStatus.SCHEDULED,
    }
)
MAX_BUTTONS = 40  # under /themen


def standing_line(t: Translator, ballot: Ballot, standing: Standing | None) -> str:
    """The choice that stands for the voter (their organisation's, or their own)."""
    if standing is None:
        return ""
    organisation = standing.organisation.name if standing.organisation else "–"
    if standing.vote is None:
        key = (
            "vote.standing_none_org"
            if ballot.mode is VoteMode.ORGANISATION
            else "vote.standing_none"
        )
        return t(key, organisation=organisation)
    choice = t(CHOICE_KEYS[standing.vote.choice])
    if ballot.mode is VoteMode.MEMBER:
        return t("vote.standing_own", choice=choice)
    by = name_param(standing.cast_by) if standing.cast_by else "–"
    if standing.vote.capacity in (VoteCapacity.LEAD, VoteCapacity.DEPUTY):
        # "abgegeben von Bernd Meier (Stellvertretung) für Gemeinde Zöllnitz"
        return t(
            "vote.standing_org_capacity",
            organisation=organisation,
            choice=choice,
            by=by,
            capacity=t(capacity_label_key(standing.vote.capacity)),
        )
    return t("vote.standing_org", organisation=organisation, choice=choice, by=by)


def electorate_line(t: Translator, result: Result, mode: VoteMode) -> str:
    """Who had a vote: "6 stimmberechtigte Mitgliedskommunen, 2 beratend" (no advisory ones:
    nothing said of them)."""
    organisations = mode is VoteMode.ORGANISATION
    key = "vote.electorate_org" if organisations else "vote.electorate_member"
    advisory = advisory_part(t, result.advisory, organisations=organisations)
    return t.plural(key, result.eligible, eligible=result.eligible, advisory=advisory)


def advisory_part(t: Translator, count: int, *, organisations: bool = True) -> Html:
    """`, 2 beratend` after the organisations with a vote; nothing when there are none."""
    if not count:
        return Html("")
    return Html(t("vote.advisory_org" if organisations else "vote.advisory_member", count=count))


def cast_line(t: Translator, cast: CastBy) -> str:
    """For the coordinator: "Gemeinde Zöllnitz: abgegeben von Bernd Meier (Stellvertretung)"."""
    key = "vote.cast_by_choice" if cast.choice is not None else "vote.cast_by"
    return t(
        key,
        organisation=cast.organisation,
        by=cast.person or "–",
        capacity=t(capacity_label_key(cast.capacity)),
        choice=t(CHOICE_KEYS[cast.choice]) if cast.choice is not None else "",
    )


RULE_KEYS = {
    "simple": "vote.rule_simple",
    "two_thirds": "vote.rule_two_thirds",
    "absolute": "vote.rule_absolute",
}


def counts_line(t: Translator, result: Result, mode: VoteMode) -> str:
    """All Ja (the share subject to a council decision named), Nein, Enthaltung, how many of
    how many voted, and the majority rule: "Ja 3, davon 1 vorbehaltlich Ratsbeschluss · Nein 2
    · Enthaltung 0 — 5 von 6 Mitgliedskommunen; einfache Mehrheit"."""
    unit = "vote.unit_organisations" if mode is VoteMode.ORGANISATION else "vote.unit_members"
    council = t("vote.tally_council", count=result.yes_council) if result.yes_council else ""
    return t(
        "vote.tally",
        yes=result.all_yes,
        council=Html(council),
        no=result.no,
        abstain=result.abstain,
        voted=result.voted,
        eligible=result.eligible,
        unit=Html(t.plural(unit, result.eligible)),
        rule=Html(t(RULE_KEYS[result.majority])),
    )


def ballot_text(
    t: Translator,
    ballot: Ballot,
    topic: ProposalView,
    standing: Standing | None,
    zone: ZoneInfo,
    *,
    reminder: bool = False,
    running: Result | None = None,
    info: str | None = None,
) -> str:
    """The ballot; `info`: the key saying why the reader gets it for information only."""
    proposal = topic.proposal
    mode = "vote.mode_organisation" if ballot.mode is VoteMode.ORGANISATION else "vote.mode_member"
    if ballot.vote_right is VoteRight.REPRESENTATIVES:
        mode = (
            "vote.mode_representatives"
            if ballot.mode is VoteMode.ORGANISATION
            else "vote.mode_member_representatives"
        )
    lines = [
        t(
            "vote.ballot_reminder" if reminder else "vote.ballot",
            id=proposal.id,
            title=proposal.title,
            # The description's own line, or nothing (no empty line) without one.
            description=Html(html.escape(proposal.description, quote=False) + "\n")
            if proposal.description
            else "",
            proposer=proposer_label(t, topic),
            deadline=t.datetime(ballot.deadline, zone),
            mode=Html(t(mode)),
        )
    ]
    if topic.rounds > 1:
        # (The earlier round was not quorate, or, voted on again in a meeting, decided.)
        lines.append(t("vote.ballot_round", round=topic.rounds, id=topic.proposal.id))
    if running is not None:
        lines.append(counts_line(t, running, ballot.mode))
    line = standing_line(t, ballot, standing)
    if line:
        lines.append(line)
    if info is not None:
        organisation = standing.organisation.name if standing and standing.organisation else "–"
        lines.append(t(info, organisation=organisation))
    return "\n".join(lines)


def ballot_buttons(t: Translator, ballot: Ballot, current: VoteChoice | None) -> Keyboard:
    """The four choices; the one that stands is ticked."""

    def button(choice: VoteChoice) -> Button:
        label = t(CHOICE_KEYS[choice])
        if choice is current:
            label = f"✅ {label}"
        return Button(label, Vote(id_of(ballot), choice))

    return (
        (button(VoteChoice.YES), button(VoteChoice.NO)),
        (button(VoteChoice.YES_COUNCIL),),
        (button(VoteChoice.ABSTAIN),),
    )


def ballot_message(t: Translator, view: BallotView, zone: ZoneInfo) -> tuple[str, Keyboard]:
    """The ballot as the member sees it now: their standing choice ticked."""
    current = view.standing.vote.choice if view.standing and view.standing.vote else None
    text = ballot_text(
        t, view.ballot, view.topic, view.standing, zone, running=view.result, info=view.info
    )
    if view.info is not None:  # for information: nothing to press
        return text, ()
    return text, ballot_buttons(t, view.ballot, current)


def result_text(
    t: Translator, ballot: Ballot, topic: ProposalView, result: Result, council: list[str]
) -> str:
    unit = (
        "vote.unit_organisations" if ballot.mode is VoteMode.ORGANISATION else "vote.unit_members"
    )
    lines = [
        t("vote.result_title", id=topic.proposal.id, title=topic.proposal.title),
        counts_line(t, result, ballot.mode),
        electorate_line(t, result, ballot.mode),
        t(
            "vote.quorum",
            needed=result.quorum_needed,
            unit=Html(t.plural(unit, result.quorum_needed)),
        ),
        t(OUTCOME_KEYS[result.outcome]),
    ]
    if council and result.outcome is not BallotOutcome.NOT_QUORATE:  # else nothing to ratify
        lines.append(t("vote.council_list", names=", ".join(council)))
    if result.outcome is BallotOutcome.NOT_QUORATE:
        lines.append(t("vote.new_round_possible", id=topic.proposal.id))
    return "\n".join(lines)


def closed_text(
    t: Translator, ballot: Ballot, topic: ProposalView, result: Result, vote: CastVote | None
) -> str:
    """A ballot once the vote has closed (its buttons are gone)."""
    lines = [
        t(
            "vote.closed_ballot",
            id=topic.proposal.id,
            title=topic.proposal.title,
            outcome=Html(t(OUTCOME_KEYS[result.outcome])),
        ),
        counts_line(t, result, ballot.mode),
        electorate_line(t, result, ballot.mode),
    ]
    if vote is not None:
        lines.append(t("vote.closed_standing", choice=t(CHOICE_KEYS[vote.choice])))
    return "\n".join(lines)


def overridden_text(
    t: Translator, topic: ProposalView, by: str, choice: VoteChoice, before: VoteChoice
) -> str:
    """To the colleague whose choice for the organisation was replaced."""
    return t(
        "vote.overridden",
        id=topic.proposal.id,
        title=topic.proposal.title,
        by=by,
        choice=t(CHOICE_KEYS[choice]),
        before=t(CHOICE_KEYS[before]),
    )


def opened_text(
    t: Translator, view: BallotView, zone: ZoneInfo, *, end_of_day: bool = False
) -> str:
    """The vote is open; a deadline given as a date alone is said to be the end of that day;
    organisations nobody can vote for (VOTE_RIGHT=representatives) are named."""
    text = t.plural(
        "vote.opened_end_of_day" if end_of_day else "vote.opened",
        view.eligible,
        id=view.topic.proposal.id,
        title=view.topic.proposal.title,
        deadline=t.datetime(view.ballot.deadline, zone),
        eligible=view.eligible,
    )
    if view.ballot.vote_right is VoteRight.REPRESENTATIVES:
        text += "\n" + t("vote.opened_representatives")
    if view.unrepresented:
        text += "\n" + t("vote.unrepresented", names=", ".join(view.unrepresented))
    return text


def saved_text(t: Translator, choice: VoteChoice, organisation: str) -> str:
    return t("vote.saved", choice=t(CHOICE_KEYS[choice]), organisation=organisation)


# --- /themen and /thema -------------------------------------------------------------------


def topics_overview(
    t: Translator,
    ballots: Sequence[BallotView],
    waiting: Sequence[ProposalView],
    own: Sequence[ProposalView],
    backlog: Sequence[ProposalView],
    zone: ZoneInfo,
    *,
    member: bool,
    coordinator: bool,
) -> tuple[str, Keyboard]:
    """/themen in the private chat: open votes (a member gets a button to each ballot), the
    proposals waiting (the coordinator: all; a member: their own), and the accepted topics
    (the coordinator gets a button to put each on an agenda)."""
    blocks: list[str] = []
    buttons: list[tuple[Button, ...]] = []
    if ballots:
        lines = []
        for view in ballots:
            line = t(
                "topics.ballot_line",
                id=view.topic.proposal.id,
                title=view.topic.proposal.title,
                deadline=t.datetime(view.ballot.deadline, zone),
                voted=view.voted,
            )
            standing = standing_line(t, view.ballot, view.standing)
            lines.append(f"{line}\n{standing}" if standing else line)
            if member:
                label = t("topics.show_ballot", id=view.topic.proposal.id)
                buttons.append((Button(label, ShowBallot(id_of(view.ballot))),))
        blocks.append(t("topics.open_votes", lines=Html("\n".join(lines))))
    else:
        blocks.append(t("topics.no_open_votes"))
    if waiting:
        lines = [
            t(
                "topics.not_quorate_line"
                if v.proposal.status is ProposalStatus.NOT_QUORATE
                else "topics.waiting_line",
                id=v.proposal.id,
                title=v.proposal.title,
                proposer=proposer_label(t, v),
            )
            for v in waiting
        ]
        blocks.append(t("topics.waiting", lines=Html("\n".join(lines))))
    if own:
        lines = [t("topics.own_line", id=v.proposal.id, title=v.proposal.title) for v in own]
        blocks.append(t("topics.own", lines=Html("\n".join(lines))))
    if backlog:
        lines = []
        for v in backlog:
            if v.proposal.meeting_id is not None:
                lines.append(
                    t(
                        "topics.scheduled_line",
                        id=v.proposal.id,
                        title=v.proposal.title,
                        meeting=v.proposal.meeting_id,
                    )
                )
                continue
            lines.append(t("topics.backlog_line", id=v.proposal.id, title=v.proposal.title))
            if coordinator:
                to_agenda = TopicButton(TopicAction.TO_AGENDA, id_of(v.proposal))
                buttons.append((Button(t("topics.to_agenda", id=v.proposal.id), to_agenda),))
        blocks.append(t("topics.backlog", lines=Html("\n".join(lines))))
    return "\n\n".join(blocks), tuple(buttons[:MAX_BUTTONS])


def topic_details(
    t: Translator, details_text: str, view: ProposalView, ballot: BallotView | None, zone: ZoneInfo
) -> str:
    """/thema: the proposal (`details_text`), its status and, once voted on, the vote."""
    lines = [details_text, t(f"topic.status.{view.proposal.status.value}")]
    if view.proposal.reason:
        lines.append(t("topic.reason", reason=view.proposal.reason))
    if ballot is not None:
        rounds = len(ballot.earlier) + 1
        for number, earlier in enumerate(ballot.earlier, start=1):
            lines.append(round_line(t, number, earlier, zone))
        state = vote_state_line(t, ballot.ballot, ballot.voted, ballot.eligible, zone)
        lines.append(t("topic.round", round=rounds, text=Html(state)) if rounds > 1 else state)
        if ballot.result is not None:
            lines.append(counts_line(t, ballot.result, ballot.ballot.mode))
            if ballot.closed:
                lines.append(electorate_line(t, ballot.result, ballot.ballot.mode))
        standing = standing_line(t, ballot.ballot, ballot.standing)
        if standing and not ballot.closed:
            lines.append(standing)
        if ballot.missing:
            lines.append(t("topic.missing", names=", ".join(ballot.missing)))
        if ballot.cast:
            cast = "\n".join(cast_line(t, c) for c in ballot.cast)
            lines.append(t("vote.cast_list", lines=Html(cast)))
    return "\n".join(lines)


def round_line(t: Translator, number: int, ballot: Ballot, zone: ZoneInfo) -> str:
    """An earlier round of a vote in /thema: when it closed, its outcome and counts."""
    if ballot.result is None or ballot.outcome is None:
        return t("topic.round", round=number, text="–")
    result = Result.from_dict(ballot.result, ballot.outcome)
    state = vote_state_line(t, ballot, result.voted, result.eligible, zone)
    lines = [
        t("topic.round", round=number, text=Html(state)),
        t(OUTCOME_KEYS[result.outcome]),
        counts_line(t, result, ballot.mode),
    ]
    return "\n".join(lines)


def vote_state_line(
    t: Translator, ballot: Ballot, voted: int, eligible: int, zone: ZoneInfo
) -> str:
    """Until when a vote runs, or when it really closed and by whom: at its deadline, or
    early by the coordinator (with the deadline it had)."""
    key, closed = "topic.vote_open", ballot.closed_at
    if closed is not None:
        # No vote counts after the deadline: a vote closed later (the bot was down, or the
        # coordinator came too late) ended at its deadline.
        early = closed < ballot.deadline and ballot.closed_by is not None
        key = "topic.vote_closed_early" if early else "topic.vote_closed_deadline"
        closed = closed if early else ballot.deadline
    return t(
        key,
        deadline=t.datetime(ballot.deadline, zone),
        closed=t.datetime(closed, zone) if closed else "",
        voted=voted,
        eligible=eligible,
    )
