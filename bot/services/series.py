"""Meeting series (issue 18): created from a rule, each meeting an ordinary meeting row.

Design: a `meeting_series` row is the master (rule, UID, SEQUENCE, what every meeting has) and
each meeting of it a normal `meeting` row linked by `meeting_occurrence` with the start the rule
gives it (its RECURRENCE-ID). So every meeting feature (answers, agenda, reminders, attendance,
minutes, /terminbearbeiten, /terminverschieben and /terminabsagen for one meeting) works per
meeting unchanged; only the calendar files see the series (bot/services/series_files.py).
Meetings exist as rows for the next year (HORIZON) or up to the rule's end; the daily job
adds the next ones of an open-ended series.

"Alle folgenden" ends the series before the chosen meeting (its master gets UNTIL, SEQUENCE+1)
and, for a move, continues it as a new series (new UID) from the new time: the meetings that
follow keep their rows (answers become earlier answers, agendas stay) and move into it. A new
title, place, description or length for all following changes the master (SEQUENCE+1) and the
following meetings' rows; the meetings before keep theirs (each is its own override).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import islice

from bot.callbacks import Notice
from bot.clock import Clock
from bot.i18n import translator
from bot.parsing import clean_text
from bot.recurrence import (
    HORIZON,
    MAX_COUNT,
    Rule,
    first_start,
    from_rrule_text,
    night_time,
    rrule_text,
    wall_starts,
)
from bot.services.actor import Actor
from bot.services.errors import InvalidInput, NotFound
from bot.services.ids import id_of
from bot.services.meeting_notices import MeetingChange, change_between, snapshot
from bot.services.meeting_rows import meeting_of, scheduled_meeting, unschedule_topics
from bot.services.meeting_types import MeetingChanges, MeetingDraft, changed_draft
from bot.services.meetings import MeetingService
from bot.services.notify import Notifier
from bot.services.uow import UnitOfWork, UnitOfWorkFactory
from bot.texts.series import series_notice
from bot.timezones import after
from storage.models import Meeting, MeetingStatus, OutboxMessage
from storage.models_meetings import MeetingCancellation
from storage.models_series import MeetingOccurrence, MeetingSeries


@dataclass(frozen=True)
class SeriesPlan:
    rule: Rule
    starts: list[datetime]  # every start of the rule (up to MAX_COUNT)


@dataclass(frozen=True)
class SeriesResult:
    series: MeetingSeries
    meetings: list[Meeting]
    told: int
    # update_following: what changed, at the meeting the change starts from
    change: MeetingChange | None = None


def _rule_of(series: MeetingSeries) -> Rule:
    return from_rrule_text(series.rule)


def _ended_rule(text: str, last: datetime) -> str:
    """The RRULE ending with the meeting at `last` (inclusive): UNTIL instead of COUNT."""
    kept = [p for p in text.split(";") if not re.match(r"^(UNTIL|COUNT)=", p)]
    return ";".join([*kept, f"UNTIL={last.astimezone(UTC):%Y%m%dT%H%M%SZ}"])


class SeriesService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        notifier: Notifier,
        meetings: MeetingService,
        *,
        default_language: str,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._notifier = notifier
        self._meetings = meetings
        self._language = default_language
        self.zone = meetings.zone

    # --- planning and creating -----------------------------------------------------------

    def plan(self, rule: Rule, start: datetime) -> SeriesPlan:
        """The rule anchored to the first date and its starts; refused when it can't be
        written so that every calendar puts it at the same time."""
        if night_time(start, self.zone):
            raise InvalidInput("series.night")
        rule = rule.anchored(start.astimezone(self.zone).date())
        first = first_start(rule, start, self.zone)
        starts = list(islice(wall_starts(rule, first, self.zone), MAX_COUNT))
        if len(starts) < 2:
            raise InvalidInput("series.too_few")
        return SeriesPlan(rule, starts)

    async def create(self, actor: Actor, draft: MeetingDraft, rule: Rule) -> SeriesResult:
        """The series and its meetings for the next year; one invitation per member with
        the series' .ics, and each meeting's reminders."""
        actor.require_coordinator()
        now = self._clock.now()
        meetings = self._meetings
        title = meetings.check_title(draft.title)
        end = draft.end or after(draft.start, meetings.default_duration)
        minutes = meetings.check_minutes(int((end - draft.start).total_seconds() // 60))
        plan = self.plan(rule, draft.start)
        meetings.check_start(plan.starts[0])
        location, online_url, description = meetings.check_texts(draft)
        async with self._uow() as uow:
            if draft.group_id is not None:
                group = await uow.groups.get(draft.group_id)
                if group is None or group.archived_at is not None:
                    raise NotFound("groups.not_found", ref=draft.group_id)
            series = await uow.series.add(
                MeetingSeries(
                    uid=f"series-{secrets.token_hex(8)}@forum-assistant",
                    rule=rrule_text(plan.rule, self.zone),
                    first_start=plan.starts[0].astimezone(UTC),
                    minutes=minutes,
                    title=title,
                    location=location,
                    online_url=online_url,
                    description=description,
                    group_id=draft.group_id,
                    materialised_until=now,
                    created_by=actor.telegram_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            made = await self._materialise(uow, series, now)
            told = await self._tell(uow, series, [series], "invite")
            await uow.commit()
        self._notifier.outbox_changed()
        return SeriesResult(series, made, told)

    async def _materialise(
        self, uow: UnitOfWork, series: MeetingSeries, now: datetime
    ) -> list[Meeting]:
        """The series' meetings up to a year ahead that are not rows yet (with reminders)."""
        horizon = now + HORIZON
        have = {o.recurrence_id for o, _ in await uow.series.occurrences(id_of(series))}
        made = []
        for wall in wall_starts(_rule_of(series), series.first_start, self.zone):
            start = wall.astimezone(UTC)  # stored in UTC, as the database gives it back
            if start > horizon:
                break
            if start <= now or start in have:
                continue
            meeting = await uow.meetings.add(
                Meeting(
                    uid=f"{series.uid}#{start:%Y%m%dT%H%M%SZ}",
                    title=series.title,
                    starts_at=start,
                    ends_at=after(start, timedelta(minutes=series.minutes)),
                    location=series.location,
                    online_url=series.online_url,
                    description=series.description,
                    group_id=series.group_id,
                    created_by=series.created_by,
                    created_at=now,
                    updated_at=now,
                )
            )
            await uow.series.link(
                MeetingOccurrence(
                    meeting_id=id_of(meeting), series_id=id_of(series), recurrence_id=start
                )
            )
            made.append(meeting)
        series.materialised_until = max(series.materialised_until, horizon)
        await self._remind(uow, made)
        return made

    async def _remind(self, uow: UnitOfWork, meetings: list[Meeting]) -> None:
        """The meetings' reminders, after the series has changed (each with its file)."""
        with self._meetings.series_files.batch():
            for meeting in meetings:
                await self._meetings.notices.reschedule_reminders(uow, meeting)

    async def extend(self) -> int:
        """The daily job: the next meetings of every series that goes on. Returns how many."""
        now = self._clock.now()
        made = 0
        async with self._uow() as uow:
            for series in await uow.series.all():
                if series.materialised_until < now + HORIZON - timedelta(days=1):
                    made += len(await self._materialise(uow, series, now))
            await uow.commit()
        if made:
            self._notifier.outbox_changed()
        return made

    # --- reading -------------------------------------------------------------------------

    async def of_meeting(self, actor: Actor, meeting_id: int) -> MeetingSeries | None:
        """The series the meeting belongs to (None: a single meeting)."""
        actor.require_coordinator()
        async with self._uow() as uow:
            await meeting_of(uow, meeting_id)
            found = await uow.series.of_meeting(meeting_id)
        return None if found is None else found[0]

    async def series_of(self, meeting_ids: list[int]) -> set[int]:
        """Which of the meetings belong to a series (for /termine's marker)."""
        async with self._uow() as uow:
            return set(await uow.series.links(meeting_ids))

    # --- "alle folgenden" ----------------------------------------------------------------

    async def _split_point(
        self, uow: UnitOfWork, meeting_id: int
    ) -> tuple[MeetingSeries, MeetingOccurrence, list[tuple[MeetingOccurrence, Meeting]]]:
        await scheduled_meeting(uow, meeting_id)
        found = await uow.series.of_meeting(meeting_id)
        if found is None:
            raise InvalidInput("series.not_a_series", id=meeting_id)
        series, occurrence = found
        rows = list(await uow.series.occurrences(id_of(series)))
        return series, occurrence, rows

    def _end_before(
        self,
        series: MeetingSeries,
        occurrence: MeetingOccurrence,
        rows: list[tuple[MeetingOccurrence, Meeting]],
        now: datetime,
    ) -> None:
        """The series ends before `occurrence` (UNTIL: the last meeting before it), or, if
        it is the first, is cancelled as a whole; SEQUENCE + 1 either way."""
        before = [o for o, _ in rows if o.recurrence_id < occurrence.recurrence_id]
        if before:
            series.rule = _ended_rule(series.rule, before[-1].recurrence_id)
        else:
            series.rule = _ended_rule(series.rule, series.first_start - timedelta(seconds=1))
        series.sequence += 1
        series.updated_at = now

    async def _cancel_row(
        self, uow: UnitOfWork, actor: Actor, meeting: Meeting, reason: str | None, now: datetime
    ) -> None:
        name = " ".join(p for p in (actor.profile.first_name, actor.profile.last_name) if p)
        await uow.meetings.add_cancellation(
            MeetingCancellation(
                meeting_id=id_of(meeting),
                cancelled_at=now,
                cancelled_by=actor.telegram_id,
                cancelled_by_name=clean_text(name)[:200] or str(actor.telegram_id),
            )
        )
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancel_reason = reason
        meeting.sequence += 1
        meeting.updated_at = now
        await unschedule_topics(uow, id_of(meeting), now)
        await self._meetings.notices.reschedule_reminders(uow, meeting)

    async def cancel_following(
        self, actor: Actor, meeting_id: int, reason: str | None
    ) -> SeriesResult:
        """This meeting and all after it are cancelled: one message per member with the
        series' .ics (its master now ends before this meeting)."""
        actor.require_coordinator()
        now = self._clock.now()
        reason = clean_text(reason or "")[:500] or None
        async with self._uow() as uow:
            series, occurrence, rows = await self._split_point(uow, meeting_id)
            self._end_before(series, occurrence, rows, now)
            cancelled = []
            for o, meeting in rows:
                following = o.recurrence_id >= occurrence.recurrence_id
                if following and meeting.status is MeetingStatus.SCHEDULED:
                    await self._cancel_row(uow, actor, meeting, reason, now)
                    cancelled.append(meeting)
            told = await self._tell(uow, series, [series], "end", start=occurrence.recurrence_id)
            await uow.commit()
        self._notifier.outbox_changed()
        return SeriesResult(series, cancelled, told)

    async def move_following(
        self, actor: Actor, meeting_id: int, start: datetime, end: datetime | None
    ) -> SeriesResult:
        """This meeting and all after it move: the series ends before it, a new series (the
        same rule, from the new time; a monthly rule takes the new date's weekday) goes on
        with the following meetings' rows."""
        actor.require_coordinator()
        now = self._clock.now()
        meetings = self._meetings
        async with self._uow() as uow:
            series, occurrence, rows = await self._split_point(uow, meeting_id)
            length = end - start if end is not None else timedelta(minutes=series.minutes)
            minutes = meetings.check_minutes(int(length.total_seconds() // 60))
            meetings.check_start(start)
            old = _rule_of(series)
            following = [(o, m) for o, m in rows if o.recurrence_id >= occurrence.recurrence_id]
            before = len(rows) - len(following)
            count = None if old.count is None else old.count - before
            if count is not None and count < 2:
                raise InvalidInput("series.last_one", id=meeting_id)
            rule = replace(old, nth=None, weekday=None, count=count)
            plan = self.plan(rule, start)
            self._end_before(series, occurrence, rows, now)
            new = await uow.series.add(
                MeetingSeries(
                    uid=f"series-{secrets.token_hex(8)}@forum-assistant",
                    rule=rrule_text(plan.rule, self.zone),
                    first_start=plan.starts[0].astimezone(UTC),
                    minutes=minutes,
                    title=series.title,
                    location=series.location,
                    online_url=series.online_url,
                    description=series.description,
                    group_id=series.group_id,
                    materialised_until=now,
                    created_by=actor.telegram_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            series.continued_by = new.id
            moved = await self._carry_over(uow, actor, new, following, plan.starts, now)
            await self._materialise(uow, new, now)
            told = await self._tell(uow, new, [series, new], "moved", start=plan.starts[0])
            await uow.commit()
        self._notifier.outbox_changed()
        return SeriesResult(new, moved, told)

    async def update_following(
        self, actor: Actor, meeting_id: int, changes: MeetingChanges
    ) -> SeriesResult:
        """Title, place, description or length of this meeting and all after it: the master
        takes them (SEQUENCE + 1) and so do the following meetings' rows; the meetings before
        keep theirs. Answers stay (the start does not change: a new time for all following
        is move_following). One message per member with the series' .ics."""
        actor.require_coordinator()
        now = self._clock.now()
        meetings = self._meetings
        async with self._uow() as uow:
            series, occurrence, rows = await self._split_point(uow, meeting_id)
            this = next(m for o, m in rows if o.meeting_id == meeting_id)
            if changes.start is not None and changes.start != this.starts_at:
                raise InvalidInput("series.edit_time", id=meeting_id)
            end = changes.end or after(this.starts_at, this.ends_at - this.starts_at)
            minutes = meetings.check_minutes(int((end - this.starts_at).total_seconds() // 60))
            draft = changed_draft(this, changes, this.starts_at, end)
            draft = replace(draft, title=meetings.check_title(draft.title))
            location, online_url, description = meetings.check_texts(draft)
            before = snapshot(this)
            changed = []
            for o, meeting in rows:
                if o.recurrence_id < occurrence.recurrence_id:
                    continue
                if meeting.status is not MeetingStatus.SCHEDULED:
                    continue
                old = snapshot(meeting)
                meeting.title = draft.title
                meeting.location, meeting.online_url = location, online_url
                meeting.description = description
                meeting.ends_at = after(meeting.starts_at, timedelta(minutes=minutes))
                if change_between(old, meeting).fields:
                    meeting.sequence += 1
                    meeting.updated_at = now
                    changed.append(meeting)
            change = change_between(before, this)
            if not change.fields:
                raise InvalidInput("meeting.nothing_changed", id=meeting_id)
            series.title, series.minutes = draft.title, minutes
            series.location, series.online_url = location, online_url
            series.description = description
            series.sequence += 1
            series.updated_at = now
            await self._remind(uow, changed)
            told = await self._tell(
                uow, series, [series], "changed", start=occurrence.recurrence_id, change=change
            )
            await uow.commit()
        self._notifier.outbox_changed()
        return SeriesResult(series, changed, told, change)

    async def _carry_over(
        self,
        uow: UnitOfWork,
        actor: Actor,
        new: MeetingSeries,
        following: list[tuple[MeetingOccurrence, Meeting]],
        starts: list[datetime],
        now: datetime,
    ) -> list[Meeting]:
        """The following meetings' rows become the new series' first meetings, in order; a
        row without a new start (the new rule ends sooner) is cancelled."""
        moved = []
        for index, (link, meeting) in enumerate(following):
            if index >= len(starts):
                if meeting.status is MeetingStatus.SCHEDULED:
                    await self._cancel_row(uow, actor, meeting, None, now)
                continue
            start = starts[index].astimezone(UTC)
            link.series_id = id_of(new)
            link.recurrence_id = start
            if meeting.status is not MeetingStatus.SCHEDULED:
                continue
            meeting.starts_at = start
            meeting.ends_at = after(start, timedelta(minutes=new.minutes))
            meeting.sequence += 1
            meeting.updated_at = now
            await uow.meetings.supersede_answers(id_of(meeting), now)
            moved.append(meeting)
        await self._remind(uow, moved)
        return moved

    # --- telling everyone ----------------------------------------------------------------

    async def _tell(
        self,
        uow: UnitOfWork,
        series: MeetingSeries,
        files: list[MeetingSeries],
        what: str,
        start: datetime | None = None,
        change: MeetingChange | None = None,
    ) -> int:
        """One message per invited member about the whole series, with its .ics (`files`:
        the series in it, e.g. the ended one and the one that continues it)."""
        now = self._clock.now()
        audience = await uow.members.recipients(group_id=series.group_id)
        languages = await uow.user_settings.languages(
            [m.telegram_id for m in audience if m.telegram_id is not None]
        )
        upcoming = [
            m
            for o, m in await uow.series.occurrences(id_of(series))
            if m.status is MeetingStatus.SCHEDULED
            and m.starts_at > now
            and (start is None or o.recurrence_id >= start)  # those the message is about
        ]
        documents: dict[str, bytes] = {}
        rows = []
        for member in audience:
            t = translator(languages.get(member.telegram_id or 0, self._language))
            if t.language not in documents:
                documents[t.language] = await self._meetings.series_files.series_file(
                    uow, files, t.language
                )
            rows.append(
                OutboxMessage(
                    dedup_key=f"series:{series.id}:{what}:s{series.sequence}:member:{member.id}",
                    kind=f"series_{what}",
                    chat_id=member.telegram_id or 0,
                    member_id=member.id,
                    text=series_notice(
                        t, what, series, upcoming, self.zone, start=start, change=change
                    ),
                    document=documents[t.language],
                    document_name=f"serie-{series.id}.ics",
                    due_at=now,
                    created_at=now,
                )
            )
        await uow.outbox.enqueue(rows)
        return len(rows)


__all__ = ["Notice", "SeriesPlan", "SeriesResult", "SeriesService"]
