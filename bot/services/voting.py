"""Votes on topic proposals (Abstimmungen): ballots through the outbox, one standing choice per
voter, reminders to those who have not voted, closing at the deadline, results to everyone."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.collector import collector_paused, release_in_slices
from bot.i18n import Day, translator
from bot.parsing import whole_hour_after
from bot.services.actor import Actor
from bot.services.ballot_edits import StandingEdits, Targets, standing_prefix
from bot.services.ballot_sending import BallotSender, refuse_outranked
from bot.services.ballots import (
    BallotReader,
    BallotView,
    ballot_of,
    topic_of,
    topics_of,
    voter_of,
)
from bot.services.ballots import (  # re-exported: the votes' views, where they were before
    Standing as Standing,
)
from bot.services.counting import Rules, count
from bot.services.electorate import (
    electorate,
    entitled_among,
    entitlement_of,
    info_key,
    unrepresented,
)
from bot.services.errors import InvalidInput
from bot.services.ids import id_of
from bot.services.notify import Notifier
from bot.services.proposals import WAITING, ProposalView
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.services.vote_scope import IN_MEETING, OnOpen, VoterScope, no_scope, outside
from bot.texts import voting as render
from storage.models import (
    Ballot,
    BallotOutcome,
    BallotPost,
    Member,
    Organisation,
    Proposal,
    ProposalStatus,
    Vote,
    VoteChoice,
    VoteMode,
    VoteRight,
)

GROUP_POSTS = 10
# The reader of a ballot sent as an answer, and what the answer showed.
Shown = tuple[Actor, BallotView]
# A proposal can be put to the vote while it waits, and again after a vote without quorum (a
# new round; the earlier rounds' results stay).
OPENABLE = (*WAITING, ProposalStatus.NOT_QUORATE)
# Why a proposal cannot be put to the vote (now): the answer names it.
REFUSALS = {
    ProposalStatus.VOTING: "vote.already_running",
    ProposalStatus.ACCEPTED: "vote.already_accepted",
    ProposalStatus.SCHEDULED: "vote.already_accepted",
    ProposalStatus.NOT_ACCEPTED: "vote.already_rejected",
    ProposalStatus.REJECTED: "vote.proposal_rejected",
    ProposalStatus.WITHDRAWN: "vote.proposal_withdrawn",
}
OUTCOME_STATUS = {
    BallotOutcome.ACCEPTED: ProposalStatus.ACCEPTED,
    BallotOutcome.REJECTED: ProposalStatus.NOT_ACCEPTED,
    BallotOutcome.NOT_QUORATE: ProposalStatus.NOT_QUORATE,
}


class VotingService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
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
        right: VoteRight = VoteRight.ANYONE,
        scope: VoterScope = no_scope,
    ) -> None:
        self._uow = uow
        self.right = right
        self._scope = scope  # a meeting's vote: who votes (bot/services/vote_scope.py)
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
        self._sender = BallotSender(
            clock, zone=zone, reminder_before=reminder_before, default_language=default_language
        )
        self._edits = StandingEdits(
            zone=zone,
            rules=rules,
            show_running_results=show_running_results,
            default_language=default_language,
        )
        reader = BallotReader(
            uow, clock, rules=rules, show_running_results=show_running_results, scope=scope
        )
        # Reading votes (bot/services/ballots.py).
        self.open_ballots = reader.open_ballots
        self.details = reader.details
        self.ballot_for = reader.ballot_for
        self._record_post = reader.record_post
        self._view = reader.view
        # Issue 16: an accepted vote becomes a decision, in the closing transaction
        # (DecisionService.record; set by the container).
        self.on_accepted: (
            Callable[[UnitOfWork, Ballot, Proposal, Sequence[Vote], datetime], Awaitable[object]]
            | None
        ) = None

    # --- opening -------------------------------------------------------------------------

    async def open(
        self,
        actor: Actor,
        proposal_id: int,
        deadline: datetime | None,
        *,
        voters: frozenset[int] | None = None,
        on_open: OnOpen | None = None,
    ) -> BallotView:
        """A meeting's vote names its `voters` (organisation ids); `on_open` records it with
        the meeting."""
        actor.require_coordinator()
        now = self._clock.now()
        # The default deadline is on a whole hour (`Do., 10.12.2026, 11:00 Uhr`, not 10:37).
        deadline = deadline or whole_hour_after(now + timedelta(days=self._default_days))
        if deadline <= now:
            raise InvalidInput("vote.deadline_past")
        async with self._uow() as uow:
            topic = await self._topic(uow, proposal_id)
            openable = OPENABLE if voters is None else (*OPENABLE, *IN_MEETING)
            if not await uow.proposals.change_status(
                proposal_id, openable, ProposalStatus.VOTING, updated_at=now
            ):
                status = topic.proposal.status
                raise InvalidInput(REFUSALS.get(status, "vote.not_openable"), id=proposal_id)
            ballot = await uow.ballots.add(
                Ballot(
                    proposal_id=proposal_id,
                    mode=self.mode,
                    vote_right=self.right,
                    opened_by=actor.telegram_id,
                    opened_at=now,
                    deadline=deadline,
                )
            )
            rounds = await uow.ballots.round_counts([proposal_id])
            topic = replace(topic, rounds=rounds.get(proposal_id, 1))  # this one included
            members = [m for m in await uow.members.recipients() if not outside(voters, m)]
            if on_open is not None:
                await on_open(uow, ballot)
            await self._sender.send(uow, ballot, topic, members, voted=set())
            # VOTE_RIGHT=representatives: the coordinator is warned of organisations that
            # cannot vote for want of a Stimmführung or Stellvertretung.
            missing = await unrepresented(uow, ballot, members)
            await uow.commit()
        self._notifier.outbox_changed()
        self._notifier.vote_deadline(deadline)
        view = BallotView(ballot, topic, None, 0, len(members), None, [])
        return replace(view, unrepresented=tuple(missing))

    async def welcome(self, member: Member) -> int:
        """A member who joined late gets the ballots of the open votes (and their reminder,
        unless their organisation has voted already). Returns how many ballots."""
        now = self._clock.now()
        sent = 0
        async with self._uow() as uow:
            for ballot, proposal in await uow.ballots.open_ballots():
                if ballot.deadline <= now or outside(await self._scope(uow, id_of(ballot)), member):
                    continue
                (topic,) = await self._topics(uow, [proposal])
                voted = {v.voter for v in await uow.ballots.votes(id_of(ballot))}
                await self._sender.send(uow, ballot, topic, [member], voted=voted)
                sent += 1
            await uow.commit()
        if sent:
            self._notifier.outbox_changed()
        return sent

    # --- voting --------------------------------------------------------------------------

    async def cast(self, actor: Actor, ballot_id: int, choice: VoteChoice) -> BallotView:
        """Store the member's choice (replacing theirs, or in organisation mode their
        organisation's); refused once the vote has closed or its deadline has passed."""
        member = actor.require_member()
        now = self._clock.now()
        async with self._uow() as uow:
            ballot, topic = await self._ballot(uow, ballot_id)
            if ballot.closed_at is not None or ballot.deadline <= now:
                raise await self._closed(uow, ballot, topic.proposal.id or 0, now)
            if outside(await self._scope(uow, ballot_id), member):
                raise InvalidInput("meetingvote.not_present", id=topic.proposal.id)
            right = await entitlement_of(uow, ballot, member, actor.organisation)
            if not right.may_cast:
                raise InvalidInput(
                    info_key(ballot, right) or "vote.info_representatives",
                    organisation=right.organisation.name if right.organisation else "–",
                )
            voter = self._voter(ballot, member)
            before = await uow.ballots.vote(ballot_id, voter)
            targets = await self._edits.targets(uow, ballot, member, actor.organisation)
            vote = Vote(
                ballot_id=ballot_id,
                voter=voter,
                organisation_id=member.organisation_id,
                member_id=member.id,
                choice=choice,
                cast_at=now,
                capacity=right.capacity,
            )
            # With VOTE_RIGHT=representatives the Stimmführung's choice stands over a deputy's.
            lead_first = (
                ballot.vote_right is VoteRight.REPRESENTATIVES
                and ballot.mode is VoteMode.ORGANISATION
            )
            stored = await uow.ballots.cast(vote, lead_first=lead_first)
            if stored is None:
                await refuse_outranked(uow, ballot, topic, voter, right, actor.language)
                # Closed between the check above and this press: not stored, not counted.
                raise InvalidInput("vote.closed", id=topic.proposal.id)
            vote.capacity = stored  # the member's role, as the store read it
            # Nobody of this voter needs the reminder any more.
            await uow.outbox.reschedule(f"ballot:{ballot_id}:remind:{voter}:", [])
            told = False
            if (
                before is not None
                and before.member_id not in (None, member.id)
                and before.choice is not choice
            ):
                told = await self._sender.tell_overridden(uow, ballot, topic, before, member, vote)
            if before is None or before.member_id != member.id or before.choice is not choice:
                # Every ballot of the voter (the organisation's people) shows what now stands.
                edits = await self._edits.enqueue(uow, targets, ballot, topic, vote, member, now)
                told = bool(edits) or told
            await uow.commit()
            # The choice that stands is the one just stored, cast by this member.
            standing = Standing(vote, member, actor.organisation)
            view = await self._view(uow, ballot, topic, member, standing=standing, entitled=right)
        if told:  # else nothing new is due: no need to wake the sender
            self._notifier.outbox_changed()
        return view

    async def record_post(
        self, ballot_id: int, chat_id: int, message_id: int, *, shown: Shown | None = None
    ) -> None:
        """A ballot sent as an answer, to be edited like the others (when the vote closes; in a
        private chat also when a choice is stored). `shown`: the reader and the standing choice
        it shows; a colleague's press between reading it and now did not know this message,
        so that the message is brought up to date at once."""
        if shown is None:
            await self._record_post(ballot_id, chat_id, message_id)
            return
        actor, view = shown
        member = actor.require_member()
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.ballots.add_post(
                BallotPost(
                    ballot_id=ballot_id, chat_id=chat_id, message_id=message_id, posted_at=now
                )
            )
            vote = await uow.ballots.vote(ballot_id, voter_of(view.ballot, member))
            before = view.standing.vote if view.standing is not None else None
            edits = 0
            if vote is not None and _cast(vote) != _cast(before):
                caster = await uow.members.get(vote.member_id) if vote.member_id else None
                targets = Targets(
                    [(chat_id, message_id, False, member.id)],
                    {chat_id: actor.language},
                    actor.organisation,
                    await entitled_among(uow, view.ballot, [member], actor.organisation),
                )
                edits = await self._edits.enqueue(
                    uow, targets, view.ballot, view.topic, vote, caster or member, now
                )
            await uow.commit()
        if edits:
            self._notifier.outbox_changed()

    # --- closing -------------------------------------------------------------------------

    async def close(self, actor: Actor, proposal_id: int) -> BallotView:
        actor.require_coordinator()
        async with self._uow() as uow:
            ballot = await uow.ballots.of_proposal(proposal_id)
            if ballot is None:
                raise await self._not_open(uow, proposal_id)
            ballot_id = id_of(ballot)
        with collector_paused():  # thousands of rows built at once (bot/collector.py)
            view = await self._close(ballot_id, closed_by=actor.telegram_id)
        if view is None:
            async with self._uow() as uow:
                raise await self._not_open(uow, proposal_id)
        return view

    async def _not_open(self, uow: UnitOfWork, proposal_id: int) -> InvalidInput:
        """No vote runs on the topic: when it ended, if it had one."""
        rounds = await uow.ballots.rounds(proposal_id)
        ended = rounds[-1].closed_at if rounds else None
        if ended is not None:
            return InvalidInput("vote.closed_already", id=proposal_id, when=Day(ended, self.zone))
        return InvalidInput("vote.not_open", id=proposal_id)

    async def close_due(self) -> int:
        """Close every vote whose deadline has passed (also while the bot was down)."""
        async with self._uow() as uow:
            due = await uow.ballots.due(self._clock.now())
        closed = 0
        for ballot_id in due:
            with collector_paused():
                if await self._close(ballot_id, closed_by=None) is not None:
                    closed += 1
        return closed

    async def next_deadline(self) -> datetime | None:
        async with self._uow() as uow:
            return await uow.ballots.next_deadline()

    async def _close(self, ballot_id: int, *, closed_by: int | None) -> BallotView | None:
        """Close first, then count in the same transaction: once `start_closing` has the
        ballot no press can be stored any more (see `BallotRepository.cast`), so every press
        that was answered as stored is in the result, and none is stored after it."""
        async with self._uow() as uow:
            ballot, topic = await self._ballot(uow, ballot_id)
            if ballot.closed_at is not None:
                return None
            if not await uow.ballots.start_closing(
                ballot_id, now=self._clock.now(), closed_by=closed_by
            ):
                return None  # another process closed it a moment ago
            # The moment of closing is when the ballot was ours: presses that came before
            # (and had to finish first) are earlier.
            now = self._clock.now()
            votes = await uow.ballots.votes(ballot_id)
            members = list(await uow.members.recipients())  # released in slices below
            scope = await self._scope(uow, ballot_id)
            voters = await electorate(uow, ballot, scope)
            result = count(
                [v.choice for v in votes], voters.eligible, self.rules, advisory=voters.advisory
            )
            await uow.ballots.record_result(
                ballot_id, closed_at=now, outcome=result.outcome, result=result.as_dict()
            )
            ballot.closed_at, ballot.outcome, ballot.result = now, result.outcome, result.as_dict()
            ballot.closed_by = closed_by
            on_agenda = scope is not None and topic.proposal.meeting_id is not None  # stays there
            status = ProposalStatus.SCHEDULED if on_agenda else OUTCOME_STATUS[result.outcome]
            await uow.proposals.change_status(
                topic.proposal.id or 0, [ProposalStatus.VOTING], status, updated_at=now
            )
            if result.outcome is BallotOutcome.ACCEPTED and self.on_accepted is not None:
                await self.on_accepted(uow, ballot, topic.proposal, votes, now)  # issue 16
            organisations = {o.id: o for o in await uow.organisations.all()}
            council = await self._council_list(uow, ballot, votes, organisations)
            # Unsent ballots and reminders are of no use now.
            await uow.outbox.reschedule(f"ballot:{ballot_id}:member:", [])
            await uow.outbox.reschedule(f"ballot:{ballot_id}:remind:", [])
            await uow.outbox.reschedule(standing_prefix(ballot_id), [])
            chats: dict[int, int | None] = {
                m.telegram_id: m.id for m in members if m.telegram_id is not None
            }
            for coordinator in self._coordinators:
                chats.setdefault(coordinator, None)
            languages = await uow.user_settings.languages(list(chats))
            results: dict[str, str] = {}  # one text per language
            for language in {languages.get(chat, self._language) for chat in chats}:
                t = translator(language)
                results[language] = render.result_text(t, ballot, topic, result, council)
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
            await asyncio.sleep(0)  # 10,000 rows built: others get a turn
            rows += await self._edits.closed(
                uow,
                ballot,
                topic,
                result,
                votes,
                languages,
                {m.id: m for m in members if m.id},
                now,
            )
            await uow.outbox.enqueue(rows)
            await uow.commit()
            view = BallotView(ballot, topic, None, len(votes), result.eligible, result, [])
            await release_in_slices(members)  # not 10,000 objects freed in one piece
        self._notifier.outbox_changed()
        return view

    # --- internals -----------------------------------------------------------------------

    async def _closed(
        self, uow: UnitOfWork, ballot: Ballot, proposal_id: int, now: datetime
    ) -> InvalidInput:
        """The answer to a press on a closed ballot; one of an earlier round, while a new
        round runs, says where its ballot is."""
        latest = await uow.ballots.of_proposal(proposal_id)
        if (
            latest is not None
            and latest.id != ballot.id
            and latest.closed_at is None
            and latest.deadline > now
        ):
            return InvalidInput("vote.closed_new_round", id=proposal_id)
        return InvalidInput("vote.closed", id=proposal_id)

    def _voter(self, ballot: Ballot, member: Member) -> str:
        return voter_of(ballot, member)

    async def _topic(self, uow: UnitOfWork, proposal_id: int) -> ProposalView:
        return await topic_of(uow, proposal_id)

    async def _topics(self, uow: UnitOfWork, proposals: Sequence[Proposal]) -> list[ProposalView]:
        return await topics_of(uow, proposals)

    async def _ballot(self, uow: UnitOfWork, ballot_id: int) -> tuple[Ballot, ProposalView]:
        return await ballot_of(uow, ballot_id)

    async def _council_list(
        self,
        uow: UnitOfWork,
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


def _cast(vote: Vote | None) -> tuple[object, ...] | None:
    """What a ballot shows of the standing vote: its choice, by whom, when."""
    return None if vote is None else (vote.choice, vote.member_id, vote.cast_at)
