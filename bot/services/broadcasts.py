"""Rundschreiben: the coordinator's message to all members, or to one kind or working group.

A broadcast is a draft until the coordinator presses Senden; then one outbox row per recipient
is stored in the same transaction that marks it as sending. When its last row is finished, the
report to the coordinator is stored as one more outbox row, exactly once.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.i18n import Html, Msg, translator
from bot.parsing import clean_block, clean_text
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.notify import Notifier
from bot.services.organisations import find_organisation
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from storage.models import (
    Broadcast,
    BroadcastState,
    Member,
    OrganisationKind,
    OutboxMessage,
    OutboxState,
)

# The text goes out under a one-line heading; together they stay below Telegram's 4096.
MAX_TEXT = 4000
# The report names at most this many people per list.
REPORT_NAMES = 40

KIND_TARGETS: dict[str, OrganisationKind] = {
    word: kind
    for kind, words in {
        OrganisationKind.STADT: ("stadt", "städte", "staedte", "city", "cities"),
        OrganisationKind.GEMEINDE: ("gemeinde", "gemeinden", "municipality", "municipalities"),
        OrganisationKind.LANDKREIS: (
            "landkreis",
            "landkreise",
            "kreis",
            "kreise",
            "district",
            "districts",
        ),
        OrganisationKind.VERBAND: (
            "verband",
            "verbände",
            "verbaende",
            "association",
            "associations",
        ),
        OrganisationKind.INSTITUTION: ("institution", "institutionen", "institutions"),
    }.items()
    for word in words
}


def _squash(text: str) -> str:
    """Case, spaces, hyphens and underscores do not matter in a target: @Grün_und_Freiräume."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


@dataclass(frozen=True)
class Target:
    key: str | None  # "kind:landkreis", "group:3", "org:5", or None for everyone
    kind: OrganisationKind | None = None
    group_id: int | None = None
    group_name: str | None = None
    organisation_id: int | None = None
    organisation_name: str | None = None


