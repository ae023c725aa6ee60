"""Exports to a spreadsheet (/export, `forumbot export`): the rows of one kind, as a `Sheet`.

Telegram-free and file-format-free: the handler and the command line turn the `Sheet` into an
.xlsx or a .csv (bot/exports/). Only the coordinator may export. The columns of each kind are
listed in bot/services/export_columns.py.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.exports.sheet import Cell, Row, Sheet
from bot.i18n import translator
from bot.services import export_columns as cols
from bot.services.actor import Actor
from bot.services.counting import Result, Rules, count, voter_key
from bot.services.decision_export import decision_rows
from bot.services.electorate import has_vote
from bot.services.errors import InvalidInput
from bot.services.export_columns import Context, VoterRow
from bot.services.feature_ports import ExportRepo, ExportUnitOfWorkFactory
from storage.enums import VoteRight
from storage.models import (
    Ballot,
    MemberStatus,
    Proposal,
    TaskStatus,
    Vote,
    VoteMode,
)


class ExportKind(enum.StrEnum):
    MEMBERS = "members"
    ORGANISATIONS = "organisations"
    VOTES = "votes"
    VOTE = "vote"  # the record of one vote, for the minutes
    TASKS = "tasks"
    MEETINGS = "meetings"
    DECISIONS = "decisions"  # the decision register (issue 16)


# What people write after /export, in either language (lower case, without umlauts' worries:
# none of the words has one).
KIND_WORDS: dict[str, ExportKind] = {
    "mitglieder": ExportKind.MEMBERS,
    "members": ExportKind.MEMBERS,
    "organisationen": ExportKind.ORGANISATIONS,
    "organisations": ExportKind.ORGANISATIONS,
    "organizations": ExportKind.ORGANISATIONS,
    "kommunen": ExportKind.ORGANISATIONS,
    "mitgliedskommunen": ExportKind.ORGANISATIONS,
    "abstimmungen": ExportKind.VOTES,
    "votes": ExportKind.VOTES,
    "abstimmung": ExportKind.VOTE,
    "vote": ExportKind.VOTE,
    "aufgaben": ExportKind.TASKS,
    "tasks": ExportKind.TASKS,
    "termine": ExportKind.MEETINGS,
    "sitzungen": ExportKind.MEETINGS,
    "meetings": ExportKind.MEETINGS,
    "beschluesse": ExportKind.DECISIONS,
    "beschlüsse": ExportKind.DECISIONS,
    "decisions": ExportKind.DECISIONS,
}
_REQUEST = re.compile(r"([^\W\d_]+)[\s:,.]*(?:(?:nr\.?|no\.?|thema|topic)\s*)?#?\s*(\d{1,9})?")

TITLES = {
    ExportKind.MEMBERS: "export.title_members",
    ExportKind.ORGANISATIONS: "export.title_organisations",
    ExportKind.VOTES: "export.title_votes",
    ExportKind.VOTE: "export.title_vote",
    ExportKind.TASKS: "export.title_tasks",
    ExportKind.MEETINGS: "export.title_meetings",
    ExportKind.DECISIONS: "export.title_decisions",
}
FILES = {
    ExportKind.MEMBERS: "export.file_members",
    ExportKind.ORGANISATIONS: "export.file_organisations",
    ExportKind.VOTES: "export.file_votes",
    ExportKind.VOTE: "export.file_vote",
    ExportKind.TASKS: "export.file_tasks",
    ExportKind.MEETINGS: "export.file_meetings",
    ExportKind.DECISIONS: "export.file_decisions",
}
MAJORITIES = {
    "simple": "export.majority_simple",
    "two_thirds": "export.majority_two_thirds",
    "absolute": "export.majority_absolute",
}
NUMBER_FORMATS = {
    "de": ("DD.MM.YYYY", "DD.MM.YYYY HH:MM"),
    "en": ("YYYY-MM-DD", "YYYY-MM-DD HH:MM"),
}


@dataclass(frozen=True)
class ExportRequest:
    kind: ExportKind
    number: int | None = None  # the topic whose vote is exported (kind VOTE)


def parse_request(text: str) -> ExportRequest | None:
    """`abstimmung 3`, `Abstimmung #3`, `vote 3`, `Mitglieder` → the request; None for
    anything else (also `abstimmung` without its number)."""
    match = _REQUEST.fullmatch(text.strip().lower())
    if match is None:
        return None
    kind = KIND_WORDS.get(match[1])
    number = int(match[2]) if match[2] else None
    if kind is None or number == 0:
        return None
    if kind in (ExportKind.VOTE, ExportKind.VOTES) and number is not None:
        return ExportRequest(ExportKind.VOTE, number)  # `abstimmungen 3` means that vote too
    if kind is ExportKind.VOTE or number is not None:
        return None
    return ExportRequest(kind)


class ExportService:
    def __init__(
        self,
        uow: ExportUnitOfWorkFactory,
        clock: Clock,
        *,
        zone: ZoneInfo,
        rules: Rules,
        show_running_results: bool,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.zone = zone
        self.rules = rules
        self.show_running_results = show_running_results

    async def recent_votes(self, actor: Actor, limit: int = 6) -> list[Proposal]:
        """The topics of the latest votes (for the buttons under /export's menu)."""
        actor.require_coordinator()
        async with self._uow() as uow:
            ballots = await uow.exports.ballots()
        latest = sorted(ballots, key=lambda row: (row[0].opened_at, row[0].id or 0))[-limit:]
        return [proposal for _, proposal in reversed(latest)]

    async def export(self, actor: Actor, request: ExportRequest, language: str) -> Sheet:
        actor.require_coordinator()
        t = translator(language)
        now = self._clock.now()
        c = Context(t=t, zone=self.zone, today=now.astimezone(self.zone).date())
        async with self._uow() as uow:
            repo = uow.exports
            c.organisations = {o.id or 0: o for o in await repo.organisations()}
            members = await repo.members()
            c.members = {m.id or 0: m for m in members}
            title_params: dict[str, object] = {}
            notes: list[tuple[str, Cell]] = []
            kind = request.kind
            if kind is ExportKind.MEMBERS:
                headers, rows = await self._members(repo, c)
            elif kind is ExportKind.ORGANISATIONS:
                headers, rows = await self._organisations(repo, c)
            elif kind is ExportKind.VOTES:
                headers, rows = await self._votes(repo, c)
            elif kind is ExportKind.VOTE:
                assert request.number is not None
                headers, rows, notes = await self._vote(repo, c, request.number)
                title_params["id"] = request.number
            elif kind is ExportKind.TASKS:
                tasks = sorted(await repo.tasks(), key=lambda k: (k.due_date, k.id or 0))
                headers = cols.headers(cols.TASK_COLUMNS, c)
                rows = cols.rows(cols.TASK_COLUMNS, list(tasks), c)
            elif kind is ExportKind.DECISIONS:
                headers, rows = await decision_rows(repo, c)
            else:
                headers, rows = await self._meetings(repo, c)
        date_format, datetime_format = NUMBER_FORMATS[t.language]
        stem = c.text(FILES[kind], **title_params)
        return Sheet(
            title=c.text(TITLES[kind], **title_params),
            filename=f"{stem}_{c.today.isoformat()}",
            headers=headers,
            rows=rows,
            notes=notes,
            date_format=date_format,
            datetime_format=datetime_format,
        )

    # --- the kinds -----------------------------------------------------------------------

    async def _members(self, repo: ExportRepo, c: Context) -> tuple[tuple[str, ...], list[Row]]:
        names = {g.id or 0: g.name for g in await repo.groups()}
        for member_id, group_id in await repo.group_links():
            c.groups_of.setdefault(member_id, []).append(names.get(group_id, "?"))
        for groups in c.groups_of.values():
            groups.sort(key=str.casefold)
        records = sorted(
            c.members.values(),
            key=lambda m: (
                m.status is not MemberStatus.ACTIVE,
                (c.organisation(m.organisation_id) or "").casefold(),
                (m.last_name or "").casefold(),
                (m.first_name or "").casefold(),
                m.id or 0,
            ),
        )
        return cols.headers(cols.MEMBER_COLUMNS, c), cols.rows(cols.MEMBER_COLUMNS, records, c)

    async def _organisations(
        self, repo: ExportRepo, c: Context
    ) -> tuple[tuple[str, ...], list[Row]]:
        c.active_members = dict(
            Counter(
                m.organisation_id for m in c.members.values() if m.status is MemberStatus.ACTIVE
            )
        )
        c.open_tasks = dict(
            Counter(
                k.organisation_id
                for k in await repo.tasks()
                if k.status is TaskStatus.OPEN and k.organisation_id is not None
            )
        )
        records = list(c.organisations.values())
        return (
            cols.headers(cols.ORGANISATION_COLUMNS, c),
            cols.rows(cols.ORGANISATION_COLUMNS, records, c),
        )

    def _eligible_voters(self, ballot: Ballot, c: Context) -> set[str]:
        """Who may vote now, by the rule of bot/services/electorate.py: organisations with a
        vote and an active member (in member mode: the active members of such organisations;
        with VOTE_RIGHT=representatives only their Stimmführung and Stellvertretung)."""
        only_representatives = (
            ballot.mode is VoteMode.MEMBER and ballot.vote_right is VoteRight.REPRESENTATIVES
        )
        return {
            voter_key(ballot.mode, organisation_id=m.organisation_id, member_id=m.id or 0)
            for m in c.members.values()
            if m.status is MemberStatus.ACTIVE
            and m.telegram_id is not None
            and has_vote(c.organisations.get(m.organisation_id))
            and (not only_representatives or (m.id or 0, m.organisation_id) in c.representatives)
        }

    @staticmethod
    async def _read_representatives(repo: ExportRepo, c: Context, ballots: list[Ballot]) -> None:
        if any(b.vote_right is VoteRight.REPRESENTATIVES for b in ballots):
            c.representatives = frozenset(await repo.representatives())

    def _result(self, ballot: Ballot, votes: list[Vote], c: Context) -> Result:
        """The stored result of a closed vote; of an open one, the count so far."""
        if ballot.closed_at is not None and ballot.result and ballot.outcome:
            return Result.from_dict(ballot.result, ballot.outcome)
        eligible = self._eligible_voters(ballot, c) | {v.voter for v in votes}
        return count([v.choice for v in votes], len(eligible), self.rules)

    def _shown(self, ballot: Ballot) -> bool:
        return ballot.closed_at is not None or self.show_running_results

    async def _votes(self, repo: ExportRepo, c: Context) -> tuple[tuple[str, ...], list[Row]]:
        ballots = list(await repo.ballots())
        await self._read_representatives(repo, c, [ballot for ballot, _ in ballots])
        seen: dict[int, int] = {}
        for ballot, proposal in sorted(ballots, key=lambda pair: pair[0].id or 0):
            seen[proposal.id or 0] = seen.get(proposal.id or 0, 0) + 1
            c.rounds[ballot.id or 0] = seen[proposal.id or 0]  # a new one after no quorum
        for ballot, _ in ballots:
            ballot_id = ballot.id or 0
            votes = list(await repo.votes(ballot_id)) if ballot.closed_at is None else []
            result = self._result(ballot, votes, c)
            c.results[ballot_id] = result if self._shown(ballot) else None
            c.voted[ballot_id] = result.voted
            c.eligible[ballot_id] = result.eligible
            c.quorum_needed[ballot_id] = result.quorum_needed
        return (
            cols.headers(cols.VOTE_LIST_COLUMNS, c),
            cols.rows(cols.VOTE_LIST_COLUMNS, ballots, c),
        )

    async def _vote(
        self, repo: ExportRepo, c: Context, topic_id: int
    ) -> tuple[tuple[str, ...], list[Row], list[tuple[str, Cell]]]:
        found = await repo.ballot_of_proposal(topic_id)
        if found is None:
            raise InvalidInput("export.vote_unknown", id=topic_id)
        ballot, proposal, round_number = found
        await self._read_representatives(repo, c, [ballot])
        votes = list(await repo.votes(ballot.id or 0))
        secret = not self._shown(ballot)
        by_voter = {v.voter: v for v in votes}
        voters = self._eligible_voters(ballot, c) | set(by_voter)
        present = await repo.ballot_voters(ballot.id or 0)  # a meeting's vote (issue 17)
        records = []
        for voter in voters:
            kind, _, raw = voter.partition(":")
            vote = by_voter.get(voter)
            if kind == "org":
                org_id, member_id = int(raw), None
            else:
                member = c.members.get(int(raw))
                org_id = vote.organisation_id if vote else (member.organisation_id if member else 0)
                member_id = int(raw)
            absent = present is not None and org_id not in present
            records.append(VoterRow(org_id, member_id, vote, secret, absent))
        records.sort(
            key=lambda r: (
                (c.organisation(r.organisation_id) or "").casefold(),
                (c.person(r.member_id) or "").casefold(),
            )
        )
        columns = cols.VOTER_COLUMNS
        if ballot.mode is VoteMode.MEMBER:
            columns = (cols.MEMBER_VOTER_COLUMN, *columns)
        result = self._result(ballot, votes, c)
        return (
            cols.headers(columns, c),
            cols.rows(columns, records, c),
            self._vote_notes(ballot, proposal, result, secret, c, round_number),
        )

    def _vote_notes(
        self,
        ballot: Ballot,
        proposal: Proposal,
        result: Result,
        secret: bool,
        c: Context,
        round_number: int = 1,
    ) -> list[tuple[str, Cell]]:
        """The totals, the quorum and the rule under the vote record (of the latest round; its
        number when there were more)."""
        text = c.text
        proposer = cols.proposer(proposal, c)
        organisation = c.organisation(proposal.organisation_id)
        if proposer and organisation:
            proposer = f"{proposer} ({organisation})"
        percent = f"{float(self.rules.quorum * 100):g}"
        if c.t.language == "de":
            percent = percent.replace(".", ",")
        notes: list[tuple[str, Cell]] = [
            (text("export.col.topic"), proposal.id),
            (text("export.col.title"), proposal.title),
            *([(text("export.col.round"), round_number)] if round_number > 1 else []),
            (text("export.col.proposed_by"), proposer or organisation),
            (text("export.col.mode"), text(cols.mode_key(ballot))),
            (text("export.col.opened_at"), c.when(ballot.opened_at)),
            (text("export.col.deadline"), c.when(ballot.deadline)),
            (text("export.col.closed_at"), c.when(ballot.closed_at)),
            (text("export.col.closed_by"), cols.closed_by(ballot, c)),
        ]
        if not secret:
            notes += [
                (text("export.col.yes"), result.yes),
                (text("export.col.yes_council"), result.yes_council),
                (text("export.col.no"), result.no),
                (text("export.col.abstain"), result.abstain),
            ]
        notes += [
            (text("export.col.voted"), result.voted),
            (text("export.col.eligible"), result.eligible),
            (text("export.col.quorum_needed"), result.quorum_needed),
            (text("export.quorum_rule"), text("export.quorum_share", percent=percent)),
            (text("export.majority_rule"), text(MAJORITIES[self.rules.majority])),
            (text("export.col.outcome"), cols.outcome_text(ballot, c)),
        ]
        return notes

    async def _meetings(self, repo: ExportRepo, c: Context) -> tuple[tuple[str, ...], list[Row]]:
        c.groups = {g.id or 0: g for g in await repo.groups()}
        c.rsvps = await repo.rsvp_counts()
        c.agenda_items = await repo.agenda_counts()
        meetings = list(await repo.meetings())
        return cols.headers(cols.MEETING_COLUMNS, c), cols.rows(cols.MEETING_COLUMNS, meetings, c)
