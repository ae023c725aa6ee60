"""The OParl 1.1 interface (issue 21) on the real database: a crawler starts at `system`,
follows every reference, list and page, validates every object against the specification's JSON
descriptions (tests/data/oparl-1.1) and checks that each URL reference resolves to an object of
the referenced type; nothing that is not public appears; `modified_since` returns exactly what
changed (deleted and depublished objects as `deleted: true`)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import storage.calendar_stamps
from bot.http import build_http_app
from bot.oparl.api import OParlConfig, build_oparl
from storage.calendar_stamps import STAMP
from storage.db import create_session_factory
from storage.enums import RatificationStatus
from storage.models import AgendaItem, Ballot, BallotOutcome, Meeting
from storage.models_decisions import Ratification
from storage.models_oparl import MeetingInternal, MemberVisibility, OrganisationExternalBody
from tests.oparl_forum import COORDINATOR, Forum, seed

SCHEMAS_DIR = Path(__file__).parent.parent / "data" / "oparl-1.1" / "schema"
SCHEMAS = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS_DIR.glob("*.json")}
PUBLIC = "https://forum.example.org"
BASE = PUBLIC + "/oparl/v1"
TYPE_PREFIX = "https://schema.oparl.org/1.1/"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=5)
MINUTES = b"%PDF-1.4 Protokoll"

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("url")
def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    # ISO 8601 with an offset, as the specification asks.
    return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    return isinstance(value, str) and bool(date.fromisoformat(value))


VALIDATORS = {
    name: jsonschema.Draft7Validator(schema, format_checker=FORMATS)
    for name, schema in SCHEMAS.items()
}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Api:
    client: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    forum: Forum
    clock: Clock

    async def get(self, url: str) -> httpx.Response:
        assert url.startswith(PUBLIC), url
        response = await self.client.get(url[len(PUBLIC) :])
        return response

    async def json(self, url: str) -> dict[str, Any]:
        response = await self.get(url)
        assert response.status_code == 200, (url, response.text)
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        data: dict[str, Any] = json.loads(response.content.decode("utf-8"))
        return data

    async def listing(self, url: str) -> list[dict[str, Any]]:
        """Every item of an external list, page after page."""
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url is not None:
            page = await self.json(next_url)
            assert set(page) >= {"data", "pagination", "links"}, page
            items.extend(page["data"])
            next_url = page["links"].get("next")
        return items


def _app(sessions: async_sessionmaker[AsyncSession], *, persons: bool) -> Any:
    async def files(file_id: str) -> tuple[bytes, str] | None:
        return (MINUTES, "application/pdf") if file_id.startswith("minutes-") else None

    config = OParlConfig(
        public_base_url=PUBLIC,
        name="Nachbarschaftsforum Jena",
        website="https://forum.example.org",
        contact_email="forum@jena.de",
        timezone="Europe/Berlin",
        persons=persons,
    )

    class NoFeeds:
        async def etag(self, token: str) -> str | None:
            return None

        async def body(self, token: str) -> None:
            return None

    return build_http_app(NoFeeds(), oparl=build_oparl(sessions, config, files=files))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    stamps = Clock(T0)
    monkeypatch.setattr(storage.calendar_stamps, "clock", stamps)
    return stamps


async def make_api(engine: AsyncEngine, clock: Clock, *, persons: bool) -> AsyncIterator[Api]:
    sessions = create_session_factory(engine)
    async with sessions() as session:  # the interface was set up (migration 0019) before T0
        await session.execute(
            update(STAMP).where(STAMP.c.scope == "oparl").values(created_at=T0, changed_at=T0)
        )
        await session.commit()
    forum = await seed(sessions, T0)
    transport = httpx.ASGITransport(app=_app(sessions, persons=persons))
    async with httpx.AsyncClient(transport=transport, base_url="http://forum.test") as client:
        yield Api(client, sessions, forum, clock)


@pytest.fixture
async def api(engine: AsyncEngine, clock: Clock) -> AsyncIterator[Api]:
    async for made in make_api(engine, clock, persons=True):
        yield made


@pytest.fixture
async def api_without_persons(engine: AsyncEngine, clock: Clock) -> AsyncIterator[Api]:
    async for made in make_api(engine, clock, persons=False):
        yield made


# --- the crawler ------------------------------------------------------------------------------


@dataclass
class Crawl:
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → object
    texts: list[str] = field(default_factory=list)  # every body read
    fetched: set[str] = field(default_factory=set)
    downloads: int = 0


def _references(schema: dict[str, Any], obj: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(how, type name, value) for each property of `obj` that points elsewhere or embeds."""
    for name, spec in schema["properties"].items():
        if name not in obj or name == "externalBody":  # another system's body
            continue
        value = obj[name]
        target = spec.get("references")
        items = spec.get("items", {})
        if target == "externalList":
            yield "list", items["schema"].removesuffix(".json"), value
        elif target is not None:
            for url in value if isinstance(value, list) else [value]:
                yield "object", target, url
        elif spec.get("type") == "object" and "schema" in spec:
            yield "embedded", spec["schema"].removesuffix(".json"), value
        elif spec.get("type") == "array" and "schema" in items:
            for each in value:
                yield "embedded", items["schema"].removesuffix(".json"), each


