"""The meeting form's steps for a series (issue 18): the rule asked under the preview, its
first dates in the preview (`🔁 Wiederholung: …`), and the draft made a series."""

from __future__ import annotations

from dataclasses import replace

from bot.callbacks import FormButton
from bot.recurrence import HORIZON, Rule, describe, parse_rule
from bot.services.series import SeriesPlan
from bot.texts import series as series_texts
from handlers import forms
from handlers.meeting_answers import Answers, Outcome


def rule_of(env: forms.Env, text: str) -> Rule:
    return parse_rule(text, env.services.meetings.zone, env.services.clock.now())


def _plan(env: forms.Env, draft: Answers, rule: Rule) -> SeriesPlan:
    plan = env.services.series.plan(rule, draft.starts_at)
    env.services.meetings.check_start(plan.starts[0])
    return plan


def series_preview(env: forms.Env, draft: Answers) -> str:
    """`🔁 Wiederholung: monatlich am 2. Dienstag | 6 mal` and the first dates."""
    plan = _plan(env, draft, rule_of(env, draft.rule))
    zone = env.services.meetings.zone
    starts = plan.starts
    endless = plan.rule.count is None and plan.rule.until is None
    if endless:  # the year ahead, as the series is created (and said when it is)
        starts = [s for s in starts if s <= env.services.clock.now() + HORIZON]
    return env.t(
        "series.preview_endless" if endless else "series.preview",
        rule=series_texts.shown(plan.rule, env.t.language),
        count=len(starts),
        dates=series_texts.starts_preview(env.t, starts, draft.minutes, zone, len(starts)),
    )


async def ask_rule(env: forms.Env, draft: Answers) -> forms.Question:
    return forms.Question(
        env.t("series.ask_rule"), ((forms.Option(env.t("series.once"), "once"),),)
    )


async def rule_text(env: forms.Env, draft: Answers, text: str) -> Outcome:
    return forms.Go(with_rule(env, draft, rule_of(env, text)), "preview")


def with_rule(env: forms.Env, draft: Answers, rule: Rule) -> Answers:
    """The draft as a series: refused here if the dates don't work; its start becomes the
    rule's first date (`am 2. Dienstag` from a date before it), so the preview's time is it."""
    plan = _plan(env, draft, rule)
    return replace(draft, rule=describe(rule, "de"), start=plan.starts[0].isoformat())


async def rule_once(env: forms.Env, draft: Answers, button: FormButton) -> Outcome:
    forms.expect(button, "once")
    return forms.Go(replace(draft, rule=""), "preview")
