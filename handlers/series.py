"""Meeting series (issue 18): /terminverschieben asks "nur dieser Termin / alle folgenden" for a
meeting of a series (a single meeting moves at once, as before); /terminabsagen asks the same
in handlers/confirmations.py. Creating a series: handlers/meeting_wizard.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import Update
from telegram.ext import BaseHandler

from bot.callbacks import Form, FormButton
from bot.parsing import MOVE, parse_when
from bot.services.errors import InvalidInput
from bot.texts import meetings as meeting_texts
from bot.texts import series as texts
from handlers import commands, form_engine, forms
from handlers.common import required_number
from handlers.context import ForumContext

ONLY, FOLLOWING = "only", "all"


@dataclass(frozen=True)
class MoveDraft:
    meeting_id: int = 0
    start: str = ""
    end: str = ""  # "" : the length stays


def scope_options(env: forms.Env) -> tuple[tuple[forms.Option, ...], ...]:
    return (
        (forms.Option(env.t("series.only_this"), "scope", ONLY),),
        (forms.Option(env.t("series.all_following"), "scope", FOLLOWING),),
    )


async def scope_text(env: forms.Env, meeting_id: int, *, cancel: bool = False) -> str:
    services = env.services
    series = await services.series.of_meeting(env.actor, meeting_id)
    meeting = await services.meetings.get(env.actor, meeting_id)
    assert series is not None
    return texts.scope_question(env.t, meeting, series, services.meetings.zone, cancel=cancel)


async def _start(env: forms.Env) -> forms.Go[MoveDraft] | forms.Finish:
    args = env.context.args or []
    meeting_id = required_number(args, "meeting.move_usage")
    if len(args) < 2:
        raise InvalidInput("meeting.move_usage")
    services = env.services
    service = services.meetings
    start, end = parse_when(" ".join(args[1:]), service.zone, services.clock.now(), MOVE)
    if await services.series.of_meeting(env.actor, meeting_id) is None:
        moved = await service.move(env.actor, meeting_id, start, end)
        return forms.Finish(meeting_texts.update_confirmation(env.t, moved, service.zone))
    await service.get(env.actor, meeting_id)  # not cancelled
    draft = MoveDraft(meeting_id, start.isoformat(), end.isoformat() if end else "")
    return forms.Go(draft, "scope")


async def _ask_scope(env: forms.Env, draft: MoveDraft) -> forms.Question:
    start = datetime.fromisoformat(draft.start)
    zone = env.services.meetings.zone
    text = await scope_text(env, draft.meeting_id)
    text += "\n" + env.t("series.move_to", when=env.t.datetime(start, zone))
    return forms.Question(text, scope_options(env))


async def _scope(env: forms.Env, draft: MoveDraft, button: FormButton) -> forms.Finish:
    forms.expect(button, "scope")
    services = env.services
    zone = services.meetings.zone
    start = datetime.fromisoformat(draft.start)
    end = datetime.fromisoformat(draft.end) if draft.end else None
    if button.value == ONLY:
        moved = await services.meetings.move(env.actor, draft.meeting_id, start, end)
        return forms.Finish(meeting_texts.update_confirmation(env.t, moved, zone))
    if button.value != FOLLOWING:
        raise InvalidInput("error.button_invalid")
    result = await services.series.move_following(env.actor, draft.meeting_id, start, end)
    return forms.Finish(
        env.t(
            "series.moved_following",
            title=result.series.title,
            rule=texts.rule_words(env.t, result.series.rule),
            count=len(result.meetings),
            people=result.told,
            dates=texts.dates(env.t, result.meetings, zone) or "–",
        )
    )


MOVE_MEETING = forms.FormSpec(
    form=Form.MOVE_MEETING,
    name="form.name.mv",
    command=commands.MOVEMEETING,
    draft=MoveDraft,
    steps={"scope": forms.Step(_ask_scope, on_button=_scope)},
    entries=(forms.Entry(commands.MOVEMEETING, _start),),
)


def handlers() -> list[BaseHandler[Update, ForumContext, None]]:
    return form_engine.form_handlers(MOVE_MEETING)
