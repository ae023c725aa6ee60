"""Votes on topic proposals (Abstimmungen): ballots through the outbox, one standing choice per
voter, reminders to those who have not voted, closing at the deadline, results to everyone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import translator
from bot.parsing import whole_hour_after
from bot.services.actor import Actor
from bot.services.ballot_edits import StandingEdits, standing_prefix
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
from bot.services.counting import Rules, count, reminder_time
from bot.services.errors import InvalidInput
from bot.services.ids import id_of
from bot.services.notify import Notifier
from bot.services.proposals import WAITING, ProposalView
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.texts import voting as render
from bot.texts.buttons import Keyboard, to_stored
from storage.models import (
    Ballot,
    BallotOutcome,
    Member,
    Organisation,
    OutboxMessage,
    Proposal,
    ProposalStatus,
    Vote,
    VoteChoice,
    VoteMode,
)

GROUP_POSTS = 10
# A proposal can be put to the vote while it waits, and again after a vote without quorum (a
# new round; the earlier rounds' results stay).
OPENABLE = (*WAITING, ProposalStatus.NOT_QUORATE)
# Why a proposal cannot be put to the vote (now): the answer names it.
REFUSALS = {
    ProposalStatus.VOTING: "vote.already_running",
    ProposalStatus.ACCEPTED: "vote.already_accepted",
    ProposalStatus.SCHEDULED: "vote.already_accepted",
    ProposalStatus.NOT_ACCEPTED: "vote.already_rejected",
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
        self._edits = StandingEdits(
            zone=zone,
            rules=rules,
            show_running_results=show_running_results,
            default_language=default_language,
        )
        reader = BallotReader(uow, clock, rules=rules, show_running_results=show_running_results)
        # Reading votes (bot/services/ballots.py).
        self.open_ballots = reader.open_ballots
        self.details = reader.details
        self.ballot_for = reader.ballot_for
        self.record_post = reader.record_post
        self._view = reader.view

    # --- opening -------------------------------------------------------------------------

    async def open(self, actor: Actor, proposal_id: int, deadline: datetime | None) -> BallotView:
        actor.require_coordinator()
        now = self._clock.now()
        # The default deadline is on a whole hour (`Do., 10.12.2026, 11:00 Uhr`, not 10:37).
        deadline = deadline or whole_hour_after(now + timedelta(days=self._default_days))
        if deadline <= now:
            raise InvalidInput("vote.deadline_past")
        async with self._uow() as uow:
            topic = await self._topic(uow, proposal_id)
            if not await uow.proposals.change_status(
                proposal_id, OPENABLE, ProposalStatus.VOTING, updated_at=now
            ):
                status = topic.proposal.status
                raise InvalidInput(REFUSALS.get(status, "vote.not_openable"), id=proposal_id)
            ballot = await uow.ballots.add(
                Ballot(
                    proposal_id=proposal_id,
                    mode=self.mode,
                    opened_by=actor.telegram_id,
                    opened_at=now,
                    deadline=deadline,
                )
            )
            rounds = await uow.ballots.round_counts([proposal_id])
            topic = replace(topic, rounds=rounds.get(proposal_id, 1))  # this one included
            members = await uow.members.recipients()
            await self._send_ballots(uow, ballot, topic, members, voted=set())
            await uow.commit()
        self._notifier.outbox_changed()
        self._notifier.vote_deadline(deadline)
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
        uow: UnitOfWork,
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
        remind_at = reminder_time(ballot.opened_at, ballot.deadline, self._reminder_before)
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
                        render.ballot_text(t, ballot, topic, standing, self.zone),
                        render.ballot_text(t, ballot, topic, standing, self.zone, reminder=True),
                    )
                ballot_text, reminder_text = texts[key]
            else:
                ballot_text = render.ballot_text(t, ballot, topic, standing, self.zone)
                reminder_text = render.ballot_text(
                    t, ballot, topic, standing, self.zone, reminder=True
                )
            rows.append(
                self._ballot_row(
                    f"ballot:{ballot.id}:member:{member.id}",
                    "ballot",
                    member,
                    ballot_text,
                    render.ballot_buttons(t, ballot, vote.choice if vote else None),
                    now,
                    ballot.deadline,
                )
            )
            if remind_at is not None and remind_at > now and voter not in voted:
                rows.append(
                    self._ballot_row(
                        f"ballot:{ballot.id}:remind:{voter}:member:{member.id}",
                        "ballot_reminder",
                        member,
                        reminder_text,
                        render.ballot_buttons(t, ballot, None),
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
            targets = await self._edits.targets(uow, ballot, member)
            vote = Vote(
                ballot_id=ballot_id,
                voter=voter,
                organisation_id=member.organisation_id,
                member_id=member.id,
                choice=choice,
                cast_at=now,
            )
            if not await uow.ballots.cast(vote):
                # Closed between the check above and this press: not stored, not counted.
                raise InvalidInput("vote.closed", id=topic.proposal.id)
            # Nobody of this voter needs the reminder any more.
            await uow.outbox.reschedule(f"ballot:{ballot_id}:remind:{voter}:", [])
            told = False
            if (
                before is not None
                and before.member_id not in (None, member.id)
                and before.choice is not choice
            ):
                told = await self._tell_overridden(uow, ballot, topic, before, member, choice)
            if before is None or before.member_id != member.id or before.choice is not choice:
                # Every ballot of the voter (the organisation's people) shows what now stands.
                edits = await self._edits.enqueue(uow, targets, ballot, topic, vote, member, now)
                told = bool(edits) or told
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
            members = await uow.members.recipients()
            result = count(
                [v.choice for v in votes], self._eligible(ballot, members, votes), self.rules
            )
            await uow.ballots.record_result(
                ballot_id, closed_at=now, outcome=result.outcome, result=result.as_dict()
            )
            ballot.closed_at, ballot.outcome, ballot.result = now, result.outcome, result.as_dict()
            ballot.closed_by = closed_by
            await uow.proposals.change_status(
                topic.proposal.id or 0,
                [ProposalStatus.VOTING],
                OUTCOME_STATUS[result.outcome],
                updated_at=now,
            )
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
        self._notifier.outbox_changed()
        return view

    # --- internals -----------------------------------------------------------------------

    def _voter(self, ballot: Ballot, member: Member) -> str:
        return voter_of(ballot, member)

    async def _topic(self, uow: UnitOfWork, proposal_id: int) -> ProposalView:
        return await topic_of(uow, proposal_id)

    async def _topics(self, uow: UnitOfWork, proposals: Sequence[Proposal]) -> list[ProposalView]:
        return await topics_of(uow, proposals)

    async def _ballot(self, uow: UnitOfWork, ballot_id: int) -> tuple[Ballot, ProposalView]:
        return await ballot_of(uow, ballot_id)

    def _eligible(self, ballot: Ballot, members: Sequence[Member], votes: Sequence[Vote]) -> int:
        """Organisations with an active member (or people, in member mode), and whoever voted."""
        voters = {self._voter(ballot, m) for m in members}
        return len(voters | {v.voter for v in votes})

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

    async def _tell_overridden(
        self,
        uow: UnitOfWork,
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
                    text=render.overridden_text(
                        t, topic, member.display_name, choice, before.choice
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
        body: str,
        buttons: Keyboard,
        due: datetime,
        deadline: datetime,
    ) -> dict[str, Any]:
        assert member.telegram_id is not None
        return {
            "dedup_key": key,
            "kind": kind,
            "chat_id": member.telegram_id,
            "member_id": member.id,
            "text": body,
            "buttons": to_stored(buttons),
            "due_at": due,
            "expires_at": deadline,
            "created_at": self._clock.now(),
        }
