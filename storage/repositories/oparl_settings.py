"""What the bot's commands set for OParl (issue 21): internal meetings, members' consent to be
named, organisations' own council systems. Changed through the ORM, so that the change stamps
(storage.calendar_stamps) give the objects their new `modified`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models_oparl import MeetingInternal, MemberVisibility, OrganisationExternalBody


class OParlSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def internal(self, meeting_id: int) -> MeetingInternal | None:
        return await self.session.get(MeetingInternal, meeting_id)

    async def visibility(self, member_id: int) -> MemberVisibility | None:
        return await self.session.get(MemberVisibility, member_id)

    async def external_body(self, organisation_id: int) -> OrganisationExternalBody | None:
        return await self.session.get(OrganisationExternalBody, organisation_id)

    async def put(self, row: MeetingInternal | MemberVisibility | OrganisationExternalBody) -> None:
        self.session.add(row)
        await self.session.flush()

    async def remove(
        self, row: MeetingInternal | MemberVisibility | OrganisationExternalBody
    ) -> None:
        await self.session.delete(row)
        await self.session.flush()
