"""The task service's rules on in-memory fakes: who owns a task and is told of its changes, the
reminders derived from its due date, who may report, and the daily round."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from bot.i18n import translator
from bot.services.errors import InvalidInput, NotAllowed, NotFound, ServiceError
from bot.services.tasks import AmbiguousOwner, TaskService
from storage.models import Member, Task, TaskStatus
from storage.models_tasks import TaskEventKind
from tests.support import COORDINATOR_ID
from tests.unit.forum import COORDINATORS, ZONE, Forum, chats_of

REMINDER_TIME = time(9, 0)
# The forum's clock starts on Thursday, 26 November 2026.
TODAY = date(2026, 11, 26)


@pytest.fixture
def forum() -> Forum:
    return Forum()


@pytest.fixture
def tasks(forum: Forum) -> TaskService:
    return TaskService(
        forum.uow,
        forum.clock,
        forum.notifier,
        zone=ZONE,
        coordinator_ids=COORDINATORS,
        reminder_days=(3,),
        reminder_time=REMINDER_TIME,
        default_language="de",
    )


async def create(
    forum: Forum, tasks: TaskService, owner: str = "Stadt Jena", due: date = TODAY + timedelta(14)
) -> Task:
    task, _ = await tasks.create(
        forum.coordinator,
        owner_ref=owner,
        due=due,
        title="Stellungnahme Nahverkehrsplan",
        description=None,
        meeting_id=None,
    )
    return task


def refused(error: pytest.ExceptionInfo[ServiceError]) -> str:
    return error.value.message_key


def at_nine(day: date) -> datetime:
    return datetime.combine(day, REMINDER_TIME, tzinfo=ZONE)


def notices(forum: Forum, task: Task, key: str) -> set[int]:
    """Who was told of the change `key` (a catalog key, part of the dedup key)."""
    return forum.chats("task_notice", f"task:{task.id}:{key}:")


def reminded(forum: Forum, task: Task) -> set[int]:
    return forum.chats("task_reminder", f"task:{task.id}:reminder:")


def reminder_keys(task: Task, *members: Member, labels: tuple[str, ...]) -> set[str]:
    return {
        f"task:{task.id}:reminder:{label}:{task.due_date}:member:{member.id}"
        for label in labels
        for member in members
    }


# --- creating -----------------------------------------------------------------------------


async def test_a_task_of_an_organisation_is_announced_to_its_members(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks)
    assert (task.organisation_id, task.member_id, task.status) == (
        forum.jena.id,
        None,
        TaskStatus.OPEN,
    )
    # The coordinator made the change: not told of it.
    assert notices(forum, task, "task.notice_new") == chats_of(forum.anna, forum.jonas)
    assert forum.chats("task_notice") == chats_of(forum.anna, forum.jonas)
    assert forum.notifier.calls == 1


async def test_a_task_of_one_person_is_theirs_alone(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks, owner="@Anna")
    assert (task.organisation_id, task.member_id) == (None, forum.anna.id)
    assert forum.chats("task_notice") == chats_of(forum.anna)
    assert reminded(forum, task) == chats_of(forum.anna)


async def test_reminders_come_days_ahead_on_the_day_and_a_week_late(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks)
    assert forum.keys("task_reminder") == reminder_keys(
        task, forum.anna, forum.jonas, labels=("3d", "due", "overdue1")
    )
    assert {row.due_at for row in forum.rows("task_reminder")} == {
        at_nine(task.due_date - timedelta(days=3)),
        at_nine(task.due_date),
        at_nine(task.due_date + timedelta(weeks=1)),
    }
    assert all(row.buttons for row in forum.rows("task_reminder"))


async def test_a_reminder_time_before_the_task_existed_is_skipped(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks, due=TODAY + timedelta(days=1))
    assert forum.keys("task_reminder") == reminder_keys(
        task, forum.anna, forum.jonas, labels=("due", "overdue1")
    )


async def test_an_unknown_owner_is_refused(forum: Forum, tasks: TaskService) -> None:
    for owner in ("Gemeinde Atlantis", "@niemand"):
        with pytest.raises(NotFound) as error:
            await create(forum, tasks, owner=owner)
        assert refused(error) == "task.owner_unknown"
    assert not forum.uow.tasks.rows and not forum.rows()


async def test_a_due_date_in_the_past_is_refused(forum: Forum, tasks: TaskService) -> None:
    with pytest.raises(InvalidInput) as error:
        await create(forum, tasks, due=TODAY - timedelta(days=1))
    assert refused(error) == "task.due_in_past"


async def test_only_the_coordinator_hands_out_tasks(forum: Forum, tasks: TaskService) -> None:
    with pytest.raises(NotAllowed):
        await tasks.create(
            forum.actor(forum.anna),
            owner_ref="Stadt Jena",
            due=TODAY,
            title="Eigenauftrag",
            description=None,
            meeting_id=None,
        )
    assert not forum.uow.tasks.rows


# --- reporting ----------------------------------------------------------------------------


async def test_done_by_a_colleague_tells_the_others_and_ends_the_reminders(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks)
    await tasks.mark_done(forum.actor(forum.jonas), task.id or 0, "erledigt im Ausschuss")
    assert (task.status, task.done_by, task.comment) == (
        TaskStatus.DONE,
        forum.jonas.id,
        "erledigt im Ausschuss",
    )
    assert notices(forum, task, "task.notice_done") == chats_of(forum.anna) | {COORDINATOR_ID}
    assert not forum.rows("task_reminder")


async def test_another_organisation_cannot_report_the_task(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks)
    for attempt in (tasks.mark_done, tasks.comment):
        with pytest.raises(NotAllowed) as error:
            await attempt(forum.actor(forum.zora), task.id or 0, "nicht meins")
        assert refused(error) == "task.not_yours"
    assert task.status is TaskStatus.OPEN


async def test_a_personal_task_is_not_the_colleagues(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks, owner="@anna")
    with pytest.raises(NotAllowed) as error:
        await tasks.mark_done(forum.actor(forum.jonas), task.id or 0, None)
    # Her colleague is told whose it is, and who can do what.
    said = translator("de")(error.value.message_key, **error.value.params)
    assert said.startswith(f"Aufgabe #{task.id} ist Anna persönlich zugewiesen; erledigt melden")
    await tasks.mark_done(forum.actor(forum.anna), task.id or 0, None)
    assert task.status is TaskStatus.DONE


async def test_a_task_is_done_once(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks)
    await tasks.mark_done(forum.actor(forum.anna), task.id or 0, None)
    with pytest.raises(InvalidInput) as error:
        await tasks.mark_done(forum.actor(forum.jonas), task.id or 0, None)
    # The colleague learns who reported it, and when.
    said = translator("de")(error.value.message_key, **error.value.params)
    assert said.startswith(f"Aufgabe #{task.id} ist schon erledigt – gemeldet von Anna")
    assert said.endswith(
        f"am {translator('de').date(forum.clock.now(), ZONE)}. Es wurde nichts geändert."
    )
    with pytest.raises(InvalidInput) as error:
        await tasks.comment(forum.actor(forum.jonas), task.id or 0, "noch ein Hinweis")
    assert refused(error) == "task.not_open_done"
    assert task.done_by == forum.anna.id


async def test_a_cancelled_task_says_so(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks)
    await tasks.change(forum.coordinator, task.id or 0, cancel=True)
    with pytest.raises(InvalidInput) as error:
        await tasks.mark_done(forum.actor(forum.anna), task.id or 0, None)
    said = translator("en")(error.value.message_key, **error.value.params)
    assert said == (
        f"Task #{task.id} was cancelled (on {translator('en').date(forum.clock.now(), ZONE)}). "
        "Nothing was changed."
    )


async def test_a_progress_note_reaches_the_others_and_keeps_the_reminders(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks)
    reminders = forum.keys("task_reminder")
    await tasks.comment(forum.actor(forum.anna), task.id or 0, "Entwurf liegt vor")
    assert task.comment == "Entwurf liegt vor"
    assert notices(forum, task, "task.notice_comment") == chats_of(forum.jonas) | {COORDINATOR_ID}
    assert forum.keys("task_reminder") == reminders
    with pytest.raises(InvalidInput) as error:
        await tasks.comment(forum.actor(forum.anna), task.id or 0, "   ")
    assert refused(error) == "task.comment_usage"


# --- the coordinator's changes ------------------------------------------------------------


async def test_cancelling_tells_the_owners_and_ends_the_reminders(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks)
    await tasks.change(forum.coordinator, task.id or 0, cancel=True)
    assert task.status is TaskStatus.CANCELLED
    assert notices(forum, task, "task.notice_cancelled") == chats_of(forum.anna, forum.jonas)
    assert not forum.rows("task_reminder")


async def test_a_new_due_date_moves_the_reminders(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks)
    new_due = TODAY + timedelta(days=30)
    await tasks.change(forum.coordinator, task.id or 0, due=new_due)
    assert task.due_date == new_due
    assert forum.keys("task_reminder") == reminder_keys(
        task, forum.anna, forum.jonas, labels=("3d", "due", "overdue1")
    )
    assert notices(forum, task, "task.notice_due") == chats_of(forum.anna, forum.jonas)
    with pytest.raises(InvalidInput) as error:
        await tasks.change(forum.coordinator, task.id or 0, due=TODAY - timedelta(days=1))
    assert refused(error) == "task.due_in_past"


async def test_a_new_owner_takes_over_and_the_old_one_is_told(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks)
    await tasks.change(forum.coordinator, task.id or 0, owner_ref="Gemeinde Zöllnitz")
    assert task.organisation_id == forum.zoellnitz.id
    assert notices(forum, task, "task.notice_taken_away") == chats_of(forum.anna, forum.jonas)
    assert notices(forum, task, "task.notice_new") >= chats_of(forum.zora)
    assert reminded(forum, task) == chats_of(forum.zora)


async def test_reopening_brings_the_reminders_back(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks)
    with pytest.raises(InvalidInput) as error:
        await tasks.change(forum.coordinator, task.id or 0, reopen=True)
    assert refused(error) == "task.already_open"
    await tasks.mark_done(forum.actor(forum.anna), task.id or 0, None)
    forum.clock.advance(timedelta(hours=1))
    await tasks.change(forum.coordinator, task.id or 0, reopen=True)
    assert (task.status, task.done_at) == (TaskStatus.OPEN, None)
    assert reminded(forum, task) == chats_of(forum.anna, forum.jonas)


async def test_members_change_no_tasks(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks)
    with pytest.raises(NotAllowed):
        await tasks.change(forum.actor(forum.anna), task.id or 0, cancel=True)
    assert task.status is TaskStatus.OPEN


# --- reading and the daily round ----------------------------------------------------------


async def test_a_member_sees_their_own_and_their_organisations_tasks_overdue_first(
    forum: Forum, tasks: TaskService
) -> None:
    later = await create(forum, tasks, due=TODAY + timedelta(days=20))
    personal = await create(forum, tasks, owner="@anna", due=TODAY + timedelta(days=2))
    others = await create(forum, tasks, owner="Gemeinde Bucha", due=TODAY)
    soon = await create(forum, tasks, due=TODAY + timedelta(days=1))
    forum.clock.advance(timedelta(days=2))  # `soon` is overdue now
    views = await tasks.open_tasks(forum.actor(forum.anna))
    assert [(v.task.id, v.overdue) for v in views] == [
        (soon.id, True),
        (personal.id, False),
        (later.id, False),
    ]
    assert [v.task.id for v in await tasks.open_tasks(forum.actor(forum.jonas))] == [
        soon.id,
        later.id,
    ]
    everything = await tasks.open_tasks(forum.coordinator, overdue_only=True)
    assert [v.task.id for v in everything] == [others.id, soon.id]


async def test_on_mondays_the_coordinator_gets_the_overdue_summary(
    forum: Forum, tasks: TaskService
) -> None:
    await create(forum, tasks, due=TODAY)
    await create(forum, tasks, owner="Gemeinde Bucha", due=TODAY + timedelta(days=1))
    await create(forum, tasks, owner="@anna", due=TODAY + timedelta(days=30))
    forum.clock.advance(timedelta(days=4))  # Monday, 30 November
    assert await tasks.daily() == 2
    assert forum.keys("task_summary") == {f"tasks:overdue-summary:2026-11-30:chat:{COORDINATOR_ID}"}


async def test_on_other_days_there_is_no_summary(forum: Forum, tasks: TaskService) -> None:
    await create(forum, tasks, due=TODAY)
    forum.clock.advance(timedelta(days=1))  # Friday
    assert await tasks.daily() == 1
    assert not forum.rows("task_summary")


async def test_an_overdue_task_is_reminded_weekly(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks, due=TODAY + timedelta(days=1))
    forum.clock.advance(timedelta(days=10))  # the first weekly reminder has passed
    await tasks.daily()
    weekly = {
        row.dedup_key: row.due_at
        for row in forum.rows("task_reminder")
        if ":overdue" in row.dedup_key and row.member_id == forum.anna.id
    }
    assert weekly == {
        f"task:{task.id}:reminder:overdue1:{task.due_date}:member:{forum.anna.id}": at_nine(
            task.due_date + timedelta(weeks=1)
        ),
        f"task:{task.id}:reminder:overdue2:{task.due_date}:member:{forum.anna.id}": at_nine(
            task.due_date + timedelta(weeks=2)
        ),
    }


async def test_each_change_of_a_task_is_a_new_revision_of_its_calendar_entry(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks)
    assert task.revision == 0
    await tasks.change(forum.coordinator, task.id or 0, due=TODAY + timedelta(days=20))
    assert task.revision == 1
    await tasks.change(forum.coordinator, task.id or 0, cancel=True)
    await tasks.change(forum.coordinator, task.id or 0, reopen=True)
    assert task.revision == 3


# --- owners by name, the history, who may look (issue 13) ----------------------------------


async def test_owners_are_found_by_organisation_username_or_name(
    forum: Forum, tasks: TaskService
) -> None:
    other_anna = forum.member(forum.bucha, 302, "Anna")
    other_anna.last_name = "Roth"
    assert (await tasks.find_owner("stadt jena")).organisation is forum.jena
    assert (await tasks.find_owner("@ANNA")).member is forum.anna  # the username decides
    assert (await tasks.find_owner("Zora")).member is forum.zora
    assert (await tasks.find_owner("@Zora")).member is forum.zora  # no username: the name
    assert (await tasks.find_owner("anna  roth")).member is other_anna
    assert (await tasks.find_owner("Anna (Gemeinde Bucha)")).member is other_anna
    with pytest.raises(AmbiguousOwner) as ambiguous:
        await tasks.find_owner("Anna")
    assert [m for m, _ in ambiguous.value.candidates] == [forum.anna, other_anna]
    forum.leave(forum.zora)
    with pytest.raises(NotFound):
        await tasks.find_owner("Zora")


async def test_the_history_keeps_who_what_and_why(forum: Forum, tasks: TaskService) -> None:
    task = await create(forum, tasks)
    assert task.id is not None
    await tasks.comment(forum.actor(forum.jonas), task.id, "Entwurf liegt vor")
    await tasks.change(forum.coordinator, task.id, due=TODAY + timedelta(20), reason="AG später")
    detail = await tasks.detail(forum.actor(forum.anna), task.id)
    kinds = [(e.event.kind, e.by.member, e.event.text) for e in detail.events]
    assert kinds == [
        (TaskEventKind.CREATED, None, None),
        (TaskEventKind.COMMENT, forum.jonas, "Entwurf liegt vor"),
        (TaskEventKind.DUE_CHANGED, None, "AG später"),
    ]
    moved = detail.events[2].event
    assert (moved.previous_due_date, moved.due_date) == (
        TODAY + timedelta(14),
        TODAY + timedelta(20),
    )
    assert detail.may_report
    # Another organisation's member may not look; the coordinator may.
    with pytest.raises(NotAllowed):
        await tasks.detail(forum.actor(forum.zora), task.id)
    assert (await tasks.detail(forum.coordinator, task.id)).may_report


async def test_a_persons_task_is_visible_to_their_colleagues(
    forum: Forum, tasks: TaskService
) -> None:
    task = await create(forum, tasks, owner="@anna")
    assert task.id is not None
    detail = await tasks.detail(forum.actor(forum.jonas), task.id)
    assert detail.view.owner.member is forum.anna and not detail.may_report
    with pytest.raises(NotAllowed):
        await tasks.detail(forum.actor(forum.bert), task.id)


def test_a_dash_as_description_means_none() -> None:
    assert TaskService.check_description("-") is None
    assert TaskService.check_description(" – ") is None
    assert TaskService.check_description("- Fotos der Brücke") == "- Fotos der Brücke"
