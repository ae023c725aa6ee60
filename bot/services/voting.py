"""Votes on topic proposals (Abstimmungen): ballots through the outbox, one standing choice per
voter, reminders to those who have not voted, closing at the deadline, results to everyone."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot import callbacks
from bot.clock import Clock
from bot.i18n import Html, Translator, translator
from bot.services.actor import Actor
from bot.services.counting import Result, Rules, count, voter_key
from bot.services.errors import InvalidInput, NotFound
from bot.services.ids import id_of
from bot.services.notify import Notifier
from bot.services.proposals import WAITING, ProposalView, TopicUnitOfWork
from storage.models import (
    Ballot,
    BallotOutcome,
    BallotPost,
    Member,
    Organisation,
    OutboxMessage,
    Proposal,
    ProposalStatus,
    Vote,
    VoteChoice,
    VoteMode,
)

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
GROUP_POSTS = 10


@dataclass(frozen=True)
class Standing:
    """The choice that stands for a voter (their organisation, or them), and who cast it."""

    vote: Vote | None
    cast_by: Member | None
    organisation: Organisation | None


@dataclass(frozen=True)
class BallotView:
    ballot: Ballot
    topic: ProposalView
    standing: Standing | None
    voted: int
    eligible: int
    # Shown only when the vote has closed, or with SHOW_RUNNING_RESULTS, or (missing) to the
    # coordinator.
    result: Result | None
    missing: list[str]

    @property
    def closed(self) -> bool:
        return self.ballot.closed_at is not None


class VotingService:
    def __init__(
        self,
        uow: Callable[[], TopicUnitOfWork],
        clock: Clock,
        notifier: Notifier,
        *,
        zone: ZoneInfo,
        mode: VoteMode,
        rules: Rules,
        show_running_results: bool,
        default_days: int,
        reminder_before: timedelta,
        coordinator_ids: frozenset[int],
        default_language: str,
        deadline_changed: Callable[[datetime], None] | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.zone = zone
        self.mode = mode
        self.rules = rules
        self._running = show_running_results
        self._default_days = default_days
        self._reminder_before = reminder_before
        self._coordinators = coordinator_ids
        self._language = default_language
        self.deadline_changed = deadline_changed

    # --- opening -------------------------------------------------------------------------

    async def open(self, actor: Actor, proposal_id: int, deadline: datetime | None) -> BallotView:
        actor.require_coordinator()
        now = self._clock.now()
        deadline = deadline or now + timedelta(days=self._default_days)
        if deadline <= now:
            raise InvalidInput("vote.deadline_past")
        async with self._uow() as uow:
            topic = await self._topic(uow, proposal_id)
            if not await uow.proposals.change_status(
                proposal_id, WAITING, ProposalStatus.VOTING, updated_at=now
            ):
                raise InvalidInput("vote.not_openable", id=proposal_id)
            ballot = await uow.ballots.add(
                Ballot(
                    proposal_id=proposal_id,
                    mode=self.mode,
                    opened_by=actor.telegram_id,
                    opened_at=now,
                    deadline=deadline,
                )
            )
            members = await uow.members.recipients()
            await self._send_ballots(uow, ballot, topic, members, voted=set())
            await uow.commit()
        self._notifier.outbox_changed()
        if self.deadline_changed is not None:
            self.deadline_changed(deadline)
        return BallotView(ballot, topic, None, 0, len(members), None, [])

    async def welcome(self, member: Member) -> int:
        """A member who joined late gets the ballots of the open votes (and their reminder,
        unless their organisation has voted already). Returns how many ballots."""
        now = self._clock.now()
        sent = 0
        async with self._uow() as uow:
            for ballot, proposal in await uow.ballots.open_ballots():
                if ballot.deadline <= now:
                    continue
                (topic,) = await self._topics(uow, [proposal])
                voted = {v.voter for v in await uow.ballots.votes(id_of(ballot))}
                await self._send_ballots(uow, ballot, topic, [member], voted=voted)
                sent += 1
            await uow.commit()
        if sent:
            self._notifier.outbox_changed()
        return sent

    async def _send_ballots(
        self,
        uow: TopicUnitOfWork,
        ballot: Ballot,
        topic: ProposalView,
        members: Sequence[Member],
        *,
        voted: set[str],
    ) -> None:
        """Each member's ballot now, and the reminder before the deadline for those whose vote
        (their organisation's) is still missing."""
        now = self._clock.now()
        languages = await uow.user_settings.languages(
            [m.telegram_id for m in members if m.telegram_id is not None]
        )
        organisations = {o.id: o for o in await uow.organisations.all()}
        rows: list[dict[str, Any]] = []
        remind_at = ballot.deadline - self._reminder_before
        # The texts differ only by language and organisation (and, for one late joiner, by the
        # standing vote): render each once, not once per member.
        texts: dict[tuple[str, int], tuple[str, str]] = {}
        for member in members:
            if member.telegram_id is None:
                continue
            language = languages.get(member.telegram_id, self._language)
            t = translator(language)
            voter = self._voter(ballot, member)
            vote = None
            if voter in voted:
                vote = await uow.ballots.vote(id_of(ballot), voter)
            caster = await uow.members.get(vote.member_id) if vote and vote.member_id else None
            standing = Standing(vote, caster, organisations.get(member.organisation_id))

            if vote is None:
                key = (language, member.organisation_id)
                if key not in texts:
                    texts[key] = (
                        self.ballot_text(t, ballot, topic, standing),
                        self.ballot_text(t, ballot, topic, standing, reminder=True),
                    )
                ballot_text, reminder_text = texts[key]
            else:
                ballot_text = self.ballot_text(t, ballot, topic, standing)
                reminder_text = self.ballot_text(t, ballot, topic, standing, reminder=True)
            rows.append(
                self._ballot_row(
                    f"ballot:{ballot.id}:member:{member.id}",
                    "ballot",
                    member,
                    ballot_text,
                    self.buttons(t, ballot, vote.choice if vote else None),
                    now,
                    ballot.deadline,
                )
            )
            if remind_at > now and voter not in voted:
                rows.append(
                    self._ballot_row(
                        f"ballot:{ballot.id}:remind:{voter}:member:{member.id}",
                        "ballot_reminder",
                        member,
                        reminder_text,
                        self.buttons(t, ballot, None),
                        remind_at,
                        ballot.deadline,
                    )
                )
        await uow.outbox.enqueue(rows)

    # --- voting --------------------------------------------------------------------------

    async def cast(self, actor: Actor, ballot_id: int, choice: VoteChoice) -> BallotView:
        """Store the member's choice (replacing theirs, or in organisation mode their
        organisation's); refused once the vote has closed or its deadline has passed."""
        member = actor.require_member()
        now = self._clock.now()
        async with self._uow() as uow:
            ballot, topic = await self._ballot(uow, ballot_id)
            if ballot.closed_at is not None or ballot.deadline <= now:
                raise InvalidInput("vote.closed", id=topic.proposal.id)
            voter = self._voter(ballot, member)
            before = await uow.ballots.vote(ballot_id, voter)
            vote = Vote(
                ballot_id=ballot_id,
                voter=voter,
                organisation_id=member.organisation_id,
                member_id=member.id,
                choice=choice,
                cast_at=now,
            )
            await uow.ballots.cast(vote)
            # Nobody of this voter needs the reminder any more.
            await uow.outbox.reschedule(f"ballot:{ballot_id}:remind:{voter}:", [])
            told = False
            if (
                before is not None
                and before.member_id not in (None, member.id)
                and before.choice is not choice
            ):
                told = await self._tell_overridden(uow, ballot, topic, before, member, choice)
            await uow.commit()
            # The choice that stands is the one just stored, cast by this member.
            standing = Standing(vote, member, actor.organisation)
            view = await self._view(uow, ballot, topic, member, standing=standing)
        if told:  # else nothing new is due: no need to wake the sender
            self._notifier.outbox_changed()
        return view

    # --- closing -------------------------------------------------------------------------

    async def close(self, actor: Actor, proposal_id: int) -> BallotView:
        actor.require_coordinator()
        async with self._uow() as uow:
            ballot = await uow.ballots.of_proposal(proposal_id)
            if ballot is None:
                raise InvalidInput("vote.not_open", id=proposal_id)
            ballot_id = id_of(ballot)
        view = await self._close(ballot_id, closed_by=actor.telegram_id)
        if view is None:
            raise InvalidInput("vote.not_open", id=proposal_id)
        return view

    async def close_due(self) -> int:
        """Close every vote whose deadline has passed (also while the bot was down)."""
        async with self._uow() as uow:
            due = await uow.ballots.due(self._clock.now())
        closed = 0
        for ballot_id in due:
            if await self._close(ballot_id, closed_by=None) is not None:
                closed += 1
        return closed

    async def next_deadline(self) -> datetime | None:
        async with self._uow() as uow:
            return await uow.ballots.next_deadline()

    async def _close(self, ballot_id: int, *, closed_by: int | None) -> BallotView | None:
        now = self._clock.now()
        async with self._uow() as uow:
            ballot, topic = await self._ballot(uow, ballot_id)
            if ballot.closed_at is not None:
                return None
            votes = await uow.ballots.votes(ballot_id)
            members = await uow.members.recipients()
            result = count(
                [v.choice for v in votes], self._eligible(ballot, members, votes), self.rules
            )
            if not await uow.ballots.close(
                ballot_id,
                now=now,
                closed_by=closed_by,
                outcome=result.outcome,
                result=result.as_dict(),
            ):
                return None  # another process closed it a moment ago
            ballot.closed_at, ballot.outcome, ballot.result = now, result.outcome, result.as_dict()
            ballot.closed_by = closed_by
            accepted = result.outcome is BallotOutcome.ACCEPTED
            await uow.proposals.change_status(
                topic.proposal.id or 0,
                [ProposalStatus.VOTING],
                ProposalStatus.ACCEPTED if accepted else ProposalStatus.NOT_ACCEPTED,
                updated_at=now,
            )
            organisations = {o.id: o for o in await uow.organisations.all()}
            council = await self._council_list(uow, ballot, votes, organisations)
            # Unsent ballots and reminders are of no use now.
            await uow.outbox.reschedule(f"ballot:{ballot_id}:member:", [])
            await uow.outbox.reschedule(f"ballot:{ballot_id}:remind:", [])
            chats: dict[int, int | None] = {
                m.telegram_id: m.id for m in members if m.telegram_id is not None
            }
            for coordinator in self._coordinators:
                chats.setdefault(coordinator, None)
            languages = await uow.user_settings.languages(list(chats))
            results: dict[str, str] = {}  # one text per language
            for language in {languages.get(chat, self._language) for chat in chats}:
                t = translator(language)
                results[language] = self.result_text(t, ballot, topic, result, council)
            rows: list[dict[str, Any]] = [
                {
                    "dedup_key": f"ballot:{ballot_id}:result:chat:{chat_id}",
                    "kind": "ballot_result",
                    "chat_id": chat_id,
                    "member_id": member_id,
                    "text": results[languages.get(chat_id, self._language)],
                    "due_at": now,
                    "created_at": now,
                }
                for chat_id, member_id in chats.items()
            ]
            rows += await self._closing_edits(
                uow, ballot, topic, result, votes, languages, {m.id: m for m in members if m.id}
            )
            await uow.outbox.enqueue(rows)
            await uow.commit()
            view = BallotView(ballot, topic, None, len(votes), result.eligible, result, [])
        self._notifier.outbox_changed()
        return view

    async def _closing_edits(
        self,
        uow: TopicUnitOfWork,
        ballot: Ballot,
        topic: ProposalView,
        result: Result,
        votes: Sequence[Vote],
        languages: dict[int, str],
        members: dict[int, Member],
    ) -> list[dict[str, Any]]:
        """Every ballot message that went out (and every one posted in a group) is edited to
        say the vote has closed, without buttons. `members`: those already loaded (the
        recipients); others who got a ballot (and have left since) are read."""
        now = self._clock.now()
        ballot_id = id_of(ballot)
        rows: list[dict[str, Any]] = []
        sent = await uow.outbox.sent_messages(f"ballot:{ballot_id}:", ("ballot", "ballot_reminder"))
        members = members | await uow.members.by_ids(
            {m.member_id for m in sent if m.member_id and m.member_id not in members}
        )
        by_voter = {v.voter: v for v in votes}
        texts: dict[tuple[str, VoteChoice | None], str] = {}  # by language and counted choice
        for message in sent:
            member = members.get(message.member_id or 0)
            vote = by_voter.get(self._voter(ballot, member)) if member else None
            language = languages.get(message.chat_id, self._language)
            key = (language, vote.choice if vote else None)
            if key not in texts:
                texts[key] = self.closed_text(translator(language), ballot, topic, result, vote)
            rows.append(
                {
                    "dedup_key": f"ballot:{ballot_id}:closed:{message.id}",
                    "kind": "ballot_closed",
                    "chat_id": message.chat_id,
                    "member_id": message.member_id,
                    "edit_message_id": message.telegram_message_id,
                    "text": texts[key],
                    "due_at": now,
                    "created_at": now,
                }
            )
        t = translator(self._language)
        for post in await uow.ballots.posts(ballot_id):
            rows.append(
                {
                    "dedup_key": f"ballot:{ballot_id}:closed:post:{post.id}",
                    "kind": "ballot_closed",
                    "chat_id": post.chat_id,
                    "edit_message_id": post.message_id,
                    "text": self.closed_text(t, ballot, topic, result, None),
                    "due_at": now,
                    "created_at": now,
                }
            )
        return rows

    # --- reading -------------------------------------------------------------------------

    async def open_ballots(self, actor: Actor) -> list[BallotView]:
        """Open votes with the actor's standing choice (three queries for any number)."""
        member = actor.member
        if not actor.is_coordinator:
            member = actor.require_member()
        async with self._uow() as uow:
            pairs = await uow.ballots.open_ballots()
            if not pairs:
                return []
            topics = await self._topics(uow, [p for _, p in pairs])
            ids = [id_of(b) for b, _ in pairs]
            voted = await uow.ballots.voted_counts(ids)
            standing: dict[int, Vote] = {}
            if member is not None:
                voters = [
                    voter_key(
                        mode, organisation_id=member.organisation_id, member_id=member.id or 0
                    )
                    for mode in VoteMode
                ]
                ballots = {id_of(b): b for b, _ in pairs}
                for vote in await uow.ballots.votes_of(ids, voters):
                    # Of the member's two possible voter keys, the one of the ballot's mode.
                    if vote.voter == self._voter(ballots[vote.ballot_id], member):
                        standing[vote.ballot_id] = vote
            casters = await uow.members.by_ids(
                {v.member_id for v in standing.values() if v.member_id}
            )
            organisation = actor.organisation
        return [
            BallotView(
                ballot,
                topic,
                Standing(
                    standing.get(id_of(ballot)),
                    casters.get(standing[id_of(ballot)].member_id or 0)
                    if id_of(ballot) in standing
                    else None,
                    organisation,
                )
                if member is not None
                else None,
                voted.get(id_of(ballot), 0),
                0,
                None,
                [],
            )
            for (ballot, _), topic in zip(pairs, topics, strict=True)
        ]

    async def details(self, actor: Actor, proposal_id: int) -> BallotView:
        """One vote: the actor's standing choice; the counts when closed (or with running
        results); for the coordinator, who has not voted yet."""
        member = actor.member
        if not actor.is_coordinator:
            member = actor.require_member()
        async with self._uow() as uow:
            ballot = await uow.ballots.of_proposal(proposal_id)
            if ballot is None:
                raise InvalidInput("vote.not_open", id=proposal_id)
            ballot, topic = await self._ballot(uow, id_of(ballot))
            view = await self._view(uow, ballot, topic, member, coordinator=actor.is_coordinator)
        return view

    async def ballot_for(self, actor: Actor, ballot_id: int) -> BallotView:
        member = actor.require_member()
        async with self._uow() as uow:
            ballot, topic = await self._ballot(uow, ballot_id)
            return await self._view(uow, ballot, topic, member)

    async def record_post(self, ballot_id: int, chat_id: int, message_id: int) -> None:
        async with self._uow() as uow:
            await uow.ballots.add_post(
                BallotPost(
                    ballot_id=ballot_id,
                    chat_id=chat_id,
                    message_id=message_id,
                    posted_at=self._clock.now(),
                )
            )
            await uow.commit()

    # --- texts ---------------------------------------------------------------------------

    def standing_line(self, t: Translator, ballot: Ballot, standing: Standing | None) -> str:
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
        by = standing.cast_by.display_name if standing.cast_by else "–"
        return t("vote.standing_org", organisation=organisation, choice=choice, by=by)

    def ballot_text(
        self,
        t: Translator,
        ballot: Ballot,
        topic: ProposalView,
        standing: Standing | None,
        *,
        reminder: bool = False,
        running: Result | None = None,
    ) -> str:
        proposal = topic.proposal
        lines = [
            t(
                "vote.ballot_reminder" if reminder else "vote.ballot",
                id=proposal.id,
                title=proposal.title,
                # The description's own line, or nothing (no empty line) without one.
                description=Html(html.escape(proposal.description, quote=False) + "\n")
                if proposal.description
                else "",
                proposer=topic.proposer_label,
                deadline=t.datetime(ballot.deadline, self.zone),
                mode=Html(
                    t(
                        "vote.mode_organisation"
                        if ballot.mode is VoteMode.ORGANISATION
                        else "vote.mode_member"
                    )
                ),
            )
        ]
        if running is not None:
            lines.append(self.counts_line(t, running))
        line = self.standing_line(t, ballot, standing)
        if line:
            lines.append(line)
        return "\n".join(lines)

    def buttons(
        self, t: Translator, ballot: Ballot, current: VoteChoice | None
    ) -> list[list[dict[str, str]]]:
        def button(choice: VoteChoice) -> dict[str, str]:
            label = t(CHOICE_KEYS[choice])
            if choice is current:
                label = f"✅ {label}"
            return {"text": label, "callback_data": callbacks.Vote(id_of(ballot), choice).data}

        return [
            [button(VoteChoice.YES), button(VoteChoice.NO)],
            [button(VoteChoice.YES_COUNCIL)],
            [button(VoteChoice.ABSTAIN)],
        ]

    def counts_line(self, t: Translator, result: Result) -> str:
        return t(
            "vote.counts",
            yes=result.yes,
            yes_council=result.yes_council,
            no=result.no,
            abstain=result.abstain,
        )

    def result_text(
        self,
        t: Translator,
        ballot: Ballot,
        topic: ProposalView,
        result: Result,
        council: list[str],
    ) -> str:
        unit = (
            "vote.unit_organisations"
            if ballot.mode is VoteMode.ORGANISATION
            else "vote.unit_members"
        )
        lines = [
            t("vote.result_title", id=topic.proposal.id, title=topic.proposal.title),
            self.counts_line(t, result),
            t(
                "vote.turnout",
                voted=result.voted,
                eligible=result.eligible,
                unit=Html(t(unit)),
                needed=result.quorum_needed,
            ),
            t(OUTCOME_KEYS[result.outcome]),
        ]
        if council:
            lines.append(t("vote.council_list", names=", ".join(council)))
        return "\n".join(lines)

    def closed_text(
        self,
        t: Translator,
        ballot: Ballot,
        topic: ProposalView,
        result: Result,
        vote: Vote | None,
    ) -> str:
        lines = [
            t(
                "vote.closed_ballot",
                id=topic.proposal.id,
                title=topic.proposal.title,
                outcome=Html(t(OUTCOME_KEYS[result.outcome])),
            ),
            self.counts_line(t, result),
        ]
        if vote is not None:
            lines.append(t("vote.closed_standing", choice=t(CHOICE_KEYS[vote.choice])))
        return "\n".join(lines)

    # --- internals -----------------------------------------------------------------------

    def _voter(self, ballot: Ballot, member: Member) -> str:
        return voter_key(
            ballot.mode, organisation_id=member.organisation_id, member_id=member.id or 0
        )

    def _eligible(self, ballot: Ballot, members: Sequence[Member], votes: Sequence[Vote]) -> int:
        """Organisations with an active member (or people, in member mode), and whoever voted."""
        voters = {self._voter(ballot, m) for m in members}
        return len(voters | {v.voter for v in votes})

    async def _topic(self, uow: TopicUnitOfWork, proposal_id: int) -> ProposalView:
        proposal = await uow.proposals.get(proposal_id)
        if proposal is None:
            raise NotFound("proposal.not_found", id=proposal_id)
        return (await self._topics(uow, [proposal]))[0]

    async def _topics(
        self, uow: TopicUnitOfWork, proposals: Sequence[Proposal]
    ) -> list[ProposalView]:
        members = await uow.members.by_ids({p.member_id for p in proposals if p.member_id})
        organisations = {o.id: o for o in await uow.organisations.all()}
        return [
            ProposalView(
                p,
                members.get(p.member_id) if p.member_id else None,
                organisations.get(p.organisation_id),
                None,
            )
            for p in proposals
        ]

    async def _ballot(self, uow: TopicUnitOfWork, ballot_id: int) -> tuple[Ballot, ProposalView]:
        row = await uow.ballots.with_topic(ballot_id)
        if row is None:
            raise InvalidInput("error.button_invalid")
        ballot, proposal, proposer, organisation = row
        return ballot, ProposalView(proposal, proposer, organisation, None)

    async def _view(
        self,
        uow: TopicUnitOfWork,
        ballot: Ballot,
        topic: ProposalView,
        member: Member | None,
        *,
        coordinator: bool = False,
        standing: Standing | None = None,
    ) -> BallotView:
        """The ballot as `member` (and the coordinator) sees it: a fixed number of queries that
        count in the database, whatever the numbers of members and votes. `standing`, when
        the caller knows it (it has just stored the member's vote), saves reading it back."""
        ballot_id = id_of(ballot)
        tally = await uow.ballots.tally(ballot_id)
        voted = sum(tally.values())
        eligible = await uow.ballots.eligible(ballot_id, ballot.mode)
        if member is not None and standing is None:
            vote = await uow.ballots.vote(ballot_id, self._voter(ballot, member))
            caster = None
            if vote is not None and vote.member_id is not None:
                caster = await uow.members.get(vote.member_id)
            standing = Standing(vote, caster, await uow.organisations.get(member.organisation_id))
        result = None
        if ballot.closed_at is not None and ballot.result is not None and ballot.outcome:
            result = Result.from_dict(ballot.result, ballot.outcome)
        elif self._running:
            choices = [choice for choice, n in tally.items() for _ in range(n)]
            result = count(choices, eligible, self.rules)
        missing: list[str] = []
        if coordinator and ballot.closed_at is None:
            # The names themselves: as long as the list of who has not voted yet.
            members = await uow.members.recipients()
            already = await uow.ballots.voters(ballot_id)
            organisations = {o.id: o for o in await uow.organisations.all()}
            labels: dict[str, str] = {}
            for m in members:
                key = self._voter(ballot, m)
                if key in already:
                    continue
                if ballot.mode is VoteMode.ORGANISATION:
                    org = organisations.get(m.organisation_id)
                    labels[key] = org.name if org else "–"
                else:
                    labels[key] = m.display_name
            missing = sorted(labels.values())
        return BallotView(ballot, topic, standing, voted, eligible, result, missing)

    async def _council_list(
        self,
        uow: TopicUnitOfWork,
        ballot: Ballot,
        votes: Sequence[Vote],
        organisations: dict[int | None, Organisation],
    ) -> list[str]:
        """Who said yes subject to their council: organisations, or people with theirs."""
        council = [v for v in votes if v.choice is VoteChoice.YES_COUNCIL]
        if ballot.mode is VoteMode.ORGANISATION:
            return sorted(
                organisations[v.organisation_id].name
                for v in council
                if v.organisation_id in organisations
            )
        people = await uow.members.by_ids({v.member_id for v in council if v.member_id})
        names = []
        for vote in council:
            person = people.get(vote.member_id or 0)
            org = organisations.get(vote.organisation_id)
            names.append(f"{person.display_name if person else '–'} ({org.name if org else '–'})")
        return sorted(names)

    async def _tell_overridden(
        self,
        uow: TopicUnitOfWork,
        ballot: Ballot,
        topic: ProposalView,
        before: Vote,
        member: Member,
        choice: VoteChoice,
    ) -> bool:
        """In organisation mode, the colleague whose choice was replaced is told (True)."""
        previous = await uow.members.get(before.member_id or 0)
        if previous is None or previous.telegram_id is None:
            return False
        now = self._clock.now()
        language = (await uow.user_settings.languages([previous.telegram_id])).get(
            previous.telegram_id, self._language
        )
        t = translator(language)
        await uow.outbox.enqueue(
            [
                OutboxMessage(
                    dedup_key=f"ballot:{ballot.id}:overridden:{now.isoformat()}:member:{previous.id}",
                    kind="ballot_notice",
                    chat_id=previous.telegram_id,
                    member_id=previous.id,
                    text=t(
                        "vote.overridden",
                        id=topic.proposal.id,
                        title=topic.proposal.title,
                        by=member.display_name,
                        choice=t(CHOICE_KEYS[choice]),
                        before=t(CHOICE_KEYS[before.choice]),
                    ),
                    due_at=now,
                    created_at=now,
                )
            ]
        )
        return True

    def _ballot_row(
        self,
        key: str,
        kind: str,
        member: Member,
        text: str,
        buttons: list[list[dict[str, str]]],
        due: datetime,
        deadline: datetime,
    ) -> dict[str, Any]:
        assert member.telegram_id is not None
        return {
            "dedup_key": key,
            "kind": kind,
            "chat_id": member.telegram_id,
            "member_id": member.id,
            "text": text,
            "buttons": buttons,
            "due_at": due,
            "expires_at": deadline,
            "created_at": self._clock.now(),
        }
