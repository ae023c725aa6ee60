"""The OParl interface works on `SLOTS` requests at once: a crawler asking many things in
parallel waits its turn instead of taking the event loop's turns and the database pool's
connections from the members' answers (issue 20)."""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http import build_http_app
from bot.oparl.api import SLOTS, OParlConfig, build_oparl
from storage.db import create_session_factory
from storage.models import Meeting
from tests.integration.test_oparl import T0
from tests.oparl_forum import seed


class NoFeeds:
    async def etag(self, token: str) -> str | None:
        return None

    async def body(self, token: str) -> None:
        return None


async def test_requests_beyond_the_slots_wait_their_turn(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    forum = await seed(sessions, T0)
    async with sessions() as session:
        minuted = [m for m in forum.meetings if m not in forum.internal_meetings][:SLOTS]
        for meeting_id in minuted:
            meeting = await session.get(Meeting, meeting_id)
            assert meeting is not None
            meeting.minutes_file_id = f"minutes-{meeting_id}"
        await session.commit()
    entered: asyncio.Queue[str] = asyncio.Queue()
    release = asyncio.Event()

    async def slow_files(file_id: str) -> tuple[bytes, str]:
        await entered.put(file_id)
        await release.wait()  # Telegram is slow to hand out the minutes
        return b"%PDF", "application/pdf"

    config = OParlConfig("https://forum.example.org", "Forum", None, None, "Europe/Berlin", False)
    app = build_http_app(NoFeeds(), oparl=build_oparl(sessions, config, files=slow_files))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://forum.test") as client:
        downloads = [
            asyncio.create_task(client.get(f"/oparl/v1/file/{m}/download")) for m in minuted
        ]
        for _ in minuted:  # every slot taken
            await entered.get()
        system = asyncio.create_task(client.get("/oparl/v1/system"))
        done, _ = await asyncio.wait({system}, timeout=0.3)
        assert not done  # waits while the slots are taken (this cannot pass by chance)
        release.set()
        assert (await system).status_code == 200
        assert [(await d).content for d in downloads] == [b"%PDF"] * SLOTS
