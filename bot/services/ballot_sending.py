"""Ballots going out and the notices of a press: each member's ballot (with buttons for those
who may cast the vote, for information to the others) and its reminder; the colleague whose
choice was replaced is told; a deputy outranked by the Stimmführung is told why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import translator
from bot.services.ballots import Standing, voter_of
from bot.services.counting import reminder_time
from bot.services.electorate import Entitlement, capacity_label_key, entitlements, info_key
from bot.services.errors import InvalidInput
from bot.services.ids import id_of
from bot.services.proposals import ProposalView
from bot.services.uow import UnitOfWork
from bot.texts import voting as render
from bot.texts.buttons import Keyboard, to_stored
from storage.enums import VoteCapacity
from storage.models import Ballot, Member, OutboxMessage, Vote


class BallotSender:
    def __init__(
        self, clock: Clock, *, zone: ZoneInfo, reminder_before: timedelta, default_language: str
    ) -> None:
        self._clock = clock
        self.zone = zone
        self._reminder_before = reminder_before
        self._language = default_language

    async def send(
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
        # Who may press (VOTE_RIGHT, the organisation's status); the others get the ballot
        # for their information, without buttons and without a reminder.
        entitled = await entitlements(uow, ballot, members)
        rows: list[dict[str, Any]] = []
        remind_at = reminder_time(ballot.opened_at, ballot.deadline, self._reminder_before)
        # The texts differ only by language and organisation (and, for one late joiner, by the
        # standing vote): render each once, not once per member.
        texts: dict[tuple[str, int, bool], tuple[str, str]] = {}
        for member in members:
            if member.telegram_id is None:
                continue
            language = languages.get(member.telegram_id, self._language)
            t = translator(language)
            voter = voter_of(ballot, member)
            right = entitled[member.id or 0]
            info = info_key(ballot, right)
            vote = None
            if voter in voted:
                vote = await uow.ballots.vote(id_of(ballot), voter)
            caster = await uow.members.get(vote.member_id) if vote and vote.member_id else None
            standing = Standing(vote, caster, organisations.get(member.organisation_id))

            if vote is None:
                key = (language, member.organisation_id, right.may_cast)
                if key not in texts:
                    texts[key] = (
                        render.ballot_text(t, ballot, topic, standing, self.zone, info=info),
                        render.ballot_text(t, ballot, topic, standing, self.zone, reminder=True),
                    )
                ballot_text, reminder_text = texts[key]
            else:
                ballot_text = render.ballot_text(t, ballot, topic, standing, self.zone, info=info)
                reminder_text = render.ballot_text(
                    t, ballot, topic, standing, self.zone, reminder=True
                )
            rows.append(
                self._row(
                    f"ballot:{ballot.id}:member:{member.id}",
                    "ballot",
                    member,
                    ballot_text,
                    render.ballot_buttons(t, ballot, vote.choice if vote else None)
                    if right.may_cast
                    else (),
                    now,
                    ballot.deadline,
                )
            )
            if right.may_cast and remind_at is not None and remind_at > now and voter not in voted:
                rows.append(
                    self._row(
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

    async def tell_overridden(
        self,
        uow: UnitOfWork,
        ballot: Ballot,
        topic: ProposalView,
        before: Vote,
        member: Member,
        vote: Vote,
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
        by = member.display_name
        if vote.capacity in (VoteCapacity.LEAD, VoteCapacity.DEPUTY):
            by = f"{by} ({t(capacity_label_key(vote.capacity))})"
        choice = vote.choice
        await uow.outbox.enqueue(
            [
                OutboxMessage(
                    dedup_key=f"ballot:{ballot.id}:overridden:{now.isoformat()}:member:{previous.id}",
                    kind="ballot_notice",
                    chat_id=previous.telegram_id,
                    member_id=previous.id,
                    text=render.overridden_text(t, topic, by, choice, before.choice),
                    due_at=now,
                    created_at=now,
                )
            ]
        )
        return True

    def _row(
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


async def refuse_outranked(
    uow: UnitOfWork,
    ballot: Ballot,
    topic: ProposalView,
    voter: str,
    right: Entitlement,
    language: str,
) -> None:
    """A deputy's press that was not stored because the Stimmführung has voted: the
    deputy is told whose choice stands (raises; returns if that is not why)."""
    if right.capacity is not VoteCapacity.DEPUTY:
        return
    standing = await uow.ballots.vote(id_of(ballot), voter)
    if standing is None or standing.capacity is not VoteCapacity.LEAD:
        return
    lead = await uow.members.get(standing.member_id or 0)
    raise InvalidInput(
        "vote.outranked",
        id=topic.proposal.id,
        organisation=right.organisation.name if right.organisation else "–",
        by=lead.display_name if lead else "–",
        choice=translator(language)(render.CHOICE_KEYS[standing.choice]),
    )