async def crawl(api: Api) -> Crawl:
    found = Crawl()
    queue: deque[tuple[str, str, Any]] = deque([("object", "System", f"{BASE}/system")])

    def check(obj: dict[str, Any], kind: str) -> None:
        assert obj.get("type") == TYPE_PREFIX + kind, (kind, obj)
        assert {"id", "type", "created", "modified"} <= set(obj), obj
        assert obj["modified"] >= obj["created"] or _later_or_same(obj), obj
        if obj.get("deleted"):
            # A tombstone: id, type, created, modified (the time it went) and deleted only.
            assert set(obj) <= {"id", "type", "created", "modified", "deleted"}, obj
            found.objects.setdefault(obj["id"], obj)
            return
        errors = sorted(VALIDATORS[kind].iter_errors(obj), key=str)
        assert not errors, (kind, obj["id"], [e.message for e in errors])
        found.objects.setdefault(obj["id"], obj)
        for how, target, value in _references(SCHEMAS[kind], obj):
            if how == "embedded":
                check(value, target)
                queue.append(("object", target, value["id"]))  # its id resolves too
            else:
                queue.append((how, target, value))
        if kind == "File":
            queue.append(("download", kind, obj["accessUrl"]))

    while queue:
        how, kind, url = queue.popleft()
        key = f"{how} {url}"
        if key in found.fetched:
            continue
        found.fetched.add(key)
        if how == "download":
            response = await api.get(url)
            assert response.status_code == 200 and response.content == MINUTES, url
            found.downloads += 1
            continue
        if how == "list":
            next_url: str | None = url
            while next_url is not None:
                page = await api.json(next_url)
                found.texts.append(json.dumps(page, ensure_ascii=False))
                for item in page["data"]:
                    assert not item.get("deleted"), item  # only with modified_since
                    check(item, kind)
                    queue.append(("object", kind, item["id"]))
                next_url = page["links"].get("next")
            continue
        obj = await api.json(url)
        found.texts.append(json.dumps(obj, ensure_ascii=False))
        assert obj["id"] == url, (url, obj["id"])
        check(obj, kind)
    return found


def _later_or_same(obj: dict[str, Any]) -> bool:
    return datetime.fromisoformat(obj["modified"]) >= datetime.fromisoformat(obj["created"])


def _ids(crawled: Crawl, kind: str) -> set[int]:
    return {
        int(obj["id"].rsplit("/", 1)[1])
        for obj in crawled.objects.values()
        if obj["type"] == TYPE_PREFIX + kind and not obj.get("deleted")
    }


