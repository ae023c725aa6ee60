"""The series service on in-memory fakes (issue 18): a series makes a meeting row per date of
the next year, one message per member, reminders per meeting; the daily job adds the next ones;
all following cancels or moves the rest by ending the series before it; refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.recurrence import HORIZON, Frequency, Rule
from bot.services.errors import InvalidInput, NotAllowed
from bot.services.meeting_types import MeetingChanges, MeetingDraft
from bot.services.meetings import MeetingService
from bot.services.series import SeriesService
from storage.models import MeetingStatus
from tests.unit.forum import ZONE, Forum, meeting_service

REMINDERS = (timedelta(days=7),)


@pytest.fixture
def forum() -> Forum:
    return Forum()


@pytest.fixture
def meetings(forum: Forum) -> MeetingService:
    return meeting_service(forum, REMINDERS)


@pytest.fixture
def series(forum: Forum, meetings: MeetingService) -> SeriesService:
    return SeriesService(forum.uow, forum.clock, forum.notifier, meetings, default_language="de")


def start_in(forum: Forum, days: int, hour: int = 18) -> datetime:
    day = (forum.now + timedelta(days=days)).astimezone(ZONE).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZONE)


def draft(start: datetime) -> MeetingDraft:
    return MeetingDraft("AG Mobilität", start, start + timedelta(hours=2), location="Rathaus")


async def test_a_weekly_series_makes_a_years_meetings_and_one_message_each(
    forum: Forum, series: SeriesService
) -> None:
    first = start_in(forum, 10)
    made = await series.create(forum.coordinator, draft(first), Rule(Frequency.WEEKLY))
    assert len(made.meetings) == 1 + (forum.now + HORIZON - first).days // 7
    assert made.told == 4
    assert len(forum.rows("series_invite")) == 4  # one per member, not one per meeting
    assert forum.rows("meeting_invite") == []
    # Each meeting has its own reminders (one per member).
    assert len(forum.rows("meeting_reminder")) == 4 * len(made.meetings)
    # Wall clock kept: every meeting at 18:00 in Jena, summer or winter.
    assert {m.starts_at.astimezone(ZONE).hour for m in made.meetings} == {18}
    # A year on, the daily job adds the next meetings; run again, nothing twice.
    forum.clock.advance(timedelta(days=30))
    added = await series.extend()
    assert 3 <= added <= 5
    assert await series.extend() == 0


async def test_a_counted_series_stops_and_refuses_what_cannot_be_written(
    forum: Forum, series: SeriesService
) -> None:
    made = await series.create(
        forum.coordinator, draft(start_in(forum, 10)), Rule(Frequency.MONTHLY, count=3)
    )
    assert len(made.meetings) == 3
    with pytest.raises(InvalidInput) as night:
        await series.create(
            forum.coordinator, draft(start_in(forum, 10, 2)), Rule(Frequency.WEEKLY)
        )
    assert night.value.message_key == "series.night"
    with pytest.raises(NotAllowed):
        await series.create(
            forum.actor(forum.anna), draft(start_in(forum, 10)), Rule(Frequency.WEEKLY)
        )


async def test_all_following_cancelled_ends_the_series_before_it(
    forum: Forum, series: SeriesService
) -> None:
    made = await series.create(
        forum.coordinator, draft(start_in(forum, 10)), Rule(Frequency.WEEKLY, count=5)
    )
    third = made.meetings[2]
    assert third.id is not None
    result = await series.cancel_following(forum.coordinator, third.id, "Sommerpause")
    assert [m.id for m in result.meetings] == [m.id for m in made.meetings[2:]]
    assert all(m.status is MeetingStatus.CANCELLED for m in made.meetings[2:])
    assert made.meetings[1].status is MeetingStatus.SCHEDULED
    second = made.meetings[1].starts_at.astimezone(UTC)
    assert result.series.rule.endswith(f"UNTIL={second:%Y%m%dT%H%M%SZ}")
    assert "COUNT" not in result.series.rule and result.series.sequence == 1
    assert len(forum.rows("series_end")) == 4
    # No reminders left for the cancelled ones.
    reminded = {r.dedup_key.split(":")[1] for r in forum.rows("meeting_reminder")}
    assert reminded == {str(made.meetings[0].id), str(made.meetings[1].id)}


async def test_all_following_moved_keeps_the_rows_in_a_new_series(
    forum: Forum, series: SeriesService
) -> None:
    made = await series.create(
        forum.coordinator, draft(start_in(forum, 10)), Rule(Frequency.WEEKLY, count=4)
    )
    third, last = made.meetings[2], made.meetings[3]
    assert third.id is not None and last.id is not None
    new_start = third.starts_at + timedelta(days=1, hours=1)
    result = await series.move_following(forum.coordinator, third.id, new_start, None)
    assert result.series.uid != made.series.uid
    assert [m.id for m in result.meetings] == [third.id, last.id]
    assert third.starts_at == new_start and last.starts_at == new_start + timedelta(days=7)
    assert "COUNT=2" in result.series.rule
    assert made.series.continued_by == result.series.id
    with pytest.raises(InvalidInput) as last_one:
        await series.move_following(forum.coordinator, last.id, new_start + timedelta(days=8), None)
    assert last_one.value.message_key == "series.last_one"


async def test_a_new_place_and_length_for_all_following_changes_the_master_once(
    forum: Forum, series: SeriesService
) -> None:
    made = await series.create(
        forum.coordinator, draft(start_in(forum, 10)), Rule(Frequency.WEEKLY, count=4)
    )
    first, second = made.meetings[0], made.meetings[1]
    assert second.id is not None
    reminders_before = len(forum.rows("meeting_reminder"))
    end = second.starts_at + timedelta(minutes=150)
    changes = MeetingChanges(location="Volkshaus, Saal 2", end=end, title="AG Mobilität")
    result = await series.update_following(forum.coordinator, second.id, changes)
    # The master and the second to fourth meetings take the new place and length ...
    assert (result.series.location, result.series.minutes, result.series.sequence) == (
        "Volkshaus, Saal 2",
        150,
        1,
    )
    assert [m.id for m in result.meetings] == [m.id for m in made.meetings[1:]]
    for meeting in made.meetings[1:]:
        assert meeting.location == "Volkshaus, Saal 2" and meeting.sequence == 1
        assert meeting.ends_at - meeting.starts_at == timedelta(minutes=150)
    # ... the first keeps its own (its override in the file says so); start times stay.
    assert first.location == "Rathaus" and first.sequence == 0
    assert first.ends_at - first.starts_at == timedelta(hours=2)
    assert result.change is not None and result.change.fields == ["time", "place"]
    # One message per member about the series; no per-meeting update; reminders follow.
    assert len(forum.rows("series_changed")) == 4
    assert forum.rows("meeting_update") == []
    reminders = forum.rows("meeting_reminder")
    assert len(reminders) == reminders_before
    assert sum("Volkshaus" in (r.text or "") for r in reminders) == 4 * 3
    # The same again: nothing changed, nothing sent; a new start is /terminverschieben's.
    with pytest.raises(InvalidInput) as same:
        await series.update_following(forum.coordinator, second.id, changes)
    assert same.value.message_key == "meeting.nothing_changed"
    later = MeetingChanges(start=second.starts_at + timedelta(hours=1))
    with pytest.raises(InvalidInput) as moved:
        await series.update_following(forum.coordinator, second.id, later)
    assert moved.value.message_key == "series.edit_time"
    assert len(forum.rows("series_changed")) == 4
    with pytest.raises(NotAllowed):
        await series.update_following(forum.actor(forum.anna), second.id, changes)
