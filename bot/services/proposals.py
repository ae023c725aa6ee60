"""Topic proposals (Themenvorschläge): a member proposes, the coordinator puts it to the vote,
rejects it with a reason or sets it aside; accepted topics go onto a meeting's agenda."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.i18n import translator
from bot.parsing import clean_block, clean_text
from bot.services.actor import Actor
from bot.services.agenda import AgendaService
from bot.services.errors import InvalidInput, NotAllowed, NotFound
from bot.services.ids import id_of
from bot.services.notify import Notifier
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.texts.buttons import to_stored
from bot.texts.proposals import decision_buttons, proposal_text
from storage.models import (
    AgendaItem,
    Meeting,
    MeetingStatus,
    Member,
    Organisation,
    OutboxMessage,
    Proposal,
    ProposalStatus,
    WorkingGroup,
)

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_REASON = 1000
WAITING = (ProposalStatus.SUBMITTED, ProposalStatus.DEFERRED)
MEETING_CHOICES = 5


@dataclass(frozen=True)
class ProposalView:
    proposal: Proposal
    proposer: Member | None
    organisation: Organisation | None
    group: WorkingGroup | None
    # How many rounds its vote has had (a new one after a vote without quorum); ballots of a
    # later round say which one they are.
    rounds: int = 1

    @property
    def by_coordinator(self) -> bool:
        """The coordinator's own motion: proposed by no member of any organisation. (A member
        who leaves keeps their proposal's organisation, so this stays true only for these.)"""
        return self.proposal.member_id is None and self.proposal.organisation_id is None

    @property
    def proposer_label(self) -> str:
        name = self.proposer.display_name if self.proposer else "–"
        return f"{name} ({self.organisation.name})" if self.organisation else name


