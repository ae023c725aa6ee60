"""The decision register (Beschlüsse) and the member councils' ratifications (issue 16).

A vote that ends accepted becomes a decision, numbered per year, in the transaction that closes
the vote (`record`, called by `VotingService._close`; one per ballot). Every organisation that
voted "Ja, vorbehaltlich Ratsbeschluss" gets a ratification to follow: offen → terminiert →
zugestimmt / abgelehnt / vertagt, or "Vorbehalt entfällt". The decision's status is derived by
one pure function (bot.services.ratification_rules) after every change, and every change of it
is announced to all members.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import Day, Msg
from bot.parsing import clean_block
from bot.services.actor import Actor
from bot.services.decision_input import body_name, day_and_rest, parse_ref
from bot.services.decision_notices import Notices
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.feature_ports import DecisionUnitOfWork, DecisionUnitOfWorkFactory
from bot.services.notify import Notifier
from bot.services.ratification_rules import (
    RatificationRule,
    Reservation,
    Tally,
    decision_status,
)
from bot.services.uow import UnitOfWork
from bot.when import last_date
from storage.enums import PENDING_RATIFICATION, DecisionStatus, RatificationStatus
from storage.models import Ballot, Member, Organisation, Proposal, Task, Vote, VoteChoice
from storage.models_decisions import Decision, DecisionTask, Ratification

MAX_TEXT = 4000
MAX_LINK = 500
NO_YEAR = re.compile(r"\d{1,2}\.\d{1,2}\.?")


@dataclass(frozen=True)
class DecisionDetails:
    decision: Decision
    votes: Sequence[Vote]
    ratifications: Sequence[Ratification]
    tasks: Sequence[Task]
    organisations: dict[int | None, Organisation]
    meeting: str | None


@dataclass(frozen=True)
class Recorded:
    decision: Decision
    item: Ratification
    organisation: str
    changed: bool  # the decision's status changed


def tally_of(ballot: Ballot) -> Tally:
    result = ballot.result or {}
    majority = result.get("majority", "simple")
    return Tally(
        yes=int(result.get("yes", 0)),
        no=int(result.get("no", 0)),
        abstain=int(result.get("abstain", 0)),
        eligible=int(result.get("eligible", 0)),
        majority=majority if majority in ("simple", "two_thirds", "absolute") else "simple",
    )


class DecisionService:
    def __init__(
        self,
        uow: DecisionUnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        *,
        zone: ZoneInfo,
        rule: RatificationRule,
        announce_after: timedelta,
        coordinator_ids: frozenset[int],
        default_language: str,
        reminder_time: time,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self.zone = zone
        self.rule: RatificationRule = rule
        self._announce_after = announce_after
        self.notices = Notices(zone, coordinator_ids, default_language, reminder_time)

    def today(self) -> date:
        return self._clock.now().astimezone(self.zone).date()

    # --- made by the vote ----------------------------------------------------------------

    async def record(
        self,
        base: UnitOfWork,
        ballot: Ballot,
        proposal: Proposal,
        votes: Sequence[Vote],
        now: datetime,
    ) -> Decision | None:
        """The decision of an accepted vote, in the closing transaction (the store's unit of
        work has the register); none twice for one ballot."""
        uow = cast(DecisionUnitOfWork, base)
        assert ballot.id is not None and proposal.id is not None
        if await uow.decisions.of_ballot(ballot.id) is not None:
            return None
        weights: dict[int, int] = {}
        for vote in votes:
            if vote.choice is VoteChoice.YES_COUNCIL:
                weights[vote.organisation_id] = weights.get(vote.organisation_id, 0) + 1
        items = [
            Ratification(
                decision_id=0,
                organisation_id=org,
                weight=weight,
                status=RatificationStatus.OPEN,
                waiting_since=now,
                created_at=now,
                updated_at=now,
            )
            for org, weight in sorted(weights.items())
        ]
        decision = Decision(
            year=now.astimezone(self.zone).year,
            number=0,
            ballot_id=ballot.id,
            proposal_id=proposal.id,
            title=proposal.title,
            text=proposal.description or proposal.title,
            decided_at=now,
            meeting_id=proposal.meeting_id,
            group_id=proposal.group_id,
            status=decision_status(tally_of(ballot), self._reservations(items), self.rule),
            announce_at=now + self._announce_after,
            created_at=now,
            updated_at=now,
        )
        decision = await uow.decisions.add(decision, items)
        organisations = {o.id: o for o in await uow.organisations.all()}
        await self.notices.created(uow, decision, items, organisations, now)
        return decision

    async def welcome(self, member: Member) -> int:
        """Who joins an organisation later gets its ratifications still waiting for the
        council, each with its buttons, as its members got them (after the announcement).
        Returns how many."""
        now = self._clock.now()
        async with self._uow() as uow:
            pending = [
                (item, decision)
                for item, decision in await uow.decisions.pending_ratifications()
                if item.organisation_id == member.organisation_id
            ]
            if not pending:
                return 0
            organisation = await uow.organisations.get(member.organisation_id)
            name = organisation.name if organisation else "–"
            for item, decision in pending:
                due = max(now, decision.announce_at)
                await self.notices.to_organisation(
                    uow, decision, item, name, [member], "welcome", None, due, now
                )
            await uow.commit()
        self._notifier.outbox_changed()
        return len(pending)

    # --- the coordinator ---------------------------------------------------------------------

    async def set_text(self, actor: Actor, ref: str, raw: str) -> Decision:
        """The final wording, until the decision is announced."""
        actor.require_coordinator()
        text = clean_block(raw)
        if not text:
            raise InvalidInput("decision.text_usage")
        if len(text) > MAX_TEXT:
            raise InvalidInput("decision.text_too_long", limit=MAX_TEXT, length=len(text))
        now = self._clock.now()
        async with self._uow() as uow:
            decision = await self._decision(uow, ref)
            if decision.announce_at <= now:
                raise InvalidInput("decision.already_announced", number=self._number(decision))
            decision.text = text
            decision.updated_at = now
            await uow.decisions.save(decision)
            items = (await uow.decisions.ratifications([decision.id or 0]))[decision.id or 0]
            organisations = {o.id: o for o in await uow.organisations.all()}
            await self.notices.announce(uow, decision, items, organisations, now)
            await uow.commit()
        self._notifier.outbox_changed()
        return decision

    # --- reading -----------------------------------------------------------------------------

    async def listing(
        self, actor: Actor, *, year: int | None, group: str | None, pending: bool
    ) -> tuple[Sequence[Decision], dict[int, list[Ratification]]]:
        self._require_reader(actor)
        async with self._uow() as uow:
            group_id = None
            if group is not None:
                found = await uow.groups.by_name(group)
                if found is None:
                    raise NotFound("decision.group_unknown", name=group)
                group_id = found.id
            decisions = await uow.decisions.listing(year=year, group_id=group_id, pending=pending)
            items = await uow.decisions.ratifications([d.id or 0 for d in decisions])
        return decisions, items

    async def details(self, actor: Actor, ref: str) -> DecisionDetails:
        self._require_reader(actor)
        async with self._uow() as uow:
            decision = await self._decision(uow, ref)
            votes = await uow.ballots.votes(decision.ballot_id)
            items = (await uow.decisions.ratifications([decision.id or 0]))[decision.id or 0]
            tasks = await uow.decisions.tasks(decision.id or 0)
            organisations = {o.id: o for o in await uow.organisations.all()}
            meeting = None
            if decision.meeting_id is not None:
                found = await uow.meetings.get(decision.meeting_id)
                meeting = found.title if found else None
        return DecisionDetails(decision, votes, items, tasks, organisations, meeting)

    async def link_task(self, uow: UnitOfWork, ref: str, task: Task, now: datetime) -> Decision:
        """Link a task being created (in its transaction) to decision `ref`."""
        store = cast(DecisionUnitOfWork, uow)
        decision = await self._decision(store, ref)
        await store.decisions.link_task(
            DecisionTask(decision_id=decision.id or 0, task_id=task.id or 0, created_at=now)
        )
        return decision

    async def check_ref(self, ref: str) -> Decision:
        async with self._uow() as uow:
            return await self._decision(uow, ref)

    # --- the organisations ---------------------------------------------------------------

    async def item_of(self, actor: Actor, ratification_id: int) -> tuple[Decision, Ratification]:
        """The ratification a button names, if it is the actor's organisation's and open."""
        async with self._uow() as uow:
            decision, item = await self._item(uow, actor, ratification_id)
        return decision, item

    async def council_date(
        self, actor: Actor, *, ratification_id: int | None = None, ref: str | None = None, text: str
    ) -> Recorded:
        """`28.01.2027 Gemeinderat`: the council's date and body."""
        day, rest = self._day_and_rest(text, "ratification.date_usage")
        body = body_name(rest)

        def change(decision: Decision, item: Ratification, now: datetime) -> None:
            item.council_date = day
            item.body = body or item.body
            if item.status is RatificationStatus.OPEN:
                item.status = RatificationStatus.SCHEDULED

        return await self._change(actor, ratification_id, ref, change)

    async def council_result(
        self,
        actor: Actor,
        outcome: RatificationStatus,
        *,
        ratification_id: int | None = None,
        ref: str | None = None,
        text: str = "",
    ) -> Recorded:
        """zugestimmt / abgelehnt [Datum] [Link]; vertagt [neues Datum] [Gremium]; entfällt."""
        words = text.split()
        link = next((w for w in words if w.startswith(("http://", "https://"))), None)
        if link is not None and len(link) > MAX_LINK:
            raise InvalidInput("ratification.link_too_long", limit=MAX_LINK)
        rest = " ".join(w for w in words if w != link)
        day: date | None = None
        body: str | None = None
        if rest.strip().lower() not in ("", "offen", "open"):
            day, body_text = self._day_and_rest(rest, "ratification.result_usage")
            body = body_name(body_text)

        if day is not None and outcome is not RatificationStatus.DEFERRED:
            # An outcome lies in the past: `20.11.` written in December is this year's.
            first = rest.split()[0]
            if first.lower() in ("am", "on") and len(rest.split()) > 1:
                first = rest.split()[1]
            if NO_YEAR.fullmatch(first) and day > self.today():
                day = last_date(day.month, day.day, self.today())
            if day > self.today():  # the council's date ahead is /ratstermin
                raise InvalidInput("ratification.result_in_future")

        def change(decision: Decision, item: Ratification, now: datetime) -> None:
            if outcome is RatificationStatus.DEFERRED:
                # A deferral changes nothing but the date (none yet: reminded again as without).
                item.status = RatificationStatus.DEFERRED
                item.council_date = day
                item.body = body or item.body
                if day is None:
                    item.waiting_since = now
                return
            today = now.astimezone(self.zone).date()
            council = item.council_date
            if day is None and outcome is not RatificationStatus.WITHDRAWN:
                self._require_met(decision, item, outcome, today)
            item.status = outcome
            # Without a day: the council's (once it has met), else today (also "entfällt").
            held = council if council is not None and council <= today else None
            if outcome is RatificationStatus.WITHDRAWN:
                held = None
            item.outcome_date = day or held or today
            item.link = link

        return await self._change(actor, ratification_id, ref, change)

    # --- the daily round -------------------------------------------------------------------

    async def daily(self) -> int:
        """Keep every open ratification's reminders in the outbox (derived from its state);
        on Mondays the coordinator's overview of the open ones. Returns how many are open."""
        now = self._clock.now()
        today = now.astimezone(self.zone).date()
        async with self._uow() as uow:
            rows = await uow.decisions.pending_ratifications()
            organisations = {o.id: o for o in await uow.organisations.all()}
            for item, decision in rows:
                await self.notices.remind(uow, decision, [item], organisations, now)
            if rows and today.weekday() == 0:
                await self.notices.overview(uow, rows, organisations, today, now)
            await uow.commit()
        self._notifier.outbox_changed()
        return len(rows)

    # --- internals -----------------------------------------------------------------------

    def _number(self, decision: Decision) -> str:
        return f"{decision.year}/{decision.number:02d}"

    def _require_reader(self, actor: Actor) -> None:
        if not actor.is_coordinator:
            actor.require_member()

    def _reservations(self, items: Sequence[Ratification]) -> list[Reservation]:
        return [Reservation(i.weight, i.status) for i in items]

    def _require_met(
        self, decision: Decision, item: Ratification, outcome: RatificationStatus, today: date
    ) -> None:
        """An outcome without a date while the council date entered is still ahead: refused
        (it would be recorded as decided today), with the command that gives the date."""
        if item.council_date is None or item.council_date <= today:
            return
        raise InvalidInput(
            "ratification.council_ahead",
            number=self._number(decision),
            date=Day(datetime.combine(item.council_date, time(12), tzinfo=self.zone), self.zone),
            body=Msg("ratification.body_named", body=item.body) if item.body else Msg(""),
            outcome=Msg(f"ratification.status.{outcome.value}"),
            today=today.strftime("%d.%m.%Y"),
        )

    def _day_and_rest(self, text: str, usage: str) -> tuple[date, str]:
        return day_and_rest(text, usage, self.zone, self._clock.now())

    async def _decision(self, uow: DecisionUnitOfWork, ref: str) -> Decision:
        year, number = parse_ref(ref)
        decision = await uow.decisions.by_number(year, number)
        if decision is None:
            raise NotFound("decision.not_found", number=f"{year}/{number:02d}")
        return decision

    async def _item(
        self, uow: DecisionUnitOfWork, actor: Actor, ratification_id: int
    ) -> tuple[Decision, Ratification]:
        member = actor.require_member()
        item = await uow.decisions.ratification(ratification_id)
        decision = await uow.decisions.get(item.decision_id) if item else None
        if item is None or decision is None:
            raise NotFound("error.button_invalid")
        if item.organisation_id != member.organisation_id:
            raise NotAllowed("ratification.not_yours", number=self._number(decision))
        self._require_open(decision, item)
        return decision, item

    def _require_changed(
        self, decision: Decision, item: Ratification, before: Ratification
    ) -> None:
        """The same date (or deferral) entered again: nothing to record, nobody to tell."""
        fields = ("status", "council_date", "body", "outcome_date", "link")
        if any(getattr(item, f) != getattr(before, f) for f in fields):
            return
        status = Msg(f"ratification.status.{item.status.value}")
        state = status
        if item.council_date is not None:
            at = datetime.combine(item.council_date, time(12), tzinfo=self.zone)
            body = item.body or Msg("ratification.council")
            state = Msg("ratification.on_date", status=status, date=Day(at, self.zone), body=body)
        raise InvalidInput("ratification.unchanged", number=self._number(decision), state=state)

    def _require_open(self, decision: Decision, item: Ratification) -> None:
        if item.status not in PENDING_RATIFICATION:
            raise InvalidInput(
                "ratification.already_done",
                number=self._number(decision),
                status=Msg(f"ratification.status.{item.status.value}"),
            )

    async def _change(
        self,
        actor: Actor,
        ratification_id: int | None,
        ref: str | None,
        change: Callable[[Decision, Ratification, datetime], None],
    ) -> Recorded:
        member = actor.require_member()
        now = self._clock.now()
        async with self._uow() as uow:
            if ratification_id is not None:
                decision, item = await self._item(uow, actor, ratification_id)
            else:
                decision = await self._decision(uow, ref or "")
                items = (await uow.decisions.ratifications([decision.id or 0]))[decision.id or 0]
                mine = [i for i in items if i.organisation_id == member.organisation_id]
                if not mine:
                    raise InvalidInput("ratification.not_yours", number=self._number(decision))
                item = mine[0]
                self._require_open(decision, item)
            before_status, before_at, before_item = item.status, item.updated_at, item
            # Changed on a copy (the row loaded stays as read until the update below).
            item = Ratification(**item.model_dump())
            change(decision, item, now)
            self._require_changed(decision, item, before_item)
            item.updated_at = now
            # Only over the state just read: of two colleagues pressing at once, one records,
            # the other is told it was recorded meanwhile.
            if not await uow.decisions.update_ratification(item, before_status, before_at):
                raise InvalidInput("ratification.changed", number=self._number(decision))
            items = (await uow.decisions.ratifications([decision.id or 0]))[decision.id or 0]
            found = await uow.ballots.with_topic(decision.ballot_id)
            assert found is not None
            ballot = found[0]
            before = decision.status
            after = decision_status(tally_of(ballot), self._reservations(items), self.rule)
            # Settled is settled: a later answer is recorded, the status stays.
            changed = before is DecisionStatus.PROVISIONAL and after is not before
            if changed and await uow.decisions.change_status(decision.id or 0, before, after, now):
                decision.status = after
                decision.updated_at = now
            else:
                changed = False
            organisations = {o.id: o for o in await uow.organisations.all()}
            org = organisations.get(item.organisation_id)
            name = org.name if org else "–"
            members = await uow.members.recipients(organisation_id=item.organisation_id)
            await self.notices.to_organisation(
                uow,
                decision,
                item,
                name,
                members,
                "recorded",
                member.display_name,
                now,
                now,
                skip=actor.telegram_id,
                changed=changed,
            )
            await self.notices.remind(uow, decision, items, organisations, now)
            if changed:
                await self.notices.status_changed(uow, decision, items, organisations, now)
            await uow.commit()
        self._notifier.outbox_changed()
        return Recorded(decision, item, name, changed)
