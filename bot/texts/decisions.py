"""The decision register and the councils' ratifications: texts and buttons, Telegram-free."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.callbacks import CouncilAnswer, CouncilDate, CouncilDefer, CouncilOutcome
from bot.i18n import Html, Msg, Translator
from bot.texts.buttons import Button, Keyboard
from storage.enums import PENDING_RATIFICATION, DecisionStatus, VoteChoice
from storage.models import Organisation, Task, Vote
from storage.models_decisions import Decision, Ratification


def number(decision: Decision) -> str:
    """`2026/07`."""
    return f"{decision.year}/{decision.number:02d}"


def day(t: Translator, value: date, zone: ZoneInfo) -> str:
    """`Do., 28.01.2027`."""
    return t.date(datetime.combine(value, time(12), tzinfo=zone), zone)


def status(t: Translator, value: DecisionStatus) -> str:
    return t(f"decision.status.{value.value}")


def item_status(t: Translator, item: Ratification, zone: ZoneInfo) -> Html:
    """`terminiert: Do., 28.01.2027 (Gemeinderat)`, `zugestimmt am …`, `offen` (HTML)."""
    label = t(f"ratification.status.{item.status.value}")
    body = item.body or t("ratification.council")
    if item.status in PENDING_RATIFICATION and item.council_date is not None:
        return Html(
            t(
                "ratification.on_date",
                status=Html(label),
                date=day(t, item.council_date, zone),
                body=body,
            )
        )
    if item.outcome_date is not None:
        text = t("ratification.at_date", status=Html(label), date=day(t, item.outcome_date, zone))
        if item.link:
            text += f" – {html.escape(item.link)}"
        return Html(text)
    return Html(label)


def item_line(
    t: Translator,
    item: Ratification,
    organisations: Mapping[int | None, Organisation],
    zone: ZoneInfo,
) -> Html:
    org = organisations.get(item.organisation_id)
    return Html(
        t(
            "ratification.line",
            organisation=org.name if org else "–",
            state=item_status(t, item, zone),
        )
    )


def ask_buttons(t: Translator, item: Ratification) -> Keyboard:
    """What the organisation can record next."""
    item_id = item.id or 0
    if item.status not in PENDING_RATIFICATION:
        return ()
    date_label = (
        "ratification.button_date" if item.council_date is None else "ratification.button_redate"
    )
    if item.council_date is None:
        return (
            (Button(t(date_label), CouncilDate(item_id)),),
            (
                Button(
                    t("ratification.button_withdraw"),
                    CouncilOutcome(CouncilAnswer.WITHDRAWN, item_id),
                ),
            ),
        )
    return (
        (
            Button(
                t("ratification.button_approved"), CouncilOutcome(CouncilAnswer.APPROVED, item_id)
            ),
            Button(
                t("ratification.button_rejected"), CouncilOutcome(CouncilAnswer.REJECTED, item_id)
            ),
        ),
        (
            Button(t("ratification.button_deferred"), CouncilDefer(item_id)),
            Button(t(date_label), CouncilDate(item_id)),
        ),
        (
            Button(
                t("ratification.button_withdraw"), CouncilOutcome(CouncilAnswer.WITHDRAWN, item_id)
            ),
        ),
    )


def announcement(
    t: Translator,
    decision: Decision,
    items: Sequence[Ratification],
    organisations: Mapping[int | None, Organisation],
    zone: ZoneInfo,
) -> str:
    names = ", ".join(
        sorted(
            organisations[i.organisation_id].name
            for i in items
            if i.organisation_id in organisations
        )
    )
    return t(
        "decision.announcement",
        number=number(decision),
        title=decision.title,
        text=decision.text or "–",
        date=t.date(decision.decided_at, zone),
        status=status(t, decision.status),
        reservations=Msg("decision.reservations", names=names) if items else Msg(""),
    )


def ask(
    t: Translator, decision: Decision, item: Ratification, organisation: str, zone: ZoneInfo
) -> str:
    return t(
        "ratification.ask",
        number=number(decision),
        title=decision.title,
        organisation=organisation,
        state=item_status(t, item, zone),
    )


def recorded(
    t: Translator,
    decision: Decision,
    item: Ratification,
    organisation: str,
    by: str,
    zone: ZoneInfo,
    *,
    changed: bool = False,
) -> str:
    """What was recorded; the decision's status ("jetzt" only when this changed it); the next
    step, as the buttons of `ask_buttons` offer it."""
    if item.status not in PENDING_RATIFICATION:
        nxt = "ratification.next_done"
    elif item.council_date is None:
        nxt = "ratification.next_date"  # deferred without a new date
    else:
        nxt = "ratification.next_pending"
    return t(
        "ratification.recorded",
        number=number(decision),
        title=decision.title,
        organisation=organisation,
        state=item_status(t, item, zone),
        by=by,
        decision_status=Msg(
            "ratification.status_now" if changed else "ratification.status_stands",
            status=status(t, decision.status),
        ),
        next=Msg(nxt, number=number(decision)),
    )


def status_changed(
    t: Translator,
    decision: Decision,
    items: Sequence[Ratification],
    organisations: Mapping[int | None, Organisation],
    zone: ZoneInfo,
) -> str:
    lines = "\n".join(item_line(t, i, organisations, zone) for i in items)
    return t(
        "decision.status_changed",
        number=number(decision),
        title=decision.title,
        status=status(t, decision.status),
        lines=Html(lines),
    )


def reminder(
    t: Translator, decision: Decision, item: Ratification, organisation: str, zone: ZoneInfo
) -> str:
    if item.council_date is None:
        return t(
            "ratification.remind_date",
            number=number(decision),
            title=decision.title,
            organisation=organisation,
            date=t.date(decision.decided_at, zone),
        )
    # The body as typed is a name („Stadtverordnetenversammlung“), never the subject of a
    # sentence that would need its gender.
    return t(
        "ratification.remind_outcome" if item.body else "ratification.remind_outcome_council",
        number=number(decision),
        title=decision.title,
        organisation=organisation,
        body=item.body or "",
        date=day(t, item.council_date, zone),
    )


def overview(
    t: Translator,
    rows: Sequence[tuple[Ratification, Decision]],
    organisations: Mapping[int | None, Organisation],
    zone: ZoneInfo,
) -> str:
    lines = "\n".join(
        t(
            "ratification.overview_line",
            number=number(d),
            title=d.title,
            line=item_line(t, r, organisations, zone),
        )
        for r, d in rows
    )
    return t("ratification.overview", count=len(rows), lines=Html(lines))


def listing(
    t: Translator,
    decisions: Sequence[Decision],
    items: Mapping[int, Sequence[Ratification]],
    zone: ZoneInfo,
    scope: str,
) -> str:
    if not decisions:
        return t("decision.list_empty", scope=Html(scope))
    lines = []
    for d in decisions:
        pending = sum(1 for i in items.get(d.id or 0, ()) if i.status in PENDING_RATIFICATION)
        if d.status is not DecisionStatus.PROVISIONAL:
            pending = 0  # settled: what is still open no longer decides anything
        lines.append(
            t(
                "decision.list_line",
                number=number(d),
                date=t.date(d.decided_at, zone),
                title=d.title,
                status=status(t, d.status),
                pending=Html(t.plural("decision.list_pending", pending)) if pending else "",
            )
        )
    return t("decision.list", scope=Html(scope), lines=Html("\n".join(lines)))


CHOICE_KEYS = {
    VoteChoice.YES: "decision.choice.yes",
    VoteChoice.YES_COUNCIL: "decision.choice.yes_council",
    VoteChoice.NO: "decision.choice.no",
    VoteChoice.ABSTAIN: "decision.choice.abstain",
}


def details(
    t: Translator,
    decision: Decision,
    votes: Sequence[Vote],
    items: Sequence[Ratification],
    tasks: Sequence[Task],
    organisations: Mapping[int | None, Organisation],
    meeting: str | None,
    zone: ZoneInfo,
) -> str:
    vote_lines = "\n".join(
        sorted(
            t(
                "decision.vote_line",
                organisation=organisations[v.organisation_id].name
                if v.organisation_id in organisations
                else "–",
                choice=t(CHOICE_KEYS[v.choice]),
            )
            for v in votes
        )
    )
    item_lines = "\n".join(item_line(t, i, organisations, zone) for i in items) or t(
        "decision.no_reservations"
    )
    task_lines = "\n".join(
        t(
            "decision.task_line",
            id=task.id,
            title=task.title,
            status=t(f"decision.task_status.{task.status.value}"),
        )
        for task in tasks
    ) or t("decision.no_tasks")
    return t(
        "decision.details",
        number=number(decision),
        title=decision.title,
        text=decision.text or "–",
        date=t.date(decision.decided_at, zone),
        topic=decision.proposal_id,
        meeting=Msg("decision.meeting", title=meeting) if meeting else Msg(""),
        status=status(t, decision.status),
        votes=Html(vote_lines or "–"),
        ratifications=Html(item_lines),
        tasks=Html(task_lines),
    )
