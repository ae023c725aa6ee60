"""The OParl 1.1 interface's routes, mounted at `/oparl/v1` of the public listener when
OPARL_ENABLED is set (bot/http.py). Read-only JSON (UTF-8) with CORS for every origin; lists a
page at a time (`after`, `limit`) with the filters `created_since`, `created_until`,
`modified_since`, `modified_until`; errors as OParl Error objects.

Only what is public appears: meetings not marked internal, with their agenda items; papers (topic
proposals put to a vote) and their votes; organisations and working groups; persons only with
OPARL_PERSONS and only members who agreed (`/sichtbarkeit`).
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.oparl import mapping
from bot.oparl.mapping import PLENARY, Forum
from storage.repositories.oparl import OParlRepository
from storage.repositories.oparl_rows import (
    MeetingRow,
    PaperRow,
    PersonRow,
    Tombstone,
    Window,
)

PREFIX = "/oparl/v1"
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
JSON_TYPE = "application/json; charset=utf-8"
CORS = {"Access-Control-Allow-Origin": "*"}
# Before the interface's own stamp exists (no migration 0019 yet): a fixed time.
FALLBACK_CREATED = datetime(2026, 12, 4, tzinfo=UTC)
# The minutes' content by Telegram's file id: (bytes, MIME type), None if it cannot be had.
FileSource = Callable[[str], Awaitable[tuple[bytes, str] | None]]
FILTERS = ("created_since", "created_until", "modified_since", "modified_until")
# Requests worked on at once; the others wait without taking turns of the event loop or
# connections of the database pool, so that a crawler cannot hold up the members' answers.
SLOTS = 2


class RateLimit(Protocol):
    def take(self, address: str | None) -> float: ...


@dataclass(frozen=True)
class OParlConfig:
    """What the settings say (bot.config: OPARL_*, PUBLIC_BASE_URL, TIMEZONE)."""

    public_base_url: str
    name: str
    website: str | None
    contact_email: str | None
    timezone: str
    persons: bool


class BadRequest(Exception):
    pass


def _json(data: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, status_code=status, media_type=JSON_TYPE, headers=CORS)


def _error(status: int, message: str, debug: str) -> Response:
    return _json(mapping.error(message, debug), status)


class _Guard:
    """Every request of the interface: first the per-client rate limit (`429`, an OParl Error
    with `Retry-After`), then one of `SLOTS`."""

    def __init__(
        self,
        app: ASGIApp,
        limit: RateLimit | None,
        on_limited: Callable[[str | None], None],
    ) -> None:
        self._app = app
        self._limit = limit
        self._on_limited = on_limited
        self._slots = asyncio.Semaphore(SLOTS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        address = client[0] if client else None
        wait = self._limit.take(address) if self._limit is not None else 0.0
        if wait > 0:
            self._on_limited(address)
            seconds = max(1, math.ceil(wait))
            refused = _error(
                429,
                f"Zu viele Anfragen; bitte in {seconds} Sekunden erneut.",
                "rate limit per client address (OPARL_RATE_PER_MINUTE)",
            )
            refused.headers["Retry-After"] = str(seconds)
            await refused(scope, receive, send)
            return
        async with self._slots:
            await self._app(scope, receive, send)


def _not_found(request: Request) -> Response:
    return _error(404, "Dieses Objekt gibt es nicht.", f"no object at {request.url.path}")


def _window(request: Request, timezone: ZoneInfo) -> Window:
    values: dict[str, Any] = {}
    for name in FILTERS:
        raw = request.query_params.get(name)
        if raw is None:
            continue
        try:
            # A '+' that was not URL-encoded arrives as a space.
            value = datetime.fromisoformat(raw.strip().replace(" ", "+"))
        except ValueError:
            raise BadRequest(f"{name}: not an ISO 8601 date-time: {raw!r}") from None
        values[name] = value if value.tzinfo is not None else value.replace(tzinfo=timezone)
    limit = request.query_params.get("limit", "")
    values["limit"] = (
        min(int(limit), MAX_LIMIT) if limit.isdigit() and int(limit) > 0 else (DEFAULT_LIMIT)
    )
    return Window(**values)


def build_oparl(
    sessions: async_sessionmaker[AsyncSession],
    config: OParlConfig,
    *,
    files: FileSource | None = None,
    limit: RateLimit | None = None,
    on_limited: Callable[[str | None], None] = lambda _address: None,
) -> BaseRoute:
    """The interface as one Mount for the public Starlette app; `limit` per client address
    (`bot.http.ClientRateLimit`), `on_limited` told of each request refused by it."""
    base = config.public_base_url.rstrip("/") + PREFIX
    timezone = ZoneInfo(config.timezone)

    # The interface's own times (migration 0019) do not change: read once.
    known: list[tuple[datetime, datetime]] = []

    async def forum(repo: OParlRepository) -> Forum:
        if not known:
            times = await repo.system_times()
            if times is None:
                return make_forum(FALLBACK_CREATED, FALLBACK_CREATED)
            known.append(times)
        return make_forum(*known[0])

    def make_forum(created: datetime, modified: datetime) -> Forum:
        return Forum(
            base=base,
            name=config.name,
            website=config.website,
            contact_email=config.contact_email,
            timezone=timezone,
            created=created,
            modified=modified,
            persons=config.persons,
        )

    def endpoint(
        handler: Callable[[Request, OParlRepository, Forum], Awaitable[dict[str, Any] | None]],
    ) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                async with sessions() as session:
                    repo = OParlRepository(session)
                    data = await handler(request, repo, await forum(repo))
            except BadRequest as error:
                return _error(400, "Die Anfrage ist ungültig.", str(error))
            except ValueError as error:
                return _error(404, "Dieses Objekt gibt es nicht.", str(error))
            if data is None:
                return _not_found(request)
            return _json(data)

        return run

    def paged(
        request: Request,
        path: str,
        data: Sequence[dict[str, Any]],
        window: Window,
        last_key: str | None,
    ) -> dict[str, Any]:
        """The page, with `next` when it is full (keeping the filters)."""
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "after"]
        first = f"{base}/{path}" + (f"?{urlencode(kept)}" if kept else "")
        here = list(kept) + (
            [("after", request.query_params["after"])] if "after" in request.query_params else []
        )
        self_url = f"{base}/{path}" + (f"?{urlencode(here)}" if here else "")
        next_url = None
        if last_key is not None and len(data) >= window.limit:
            next_url = f"{base}/{path}?{urlencode([*kept, ('after', last_key)])}"
        return mapping.page(
            data, limit=window.limit, self_url=self_url, first_url=first, next_url=next_url
        )

    def after_id(request: Request) -> int:
        raw = request.query_params.get("after", "0")
        if not raw.isdigit():
            raise BadRequest(f"after: not a number: {raw!r}")
        return int(raw)

    # --- system and body ----------------------------------------------------------------

    async def system(_r: Request, _repo: OParlRepository, f: Forum) -> dict[str, Any]:
        return mapping.system(f)

    async def bodies(r: Request, _repo: OParlRepository, f: Forum) -> dict[str, Any]:
        window = _window(r, timezone)
        data = [mapping.body(f)] if window.admits(f.created, f.modified) else []
        return paged(r, "body", data, window, None)

    async def body(_r: Request, _repo: OParlRepository, f: Forum) -> dict[str, Any]:
        return mapping.body(f)

    # --- organisations --------------------------------------------------------------------

    async def organisations(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any]:
        window = _window(r, timezone)
        items: list[tuple[tuple[int, int], dict[str, Any], datetime, datetime]] = [
            ((0, 0), mapping.plenary(f), f.created, f.modified)
        ]
        for o in await repo.organisations():
            items.append(((1, o.id), mapping.organisation(f, o), o.created, o.modified))
        for g in await repo.groups():
            items.append(((2, g.id), mapping.group(f, g), g.created, g.modified))
        after = _org_key(r.query_params.get("after"))
        chosen = [
            (key, data)
            for key, data, created, modified in items
            if key > after and window.admits(created, modified)
        ][: window.limit]
        last = _org_key_text(chosen[-1][0]) if chosen else None
        return paged(r, "body/1/organization", [d for _, d in chosen], window, last)

    async def organisation(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        key = str(r.path_params["key"])
        if key == PLENARY:
            return mapping.plenary(f)
        kind, number = _split_key(key)
        if kind == "kommune":
            found = await repo.organisations([number])
            return mapping.organisation(f, found[0]) if found else None
        groups = await repo.groups([number])
        return mapping.group(f, groups[0]) if groups else None

    async def organisation_meetings(
        r: Request, repo: OParlRepository, f: Forum
    ) -> dict[str, Any] | None:
        key = str(r.path_params["key"])
        window = replace(_window(r, timezone), after=after_id(r))
        if key == PLENARY:
            found = await repo.meetings(window, plenary=True)
        else:
            kind, number = _split_key(key)
            if kind != "ag" or not await repo.groups([number]):
                return None
            found = await repo.meetings(window, group_id=number)
        return meeting_page(r, f, f"organization/{key}/meeting", found, window)

    # --- meetings, agenda items, locations, files -------------------------------------------

    def meeting_data(f: Forum, m: MeetingRow | Tombstone) -> dict[str, Any]:
        if isinstance(m, Tombstone):
            return mapping.tombstone(f, "Meeting", f"meeting/{m.id}", m)
        return mapping.meeting(f, m)

    def meeting_page(
        r: Request, f: Forum, path: str, found: Sequence[MeetingRow | Tombstone], window: Window
    ) -> dict[str, Any]:
        data = [meeting_data(f, m) for m in found]
        return paged(r, path, data, window, str(found[-1].id) if found else None)

    async def meetings(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any]:
        window = replace(_window(r, timezone), after=after_id(r))
        return meeting_page(r, f, "body/1/meeting", await repo.meetings(window), window)

    async def meeting(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        found = await repo.meeting(int(r.path_params["id"]))
        return None if found is None else meeting_data(f, found)

    async def public_meeting(r: Request, repo: OParlRepository) -> MeetingRow | None:
        found = await repo.meeting(int(r.path_params["id"]))
        return found if isinstance(found, MeetingRow) else None

    async def location(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        found = await public_meeting(r, repo)
        if found is None or not found.location:
            return None
        return mapping.location(f, found)

    async def file(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        found = await public_meeting(r, repo)
        if found is None or found.minutes_file_id is None:
            return None
        return mapping.minutes(f, found)

    async def download(request: Request) -> Response:
        async with sessions() as session:
            found = await OParlRepository(session).meeting(int(request.path_params["id"]))
        if not isinstance(found, MeetingRow) or found.minutes_file_id is None or files is None:
            return _not_found(request)
        content = await files(found.minutes_file_id)
        if content is None:
            return _error(503, "Die Datei ist gerade nicht abrufbar.", "the file source failed")
        data, mime = content
        name = found.minutes_name or f"protokoll-{found.id}"
        disposition = f"attachment; filename*=UTF-8''{_quote(name)}"
        headers = {"Content-Disposition": disposition}
        return Response(data, media_type=mime, headers=headers)

    async def agenda_item(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        item_id = int(r.path_params["id"])
        found = await repo.agenda_item(item_id)
        if found is None:
            return None
        if isinstance(found, Tombstone):
            return mapping.tombstone(f, "AgendaItem", f"agendaitem/{item_id}", found)
        return mapping.agenda_item(f, found)

    # --- papers and consultations -----------------------------------------------------------

    def paper_data(f: Forum, p: PaperRow | Tombstone) -> dict[str, Any]:
        if isinstance(p, Tombstone):
            return mapping.tombstone(f, "Paper", f"paper/{p.id}", p)
        return mapping.paper(f, p)

    async def papers(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any]:
        window = replace(_window(r, timezone), after=after_id(r))
        found = await repo.papers(window)
        data = [paper_data(f, p) for p in found]
        return paged(r, "body/1/paper", data, window, str(found[-1].id) if found else None)

    async def paper(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        found = await repo.paper(int(r.path_params["id"]))
        return None if found is None else paper_data(f, found)

    async def consultation(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        """`consultation/<vote id>`, `consultation/top-<agenda item id>` or
        `consultation/rat-<ratification id>`."""
        key = str(r.path_params["key"])
        if key.startswith("top-") and key[4:].isdigit():
            item = await repo.agenda_item(int(key[4:]))
            if isinstance(item, Tombstone):  # deleted, or its meeting internal
                return mapping.tombstone(f, "Consultation", f"consultation/{key}", item)
            if item is None or item.outcome is None or item.proposal_id is None:
                return None
            return mapping.deliberation(f, item)
        if key.startswith("rat-") and key[4:].isdigit():
            council = await repo.ratification(int(key[4:]))
            if council is None or not isinstance(await repo.paper(council[0]), PaperRow):
                return None
            return mapping.ratification(f, *council)
        if not key.isdigit():
            return None
        found = await repo.vote(int(key))
        if found is None:
            return None
        paper_id, vote = found
        return mapping.consultation(f, paper_id, vote)

    # --- persons and memberships (OPARL_PERSONS) --------------------------------------------

    def person_data(f: Forum, p: PersonRow | Tombstone) -> dict[str, Any]:
        if isinstance(p, Tombstone):
            return mapping.tombstone(f, "Person", f"person/{p.id}", p)
        return mapping.person(f, p)

    async def persons(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any]:
        window = replace(_window(r, timezone), after=after_id(r))
        found = await repo.persons(window) if config.persons else []
        data = [person_data(f, p) for p in found]
        return paged(r, "body/1/person", data, window, str(found[-1].id) if found else None)

    async def person(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        if not config.persons:
            return None
        found = await repo.person(int(r.path_params["id"]))
        return None if found is None else person_data(f, found)

    async def membership(r: Request, repo: OParlRepository, f: Forum) -> dict[str, Any] | None:
        if not config.persons:
            return None
        key = str(r.path_params["key"])
        member, _, _rest = key.partition("-")
        if not member.isdigit():
            return None
        found = await repo.person(int(member))
        if not isinstance(found, PersonRow):
            return None
        for m in found.memberships:
            if mapping.membership_path(found.id, m) == f"membership/{key}":
                return mapping.membership(f, found, m)
        return None

    async def unknown(request: Request) -> Response:
        return _not_found(request)

    routes = [
        Route("/system", endpoint(system)),
        Route("/body", endpoint(bodies)),
        Route("/body/1", endpoint(body)),
        Route("/body/1/organization", endpoint(organisations)),
        Route("/body/1/meeting", endpoint(meetings)),
        Route("/body/1/paper", endpoint(papers)),
        Route("/body/1/person", endpoint(persons)),
        Route("/organization/{key:str}", endpoint(organisation)),
        Route("/organization/{key:str}/meeting", endpoint(organisation_meetings)),
        Route("/meeting/{id:int}", endpoint(meeting)),
        Route("/agendaitem/{id:int}", endpoint(agenda_item)),
        Route("/location/{id:int}", endpoint(location)),
        Route("/file/{id:int}", endpoint(file)),
        Route("/file/{id:int}/download", download),
        Route("/paper/{id:int}", endpoint(paper)),
        Route("/consultation/{key:str}", endpoint(consultation)),
        Route("/person/{id:int}", endpoint(person)),
        Route("/membership/{key:str}", endpoint(membership)),
        Route("/{rest:path}", unknown),
    ]
    return Mount(PREFIX, app=_Guard(Router(routes=routes), limit, on_limited))


def _split_key(key: str) -> tuple[str, int]:
    """`kommune-12` → ("kommune", 12), `ag-3` → ("ag", 3); ValueError (404) for anything else."""
    kind, _, number = key.partition("-")
    if kind not in ("kommune", "ag") or not number.isdigit():
        raise ValueError(f"no organization {key!r}")
    return kind, int(number)


_SECTIONS = {PLENARY: 0, "kommune": 1, "ag": 2}


def _org_key(raw: str | None) -> tuple[int, int]:
    """The list position after which a page of organisations starts."""
    if raw is None:
        return (-1, 0)
    if raw == PLENARY:
        return (0, 0)
    try:
        kind, number = _split_key(raw)
    except ValueError:
        raise BadRequest(f"after: not an organization key: {raw!r}") from None
    return (_SECTIONS[kind], number)


def _org_key_text(key: tuple[int, int]) -> str:
    section, number = key
    return PLENARY if section == 0 else f"{'kommune' if section == 1 else 'ag'}-{number}"


def _quote(name: str) -> str:
    return quote(name, safe="")