async def test_a_crawl_from_system_finds_every_public_object_and_nothing_else(api: Api) -> None:
    crawled = await crawl(api)
    forum = api.forum
    public = set(forum.meetings) - set(forum.internal_meetings)
    assert _ids(crawled, "Meeting") == public
    assert _ids(crawled, "Paper") == set(forum.papers)
    assert _ids(crawled, "Person") == set(forum.visible_members)
    organisations = {
        o["id"] for o in crawled.objects.values() if o["type"] == TYPE_PREFIX + "Organization"
    }
    assert organisations == {
        f"{BASE}/organization/plenum",
        *(f"{BASE}/organization/kommune-{i}" for i in forum.organisations),
        *(f"{BASE}/organization/ag-{i}" for i in forum.groups),
    }
    # Nothing internal, unpublished or hidden, anywhere in any answer.
    assert not _ids(crawled, "AgendaItem") & set(forum.internal_agenda_items)
    assert not _ids(crawled, "Paper") & set(forum.unpublished_proposals)
    everything = "\n".join(crawled.texts)
    for name in forum.hidden_names:
        assert name not in everything
    for title in forum.internal_titles:
        assert f'"{title}"' not in everything
    assert not any(o.get("deleted") for o in crawled.objects.values())
    assert crawled.downloads > 0
    # The mapping, spot-checked.
    group = crawled.objects[f"{BASE}/organization/ag-{forum.groups[0]}"]
    assert group["classification"] == "Arbeitsgruppe"
    assert group["subOrganizationOf"] == f"{BASE}/organization/plenum"
    first = crawled.objects[f"{BASE}/organization/kommune-{forum.organisations[0]}"]
    assert first["externalBody"] == "https://ratsinfo.example.org/oparl/v1/body/1"
    paper = crawled.objects[f"{BASE}/paper/{forum.papers[1]}"]
    assert paper["paperType"] == "Themenvorschlag"
    assert paper["reference"] == f"V-2025-{forum.papers[1]:03d}"
    assert paper["originatorOrganization"] == [
        f"{BASE}/organization/kommune-{forum.organisations[1]}"
    ]
    assert paper["consultation"][0]["role"].startswith("Abstimmung im Forum, Runde 1: ")
    # The forum's decision under its agenda item, then the councils' ratifications of it,
    # authoritative.
    authoritative = [
        c
        for c in crawled.objects[f"{BASE}/paper/{forum.papers[0]}"]["consultation"]
        if c["authoritative"]
    ]
    assert [c["id"] for c in authoritative] == [
        f"{BASE}/consultation/top-{forum.decided_items[0]}",
        *(f"{BASE}/consultation/rat-{i}" for i in forum.ratifications),
    ]
    councils = authoritative[1:]
    assert councils[0]["role"].startswith(
        "Ratsbeschluss (Gemeinderat) zu Beschluss 2025/07: zugestimmt am "
    )
    assert councils[0]["organization"] == [f"{BASE}/organization/kommune-{forum.organisations[1]}"]
    # A vote still open: the paper is there, its votes are not.
    running = crawled.objects[f"{BASE}/paper/{forum.open_papers[0]}"]
    assert running["consultation"] == [] and "keyword" not in running
    meeting = next(
        o
        for o in crawled.objects.values()
        if o["type"] == TYPE_PREFIX + "Meeting" and o.get("resultsProtocol")
    )
    assert meeting["meetingState"] == "durchgeführt"
    assert meeting["start"].endswith(("+01:00", "+02:00"))


async def test_persons_stay_out_unless_enabled(api_without_persons: Api) -> None:
    api = api_without_persons
    crawled = await crawl(api)
    assert not _ids(crawled, "Person")
    assert await api.listing(f"{BASE}/body/1/person") == []
    visible = api.forum.visible_members[0]
    response = await api.get(f"{BASE}/person/{visible}")
    assert response.status_code == 404
    everything = "\n".join(crawled.texts)
    assert "Jörg" not in everything


async def test_errors_are_oparl_error_objects(api: Api) -> None:
    for path, status in [
        ("/meeting/999999", 404),
        ("/organization/kommune-x", 404),
        ("/gibtsnicht", 404),
        (f"/paper/{api.forum.unpublished_proposals[0]}", 404),
        ("/body/1/meeting?modified_since=gestern", 400),
    ]:
        response = await api.get(BASE + path)
        assert response.status_code == status, path
        assert response.headers["access-control-allow-origin"] == "*"
        body = response.json()
        assert body["type"] == TYPE_PREFIX + "Error" and body["message"] and body["debug"], body
    internal = api.forum.internal_meetings[0]
    # An internal meeting is not there: unlisted, and at its URL only as deleted.
    gone = await api.json(f"{BASE}/meeting/{internal}")
    assert gone["deleted"] is True and "name" not in gone


