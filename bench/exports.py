"""Spreadsheet exports: how long /export takes for a large forum, each kind, end to end.

    .venv/bin/python -m bench.exports [--organisations 300] [--runs 5]
        [--database-url URL | --postgres [ADMIN_URL]]

A forum of N organisations is stored directly: two members each (every tenth organisation
has one who left), working groups, one task each, N/3 meetings with answers, N/10 closed
votes with a vote from every organisation and one open vote. Each kind is exported as the
bot does it: `services.exports.export` (reading the database and building the rows), then
`bot.exports.xlsx.render` (the .xlsx bytes); CSV is timed beside it. Printed: the median of
`--runs` runs of each, and the largest total against the goal of 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bench.calendar_feed import DEFAULT_ADMIN_URL, database
from bot.app import open_services, unit_of_work_factory
from bot.exports import csvfile, xlsx
from bot.exports.sheet import Sheet
from bot.services.actor import Actor, Profile
from bot.services.exports import ExportKind, ExportRequest
from storage.models import (
    Ballot,
    BallotOutcome,
    Meeting,
    MeetingRsvp,
    MeetingStatus,
    Member,
    MemberStatus,
    Organisation,
    OrganisationKind,
    Proposal,
    ProposalStatus,
    RsvpAnswer,
    Task,
    TaskStatus,
    Vote,
    VoteChoice,
    VoteMode,
    WorkingGroupMember,
)
from storage.uow import SqlUnitOfWork
from tests.support import COORDINATOR_ID, FakeClock, make_settings

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
GOAL_SECONDS = 2.0
KINDS = [
    ExportRequest(ExportKind.MEMBERS),
    ExportRequest(ExportKind.ORGANISATIONS),
    ExportRequest(ExportKind.VOTES),
    ExportRequest(ExportKind.VOTE, 1),
    ExportRequest(ExportKind.TASKS),
    ExportRequest(ExportKind.MEETINGS),
]
CHOICES = list(VoteChoice)


async def seed(uow: SqlUnitOfWork, organisations: int) -> None:
    s = uow.session

    async def rows(model: type[Any], values: list[dict[str, Any]]) -> None:
        if values:
            await s.execute(insert(model), values)

    await rows(
        Organisation,
        [
            {
                "id": i,
                "name": f"Gemeinde Übungsdorf {i:03d}",
                "kind": OrganisationKind.GEMEINDE,
                "ags": f"16074{i:03d}",
                "created_at": NOW - timedelta(days=400 - i),
            }
            for i in range(1, organisations + 1)
        ],
    )
    members: list[dict[str, Any]] = []
    for i in range(1, organisations + 1):
        for j in (0, 1):
            left = j == 1 and i % 10 == 0
            members.append(
                {
                    "id": 2 * i - 1 + j,
                    "telegram_id": None if left else 10_000 + 2 * i + j,
                    "first_name": None if left else f"Vorname{j}",
                    "last_name": None if left else f"Nachname {i:03d}",
                    "username": None if left else f"user{i}_{j}",
                    "organisation_id": i,
                    "status": MemberStatus.LEFT if left else MemberStatus.ACTIVE,
                    "joined_at": NOW - timedelta(days=300 - i % 200, hours=j),
                    "left_at": NOW - timedelta(days=3) if left else None,
                }
            )
    await rows(Member, members)
    groups = [g.id or 0 for g in await uow.groups.active()]
    await rows(
        WorkingGroupMember,
        [
            {"group_id": groups[k % len(groups)], "member_id": m["id"], "joined_at": NOW}
            for m in members
            for k in range(m["id"] % 3)
            if groups and m["status"] is MemberStatus.ACTIVE
        ],
    )
    await rows(
        Task,
        [
            {
                "title": f"Stellungnahme zum Regionalplan, Teil {i}",
                "description": "Bitte mit Beschluss des Gemeinderats.",
                "organisation_id": i,
                "status": TaskStatus.OPEN if i % 4 else TaskStatus.DONE,
                "due_date": date(2026, 11, 1) + timedelta(days=i % 90),
                "created_by": COORDINATOR_ID,
                "created_at": NOW - timedelta(days=30),
                "updated_at": NOW - timedelta(days=30),
            }
            for i in range(1, organisations + 1)
        ],
    )
    meetings = max(1, organisations // 3)
    await rows(
        Meeting,
        [
            {
                "id": k,
                "uid": f"bench-{k}@forum",
                "sequence": 0,
                "status": MeetingStatus.SCHEDULED,
                "title": f"Sitzung {k}",
                "starts_at": NOW + timedelta(days=k),
                "ends_at": NOW + timedelta(days=k, hours=2),
                "location": "Rathaus Jena, Markt 1",
                "created_by": COORDINATOR_ID,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for k in range(1, meetings + 1)
        ],
    )
    await rows(
        MeetingRsvp,
        [
            {
                "meeting_id": k,
                "member_id": m["id"],
                "answer": list(RsvpAnswer)[(k + m["id"]) % 3],
                "answered_at": NOW,
            }
            for k in range(1, meetings + 1, 5)
            for m in members
            if m["status"] is MemberStatus.ACTIVE
        ],
    )
    votes = max(1, organisations // 10)
    await rows(
        Proposal,
        [
            {
                "id": k,
                "title": f"Gemeinsames Gewerbeflächenkonzept {k}",
                "member_id": 1,
                "organisation_id": 1,
                "status": ProposalStatus.VOTING if k == votes + 1 else ProposalStatus.ACCEPTED,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for k in range(1, votes + 2)
        ],
    )
    await rows(
        Ballot,
        [
            {
                "id": k,
                "proposal_id": k,
                "mode": VoteMode.ORGANISATION,
                "opened_by": COORDINATOR_ID,
                "opened_at": NOW - timedelta(days=10),
                "deadline": NOW + timedelta(days=3) if k > votes else NOW - timedelta(days=3),
                "closed_at": None if k > votes else NOW - timedelta(days=3),
                "outcome": None if k > votes else BallotOutcome.ACCEPTED,
                "result": None
                if k > votes
                else {
                    "yes": organisations // 2,
                    "yes_council": organisations // 4,
                    "no": organisations // 8,
                    "abstain": organisations
                    - organisations // 2
                    - organisations // 4
                    - organisations // 8,
                    "eligible": organisations,
                    "quorum_needed": organisations // 2 + 1,
                },
            }
            for k in range(1, votes + 2)
        ],
    )
    await rows(
        Vote,
        [
            {
                "ballot_id": k,
                "voter": f"org:{i}",
                "organisation_id": i,
                "member_id": 2 * i - 1,
                "choice": CHOICES[(i + k) % 4],
                "cast_at": NOW - timedelta(days=5, minutes=i),
            }
            for k in range(1, votes + 2)
            for i in range(1, organisations + 1)
        ],
    )
    await uow.commit()


async def timed(run: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, Any]:
    took = []
    value = None
    for _ in range(runs):
        start = time.perf_counter()
        value = await run()
        took.append(time.perf_counter() - start)
    return statistics.median(took), value


async def main_async(
    organisations: int, runs: int, url: str | None, postgres_admin: str | None
) -> None:
    async with database(url, postgres_admin) as target:
        settings = make_settings(target)
        engine, services = await open_services(settings, FakeClock(NOW))
        try:
            async with unit_of_work_factory(engine)() as uow:
                await seed(uow, organisations)
            coordinator = Actor(Profile(COORDINATOR_ID, "Katrin"), None, None, True, "de")
            print(
                f"bench.exports: {organisations} organisations, {engine.dialect.name}, "
                f"Python {platform.python_version()}, median of {runs} runs"
            )
            print(f"{'kind':<22}{'rows':>6}{'build':>10}{'.xlsx':>10}{'total':>10}{'.csv':>9}")
            worst = 0.0
            for request in KINDS:

                async def build(request: ExportRequest = request) -> Sheet:
                    return await services.exports.export(coordinator, request, "de")

                build_s, sheet = await timed(build, runs)

                async def write_xlsx(sheet: Sheet = sheet) -> bytes:
                    return xlsx.render(sheet)

                async def write_csv(sheet: Sheet = sheet) -> bytes:
                    return csvfile.render(sheet)

                xlsx_s, payload = await timed(write_xlsx, runs)
                csv_s, _ = await timed(write_csv, runs)
                total = build_s + xlsx_s
                worst = max(worst, total)
                name = request.kind.value + (f" {request.number}" if request.number else "")
                print(
                    f"{name:<22}{len(sheet.rows):>6}{build_s * 1000:>8.0f}ms"
                    f"{xlsx_s * 1000:>8.0f}ms{total * 1000:>8.0f}ms{csv_s * 1000:>7.0f}ms"
                    f"   ({len(payload) // 1024} KB)"
                )
            verdict = "met" if worst < GOAL_SECONDS else "MISSED"
            print(f"slowest export: {worst:.2f} s (goal < {GOAL_SECONDS:.0f} s: {verdict})")
        finally:
            await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="used as given (an empty database)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_ADMIN_URL,
        metavar="ADMIN_URL",
        help=f"a scratch database on this server (default {DEFAULT_ADMIN_URL})",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async(args.organisations, args.runs, args.database_url, args.postgres))


if __name__ == "__main__":
    main()