class ProposalService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        agenda: AgendaService,
        *,
        zone: ZoneInfo,
        coordinator_ids: frozenset[int],
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self._agenda = agenda
        self.zone = zone
        self._coordinators = coordinator_ids
        self._language = default_language

    # --- proposing -----------------------------------------------------------------------

    @staticmethod
    def check(title: str, description: str | None) -> tuple[str, str | None]:
        """The cleaned title and description, or InvalidInput naming the limit."""
        title = clean_text(title)
        if not title:
            raise InvalidInput("proposal.title_missing")
        if len(title) > MAX_TITLE:
            raise InvalidInput("proposal.title_too_long", limit=MAX_TITLE, length=len(title))
        text = clean_block(description) or None
        if text is not None and len(text) > MAX_DESCRIPTION:
            raise InvalidInput(
                "proposal.description_too_long", limit=MAX_DESCRIPTION, length=len(text)
            )
        return title, text

    async def submit(
        self, actor: Actor, title: str, description: str | None, group_id: int | None = None
    ) -> ProposalView:
        # Members propose for their organisation; the coordinator may propose too (a motion of
        # the coordination, with no organisation).
        member = actor.member
        if member is None and not actor.is_coordinator:
            actor.require_member()
        title, description = self.check(title, description)
        now = self._clock.now()
        async with self._uow() as uow:
            group = None
            if group_id is not None:
                group = await uow.groups.get(group_id)
                if group is None or group.archived_at is not None:
                    raise NotFound("groups.not_found", ref=group_id)
            proposal = await uow.proposals.add(
                Proposal(
                    title=title,
                    description=description,
                    group_id=group_id,
                    member_id=member.id if member else None,
                    organisation_id=member.organisation_id if member else None,
                    created_at=now,
                    updated_at=now,
                )
            )
            view = ProposalView(proposal, member, actor.organisation if member else None, group)
            # The coordinator's own motion: they decide in the reply (its buttons), the other
            # coordinators are told.
            await self._tell_coordinators(
                uow, view, but=actor.telegram_id if member is None else None
            )
            await uow.commit()
        self._notifier.outbox_changed()
        return view

    async def withdraw(self, actor: Actor, proposal_id: int) -> Proposal:
        member = actor.require_member()
        async with self._uow() as uow:
            view = await self._view(uow, proposal_id)
            if view.proposal.member_id != member.id:
                raise NotAllowed("proposal.not_yours", id=proposal_id)
            if not await uow.proposals.change_status(
                proposal_id, WAITING, ProposalStatus.WITHDRAWN, updated_at=self._clock.now()
            ):
                raise InvalidInput("proposal.cannot_withdraw", id=proposal_id)
            await self._send(
                uow,
                "withdrawn",
                view,
                dict.fromkeys(self._coordinators),
                "proposal.notice_withdrawn",
            )
            await uow.commit()
        self._notifier.outbox_changed()
        return view.proposal

    # --- the coordinator's decision ------------------------------------------------------

    async def reject(self, actor: Actor, proposal_id: int, reason: str) -> ProposalView:
        actor.require_coordinator()
        reason = clean_text(reason)
        if not reason:
            raise InvalidInput("proposal.reason_missing", id=proposal_id)
        if len(reason) > MAX_REASON:
            raise InvalidInput("proposal.reason_too_long", limit=MAX_REASON)
        async with self._uow() as uow:
            view = await self._view(uow, proposal_id)
            if not await uow.proposals.change_status(
                proposal_id,
                WAITING,
                ProposalStatus.REJECTED,
                reason=reason,
                updated_at=self._clock.now(),
            ):
                raise InvalidInput("proposal.not_waiting", id=proposal_id)
            await self._send(
                uow, "rejected", view, self._proposer_chat(view), "proposal.notice_rejected"
            )
            await uow.commit()
        self._notifier.outbox_changed()
        return view

    async def defer(self, actor: Actor, proposal_id: int) -> ProposalView:
        actor.require_coordinator()
        async with self._uow() as uow:
            view = await self._view(uow, proposal_id)
            if not await uow.proposals.change_status(
                proposal_id, WAITING, ProposalStatus.DEFERRED, updated_at=self._clock.now()
            ):
                raise InvalidInput("proposal.not_waiting", id=proposal_id)
            await uow.commit()
        return view

    # --- reading -------------------------------------------------------------------------

    async def get(self, actor: Actor, proposal_id: int) -> ProposalView:
        if not actor.is_coordinator:
            actor.require_member()
        async with self._uow() as uow:
            return await self._view(uow, proposal_id)

    async def listing(
        self, actor: Actor
    ) -> tuple[list[ProposalView], list[ProposalView], list[ProposalView]]:
        """(waiting for the coordinator, the actor's own waiting ones, accepted and scheduled
        topics). Members see only their own waiting proposals; the coordinator all."""
        if not actor.is_coordinator:
            actor.require_member()
        async with self._uow() as uow:
            waiting = await uow.proposals.with_status(WAITING)
            if actor.is_coordinator:  # and those whose vote had no quorum: a new round?
                waiting = [
                    *waiting,
                    *await uow.proposals.with_status([ProposalStatus.NOT_QUORATE]),
                ]
            backlog = await uow.proposals.with_status(
                [ProposalStatus.ACCEPTED, ProposalStatus.SCHEDULED]
            )
            views = await self._views(uow, [*waiting, *backlog])
        by_id = {id_of(v.proposal): v for v in views}
        own_id = actor.member.id if actor.member else None
        pending = [by_id[id_of(p)] for p in waiting]
        own = [
            v
            for v in pending
            if v.proposal.member_id == own_id
            and own_id is not None
            and v.proposal.status in WAITING
        ]
        return (
            pending if actor.is_coordinator else [],
            own,
            [by_id[id_of(p)] for p in backlog],
        )

    async def meeting_choices(self, actor: Actor, proposal_id: int) -> list[Meeting]:
        """The next meetings an accepted topic can go onto."""
        actor.require_coordinator()
        async with self._uow() as uow:
            view = await self._view(uow, proposal_id)
            if view.proposal.status is not ProposalStatus.ACCEPTED:
                raise InvalidInput("proposal.not_accepted", id=proposal_id)
            meetings = await uow.meetings.upcoming(self._clock.now(), MEETING_CHOICES)
        return list(meetings)

    async def place(
        self, actor: Actor, proposal_id: int, meeting_id: int
    ) -> tuple[ProposalView, Meeting, AgendaItem]:
        """Put an accepted topic on an upcoming meeting's agenda; the proposer is told."""
        actor.require_coordinator()
        now = self._clock.now()
        async with self._uow() as uow:
            view = await self._view(uow, proposal_id)
            meeting = await uow.meetings.get(meeting_id)
            if meeting is None:
                raise NotFound("meeting.not_found", id=meeting_id)
            if meeting.status is not MeetingStatus.SCHEDULED or meeting.starts_at <= now:
                raise InvalidInput("proposal.meeting_not_upcoming", id=meeting_id)
            if not await uow.proposals.change_status(
                proposal_id,
                [ProposalStatus.ACCEPTED],
                ProposalStatus.SCHEDULED,
                meeting_id=meeting_id,
                updated_at=now,
            ):
                raise InvalidInput("proposal.not_accepted", id=proposal_id)
            item = await self._agenda.add_topic(uow, meeting, view.proposal)
            await self._send(
                uow,
                f"scheduled:{meeting_id}",
                view,
                self._proposer_chat(view),
                "proposal.notice_scheduled",
                meeting=meeting,
                position=item.position,
            )
            await uow.commit()
        self._notifier.outbox_changed()
        return view, meeting, item

    # --- internals -----------------------------------------------------------------------

    async def _view(self, uow: UnitOfWork, proposal_id: int) -> ProposalView:
        proposal = await uow.proposals.get(proposal_id)
        if proposal is None:
            raise NotFound("proposal.not_found", id=proposal_id)
        return (await self._views(uow, [proposal]))[0]

    async def _views(self, uow: UnitOfWork, proposals: Sequence[Proposal]) -> list[ProposalView]:
        """Proposers, organisations and groups of many proposals in three queries."""
        members = await uow.members.by_ids({p.member_id for p in proposals if p.member_id})
        organisations = {o.id: o for o in await uow.organisations.all()}
        groups = {g.id: g for g in await uow.groups.active()} if proposals else {}
        return [
            ProposalView(
                p,
                members.get(p.member_id) if p.member_id else None,
                organisations.get(p.organisation_id),
                groups.get(p.group_id),
            )
            for p in proposals
        ]

    def _proposer_chat(self, view: ProposalView) -> dict[int, int | None]:
        proposer = view.proposer
        if proposer is None or proposer.telegram_id is None:
            return {}
        return {proposer.telegram_id: proposer.id}

    async def _tell_coordinators(
        self, uow: UnitOfWork, view: ProposalView, *, but: int | None = None
    ) -> None:
        await self._send(
            uow,
            "submitted",
            view,
            dict.fromkeys(c for c in self._coordinators if c != but),
            "proposal.notice_new",
            with_decisions=True,
        )

    async def _send(
        self,
        uow: UnitOfWork,
        event: str,
        view: ProposalView,
        chats: dict[int, int | None],
        key: str,
        *,
        with_decisions: bool = False,
        meeting: Meeting | None = None,
        **extra: object,
    ) -> None:
        """One notice per chat (`with_decisions`: and the coordinator's decision buttons)."""
        now = self._clock.now()
        languages = await uow.user_settings.languages(list(chats))
        rows = []
        for chat_id, member_id in chats.items():
            t = translator(languages.get(chat_id, self._language))
            rows.append(
                OutboxMessage(
                    dedup_key=f"proposal:{view.proposal.id}:{event}:chat:{chat_id}",
                    kind="proposal_notice",
                    chat_id=chat_id,
                    member_id=member_id,
                    text=proposal_text(t, key, view, self.zone, meeting, **extra),
                    buttons=to_stored(decision_buttons(t, id_of(view.proposal)))
                    if with_decisions
                    else None,
                    due_at=now,
                    created_at=now,
                )
            )
        await uow.outbox.enqueue(rows)
