"""Callback data (`bot.callbacks`): every kind round-trips, fits Telegram's 64 bytes, and the
parser turns anything at all into one of the typed kinds or None — nothing else, no exception."""

from __future__ import annotations

import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import callbacks
from bot.callbacks import (
    ORG_COMMANDS,
    AnswerQuestion,
    BroadcastAnswer,
    Callback,
    CheckIn,
    CouncilAnswer,
    CouncilDate,
    CouncilDefer,
    CouncilOutcome,
    ExportButton,
    ExportTable,
    Form,
    FormButton,
    GroupToggle,
    Ics,
    Leave,
    MarkAttendance,
    Notice,
    OrgPick,
    PlaceTopic,
    PollAnswer,
    PollFix,
    PollPicture,
    RejectTopic,
    Rsvp,
    ShowBallot,
    TaskComment,
    TaskDone,
    TopicAction,
    TopicButton,
    UndoCancel,
    Vote,
    parse,
)
from storage.models import RsvpAnswer, VoteChoice

ID = st.integers(min_value=1, max_value=999_999_999)
KINDS: dict[type[Callback], st.SearchStrategy[Callback]] = {
    GroupToggle: st.builds(GroupToggle, ID),
    Leave: st.builds(Leave, st.booleans()),
    BroadcastAnswer: st.builds(BroadcastAnswer, ID, st.booleans()),
    Rsvp: st.builds(
        Rsvp,
        ID,
        st.sampled_from(RsvpAnswer),
        st.sampled_from([None, Notice.INVITE, Notice.UPDATE, Notice.REMINDER]),
    ),
    Ics: st.builds(Ics, ID),
    TaskDone: st.builds(TaskDone, ID),
    TaskComment: st.builds(TaskComment, ID),
    Vote: st.builds(Vote, ID, st.sampled_from(VoteChoice)),
    ShowBallot: st.builds(ShowBallot, ID),
    TopicButton: st.builds(TopicButton, st.sampled_from(TopicAction), ID),
    RejectTopic: st.builds(RejectTopic, ID),
    PlaceTopic: st.builds(PlaceTopic, ID, ID),
    AnswerQuestion: st.builds(AnswerQuestion, ID),
    UndoCancel: st.builds(UndoCancel, ID),
    CouncilDate: st.builds(CouncilDate, ID),
    CouncilDefer: st.builds(CouncilDefer, ID),
    CouncilOutcome: st.builds(CouncilOutcome, st.sampled_from(CouncilAnswer), ID),
    FormButton: st.builds(
        FormButton,
        st.sampled_from(Form),
        ID,
        st.from_regex(r"[a-z]{1,12}", fullmatch=True),
        st.one_of(st.just(""), st.from_regex(r"[a-z0-9_]{1,24}", fullmatch=True)),
    ),
    ExportButton: st.one_of(
        st.builds(ExportButton, st.sampled_from([t for t in ExportTable if t != ExportTable.VOTE])),
        st.builds(ExportButton, st.just(ExportTable.VOTE), ID),
    ),
    PollAnswer: st.builds(PollAnswer, ID, ID, st.sampled_from(RsvpAnswer)),
    PollFix: st.builds(PollFix, ID, ID),
    PollPicture: st.builds(PollPicture, ID),
    OrgPick: st.builds(OrgPick, st.sampled_from(ORG_COMMANDS), st.one_of(st.none(), ID)),
    CheckIn: st.builds(CheckIn, ID, st.booleans()),
    MarkAttendance: st.one_of(
        st.builds(MarkAttendance, ID),
        st.builds(MarkAttendance, ID, ID, st.sampled_from(["present", "absent", "excused"])),
    ),
}


def test_every_kind_is_tested() -> None:
    assert set(KINDS) == set(typing.get_args(Callback))


@given(st.one_of(*KINDS.values()))
@settings(max_examples=500)
def test_every_kind_round_trips_within_64_bytes(button: Callback) -> None:
    data = button.data
    assert len(data.encode()) <= 64
    assert parse(data) == button


