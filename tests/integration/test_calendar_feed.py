"""The feed's ETag comes from change stamps kept in the database (issue 19): an unchanged feed
answers 304 from one small query, without rendering; any change that the member's feed shows
gives a 200 with a new ETag and the new content, also where the clock stands still; changes
only other members see leave it at 304."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import open_services
from bot.http import build_http_app
from bot.services.actor import Actor, Profile
from bot.services.container import Services
from bot.services.meeting_types import MeetingChanges, MeetingDraft
from storage.db import create_session_factory
from storage.models import Member, Organisation, RsvpAnswer
from tests.integration.test_query_counts import Statements
from tests.support import COORDINATOR_ID, FakeClock, make_settings

ANNA, BERND = 1_001, 1_002  # Anna of Stadt Jena, Bernd of Gemeinde Zöllnitz


@dataclass
class Feeds:
    engine: AsyncEngine
    services: Services
    clock: FakeClock
    client: httpx.AsyncClient
    statements: Statements

    async def actor(self, telegram_id: int) -> Actor:
        return await self.services.membership.identify(
            Profile(telegram_id=telegram_id, first_name="Anna")
        )

    async def path(self, telegram_id: int) -> str:
        url = await self.services.meetings.feed_url(await self.actor(telegram_id))
        return "/calendar/" + url.rsplit("/", 1)[1]

    async def get(self, telegram_id: int, etag: str | None = None) -> httpx.Response:
        headers = {"If-None-Match": etag} if etag else {}
        return await self.client.get(await self.path(telegram_id), headers=headers)


@pytest.fixture
async def feeds(database_url: str) -> AsyncIterator[Feeds]:
    clock = FakeClock()  # stands still unless moved on: changes at the same instant must show
    engine, services = await open_services(make_settings(database_url), clock)
    now = clock.now()
    async with create_session_factory(engine)() as session:
        for telegram_id, name in ((ANNA, "Stadt Jena"), (BERND, "Gemeinde Zöllnitz")):
            org = Organisation(name=name, created_at=now)
            session.add(org)
            await session.flush()
            assert org.id is not None
            session.add(
                Member(
                    telegram_id=telegram_id,
                    organisation_id=org.id,
                    first_name=name,
                    joined_at=now,
                )
            )
        await session.commit()
    app = build_http_app(services.meetings.files)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://feeds") as client:
        yield Feeds(engine, services, clock, client, Statements(engine))
    await engine.dispose()


def unfolded(response: httpx.Response) -> str:
    return response.text.replace("\r\n ", "")


async def test_the_feed_answers_304_until_something_it_shows_changes(feeds: Feeds) -> None:
    services = feeds.services
    coordinator = await feeds.actor(COORDINATOR_ID)
    start = feeds.clock.now() + timedelta(days=10)
    meeting = await services.meetings.create(
        coordinator, MeetingDraft("Forumssitzung", start, None, location="Volkshaus")
    )
    mid = meeting.id or 0
    first = await feeds.get(ANNA)
    assert first.status_code == 200
    assert "SUMMARY:Forumssitzung" in unfolded(first)
    etag = first.headers["etag"]

    # Nothing changed: 304 from one statement (the stamps) at most, nothing rendered.
    async def conditional() -> None:
        response = await feeds.client.get(path, headers={"If-None-Match": etag})
        assert response.status_code == 304
        assert response.headers["etag"] == etag

    path = await feeds.path(ANNA)
    assert await feeds.statements.of(conditional) <= 1  # none while its state is known
    star = await feeds.client.get(path, headers={"If-None-Match": "*"})
    assert star.status_code == 304
    assert (await feeds.client.get(path[:-10] + "A" * 6 + ".ics")).status_code == 404

    async def changed(expect: str, telegram_id: int = ANNA) -> str:
        """The feed after a change: 200, a new ETag, and `expect` in it."""
        nonlocal etag
        response = await feeds.get(telegram_id, etag)
        assert response.status_code == 200, expect
        assert response.headers["etag"] != etag
        assert expect in unfolded(response), unfolded(response)
        etag = response.headers["etag"]
        assert (await feeds.get(telegram_id, etag)).status_code == 304
        return unfolded(response)

    await services.meetings.update(coordinator, mid, MeetingChanges(title="Forum Stadt-Umland"))
    await changed("SUMMARY:Forum Stadt-Umland")
    # The agenda changes neither the SEQUENCE nor (with this clock) the time of the change.
    await services.agenda.add_item(coordinator, mid, "Radverkehrskonzept")
    await changed("TOP 1: Radverkehrskonzept")
    await services.meetings.move(coordinator, mid, start + timedelta(days=1), None)
    later = start + timedelta(days=1)
    await changed(f"DTSTART;TZID=Europe/Berlin:{later.astimezone(services.meetings.zone):%Y%m%d}")
    await services.meetings.answer(await feeds.actor(ANNA), mid, RsvpAnswer.NO)
    await changed("Ihre Antwort: Absage")

    # Bernd's answer is not in Anna's feed: hers stays 304; his changes.
    await services.meetings.answer(await feeds.actor(BERND), mid, RsvpAnswer.YES)
    assert (await feeds.get(ANNA, etag)).status_code == 304
    assert "Ihre Antwort: Zusage" in unfolded(await feeds.get(BERND))

    # A task of Anna's organisation: in; a later due date: a new SEQUENCE.
    task, _ = await services.tasks.create(
        coordinator,
        owner_ref="Stadt Jena",
        due=feeds.clock.now().date() + timedelta(days=20),
        title="Stellungnahme",
        description=None,
        meeting_id=None,
    )
    await changed("Aufgabe #1: Stellungnahme")
    await services.tasks.change(
        coordinator, task.id or 0, due=feeds.clock.now().date() + timedelta(days=30)
    )
    text = await changed("SEQUENCE:1")
    assert "TRANSP:TRANSPARENT" in text.split("Aufgabe #1")[1]
    # Zöllnitz's task is not in Anna's feed.
    await services.tasks.create(
        coordinator,
        owner_ref="Gemeinde Zöllnitz",
        due=feeds.clock.now().date() + timedelta(days=20),
        title="Bericht",
        description=None,
        meeting_id=None,
    )
    assert (await feeds.get(ANNA, etag)).status_code == 304

    # Her language: the same feed in English.
    await services.membership.set_language(await feeds.actor(ANNA), "en")
    await changed("Your answer: no")
    await services.meetings.cancel(coordinator, mid, "Krankheit")
    await changed("SUMMARY:Cancelled: Forum Stadt-Umland")

    # A day later the window has moved on: a new ETag, the same meetings.
    feeds.clock.advance(timedelta(days=1))
    await changed("SUMMARY:Cancelled: Forum Stadt-Umland")


async def test_gzip_when_the_client_takes_it(feeds: Feeds) -> None:
    coordinator = await feeds.actor(COORDINATOR_ID)
    for day in range(1, 30):
        start = feeds.clock.now() + timedelta(days=day)
        await feeds.services.meetings.create(
            coordinator, MeetingDraft(f"Sitzung {day}", start, None)
        )
    path = await feeds.path(ANNA)
    plain = await feeds.client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    packed = await feeds.client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert int(packed.headers["content-length"]) < len(plain.content) / 4
    assert packed.content == plain.content  # httpx unpacked it
    assert packed.headers["etag"] == "W/" + plain.headers["etag"]
    again = await feeds.client.get(path, headers={"If-None-Match": packed.headers["etag"]})
    assert again.status_code == 304


async def test_past_meetings_stay_for_feed_past_days(feeds: Feeds) -> None:
    """FEED_PAST_DAYS (365): a meeting of 13 months ago is gone, one of 11 months ago stays."""
    coordinator = await feeds.actor(COORDINATOR_ID)
    now = feeds.clock.now()
    for days, title in ((1, "Alt"), (60, "Vorjahr")):
        await feeds.services.meetings.create(
            coordinator, MeetingDraft(title, now + timedelta(days=days), None)
        )
    feeds.clock.advance(timedelta(days=360))
    text = unfolded(await feeds.get(ANNA))
    assert "SUMMARY:Alt" in text and "SUMMARY:Vorjahr" in text
    feeds.clock.advance(timedelta(days=40))  # "Alt" 399 days ago, "Vorjahr" 340
    text = unfolded(await feeds.get(ANNA))
    assert "SUMMARY:Alt" not in text and "SUMMARY:Vorjahr" in text
