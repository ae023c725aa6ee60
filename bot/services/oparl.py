"""What the forum's people decide about the OParl interface (issue 21): the coordinator marks a
meeting internal (`/termin <nr> intern`) or public again, and records a member organisation's own
council information system (`/ratsinfo`); each member decides whether OParl may name them
(`/sichtbarkeit`, default: not)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.services.actor import Actor
from bot.services.errors import InvalidInput
from bot.services.feature_ports import OParlUnitOfWorkFactory
from bot.services.meeting_rows import meeting_of
from bot.services.organisations import find_organisation
from storage.models import Meeting, Organisation
from storage.models_oparl import MeetingInternal, MemberVisibility, OrganisationExternalBody

MAX_URL = 500


@dataclass(frozen=True)
class Visibility:
    visible: bool
    changed: bool
    # Whether the interface shows persons at all (OPARL_ENABLED and OPARL_PERSONS).
    shown: bool


def check_url(raw: str) -> str:
    url = raw.strip()
    if not url.startswith("https://") or len(url) > MAX_URL or any(c.isspace() for c in url):
        raise InvalidInput("oparl.url_invalid", limit=MAX_URL)
    return url


class OParlService:
    def __init__(
        self, uow: OParlUnitOfWorkFactory, clock: Clock, *, enabled: bool, persons: bool
    ) -> None:
        self._uow = uow
        self._clock = clock
        self.enabled = enabled
        self.persons = enabled and persons

    async def set_internal(
        self, actor: Actor, meeting_id: int, internal: bool
    ) -> tuple[Meeting, bool]:
        """Mark the meeting internal (not in OParl) or public; the same again changes nothing.
        Returns the meeting and whether it changed (False: it was so already)."""
        actor.require_coordinator()
        async with self._uow() as uow:
            meeting = await meeting_of(uow, meeting_id)
            row = await uow.oparl.internal(meeting_id)
            if internal and row is None:
                await uow.oparl.put(
                    MeetingInternal(
                        meeting_id=meeting_id,
                        marked_at=self._clock.now(),
                        marked_by=actor.telegram_id,
                    )
                )
            elif not internal and row is not None:
                await uow.oparl.remove(row)
            await uow.commit()
            return meeting, internal != (row is not None)

    async def is_internal(self, meeting_id: int) -> bool:
        async with self._uow() as uow:
            return await uow.oparl.internal(meeting_id) is not None

    async def visibility(self, actor: Actor, visible: bool | None = None) -> Visibility:
        """The member's consent to be named in OParl; set when `visible` is given."""
        member = actor.require_member()
        assert member.id is not None
        async with self._uow() as uow:
            row = await uow.oparl.visibility(member.id)
            changed = visible is not None and visible != (row is not None)
            if changed and row is None:
                await uow.oparl.put(
                    MemberVisibility(member_id=member.id, agreed_at=self._clock.now())
                )
            elif changed and row is not None:
                await uow.oparl.remove(row)
            if changed:
                await uow.commit()
            now_visible = (row is not None) != changed
            return Visibility(visible=now_visible, changed=changed, shown=self.persons)

    async def set_external_body(
        self, actor: Actor, organisation: str, url: str | None
    ) -> Organisation:
        """The URL of the organisation's own OParl body; None removes it."""
        actor.require_coordinator()
        checked = check_url(url) if url is not None else None
        async with self._uow() as uow:
            org = find_organisation(organisation, await uow.organisations.all())
            assert org.id is not None
            row = await uow.oparl.external_body(org.id)
            if checked is None:
                if row is not None:
                    await uow.oparl.remove(row)
            elif row is None:
                await uow.oparl.put(
                    OrganisationExternalBody(
                        organisation_id=org.id, url=checked, changed_at=self._clock.now()
                    )
                )
            elif row.url != checked:
                row.url, row.changed_at = checked, self._clock.now()
                await uow.oparl.put(row)
            await uow.commit()
            return org
