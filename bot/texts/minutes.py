"""The minutes draft's words (/protokollentwurf): `MinutesSource` (bot/services/minutes_draft.py)
as the plain `Minutes` the .docx is made of (bot/exports/minutes_docx.py). The catalog's texts
are HTML for Telegram; here they are plain text."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from bot.exports.minutes_docx import (
    AttendanceRow,
    Labels,
    Minutes,
    Section,
    TaskRow,
    VoteRecord,
)
from bot.i18n import Translator
from bot.services.minutes_draft import MinutesSource, VoteSource
from bot.texts.meeting_day import STATE_KEYS, detail_text, plain, quorum_line
from bot.texts.people import name_of
from bot.texts.tasks import due_label
from bot.texts.voting import CHOICE_KEYS, OUTCOME_KEYS, counts_line
from storage.models import VoteMode


def labels(t: Translator) -> Labels:
    def p(key: str) -> str:
        return plain(t(key))

    return Labels(
        attendance=p("minutes.attendance"),
        organisation=p("minutes.organisation"),
        state=p("minutes.state"),
        who=p("minutes.who"),
        agenda=p("minutes.agenda"),
        notes=p("minutes.notes"),
        votes=p("minutes.votes"),
        decisions=p("minutes.decisions"),
        tasks=p("minutes.tasks"),
        task=p("minutes.task"),
        owner=p("minutes.owner"),
        due=p("minutes.due"),
        choice=p("minutes.choice"),
        next_meeting=p("minutes.next_meeting"),
        general=p("minutes.general"),
        nothing=p("minutes.nothing"),
        page=p("minutes.page"),
    )


def _vote(t: Translator, vote: VoteSource, zone: ZoneInfo) -> VoteRecord:
    proposal = vote.proposal
    if vote.result is None:
        outcome = plain(t("minutes.vote_open", deadline=t.time(vote.ballot.deadline, zone)))
        summary = ""
    else:
        outcome = plain(t(OUTCOME_KEYS[vote.result.outcome]))
        summary = plain(counts_line(t, vote.result, vote.ballot.mode))
    heading = plain(
        t(
            "minutes.vote_heading",
            id=proposal.id,
            title=proposal.title,
            time=t.time(vote.ballot.opened_at, zone),
            outcome=outcome,
        )
    )
    per_organisation = []
    if vote.ballot.mode is VoteMode.ORGANISATION:
        for organisation, cast in vote.choices:
            choice = t(CHOICE_KEYS[cast.choice]) if cast else t("minutes.no_vote")
            per_organisation.append((organisation.name, plain(choice)))
    return VoteRecord(heading, summary, per_organisation)


def minutes_of(
    t: Translator, source: MinutesSource, zone: ZoneInfo, forum: str, by: str
) -> Minutes:
    meeting = source.meeting
    attendance = source.attendance
    rows = [
        AttendanceRow(r.organisation.name, plain(t(STATE_KEYS[r.state])), plain(detail_text(t, r)))
        for r in attendance.voting
    ]
    rows += [
        AttendanceRow(
            r.organisation.name,
            plain(t("minutes.advisory_state", state=t(STATE_KEYS[r.state]))),
            plain(detail_text(t, r)),
        )
        for r in attendance.advisory
    ]
    notes: dict[int | None, list[str]] = defaultdict(list)
    for note in source.notes:
        notes[note.agenda_item_id].append(note.text)
    votes: dict[int | None, list[VoteRecord]] = defaultdict(list)
    for vote in source.votes:
        votes[vote.agenda_item_id].append(_vote(t, vote, zone))
    decisions: dict[int | None, list[str]] = defaultdict(list)
    for decision in source.decisions:
        decisions[decision.agenda_item_id].append(f"{decision.number}: {decision.text}")
    sections = []
    for item, organisation in source.agenda:
        heading = plain(t("minutes.item", position=item.position, title=item.title))
        if organisation is not None:
            heading += f" ({organisation.name})"
        sections.append(Section(heading, notes[item.id], votes[item.id], decisions[item.id], []))
    tasks = [
        TaskRow(
            f"#{s.task.id} {s.task.title}",
            (name_of(t, s.member) if s.member else "")
            + (f" ({s.organisation.name})" if s.member and s.organisation else "")
            + (s.organisation.name if not s.member and s.organisation else ""),
            plain(due_label(t, s.task.due_date, zone)),
        )
        for s in source.tasks
    ]
    sections.append(
        Section(plain(t("minutes.general")), notes[None], votes[None], decisions[None], tasks)
    )
    place = ", ".join(p for p in (meeting.location, meeting.online_url) if p) or "–"
    title = meeting.title if source.group_name is None else f"{meeting.title} ({source.group_name})"
    following = source.next_meeting
    return Minutes(
        labels=labels(t),
        forum=forum,
        title=plain(t("minutes.title", id=meeting.id, title=title)),
        facts=[
            (plain(t("minutes.date")), t.date(meeting.starts_at, zone)),
            (
                plain(t("minutes.time")),
                plain(
                    t(
                        "minutes.time_range",
                        start=t.time(meeting.starts_at, zone),
                        end=t.time(meeting.ends_at, zone),
                    )
                ),
            ),
            (plain(t("minutes.place")), place),
        ],
        roles=[plain(t("minutes.chair")), plain(t("minutes.minute_taker", name=by))],
        attendance=rows,
        quorum=plain(quorum_line(t, attendance)),
        sections=sections,
        next_meeting=plain(
            t(
                "minutes.next",
                id=following.id,
                title=following.title,
                when=t.span(following.starts_at, following.ends_at, zone),
            )
        )
        if following is not None
        else plain(t("minutes.no_next")),
    )
