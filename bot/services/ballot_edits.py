"""Ballots edited after they went out. When the vote closes, every ballot says so (without
buttons). While it runs, when a choice is stored, every ballot of that voter (in organisation
mode: of all the organisation's people — the ballots the outbox sent, their reminders and those
shown again in their private chats) says the choice that now stands for it and who cast it, with
that choice ticked. Ballots posted in group chats are shared by several organisations and show
no organisation's choice (it stays hidden until the vote closes, unless SHOW_RUNNING_RESULTS):
they are edited when the vote closes.

The edits go through the outbox like every message that is not a direct answer. Each edit has a
key of its own (a later edit of a message is never taken for a copy of an earlier one), and
storing it drops the edits of the same message that are still waiting; one already on its way
is skipped by the sender once a newer edit of its message exists
(`OutboxRepository.superseded`), so outdated content never lands over newer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import translator
from bot.services.ballots import Standing, voter_of
from bot.services.counting import Result, Rules, count
from bot.services.electorate import electorate, entitled_among
from bot.services.ids import id_of
from bot.services.proposals import ProposalView
from bot.services.uow import UnitOfWork
from bot.texts import voting as render
from bot.texts.buttons import to_stored
from storage.models import Ballot, Member, Organisation, Vote, VoteChoice, VoteMode

KIND = "ballot_standing"
YIELD_EVERY = 500  # rows built between two turns of the event loop (closing a vote)


@dataclass(frozen=True)
class Targets:
    """The ballots of one voter in private chats: (chat, message, reminder?, member)."""

    messages: list[tuple[int, int, bool, int | None]]
    languages: dict[int, str]
    organisation: Organisation | None
    # The members among them who may press (the others' ballots stay without buttons).
    entitled: frozenset[int] = frozenset()


def standing_prefix(ballot_id: int) -> str:
    return f"ballot:{ballot_id}:standing:"


class StandingEdits:
    def __init__(
        self, *, zone: ZoneInfo, rules: Rules, show_running_results: bool, default_language: str
    ) -> None:
        self._zone = zone
        self._rules = rules
        self._running = show_running_results
        self._language = default_language

    async def targets(
        self, uow: UnitOfWork, ballot: Ballot, member: Member, organisation: Organisation | None
    ) -> Targets:
        """Every ballot of `member`'s voter in a private chat (`organisation`: the member's).
        Read before the vote is stored, so that the press holds its share of the ballot (see
        `BallotRepository.cast`) no longer than it must."""
        ballot_id = id_of(ballot)
        voter = voter_of(ballot, member)
        if ballot.mode is VoteMode.ORGANISATION:
            found = await uow.members.of_organisation_with_languages(member.organisation_id)
            languages = {m.telegram_id: lang for m, lang in found if m.telegram_id and lang}
            people = [m for m, _ in found]
        else:
            people = [member]
            languages = await uow.user_settings.languages(
                [member.telegram_id] if member.telegram_id else []
            )
        people = [m for m in people if m.telegram_id is not None and voter_of(ballot, m) == voter]
        keys = [f"ballot:{ballot_id}:member:{m.id}" for m in people]
        keys += [f"ballot:{ballot_id}:remind:{voter}:member:{m.id}" for m in people]
        sent, posted = await uow.outbox.sent_and_posted(keys, ballot_id)
        chats = {m.telegram_id: m for m in people if m.telegram_id is not None}
        messages = [
            (m.chat_id, m.telegram_message_id, ":remind:" in key, m.member_id) for key, m in sent
        ]
        messages += [
            (chat_id, message_id, False, chats[chat_id].id)
            for chat_id, message_id in posted
            if chat_id in chats
        ]
        return Targets(
            messages,
            {chat: languages[chat] for chat in chats if chat in languages},
            organisation,
            await entitled_among(uow, ballot, people, organisation),
        )

    async def enqueue(
        self,
        uow: UnitOfWork,
        targets: Targets,
        ballot: Ballot,
        topic: ProposalView,
        vote: Vote,
        caster: Member,
        now: datetime,
    ) -> int:
        """After `caster` stored `vote` (in the same transaction, so that presses of one voter,
        which take turns on their vote's row, store their edits in the order of their votes):
        the edits of the voter's ballots. Returns how many edits were stored."""
        standing = Standing(vote, caster, targets.organisation)
        running = await self._running_counts(uow, ballot) if self._running else None
        texts: dict[tuple[str, bool, bool], tuple[str, Any]] = {}
        rows: list[dict[str, Any]] = []
        for chat_id, message_id, reminder, member_id in targets.messages:
            language = targets.languages.get(chat_id, self._language)
            may_cast = member_id in targets.entitled
            if (language, reminder, may_cast) not in texts:
                t = translator(language)
                body = render.ballot_text(
                    t,
                    ballot,
                    topic,
                    standing,
                    self._zone,
                    reminder=reminder,
                    running=running,
                    info=None if may_cast else "vote.info_representatives",
                )
                buttons = to_stored(render.ballot_buttons(t, ballot, vote.choice))
                texts[language, reminder, may_cast] = (body, buttons if may_cast else None)
            body, buttons = texts[language, reminder, may_cast]
            rows.append(self._row(ballot, chat_id, message_id, member_id, body, buttons, now))
        return await uow.outbox.replace_edits(rows)

    async def closed(
        self,
        uow: UnitOfWork,
        ballot: Ballot,
        topic: ProposalView,
        result: Result,
        votes: Sequence[Vote],
        languages: dict[int, str],
        members: dict[int, Member],
        now: datetime,
    ) -> list[dict[str, Any]]:
        """Every ballot message that went out (and every one posted in a group) is edited to
        say the vote has closed, without buttons. `members`: those already loaded (the
        recipients); others who got a ballot (and have left since) are read."""
        ballot_id = id_of(ballot)
        rows: list[dict[str, Any]] = []
        sent = await uow.outbox.sent_messages(f"ballot:{ballot_id}:", ("ballot", "ballot_reminder"))
        members = members | await uow.members.by_ids(
            {m.member_id for m in sent if m.member_id and m.member_id not in members}
        )
        by_voter = {v.voter: v for v in votes}
        texts: dict[tuple[str, VoteChoice | None], str] = {}  # by language and counted choice
        for n, message in enumerate(sent, 1):
            if n % YIELD_EVERY == 0:  # 10,000 ballots: others get a turn in between
                await asyncio.sleep(0)
            member = members.get(message.member_id or 0)
            vote = by_voter.get(voter_of(ballot, member)) if member else None
            language = languages.get(message.chat_id, self._language)
            key = (language, vote.choice if vote else None)
            if key not in texts:
                texts[key] = render.closed_text(translator(language), ballot, topic, result, vote)
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
                    "text": render.closed_text(t, ballot, topic, result, None),
                    "due_at": now,
                    "created_at": now,
                }
            )
        return rows

    async def _running_counts(self, uow: UnitOfWork, ballot: Ballot) -> Result:
        tally = await uow.ballots.tally(id_of(ballot))
        voters = await electorate(uow, ballot)
        choices = [c for c, n in tally.items() for _ in range(n)]
        return count(choices, voters.eligible, self._rules, advisory=voters.advisory)

    def _row(
        self,
        ballot: Ballot,
        chat_id: int,
        message_id: int,
        member_id: int | None,
        body: str,
        buttons: Any,
        now: datetime,
    ) -> dict[str, Any]:
        # A key of its own for every edit (see the module's docstring).
        version = f"{now:%Y%m%dT%H%M%S%f}:{uuid.uuid4().hex[:12]}"
        return {
            "dedup_key": f"{standing_prefix(id_of(ballot))}{chat_id}:{message_id}:{version}",
            "kind": KIND,
            "chat_id": chat_id,
            "member_id": member_id,
            "edit_message_id": message_id,
            "text": body,
            "buttons": buttons,
            "due_at": now,
            "expires_at": ballot.deadline,
            "created_at": now,
        }