# Random data, and data built from the pieces the formats are made of (so that near misses
# are tried, not only strings that match nothing).
WORDS = st.sampled_from(
    [
        "g", "leave", "bc", "rsvp", "ics", "task", "done", "comment", "v", "p", "show", "open",
        "later", "withdraw", "agenda", "place", "reject", "nm", "nt", "tp", "ok", "dur", "grp",
        "x", "members", "vote", "votes", "tasks",
        ":", "yes", "no", "send", "cancel", "y", "n", "m", "c", "a", "0", "1", "01", "60",
        "123456789", "1234567890", "-1", "²", "١", "𝟗", " ", "\n", "\x00", "_", "é",
    ]
)  # fmt: skip
DATA = st.one_of(st.text(max_size=80), st.lists(WORDS, max_size=8).map("".join))


@given(DATA)
@settings(max_examples=1000)
def test_random_data_is_a_typed_value_or_none(data: str) -> None:
    parsed = parse(data)
    assert parsed is None or isinstance(parsed, typing.get_args(Callback))
    if parsed is not None:
        assert parsed.data == data  # read strictly: only the bot's own spelling of a button
        assert data.isascii() and len(data.encode()) <= 64


@given(st.one_of(st.none(), st.integers(), st.binary(), st.floats()))
def test_what_is_not_a_string_is_none(data: object) -> None:
    assert parse(data) is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("g:3", GroupToggle(3)),
        ("leave:no", Leave(False)),
        ("bc:send:2", BroadcastAnswer(2, send=True)),
        ("rsvp:12:m", Rsvp(12, RsvpAnswer.MAYBE)),  # before the buttons named their notice
        ("rsvp:12:y:r", Rsvp(12, RsvpAnswer.YES, Notice.REMINDER)),
        ("ics:7", Ics(7)),
        ("task:done:1", TaskDone(1)),
        ("task:comment:1", TaskComment(1)),
        ("v:4:c", Vote(4, VoteChoice.YES_COUNCIL)),
        ("v:show:4", ShowBallot(4)),
        ("p:open:2", TopicButton(TopicAction.OPEN_VOTE, 2)),
        ("p:later:2", TopicButton(TopicAction.LATER, 2)),
        ("p:withdraw:2", TopicButton(TopicAction.WITHDRAW, 2)),
        ("p:agenda:2", TopicButton(TopicAction.TO_AGENDA, 2)),
        ("p:reject:2", RejectTopic(2)),
        ("p:place:2:1", PlaceTopic(2, 1)),
        ("nm:3:dur:60", FormButton(Form.MEETING, 3, "dur", "60")),
        ("tp:1:back", FormButton(Form.TOPIC, 1, "back")),
        ("sp:4:2:m", PollAnswer(4, 2, RsvpAnswer.MAYBE)),
        ("sp:fix:4:12", PollFix(4, 12)),
        ("sp:png:4", PollPicture(4)),
    ],
)
def test_the_buttons_in_chats_keep_their_meaning(data: str, expected: Callback) -> None:
    assert parse(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        "", "g:", "g:0", "g:01", "g:1:2", "g:²", "G:1", "g:1\n", " g:1", "g:1234567890",
        "rsvp:1:x", "rsvp:1", "rsvp:1:y:c", "rsvp:1:y:", "v:1:yes", "v:show:", "p:reject:0",
        "p:place:1", "p:open:1:2",
        "task:done:-1", "leave:maybe", "bc:send:1:2", "nm:dur:60", "nm:0:ok", "nm:1:OK",
        "nm:1:ok:", "xx:1:ok", "nm:1:ok:" + "9" * 25,
    ],
)  # fmt: skip
def test_near_misses_are_none(data: str) -> None:
    assert parse(data) is None


@pytest.mark.parametrize("value", [0, -1, 1_000_000_000])
def test_an_id_out_of_range_is_not_made(value: int) -> None:
    with pytest.raises(ValueError):
        GroupToggle(value)
    with pytest.raises(ValueError):
        PlaceTopic(1, value)


def test_routing_by_kind() -> None:
    rsvp = callbacks.matches(Rsvp)
    assert rsvp("rsvp:1:y") and not rsvp("rsvp:1:z") and not rsvp("ics:1") and not rsvp(None)
    meeting_form = callbacks.form_prefix(Form.MEETING)
    assert meeting_form("nm:1:ok") and meeting_form("nm:grp:²") and not meeting_form("nt:1:ok")
