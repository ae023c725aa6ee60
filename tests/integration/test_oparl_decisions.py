"""The OParl interface on the real database (issue 21), the forum's decisions: an agenda item
whose topic was voted on carries `result`, `resolutionText` (the decision's number and wording)
and `consultation`, the forum's deliberation of the paper under it (`consultation/top-<item>`,
"Beschlussfassung"), embedded in the paper; a new wording (`/beschlusstext`) modifies the item,
its consultation, its meeting and the paper. The crawler in test_oparl.py validates them all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

import storage.calendar_stamps
from storage.models import AgendaItem
from storage.models_decisions import Decision
from storage.models_oparl import MeetingInternal
from tests.integration.test_oparl import BASE, T0, T1, VALIDATORS, Api, Clock, make_api
from tests.oparl_forum import COORDINATOR


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    stamps = Clock(T0)
    monkeypatch.setattr(storage.calendar_stamps, "clock", stamps)
    return stamps


@pytest.fixture
async def api(engine: AsyncEngine, clock: Clock) -> AsyncIterator[Api]:
    async for made in make_api(engine, clock, persons=True):
        yield made


async def test_an_agenda_item_with_a_decided_topic_carries_the_decision(api: Api) -> None:
    forum = api.forum
    (item_id,) = forum.decided_items
    item_url = f"{BASE}/agendaitem/{item_id}"
    paper_url = f"{BASE}/paper/{forum.papers[0]}"
    item = await api.json(item_url)
    assert item["result"] == "angenommen"
    year = (T0 - timedelta(days=400)).year  # the seed's decision, 400 days before
    assert item["resolutionText"] == (
        f"Beschluss {year}/07: Das Forum unterstützt den Radweg Göschwitz–Maua."
    )
    # The consultation resolves: the forum's deliberation of the paper under this item.
    deliberation = await api.json(item["consultation"])
    assert not sorted(VALIDATORS["Consultation"].iter_errors(deliberation), key=str)
    assert deliberation["id"] == f"{BASE}/consultation/top-{item_id}"
    assert deliberation["agendaItem"] == item_url
    assert deliberation["meeting"] == item["meeting"] == f"{BASE}/meeting/{forum.meetings[1]}"
    assert deliberation["paper"] == paper_url
    # The meeting's body: here a working group (AG meetings decide too).
    group = forum.groups[1 % len(forum.groups)]
    assert deliberation["organization"] == [f"{BASE}/organization/ag-{group}"]
    assert deliberation["authoritative"] is True
    assert deliberation["role"] == "Beschlussfassung"
    assert deliberation["keyword"] == ["angenommen", f"Beschluss {year}/07", "vorläufig"]
    # The paper embeds it, after the votes and before the councils' ratifications.
    paper = await api.json(paper_url)
    assert paper["keyword"] == ["angenommen", f"Beschluss {year}/07", "vorläufig"]
    ids = [c["id"] for c in paper["consultation"]]
    assert ids.index(deliberation["id"]) < ids.index(
        f"{BASE}/consultation/rat-{forum.ratifications[0]}"
    )
    assert ids.count(deliberation["id"]) == 1
    embedded = next(c for c in paper["consultation"] if c["id"] == deliberation["id"])
    assert embedded == deliberation
    # An undecided item has none of it; an internal meeting's item is in no paper.
    meeting = await api.json(item["meeting"])
    others = [i for i in meeting["agendaItem"] if i["id"] != item_url]
    assert others and all(not {"result", "resolutionText", "consultation"} & set(i) for i in others)
    internal = {f"{BASE}/agendaitem/{i}" for i in forum.internal_agenda_items}
    for paper_id in forum.papers:
        listed = await api.json(f"{BASE}/paper/{paper_id}")
        assert not {c.get("agendaItem") for c in listed["consultation"]} & internal
    for internal_item in forum.internal_agenda_items:
        gone = await api.json(f"{BASE}/consultation/top-{internal_item}")
        assert gone["deleted"] is True and set(gone) == {
            "id",
            "type",
            "created",
            "modified",
            "deleted",
        }

    # The coordinator sets the final wording (/beschlusstext): item, meeting, consultation and
    # paper are modified then, and a modified_since crawl finds them.
    api.clock.now = T1
    async with api.sessions() as session:
        decision = (await session.execute(select(Decision))).scalars().one()
        decision.text = "Das Forum unterstützt den Radweg Göschwitz–Maua mit Beleuchtung."
        decision.updated_at = T1
        await session.commit()
    changed = await api.json(item_url)
    assert changed["resolutionText"].endswith("mit Beleuchtung.")
    assert datetime.fromisoformat(changed["modified"]) == T1
    assert datetime.fromisoformat(changed["created"]) == datetime.fromisoformat(item["created"])
    assert datetime.fromisoformat((await api.json(item["consultation"]))["modified"]) == T1
    since = quote(T1.isoformat())
    meetings = await api.listing(f"{BASE}/body/1/meeting?modified_since={since}")
    assert [m["id"] for m in meetings] == [item["meeting"]]
    (embedded_item,) = [i for i in meetings[0]["agendaItem"] if i["id"] == item_url]
    assert embedded_item["resolutionText"] == changed["resolutionText"]
    papers = await api.listing(f"{BASE}/body/1/paper?modified_since={since}")
    assert [p["id"] for p in papers] == [paper_url]


@pytest.mark.parametrize("how", ["meeting made internal", "agenda item deleted"])
async def test_a_consultation_that_disappears_modifies_its_paper(api: Api, how: str) -> None:
    """A client that crawls with modified_since learns that the paper lost the consultation
    (the forum's deliberation under an agenda item), whichever way it went."""
    forum = api.forum
    (item_id,) = forum.decided_items
    paper_url = f"{BASE}/paper/{forum.papers[0]}"
    consultation = f"{BASE}/consultation/top-{item_id}"
    before = await api.json(paper_url)
    assert consultation in {c["id"] for c in before["consultation"]}
    api.clock.now = T1
    async with api.sessions() as session:
        item = await session.get(AgendaItem, item_id)
        assert item is not None
        if how == "meeting made internal":
            session.add(
                MeetingInternal(meeting_id=item.meeting_id, marked_at=T1, marked_by=COORDINATOR)
            )
        else:
            await session.delete(item)
        await session.commit()
    papers = await api.listing(f"{BASE}/body/1/paper?modified_since={quote(T1.isoformat())}")
    assert [p["id"] for p in papers] == [paper_url]
    assert datetime.fromisoformat(papers[0]["modified"]) == T1
    assert consultation not in {c["id"] for c in papers[0]["consultation"]}
    assert papers[0]["consultation"]  # the votes and the councils' ratifications stay