@dataclass(frozen=True)
class Progress:
    broadcast: Broadcast
    counts: dict[OutboxState, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def delivered(self) -> int:
        return self.counts.get(OutboxState.SENT, 0)

    @property
    def finished(self) -> int:
        return self.total - self.counts.get(OutboxState.PENDING, 0)

    @property
    def counts_pending(self) -> int:
        return self.counts.get(OutboxState.PENDING, 0)

    @property
    def complete(self) -> bool:
        return self.counts.get(OutboxState.PENDING, 0) == 0


class BroadcastService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, notifier: Notifier) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier

    # --- targets -------------------------------------------------------------------------

    async def target_names(self, language: str) -> list[str]:
        """What may follow the @: the kinds (plural) and the working groups."""
        t = translator(language)
        names = [t(f"broadcast.target.{kind.value}") for kind in OrganisationKind]
        async with self._uow() as uow:
            groups = await uow.groups.active()
        return names + [g.name.replace(" ", "_") for g in groups]

    async def resolve_target(self, token: str | None, language: str) -> Target:
        if token is None:
            return Target(key=None)
        wanted = _squash(token)
        kind = KIND_TARGETS.get(wanted)
        if kind is not None:
            return Target(key=f"kind:{kind.value}", kind=kind)
        async with self._uow() as uow:
            groups = await uow.groups.active()
            organisations = await uow.organisations.all()
        for group in groups:
            if wanted in (_squash(group.name), f"ag{group.id}"):
                return Target(key=f"group:{group.id}", group_id=group.id, group_name=group.name)
        # One organisation's members: `@Zöllnitz`, `@Stadt_Jena` (the one resolver's rules).
        targets = ", ".join(f"@{name}" for name in await self.target_names(language))
        unknown = InvalidInput("broadcast.target_unknown", target=token, targets=targets)
        org = find_organisation(token.replace("_", " "), organisations, not_found=unknown)
        return Target(key=f"org:{org.id}", organisation_id=org.id, organisation_name=org.name)

    # --- draft, send, cancel -------------------------------------------------------------

    async def prepare(
        self,
        actor: Actor,
        *,
        text: str | None,
        copy_of: tuple[int, int] | None,
        target_token: str | None,
        chat_id: int,
    ) -> tuple[Broadcast, Target]:
        """Store a draft and count its recipients; nothing is sent yet."""
        actor.require_coordinator()
        if copy_of is None:
            text = clean_block(text)
            if not text:
                raise InvalidInput("broadcast.usage")
            if len(text) > MAX_TEXT:
                raise InvalidInput("broadcast.too_long", limit=MAX_TEXT, length=len(text))
        target = await self.resolve_target(target_token, actor.language)
        async with self._uow() as uow:
            recipients = await uow.members.recipients(
                kind=target.kind, group_id=target.group_id, organisation_id=target.organisation_id
            )
            if not recipients:  # nothing to preview, nothing stored
                raise InvalidInput("broadcast.nobody", target=target_label(target))
            broadcast = await uow.broadcasts.add(
                Broadcast(
                    created_by=actor.telegram_id,
                    created_at=self._clock.now(),
                    text=text if copy_of is None else None,
                    copy_from_chat_id=copy_of[0] if copy_of else None,
                    copy_message_id=copy_of[1] if copy_of else None,
                    target=target.key,
                    target_label=clean_text(target_token) if target_token else None,
                    recipients=len(recipients),
                    chat_id=chat_id,
                    language=actor.language,
                )
            )
            await uow.commit()
        return broadcast, target

    async def cancel(self, actor: Actor, broadcast_id: int) -> bool:
        """True if the draft was cancelled now; False if it was sent or cancelled before."""
        actor.require_coordinator()
        async with self._uow() as uow:
            if await uow.broadcasts.get(broadcast_id) is None:
                raise NotFound("broadcast.not_found", id=broadcast_id)
            changed = await uow.broadcasts.change_state(
                broadcast_id, BroadcastState.DRAFT, BroadcastState.CANCELLED
            )
            await uow.commit()
        return changed

    async def start(
        self, actor: Actor, broadcast_id: int, *, progress_message_id: int | None
    ) -> int | None:
        """Senden: enqueue one row per recipient and return how many.

        None if the broadcast was no longer a draft (a double press, or cancelled meanwhile).
        """
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            broadcast = await uow.broadcasts.get(broadcast_id)
            if broadcast is None:
                raise NotFound("broadcast.not_found", id=broadcast_id)
            target = _target_of(broadcast)
            recipients = await uow.members.recipients(
                kind=target.kind, group_id=target.group_id, organisation_id=target.organisation_id
            )
            if not recipients:  # the last of them left after the preview: still a draft
                raise InvalidInput("broadcast.nobody_now", id=broadcast_id)
            if not await uow.broadcasts.change_state(
                broadcast_id,
                BroadcastState.DRAFT,
                BroadcastState.SENDING,
                started_at=now,
                progress_message_id=progress_message_id,
                recipients=len(recipients),
            ):
                return None
            languages = await uow.user_settings.languages(
                [m.telegram_id for m in recipients if m.telegram_id is not None]
            )
            texts: dict[str, str | None] = {}  # one text per language
            await uow.outbox.enqueue(
                [
                    self._row(broadcast, member, languages.get(member.telegram_id or 0), texts, now)
                    for member in recipients
                ]
            )
            await uow.commit()
        self._notifier.outbox_changed()
        return len(recipients)

    def _row(
        self,
        broadcast: Broadcast,
        member: Member,
        language: str | None,
        texts: dict[str, str | None],
        now: datetime,
    ) -> dict[str, Any]:
        """The outbox row's column values, the text rendered once a language (plain values,
        not objects: 1,000 OutboxMessage objects, each validated, held the event loop 0.1 s)."""
        assert broadcast.id is not None and member.telegram_id is not None
        language = language or broadcast.language
        if language not in texts:
            texts[language] = (
                None
                if broadcast.text is None
                else translator(language)("broadcast.message", text=broadcast.text)
            )
        return {
            "dedup_key": f"broadcast:{broadcast.id}:member:{member.id}",
            "kind": "broadcast",
            "chat_id": member.telegram_id,
            "member_id": member.id,
            "broadcast_id": broadcast.id,
            "text": texts[language],
            "copy_from_chat_id": broadcast.copy_from_chat_id,
            "copy_message_id": broadcast.copy_message_id,
            "due_at": now,
            "created_at": now,
        }

    # --- progress and report -------------------------------------------------------------

    async def progress(self, broadcast_ids: Sequence[int]) -> list[Progress]:
        async with self._uow() as uow:
            counts = await uow.outbox.state_counts(list(broadcast_ids))
            found = [await uow.broadcasts.get(bid) for bid in broadcast_ids]
        return [Progress(b, counts.get(b.id or 0, {})) for b in found if b is not None]

    async def complete_if_done(self, broadcast_id: int) -> bool:
        """If every row is finished: mark done and enqueue the report (once). True if now done."""
        async with self._uow() as uow:
            broadcast = await uow.broadcasts.get(broadcast_id)
            if broadcast is None or broadcast.state is not BroadcastState.SENDING:
                return False
            counts = (await uow.outbox.state_counts([broadcast_id])).get(broadcast_id, {})
            if counts.get(OutboxState.PENDING, 0):
                return False
            if not await self._complete(uow, broadcast):
                return False
            await uow.commit()
        self._notifier.outbox_changed()
        return True

    async def _complete(self, uow: UnitOfWork, broadcast: Broadcast) -> bool:
        assert broadcast.id is not None
        now = self._clock.now()
        if not await uow.broadcasts.change_state(
            broadcast.id, BroadcastState.SENDING, BroadcastState.DONE, finished_at=now
        ):
            return False
        counts = (await uow.outbox.state_counts([broadcast.id])).get(broadcast.id, {})
        problems = await uow.outbox.unsuccessful(broadcast.id)
        await uow.outbox.enqueue(
            [
                OutboxMessage(
                    dedup_key=f"broadcast:{broadcast.id}:report",
                    kind="broadcast_report",
                    chat_id=broadcast.chat_id,
                    text=self._report(broadcast, counts, problems),
                    due_at=now,
                    created_at=now,
                )
            ]
        )
        return True

    def _report(
        self,
        broadcast: Broadcast,
        counts: dict[OutboxState, int],
        problems: Sequence[tuple[OutboxMessage, Member | None]],
    ) -> str:
        t = translator(broadcast.language)
        unreachable = [
            _name(t("broadcast.former_member"), member)
            for row, member in problems
            if row.state is OutboxState.SKIPPED
        ]
        failed = [
            f"{html.escape(_name(t('broadcast.former_member'), member))}: "
            f"{html.escape(row.last_error or '?')}"
            for row, member in problems
            if row.state is OutboxState.FAILED
        ]
        parts = [
            t(
                "broadcast.report",
                id=broadcast.id,
                delivered=counts.get(OutboxState.SENT, 0),
                total=sum(counts.values()),
                unreachable=len(unreachable),
                failed=len(failed),
            )
        ]
        if unreachable:
            parts.append(t("broadcast.report_unreachable", names=_cut(unreachable, escape=True)))
        if failed:
            parts.append(t("broadcast.report_failed", lines=_cut(failed, escape=False)))
        return "\n\n".join(parts)

    async def recent(self, actor: Actor, limit: int = 10) -> list[Progress]:
        actor.require_coordinator()
        async with self._uow() as uow:
            broadcasts = await uow.broadcasts.recent(limit)
            counts = await uow.outbox.state_counts([b.id for b in broadcasts if b.id])
        return [Progress(b, counts.get(b.id or 0, {})) for b in broadcasts]


