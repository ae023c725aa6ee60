"""Guided creation (/newmeeting without arguments) and editing (/editmeeting <id>) of meetings.

Creating: title → date and time → duration (skipped when an end was given) → place → whole
forum or a working group → preview → created and invited. Editing: the meeting's preview, a
button per field (each field's step returns to it) → saved and announced (a series' meeting:
this one or all following). Every answer is checked by the meeting service's own rules;
nothing is stored before the confirmation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from telegram import Update
from telegram.ext import BaseHandler

from bot.callbacks import Form, FormButton
from bot.parsing import (
    MEETING,
    MEETING_STEP,
    parse_minutes,
    parse_positive_int,
    parse_when,
    split_place,
)
from bot.recurrence import REPEAT
from bot.services.errors import InvalidInput
from bot.services.meeting_types import MeetingChanges, MeetingDraft
from bot.texts import previews
from bot.texts import series as series_texts
from bot.texts.meetings import confirmation, place_text, update_confirmation
from handlers import commands, form_engine, forms
from handlers import series as series_handlers
from handlers.common import command_text
from handlers.context import ForumContext
from handlers.meeting_answers import Answers, MeetingAnswers, Outcome
from handlers.meeting_wizard_series import (
    ask_rule,
    rule_of,
    rule_once,
    rule_text,
    series_preview,
    with_rule,
)
from storage.models import Meeting

DURATIONS = (60, 90, 120, 180, 240)
FIELDS = ("title", "when", "duration", "place", "description")


def _then(draft: Answers, step: str) -> forms.Go[Answers]:
    """On to `step`, or back to the choice of fields when editing or reviewing."""
    return forms.Go(draft, "choose" if draft.choosing else step)


# --- the steps -----------------------------------------------------------------------------


async def _title(env: forms.Env, draft: Answers, text: str) -> Outcome:
    title = env.services.meetings.check_title(text)
    return _then(replace(draft, title=title), "when")


async def _when(env: forms.Env, draft: Answers, text: str) -> Outcome:
    service = env.services.meetings
    start, end = parse_when(text, service.zone, env.services.clock.now(), MEETING_STEP)
    service.check_start(start)
    draft = replace(draft, start=start.isoformat(), ranged=end is not None)
    if end is None:
        return _then(draft, "duration")
    minutes = service.check_minutes(int((end - start).total_seconds() // 60))
    return _then(replace(draft, minutes=minutes), "place")


def _ask(
    create: str, edit: str, current: Callable[[forms.Env, Answers], object]
) -> Callable[[forms.Env, Answers], Awaitable[forms.Question]]:
    """The step's question: when creating `create` (with its step number), when editing
    `edit` with the current value (no step numbers: the fields come in any order)."""

    async def ask(env: forms.Env, draft: Answers) -> forms.Question:
        if draft.editing:
            return forms.Question(env.t(edit, current=current(env, draft)))
        return forms.Question(env.t(create))

    return ask


def _current_when(env: forms.Env, draft: Answers) -> str:
    return env.t.span(draft.starts_at, draft.ends_at, env.services.meetings.zone)


async def _ask_duration(env: forms.Env, draft: Answers) -> forms.Question:
    options = tuple(
        forms.Option(env.t("wizard.minutes", minutes=m), "dur", str(m)) for m in DURATIONS
    )
    question = await _ask("wizard.ask_duration", "wizard.edit_duration", lambda env, d: d.minutes)(
        env, draft
    )
    return forms.Question(question.text, (options,))


async def _duration(env: forms.Env, draft: Answers, text: str) -> Outcome:
    minutes = env.services.meetings.check_minutes(parse_minutes(text))
    return _then(replace(draft, minutes=minutes), "place")


async def _duration_button(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    minutes = parse_positive_int(button.value)
    if button.action != "dur" or minutes not in DURATIONS:
        raise InvalidInput("error.button_invalid")
    return _then(replace(draft, minutes=minutes), "place")


async def _ask_place(env: forms.Env, draft: Answers) -> forms.Question:
    if draft.editing:
        current = place_text(draft.location, draft.online_url)
        return forms.Question(env.t("wizard.edit_place", current=current))
    return forms.Question(
        env.t("wizard.ask_place"), ((forms.Option(env.t("wizard.no_place"), "noplace"),),)
    )


async def _place(env: forms.Env, draft: Answers, text: str) -> Outcome:
    location, online_url = split_place(text)
    return _then(replace(draft, location=location, online_url=online_url), "group")


async def _no_place(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    forms.expect(button, "noplace")
    return _then(replace(draft, location=None, online_url=None), "group")


async def _ask_group(env: forms.Env, draft: Answers) -> forms.Question:
    rows = [forms.no_group(env.t("wizard.whole_forum")), *await forms.group_options(env)]
    return forms.Question(env.t("wizard.ask_group"), tuple(rows))


async def _group(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    group_id, group_name = await forms.chosen_group(env, button)
    draft = replace(draft, group_id=group_id, group_name=group_name)
    return forms.Go(draft, "choose" if draft.review else "preview")


async def _preview(env: forms.Env, draft: Answers) -> str:
    """What will be sent: title, time (and how far away), place, and who is invited, how
    many people."""
    services = env.services
    zone = services.meetings.zone
    place = place_text(draft.location, draft.online_url)
    when = env.t.span(draft.starts_at, draft.ends_at, zone)
    group = draft.group_name or env.t("wizard.whole_forum")
    if not draft.editing:
        when += f" ({previews.in_words(env.t, draft.starts_at, services.clock.now(), zone)})"
        count = await services.previews.audience(group_id=draft.group_id)
        key = "wizard.audience_later" if draft.group_id and not count else "wizard.audience"
        group = env.t.plural(key, count, group=group, people=previews.people(env.t, count))
    text = env.t(
        "wizard.preview_edit" if draft.editing else "wizard.preview",
        id=draft.meeting_id or "",
        title=draft.title,
        when=when,
        place=place,
        group=group,
        description=draft.description or "–",
    )
    if not draft.editing and draft.description:  # given in one line: shown above the question
        line = env.t("wizard.line_description", text=draft.description)
        text = text.replace("\n\n", f"\n{line}\n\n", 1)
    if draft.rule:  # a series: its rule and first dates above the question
        lines = series_preview(env, draft)
        text = text.replace("\n\n", f"\n{lines}\n\n", 1)
    return text


async def _ask_preview(env: forms.Env, draft: Answers) -> forms.Question:
    rows = (
        (forms.Option(env.t("wizard.create"), "ok"),),
        (forms.Option(env.t("wizard.edit"), "edit"),),
        (forms.Option(env.t("series.repeat_button"), "repeat"),),
    )
    return forms.Question(await _preview(env, draft), rows)


async def _create(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    if button.action == "edit":  # Bearbeiten: the fields, each returning here
        return forms.Go(replace(draft, review=True), "choose")
    if button.action == "repeat":  # 🔁 Wiederholen: the rule, then the preview again
        return forms.Go(draft, "repeat")
    forms.expect(button, "ok")
    service = env.services.meetings
    meeting_draft = MeetingDraft(
        title=draft.title,
        start=draft.starts_at,
        end=draft.ends_at,
        location=draft.location,
        online_url=draft.online_url,
        description=draft.description,
        group_id=draft.group_id,
    )
    if draft.rule:
        made = await env.services.series.create(env.actor, meeting_draft, rule_of(env, draft.rule))
        return forms.Finish(series_texts.created(env.t, made, service.zone))
    meeting = await service.create(env.actor, meeting_draft)
    return forms.Finish(confirmation(env.t, "meeting.created", meeting, service.zone))


def _fields(draft: Answers) -> tuple[str, ...]:
    return FIELDS if draft.editing else (*FIELDS, "group")


async def _ask_choice(env: forms.Env, draft: Answers) -> forms.Question:
    rows = [(forms.Option(env.t(f"wizard.field.{f}"), "field", f),) for f in _fields(draft)]
    if draft.editing:
        rows.append((forms.Option(env.t("wizard.save"), "ok"),))
        return forms.Question(await _preview(env, draft), tuple(rows))
    rows.append((forms.Option(env.t("wizard.to_preview"), "preview"),))
    return forms.Question(env.t("wizard.choose_field"), tuple(rows))


async def _choose(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    if button.action == "field" and button.value in _fields(draft):
        return forms.Go(draft, button.value)
    if button.action == "preview" and not draft.editing:
        return forms.Go(draft, "preview")
    if button.action != "ok" or draft.meeting_id is None:
        raise InvalidInput("error.button_invalid")
    if await env.services.series.of_meeting(env.actor, draft.meeting_id) is None:
        return await _save_one(env, draft)
    meeting = await env.services.meetings.get(env.actor, draft.meeting_id)
    if meeting.starts_at != draft.starts_at:  # a new time: this meeting only, all of it
        done = await _save_one(env, draft)
        more = not _unchanged(replace(draft, start=meeting.starts_at.isoformat()), meeting)
        key = "series.edit_time_and_more_only" if more else "series.edit_time_only"
        return forms.Finish(f"{done.text}\n{env.t(key, id=draft.meeting_id)}")
    if _unchanged(draft, meeting):
        raise InvalidInput("meeting.nothing_changed", id=draft.meeting_id)
    return forms.Go(draft, "scope")  # a series' meeting: only this one, or all following?


def _changes(draft: Answers) -> MeetingChanges:
    return MeetingChanges(
        title=draft.title,
        start=draft.starts_at,
        end=draft.ends_at,
        location=draft.location or "",
        online_url=draft.online_url or "",
        description=draft.description or "",
    )


def _unchanged(draft: Answers, meeting: Meeting) -> bool:
    before = (meeting.title, meeting.starts_at, meeting.ends_at, meeting.location)
    after = (draft.title, draft.starts_at, draft.ends_at, draft.location)
    texts = (meeting.online_url, meeting.description)
    return before == after and texts == (draft.online_url, draft.description)


async def _save_one(env: forms.Env, draft: Answers) -> forms.Finish:
    assert draft.meeting_id is not None
    service = env.services.meetings
    updated = await service.update(env.actor, draft.meeting_id, _changes(draft))
    return forms.Finish(update_confirmation(env.t, updated, service.zone))


async def _ask_scope(env: forms.Env, draft: Answers) -> forms.Question:
    assert draft.meeting_id is not None
    text = await series_handlers.scope_text(env, draft.meeting_id)
    return forms.Question(text, series_handlers.scope_options(env))


async def _scope(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    forms.expect(button, "scope")
    assert draft.meeting_id is not None
    if button.value == series_handlers.ONLY:
        return await _save_one(env, draft)
    if button.value != series_handlers.FOLLOWING:
        raise InvalidInput("error.button_invalid")
    services = env.services
    result = await services.series.update_following(env.actor, draft.meeting_id, _changes(draft))
    zone = services.meetings.zone
    return forms.Finish(series_texts.changed_following(env.t, result, draft.meeting_id, zone))


async def _description(env: forms.Env, draft: Answers, text: str) -> Outcome:
    description = env.services.meetings.check_description(text)
    return forms.Go(replace(draft, description=description), "choose")


def _back_to(step: str | None) -> Callable[[Answers], str | None]:
    """Zurück: to `step` when creating, to the choice of fields when editing or reviewing."""
    return lambda draft: "choose" if draft.choosing else step


STEPS: dict[str, forms.Step[Answers]] = {
    "title": forms.Step(
        _ask("wizard.ask_title", "wizard.edit_title", lambda env, d: d.title),
        on_text=_title,
        back=_back_to(None),
    ),
    "when": forms.Step(
        _ask("wizard.ask_when", "wizard.edit_when", _current_when),
        on_text=_when,
        back=_back_to("title"),
    ),
    "duration": forms.Step(
        _ask_duration, on_text=_duration, on_button=_duration_button, back=_back_to("when")
    ),
    "place": forms.Step(
        _ask_place,
        on_text=_place,
        on_button=_no_place,
        back=lambda d: "choose" if d.choosing else "when" if d.ranged else "duration",
    ),
    "group": forms.Step(_ask_group, on_button=_group, back=_back_to("place")),
    "preview": forms.Step(
        _ask_preview, on_button=_create, back=lambda d: None if d.review else "group"
    ),
    "choose": forms.Step(_ask_choice, on_button=_choose),
    "repeat": forms.Step(
        ask_rule, on_text=rule_text, on_button=rule_once, back=forms.previous("preview")
    ),
    "scope": forms.Step(_ask_scope, on_button=_scope, back=forms.previous("choose")),
    "description": forms.Step(
        forms.question("wizard.ask_description"),
        on_text=_description,
        back=forms.previous("choose"),
    ),
}


async def _start_edit(env: forms.Env) -> forms.Go[Answers]:
    args = env.context.args or []
    meeting_id = parse_positive_int(args[0]) if args else None
    if meeting_id is None:
        raise InvalidInput("meeting.edit_usage")
    meeting = await env.services.meetings.get(env.actor, meeting_id)
    return forms.Go(
        MeetingAnswers(
            meeting_id=meeting_id,
            title=meeting.title,
            start=meeting.starts_at.isoformat(),
            minutes=int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
            location=meeting.location,
            online_url=meeting.online_url,
            description=meeting.description,
        ),
        "choose",
    )


async def _start_line(env: forms.Env) -> forms.Go[Answers]:
    """`/neuertermin [@AG] 03.12.2026 18:00-20:00 | Titel | Ort | Beschreibung`: checked, then
    the preview (nothing is sent before Senden)."""
    text = command_text(env.update)
    services = env.services
    service = services.meetings
    group_id = group_name = None
    if text.startswith("@"):
        token, _, text = text.partition(" ")
        target = await services.broadcasts.resolve_target(token[1:], env.actor.language)
        if target.group_id is None:
            raise InvalidInput("meeting.group_unknown", target=token)
        group_id = target.group_id
        groups = {g.id: g.name for g in await services.groups.overview_all()}
        group_name = groups.get(group_id)
    pieces = [p.strip() for p in text.split("|")]
    # `| wiederholen: monatlich am 2. Dienstag | 6 mal`: a series (issue 18), to the end
    repeat = next((n for n, p in enumerate(pieces) if REPEAT.match(p)), None)
    rule_text = "|".join(pieces[repeat:]) if repeat is not None else ""
    pieces = pieces[:repeat] if repeat is not None else pieces
    if len(pieces) < 2 or len(pieces) > 4:
        raise InvalidInput("meeting.usage")
    start, end = parse_when(pieces[0], service.zone, services.clock.now(), MEETING)
    title = service.check_title(pieces[1])
    service.check_start(start)
    minutes = (
        int((end - start).total_seconds() // 60)
        if end is not None
        else services.settings.meeting_default_minutes
    )
    if end is not None and end <= start:
        raise InvalidInput("when.end_before_start")
    location, online_url = split_place(pieces[2]) if len(pieces) > 2 else (None, None)
    draft = MeetingAnswers(
        title=title,
        start=start.isoformat(),
        minutes=service.check_minutes(minutes),
        location=location,
        online_url=online_url,
        description=service.check_description(pieces[3] if len(pieces) > 3 else None),
        group_id=group_id,
        group_name=group_name,
        review=True,
    )
    if rule_text:
        draft = with_rule(env, draft, rule_of(env, rule_text))
    return forms.Go(draft, "preview")


FORM = forms.FormSpec(
    form=Form.MEETING,
    name="form.name.nm",
    command=commands.NEWMEETING,
    draft=MeetingAnswers,
    steps=STEPS,
    entries=(
        forms.Entry(commands.NEWMEETING, has_args=False),
        forms.Entry(commands.NEWMEETING, _start_line, has_args=True),
        forms.Entry(commands.EDITMEETING, _start_edit),
    ),
)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return form_engine.form_handlers(FORM)
