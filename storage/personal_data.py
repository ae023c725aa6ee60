"""Every column that refers to a person, and what `/meinedaten` and `/austreten` do with it.

`tests/unit/test_personal_data.py` walks the SQLModel metadata (every table, via
storage.tables): each column with a foreign key to `member.id` and each BIGINT column (Telegram
ids are BIGINTs) must be declared here, so a new table cannot be forgotten. Declare a new one as
one `Reference` line: which person it refers to (`Ref`), whether its rows go into the export,
and what leaving does with them (`OnLeave`). The README's Privacy section lists the same.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Ref(enum.StrEnum):
    """How a column names the person (the rows of a member are those that match)."""

    MEMBER_ID = "member_id"  # the member's `member.id`
    TELEGRAM_ID = "telegram_id"  # the member's Telegram user id
    VOTER = "voter"  # "member:<member.id>" (a vote counted per person)
    CHAT_KEY = "chat_key"  # "<chat id>:<Telegram user id>"
    COORDINATOR = "coordinator"  # a coordinator's Telegram id (COORDINATOR_IDS), not a member's
    NO_PERSON = "no_person"  # a BIGINT that is not a person (a group chat, an update id)


class OnLeave(enum.StrEnum):
    DELETE = "delete"  # the member's rows are deleted
    ANONYMISE = "anonymise"  # the rows stay with the `clear` columns emptied
    # The rows stay (the forum's record: a topic, an organisation's vote, a task report) and
    # point to the member's record, which no longer holds a name, username or Telegram id.
    KEEP = "keep"
    NOTHING = "nothing"  # not a member's data (COORDINATOR, NO_PERSON)


@dataclass(frozen=True)
class Reference:
    table: str
    column: str
    ref: Ref
    on_leave: OnLeave
    what: str
    export: bool = True
    clear: Mapping[str, Any] = field(default_factory=dict, hash=False)


# An outbox row addressed to the member: what it said and where it went are removed; the row
# stays as the delivery record (a pending one is skipped: its member has left).
_OUTBOX_CLEAR = {
    "chat_id": 0,
    "text": None,
    "document": None,
    "document_name": None,
    "buttons": None,
    "last_error": None,
}

REGISTRY: tuple[Reference, ...] = (
    Reference(
        "member",
        "id",
        Ref.MEMBER_ID,
        OnLeave.ANONYMISE,
        "the membership",
        clear={"telegram_id": None, "first_name": None, "last_name": None, "username": None},
    ),
    Reference(
        "member",
        "telegram_id",
        Ref.TELEGRAM_ID,
        OnLeave.ANONYMISE,
        "the membership",
        export=False,
        clear={"telegram_id": None},
    ),
    Reference("working_group_member", "member_id", Ref.MEMBER_ID, OnLeave.DELETE, "working groups"),
    Reference("user_settings", "telegram_id", Ref.TELEGRAM_ID, OnLeave.DELETE, "language"),
    Reference("calendar_feed", "member_id", Ref.MEMBER_ID, OnLeave.DELETE, "calendar feed"),
    Reference("meeting_rsvp", "member_id", Ref.MEMBER_ID, OnLeave.DELETE, "meeting answers"),
    Reference(
        "meeting_rsvp_earlier",
        "member_id",
        Ref.MEMBER_ID,
        OnLeave.DELETE,
        "answers given before a meeting moved",
    ),
    Reference(
        "outbox",
        "member_id",
        Ref.MEMBER_ID,
        OnLeave.ANONYMISE,
        "messages to the member",
        clear=_OUTBOX_CLEAR,
    ),
    Reference(
        "outbox",
        "chat_id",
        Ref.TELEGRAM_ID,
        OnLeave.ANONYMISE,
        "messages to the member",
        clear=_OUTBOX_CLEAR,
    ),
    Reference("proposal", "member_id", Ref.MEMBER_ID, OnLeave.KEEP, "topics proposed"),
    Reference(
        "vote",
        "member_id",
        Ref.MEMBER_ID,
        OnLeave.KEEP,
        "votes cast (also for the organisation)",
    ),
    Reference("vote", "voter", Ref.VOTER, OnLeave.KEEP, "votes cast as a person"),
    Reference("task", "member_id", Ref.MEMBER_ID, OnLeave.KEEP, "tasks assigned to the member"),
    Reference(
        "task", "done_by", Ref.MEMBER_ID, OnLeave.KEEP, "tasks reported done, with the comment"
    ),
    Reference(
        "inbox_update",
        "chat_key",
        Ref.CHAT_KEY,
        OnLeave.ANONYMISE,
        "updates received (only their ids once handled)",
        export=False,
        clear={"chat_key": None},
    ),
    Reference(
        "question", "member_id", Ref.MEMBER_ID, OnLeave.DELETE, "questions to the coordination"
    ),
    Reference(
        "form_state", "user_id", Ref.TELEGRAM_ID, OnLeave.DELETE, "an unfinished form (its draft)"
    ),
    Reference(
        "representative",
        "member_id",
        Ref.MEMBER_ID,
        OnLeave.DELETE,
        "a role in votes (Stimmführung, Stellvertretung)",
    ),
    Reference(
        "member_visibility", "member_id", Ref.MEMBER_ID, OnLeave.DELETE, "named in OParl (agreed)"
    ),
    # Not members' data.
    Reference("question", "answered_by", Ref.COORDINATOR, OnLeave.NOTHING, "answered by"),
    Reference("form_state", "chat_id", Ref.NO_PERSON, OnLeave.NOTHING, "the form's chat"),
    Reference("task_event", "member_id", Ref.MEMBER_ID, OnLeave.KEEP, "task history: by whom"),
    Reference("task_event", "owner_member_id", Ref.MEMBER_ID, OnLeave.KEEP, "task history: owner"),
    Reference(
        "task_event",
        "previous_member_id",
        Ref.MEMBER_ID,
        OnLeave.KEEP,
        "task history: owner before",
    ),
    Reference("scheduling_answer", "member_id", Ref.MEMBER_ID, OnLeave.KEEP, "date poll answers"),
    Reference("scheduling_poll", "created_by", Ref.COORDINATOR, OnLeave.NOTHING, "poll by"),
    Reference("calendar_stamp", "version", Ref.NO_PERSON, OnLeave.NOTHING, "a change counter"),
    Reference("inbox_update", "update_id", Ref.NO_PERSON, OnLeave.NOTHING, "Telegram update id"),
    Reference("ballot_post", "chat_id", Ref.NO_PERSON, OnLeave.NOTHING, "a group chat"),
    Reference("outbox", "copy_from_chat_id", Ref.COORDINATOR, OnLeave.NOTHING, "copied from"),
    Reference("invitation", "created_by", Ref.COORDINATOR, OnLeave.NOTHING, "invited by"),
    Reference("broadcast", "created_by", Ref.COORDINATOR, OnLeave.NOTHING, "written by"),
    Reference("broadcast", "chat_id", Ref.COORDINATOR, OnLeave.NOTHING, "the coordinator's chat"),
    Reference("broadcast", "copy_from_chat_id", Ref.COORDINATOR, OnLeave.NOTHING, "copied from"),
    Reference("meeting", "created_by", Ref.COORDINATOR, OnLeave.NOTHING, "created by"),
    Reference("task", "created_by", Ref.COORDINATOR, OnLeave.NOTHING, "assigned by"),
    Reference("ballot", "opened_by", Ref.COORDINATOR, OnLeave.NOTHING, "vote opened by"),
    Reference("ballot", "closed_by", Ref.COORDINATOR, OnLeave.NOTHING, "vote closed by"),
    Reference(
        "meeting_cancellation", "cancelled_by", Ref.COORDINATOR, OnLeave.NOTHING, "cancelled by"
    ),
    Reference("coordinator_feed", "telegram_id", Ref.COORDINATOR, OnLeave.NOTHING, "their feed"),
    # The meeting day (issue 17).
    Reference("meeting_absence", "member_id", Ref.MEMBER_ID, OnLeave.DELETE, "absence reasons"),
    Reference(
        "meeting_absence",
        "substitute_id",
        Ref.MEMBER_ID,
        OnLeave.ANONYMISE,
        "named as a colleague's substitute",
        clear={"substitute_id": None},
    ),
    Reference("meeting_checkin", "member_id", Ref.MEMBER_ID, OnLeave.KEEP, "meeting check-ins"),
    Reference(
        "meeting_attendance_mark", "marked_by", Ref.COORDINATOR, OnLeave.NOTHING, "marked by"
    ),
    Reference("meeting_note", "created_by", Ref.COORDINATOR, OnLeave.NOTHING, "note by"),
    Reference("meeting_series", "created_by", Ref.COORDINATOR, OnLeave.NOTHING, "series by"),
    Reference("meeting_internal", "marked_by", Ref.COORDINATOR, OnLeave.NOTHING, "marked by"),
    Reference("meeting_attendance_post", "chat_id", Ref.COORDINATOR, OnLeave.NOTHING, "their view"),
)

# Never exported: secrets (a feed token's hash lets no one in, but is no one's business) and
# file contents (the .ics attached to a message).
HIDDEN_COLUMNS = frozenset({"token_hash", "code_hash", "secret", "document"})


def member_references() -> list[Reference]:
    """The declarations that name a member (not a coordinator, not nobody)."""
    return [r for r in REGISTRY if r.on_leave is not OnLeave.NOTHING]