async def _change_some(api: Api) -> dict[str, set[int]]:
    """Changes at T1; what each list must return for modified_since=T1."""
    forum = api.forum
    public = [m for m in forum.meetings if m not in forum.internal_meetings]
    retitled, hidden, extended, shortened = public[0], public[1], public[2], None
    api.clock.now = T1
    async with api.sessions() as session:
        meeting = await session.get(Meeting, retitled)
        assert meeting is not None
        meeting.title = "Sitzung verlegt: neuer Titel"
        meeting.updated_at = T1
        session.add(MeetingInternal(meeting_id=hidden, marked_at=T1, marked_by=COORDINATOR))
        session.add(AgendaItem(meeting_id=extended, position=9, title="Neu", created_at=T1))
        items = (
            await session.execute(
                AgendaItem.__table__.select().where(  # type: ignore[attr-defined]
                    AgendaItem.meeting_id.in_(public[3:])  # type: ignore[attr-defined]
                )
            )
        ).first()
        assert items is not None
        shortened, removed_item = items.meeting_id, items.id
        item = await session.get(AgendaItem, removed_item)
        await session.delete(item)
        session.add(
            OrganisationExternalBody(
                organisation_id=forum.organisations[2],
                url="https://ris.example.net/body/7",
                changed_at=T1,
            )
        )
        # The consent withdrawn (as /sichtbarkeit does it, through the ORM).
        withdrawn = forum.visible_members[1]
        consent = await session.get(MemberVisibility, withdrawn)
        await session.delete(consent)
        # A council decided now: the paper (with its consultations) changed.
        council = await session.get(Ratification, forum.ratifications[1])
        assert council is not None
        council.status, council.updated_at = RatificationStatus.REJECTED, T1
        council.outcome_date = T1.date()
        # A vote closed now: the paper's consultations (the votes) appear.
        newly = forum.open_papers[0]
        await session.execute(
            update(Ballot)
            .where(Ballot.proposal_id == newly)  # type: ignore[arg-type]
            .values(closed_at=T1, outcome=BallotOutcome.ACCEPTED, result={})
        )
        await session.commit()
    assert shortened is not None
    api.removed_item = removed_item  # type: ignore[attr-defined]
    return {
        "meeting": {retitled, hidden, extended, shortened},
        "person": {withdrawn},
        "organization": {forum.organisations[2]},
        "paper": {newly, forum.papers[0]},
    }


async def test_modified_since_returns_exactly_what_changed(api: Api) -> None:
    changed = await _change_some(api)
    since = quote(T1.astimezone().isoformat())
    meetings = await api.listing(f"{BASE}/body/1/meeting?modified_since={since}&limit=2")
    assert {int(m["id"].rsplit("/", 1)[1]) for m in meetings} == changed["meeting"]
    hidden = [m for m in meetings if m.get("deleted")]
    assert len(hidden) == 1 and set(hidden[0]) == {"id", "type", "created", "modified", "deleted"}
    assert datetime.fromisoformat(hidden[0]["modified"]) == T1
    papers = await api.listing(f"{BASE}/body/1/paper?modified_since={since}&limit=1")
    assert {int(p["id"].rsplit("/", 1)[1]) for p in papers} == changed["paper"]
    (closed,) = [p for p in papers if p["id"].endswith(f"/{api.forum.open_papers[0]}")]
    assert [c["role"] for c in closed["consultation"]] == ["Abstimmung im Forum, Runde 1: Nein"]
    persons = await api.listing(f"{BASE}/body/1/person?modified_since={since}")
    assert {int(p["id"].rsplit("/", 1)[1]) for p in persons} == changed["person"]
    assert all(p["deleted"] for p in persons)
    organisations = await api.listing(f"{BASE}/body/1/organization?modified_since={since}")
    assert [o["id"] for o in organisations] == [
        f"{BASE}/organization/kommune-{i}" for i in changed["organization"]
    ]
    # The deleted agenda item answers as deleted; without modified_since nothing deleted.
    removed = await api.json(f"{BASE}/agendaitem/{api.removed_item}")  # type: ignore[attr-defined]
    assert removed["deleted"] is True
    assert datetime.fromisoformat(removed["created"]) == T0
    everything = await api.listing(f"{BASE}/body/1/meeting?limit=7")
    assert not any(m.get("deleted") for m in everything)
    assert len(everything) == len(api.forum.meetings) - len(api.forum.internal_meetings) - 1
    # modified_until before the changes: everything else, none of them.
    until = quote((T1 - timedelta(seconds=1)).isoformat())
    before = await api.listing(f"{BASE}/body/1/meeting?modified_until={until}&limit=50")
    assert not {int(m["id"].rsplit("/", 1)[1]) for m in before} & changed["meeting"]
    assert len(before) == len(everything) - 3  # retitled, extended, shortened changed


async def test_pages_keep_the_filters_and_a_stable_order(api: Api) -> None:
    created = quote((T0 - timedelta(days=500)).isoformat())
    first = await api.json(f"{BASE}/body/1/meeting?created_since={created}&limit=3")
    assert "created_since=" in first["links"]["next"] and "limit=3" in first["links"]["next"]
    again = await api.listing(f"{BASE}/body/1/meeting?created_since={created}&limit=3")
    ids = [int(m["id"].rsplit("/", 1)[1]) for m in again]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert [m["id"] for m in again[:3]] == [m["id"] for m in first["data"]]
    later = quote((T0 + timedelta(days=1)).isoformat())
    assert await api.listing(f"{BASE}/body/1/meeting?created_since={later}") == []