def target_label(target: Target) -> Msg:
    """ "Gemeinden", "Mitglieder der AG Mobilität", "Mitglieder von Stadt Jena", "alle
    Mitglieder", in the reader's language."""
    if target.kind is not None:
        return Msg(f"broadcast.target.{target.kind.value}")
    if target.group_name is not None:
        return Msg("broadcast.target_group", name=target.group_name)
    if target.organisation_name is not None:
        return Msg("broadcast.target_organisation", name=target.organisation_name)
    return Msg("broadcast.target_all")


def _target_of(broadcast: Broadcast) -> Target:
    if broadcast.target is None:
        return Target(key=None)
    kind, _, value = broadcast.target.partition(":")
    if kind == "kind":
        return Target(key=broadcast.target, kind=OrganisationKind(value))
    if kind == "org":
        return Target(key=broadcast.target, organisation_id=int(value))
    return Target(key=broadcast.target, group_id=int(value))


def _name(former: str, member: Member | None) -> str:
    if member is None or member.telegram_id is None:
        return former
    return member.display_name


def _cut(items: list[str], *, escape: bool) -> Html:
    shown = [html.escape(i) if escape else i for i in items[:REPORT_NAMES]]
    more = len(items) - len(shown)
    text = "\n".join(f"• {line}" for line in shown)
    if more > 0:
        text += f"\n• … (+{more})"
    return Html(text)
