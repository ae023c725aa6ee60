"""The guided forms' state is plain data: a FormState with any form's draft survives a round
trip through JSON unchanged, and the drafts hold JSON values only."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import Form
from bot.forms import FormState, draft_of, draft_values
from handlers.confirmations import CancelDraft
from handlers.form_engine import FollowUpDraft
from handlers.meeting_answers import MeetingAnswers
from handlers.meeting_day import AbsenceDraft
from handlers.organisations import MemberDraft, MergeDraft
from handlers.questions import QuestionDraft
from handlers.scheduling_wizard import PollAnswers
from handlers.series import MoveDraft
from handlers.task_wizard import TaskAnswers
from handlers.topic_wizard import TopicAnswers

TEXT = st.text(max_size=40)
OPTIONAL_TEXT = st.one_of(st.none(), TEXT)
ID = st.one_of(st.none(), st.integers(min_value=1, max_value=999_999_999))
DRAFTS: dict[Form, st.SearchStrategy[Any]] = {
    Form.MEETING: st.builds(
        MeetingAnswers,
        meeting_id=ID,
        title=TEXT,
        start=st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
        minutes=st.integers(min_value=0, max_value=4320),
        location=OPTIONAL_TEXT,
        online_url=OPTIONAL_TEXT,
        description=OPTIONAL_TEXT,
        group_id=ID,
        group_name=OPTIONAL_TEXT,
        review=st.booleans(),
    ),
    Form.TASK: st.builds(
        TaskAnswers,
        owner=TEXT,
        due=st.dates().map(lambda d: d.isoformat()),
        title=TEXT,
        description=OPTIONAL_TEXT,
        meeting_id=ID,
        review=st.booleans(),
    ),
    Form.TOPIC: st.builds(
        TopicAnswers, title=TEXT, description=OPTIONAL_TEXT, group_id=ID, group_name=OPTIONAL_TEXT
    ),
    Form.FINDTIME: st.builds(
        PollAnswers,
        title=TEXT,
        slots=TEXT,
        deadline=OPTIONAL_TEXT,
        group_id=ID,
        group_name=OPTIONAL_TEXT,
    ),
    Form.TASK_COMMENT: st.builds(FollowUpDraft, button=TEXT),
    Form.REJECT_REASON: st.builds(FollowUpDraft, button=TEXT),
    Form.QUESTION: st.builds(QuestionDraft, text=TEXT),
    Form.QUESTION_ANSWER: st.builds(FollowUpDraft, button=TEXT),
    Form.CANCEL_MEETING: st.builds(CancelDraft, target=ID, reason=OPTIONAL_TEXT),
    Form.CANCEL_TASK: st.builds(CancelDraft, target=ID, reason=OPTIONAL_TEXT),
    Form.COUNCIL_DATE: st.builds(FollowUpDraft, button=TEXT),
    Form.COUNCIL_DEFER: st.builds(FollowUpDraft, button=TEXT),
    Form.MEMBER: st.builds(MemberDraft),
    Form.MERGE: st.builds(MergeDraft),
    Form.MOVE_MEETING: st.builds(MoveDraft),
    Form.ABSENCE: st.builds(
        AbsenceDraft, meeting_id=st.integers(min_value=1, max_value=999_999_999), reason=TEXT
    ),
}


@pytest.mark.parametrize("form", list(Form))
@given(data=st.data())
def test_the_state_round_trips_through_json(form: Form, data: st.DataObject) -> None:
    draft = data.draw(DRAFTS[form])
    number = data.draw(st.integers(min_value=1, max_value=999_999_999))
    state = FormState(form, data.draw(st.sampled_from(["title", "preview"])), number, {})
    state = dataclasses.replace(state, draft=draft_values(draft))
    again = FormState.from_json(json.loads(json.dumps(state.to_json())))
    assert again == state
    assert draft_of(type(draft), again.draft) == draft


@pytest.mark.parametrize("kind", [MeetingAnswers, TaskAnswers, TopicAnswers, PollAnswers])
def test_drafts_hold_json_values_only(kind: type[Any]) -> None:
    json_types = {"str", "int", "bool", "None"}
    for field in dataclasses.fields(kind):
        assert set(str(field.type).replace(" ", "").split("|")) <= json_types, field


def test_fields_a_draft_does_not_know_are_left_out() -> None:
    assert draft_of(TopicAnswers, {"title": "Radweg", "unknown": 1}) == TopicAnswers("Radweg")
