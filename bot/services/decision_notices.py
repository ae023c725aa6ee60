"""The decision register's messages, all through the outbox: the coordinator's notice when a
decision is made, its announcement, each reserving organisation's ratification message with
buttons, status changes, the reminders (derived from a ratification's state on every change and
in the daily round) and the coordinator's weekly overview.

Dedup keys: `decision:<id>:…` and `ratification:<id>:…` (what a member recorded: one random
event id per change); the reminders of one ratification are
exactly the pending rows under `ratification:<id>:remind:` (`OutboxRepository.reschedule`).
"""

from __future__ import annotations

import asyncio
import secrets
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import translator
from bot.services.feature_ports import DecisionUnitOfWork
from bot.texts import decisions as texts
from bot.texts.buttons import to_stored
from storage.enums import PENDING_RATIFICATION, DecisionStatus
from storage.models import Member, Organisation
from storage.models_decisions import Decision, Ratification

# Without a council date: reminded this long after the decision, again every as long, at most
# this many times.
REMIND_EVERY = timedelta(days=14)
REMIND_TIMES = 4


@dataclass(frozen=True)
class Notices:
    zone: ZoneInfo
    coordinators: frozenset[int]
    language: str
    morning: time  # TASK_REMINDER_TIME: when reminders go out

    async def _languages(self, uow: DecisionUnitOfWork, chats: Sequence[int]) -> dict[int, str]:
        return await uow.user_settings.languages(list(chats))

    def _row(
        self,
        key: str,
        kind: str,
        chat_id: int,
        member_id: int | None,
        text: str,
        due: datetime,
        now: datetime,
        buttons: Any = None,
    ) -> dict[str, Any]:
        return {
            "dedup_key": key,
            "kind": kind,
            "chat_id": chat_id,
            "member_id": member_id,
            "text": text,
            "buttons": to_stored(buttons) if buttons else None,
            "due_at": due,
            "created_at": now,
        }

    async def _everyone(self, uow: DecisionUnitOfWork) -> dict[int, int | None]:
        return self._chats(await uow.members.recipients())

    def _chats(self, members: Sequence[Member]) -> dict[int, int | None]:
        """Chat -> member id of `members`, and the coordinators (member id None unless one)."""
        chats: dict[int, int | None] = {
            m.telegram_id: m.id for m in members if m.telegram_id is not None
        }
        for coordinator in self.coordinators:
            chats.setdefault(coordinator, None)
        return chats

    async def created(
        self,
        uow: DecisionUnitOfWork,
        decision: Decision,
        items: Sequence[Ratification],
        organisations: Mapping[int | None, Organisation],
        now: datetime,
    ) -> None:
        """The coordinator's notice now; the announcement and the ratification messages when
        the decision is announced."""
        languages = await self._languages(uow, sorted(self.coordinators))
        rows = []
        for chat in sorted(self.coordinators):
            t = translator(languages.get(chat, self.language))
            key = "decision.created_now" if decision.announce_at <= now else "decision.created"
            rows.append(
                self._row(
                    f"decision:{decision.id}:created:chat:{chat}",
                    "decision_notice",
                    chat,
                    None,
                    t(
                        key,
                        number=texts.number(decision),
                        title=decision.title,
                        topic=decision.proposal_id,
                        when=t.datetime(decision.announce_at, self.zone),
                        text=decision.text or "–",
                    ),
                    now,
                    now,
                )
            )
        await uow.outbox.enqueue(rows)
        await self.announce(uow, decision, items, organisations, now)

    async def announce(
        self,
        uow: DecisionUnitOfWork,
        decision: Decision,
        items: Sequence[Ratification],
        organisations: Mapping[int | None, Organisation],
        now: datetime,
    ) -> None:
        """(Again, with the current wording:) the pending announcement rows, each reserving
        organisation's ratification messages and their reminders. Everyone and their languages
        are read once for all of them; the loop gets a turn after each organisation (a forum
        of 10,000 members in 300 organisations: 75 of them reserving held it 0.5 s)."""
        everyone = list(await uow.members.recipients())
        chats = self._chats(everyone)
        languages = await self._languages(uow, list(chats))
        by_organisation: dict[int, list[Member]] = defaultdict(list)
        for member in everyone:
            by_organisation[member.organisation_id].append(member)
        rendered: dict[str, str] = {}
        rows = []
        for chat, member_id in chats.items():
            language = languages.get(chat, self.language)
            if language not in rendered:
                rendered[language] = texts.announcement(
                    translator(language), decision, items, organisations, self.zone
                )
            # Plain column values: 10,000 OutboxMessage objects held the loop 0.4 s.
            rows.append(
                self._row(
                    f"decision:{decision.id}:announce:chat:{chat}",
                    "decision_announcement",
                    chat,
                    member_id,
                    rendered[language],
                    decision.announce_at,
                    now,
                )
            )
        await uow.outbox.reschedule(f"decision:{decision.id}:announce:", rows)
        for item in items:
            org = organisations.get(item.organisation_id)
            await self.to_organisation(
                uow,
                decision,
                item,
                org.name if org else "–",
                by_organisation.get(item.organisation_id, []),
                "ask",
                None,
                decision.announce_at,
                now,
                languages=languages,
            )
            await asyncio.sleep(0)
        await self.remind(
            uow, decision, items, organisations, now, members=(by_organisation, languages)
        )

    async def to_organisation(
        self,
        uow: DecisionUnitOfWork,
        decision: Decision,
        item: Ratification,
        organisation: str,
        members: Sequence[Member],
        what: str,
        by: str | None,
        due: datetime,
        now: datetime,
        *,
        skip: int | None = None,
        languages: Mapping[int, str] | None = None,
        changed: bool = False,
    ) -> None:
        """The organisation's members: the ratification message (`ask`; `welcome`: the same
        for one who joined since, added to the others') or what was just recorded (`by`
        whom; `changed`: the decision's status with it), each with the buttons for what comes
        next. `languages`: theirs, if read."""
        if languages is None:
            languages = await self._languages(
                uow, [m.telegram_id for m in members if m.telegram_id]
            )
        rows = []
        event = secrets.token_hex(6)  # each change is its own notice, even at the same instant
        for member in members:
            if member.telegram_id is None or member.telegram_id == skip:
                continue
            t = translator(languages.get(member.telegram_id, self.language))
            if what in ("ask", "welcome"):
                text = texts.ask(t, decision, item, organisation, self.zone)
                key = f"ratification:{item.id}:ask:member:{member.id}"
            else:
                text = texts.recorded(
                    t, decision, item, organisation, by or "–", self.zone, changed=changed
                )
                key = f"ratification:{item.id}:recorded:{event}:member:{member.id}"
            rows.append(
                self._row(
                    key,
                    "ratification",
                    member.telegram_id,
                    member.id,
                    text,
                    due,
                    now,
                    texts.ask_buttons(t, item),
                )
            )
        if what == "ask":
            await uow.outbox.reschedule(f"ratification:{item.id}:ask:", rows)
        else:
            await uow.outbox.enqueue(rows)

    def reminder_times(self, decision: Decision, item: Ratification) -> list[tuple[str, datetime]]:
        """When the organisation is reminded (key part, time), from the ratification's state:
        without a council date every REMIND_EVERY from `waiting_since`, at most REMIND_TIMES;
        with one, the morning after it. Nothing once it is answered or the decision settled."""
        if (
            item.status not in PENDING_RATIFICATION
            or decision.status is not DecisionStatus.PROVISIONAL
        ):
            return []
        if item.council_date is None:
            since = item.waiting_since.astimezone(self.zone).date()
            return [
                (f"nodate:{since.isoformat()}:{n}", self._morning(since + REMIND_EVERY * n))
                for n in range(1, REMIND_TIMES + 1)
            ]
        after = item.council_date + timedelta(days=1)
        return [(f"after:{item.council_date.isoformat()}", self._morning(after))]

    def _morning(self, day: date) -> datetime:
        return datetime.combine(day, self.morning, tzinfo=self.zone)

    async def remind(
        self,
        uow: DecisionUnitOfWork,
        decision: Decision,
        items: Sequence[Ratification],
        organisations: Mapping[int | None, Organisation],
        now: datetime,
        *,
        members: tuple[Mapping[int, Sequence[Member]], Mapping[int, str]] | None = None,
    ) -> None:
        """The reminders of each item's organisation (`members`: everyone's by organisation
        and their languages, if read)."""
        for item in items:
            wanted = [(k, at) for k, at in self.reminder_times(decision, item) if at > now]
            rows: list[dict[str, Any]] = []
            if wanted:
                org = organisations.get(item.organisation_id)
                languages: Mapping[int, str]
                people: Sequence[Member]
                if members is None:
                    people = await uow.members.recipients(organisation_id=item.organisation_id)
                    languages = await self._languages(
                        uow, [m.telegram_id for m in people if m.telegram_id]
                    )
                else:
                    people = members[0].get(item.organisation_id, [])
                    languages = members[1]
                for member in people:
                    assert member.telegram_id is not None
                    t = translator(languages.get(member.telegram_id, self.language))
                    text = texts.reminder(t, decision, item, org.name if org else "–", self.zone)
                    for part, at in wanted:
                        rows.append(
                            self._row(
                                f"ratification:{item.id}:remind:{part}:member:{member.id}",
                                "ratification_reminder",
                                member.telegram_id,
                                member.id,
                                text,
                                at,
                                now,
                                texts.ask_buttons(t, item),
                            )
                        )
            await uow.outbox.reschedule(f"ratification:{item.id}:remind:", rows)
            if len(items) > 1:
                await asyncio.sleep(0)

    async def status_changed(
        self,
        uow: DecisionUnitOfWork,
        decision: Decision,
        items: Sequence[Ratification],
        organisations: Mapping[int | None, Organisation],
        now: datetime,
    ) -> None:
        chats = await self._everyone(uow)
        languages = await self._languages(uow, list(chats))
        rows = []
        for chat, member_id in chats.items():
            t = translator(languages.get(chat, self.language))
            rows.append(
                self._row(
                    f"decision:{decision.id}:status:{decision.status.value}:chat:{chat}",
                    "decision_status",
                    chat,
                    member_id,
                    texts.status_changed(t, decision, items, organisations, self.zone),
                    max(now, decision.announce_at),
                    now,
                )
            )
        await uow.outbox.enqueue(rows)

    async def overview(
        self,
        uow: DecisionUnitOfWork,
        rows: Sequence[tuple[Ratification, Decision]],
        organisations: Mapping[int | None, Organisation],
        today: date,
        now: datetime,
    ) -> None:
        languages = await self._languages(uow, sorted(self.coordinators))
        out = []
        for chat in sorted(self.coordinators):
            t = translator(languages.get(chat, self.language))
            out.append(
                self._row(
                    f"ratification:overview:{today.isoformat()}:chat:{chat}",
                    "ratification_overview",
                    chat,
                    None,
                    texts.overview(t, rows, organisations, self.zone),
                    now,
                    now,
                )
            )
        await uow.outbox.enqueue(out)
