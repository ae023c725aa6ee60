"""Callback data: what every button the bot makes carries, one typed value per kind.

Telegram-free. Services (for outbox rows) and handlers (for replies) build a button's data with
`<Kind>(...).data`; handlers read a press with `parse`, which returns one of the kinds below or
None, never anything else and never an exception. Every string is at most 64 bytes (Telegram's
limit for callback data), read strictly (the whole string, ASCII digits only, positive ids of at
most nine digits). The formats are those of the buttons already in people's chats.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.callback_base import ID as ID
from bot.callback_base import MAX_BYTES as MAX_BYTES
from bot.callback_base import MAX_ID as MAX_ID
from bot.callback_base import Kind as _Kind
from bot.callback_meeting_day import ATTENDANCE_CODES as ATTENDANCE_CODES
from bot.callback_meeting_day import ATTENDANCE_OF as _ATTENDANCE_OF
from bot.callback_meeting_day import CheckIn as CheckIn
from bot.callback_meeting_day import CouncilAnswer as CouncilAnswer
from bot.callback_meeting_day import CouncilDate as CouncilDate
from bot.callback_meeting_day import CouncilDefer as CouncilDefer
from bot.callback_meeting_day import CouncilOutcome as CouncilOutcome
from bot.callback_meeting_day import MarkAttendance as MarkAttendance
from storage.models import RsvpAnswer, VoteChoice

# --- the kinds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupToggle(_Kind):
    """Join or leave a working group (/groups)."""

    FORMAT = "g:{group_id}"

    group_id: int


@dataclass(frozen=True)
class Leave(_Kind):
    """The answer to /leave's confirmation."""

    confirm: bool

    @property
    def data(self) -> str:
        return f"leave:{'yes' if self.confirm else 'no'}"


@dataclass(frozen=True)
class BroadcastAnswer(_Kind):
    """Senden or Abbrechen under a broadcast's preview."""

    broadcast_id: int
    send: bool

    @property
    def data(self) -> str:
        return f"bc:{'send' if self.send else 'cancel'}:{self.broadcast_id}"


RSVP_CODES: dict[RsvpAnswer, str] = {RsvpAnswer.YES: "y", RsvpAnswer.NO: "n", RsvpAnswer.MAYBE: "m"}
_RSVP_OF = {code: answer for answer, code in RSVP_CODES.items()}


class Notice(enum.StrEnum):
    """What a meeting's message (a .ics with a caption) announces."""

    INVITE = "invite"
    UPDATE = "update"
    CANCEL = "cancel"
    REMINDER = "reminder"


# The notices with answer buttons, by the letter their buttons carry.
NOTICE_CODES: dict[Notice, str] = {Notice.INVITE: "i", Notice.UPDATE: "u", Notice.REMINDER: "r"}
_NOTICE_OF = {code: notice for notice, code in NOTICE_CODES.items()}


@dataclass(frozen=True)
class Rsvp(_Kind):
    """Zusage, Absage or Vielleicht under an invitation, update or reminder (`notice`: which;
    None for the buttons sent before they said it)."""

    meeting_id: int
    answer: RsvpAnswer
    notice: Notice | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.notice is not None and self.notice not in NOTICE_CODES:
            raise ValueError(f"no answer buttons under a {self.notice.value}")

    @property
    def data(self) -> str:
        tail = f":{NOTICE_CODES[self.notice]}" if self.notice is not None else ""
        return f"rsvp:{self.meeting_id}:{RSVP_CODES[self.answer]}{tail}"


@dataclass(frozen=True)
class Ics(_Kind):
    """A meeting's .ics file (/meetings)."""

    FORMAT = "ics:{meeting_id}"

    meeting_id: int


@dataclass(frozen=True)
class TaskDone(_Kind):
    """Erledigt under a task."""

    FORMAT = "task:done:{task_id}"

    task_id: int


@dataclass(frozen=True)
class TaskComment(_Kind):
    """Kommentar under a task: the next message is the comment."""

    FORMAT = "task:comment:{task_id}"

    task_id: int


VOTE_CODES: dict[VoteChoice, str] = {
    VoteChoice.YES: "y",
    VoteChoice.YES_COUNCIL: "c",
    VoteChoice.NO: "n",
    VoteChoice.ABSTAIN: "a",
}
_VOTE_OF = {code: choice for choice, code in VOTE_CODES.items()}


@dataclass(frozen=True)
class Vote(_Kind):
    """One of the four choices on a ballot."""

    ballot_id: int
    choice: VoteChoice

    @property
    def data(self) -> str:
        return f"v:{self.ballot_id}:{VOTE_CODES[self.choice]}"


@dataclass(frozen=True)
class ShowBallot(_Kind):
    """The ballot of an open vote, shown again (/topics)."""

    FORMAT = "v:show:{ballot_id}"

    ballot_id: int


class TopicAction(enum.StrEnum):
    OPEN_VOTE = "open"  # the coordinator puts a proposal to the vote
    LATER = "later"  # … or sets it aside
    WITHDRAW = "withdraw"  # the proposer takes it back
    TO_AGENDA = "agenda"  # the coordinator chooses a meeting for an accepted topic


@dataclass(frozen=True)
class TopicButton(_Kind):
    """A decision on a proposal (under the coordinator's notice, the proposer's confirmation,
    or /topics)."""

    FORMAT = "p:{action}:{proposal_id}"

    action: TopicAction
    proposal_id: int


@dataclass(frozen=True)
class RejectTopic(_Kind):
    """Ablehnen under a proposal: the coordinator's next message is the reason."""

    FORMAT = "p:reject:{proposal_id}"

    proposal_id: int


@dataclass(frozen=True)
class PlaceTopic(_Kind):
    """An accepted topic onto this meeting's agenda."""

    FORMAT = "p:place:{proposal_id}:{meeting_id}"

    proposal_id: int
    meeting_id: int


@dataclass(frozen=True)
class PollAnswer(_Kind):
    """Ja, Vielleicht or Nein for one slot (numbered from 1) of a scheduling poll."""

    poll_id: int
    position: int
    answer: RsvpAnswer

    @property
    def data(self) -> str:
        return f"sp:{self.poll_id}:{self.position}:{RSVP_CODES[self.answer]}"


@dataclass(frozen=True)
class PollFix(_Kind):
    """Termin festlegen on a slot of a scheduling poll (the coordinator's view)."""

    FORMAT = "sp:fix:{poll_id}:{position}"

    poll_id: int
    position: int


@dataclass(frozen=True)
class PollPicture(_Kind):
    """Als Bild under the coordinator's view of a scheduling poll."""

    FORMAT = "sp:png:{poll_id}"

    poll_id: int


@dataclass(frozen=True)
class AnswerQuestion(_Kind):
    """Antworten under a member's message to the coordination: the next message is the
    answer."""

    FORMAT = "q:answer:{question_id}"

    question_id: int


@dataclass(frozen=True)
class UndoCancel(_Kind):
    """Rückgängig under the confirmation of a cancelled meeting (for a few minutes)."""

    FORMAT = "m:undo:{meeting_id}"

    meeting_id: int


class Form(enum.StrEnum):
    """The guided forms; the value is the prefix of their buttons."""

    MEETING = "nm"
    TASK = "nt"
    TOPIC = "tp"
    FINDTIME = "fd"
    TASK_COMMENT = "tc"  # the next message after Kommentar under a task
    REJECT_REASON = "rr"  # the next message after Ablehnen under a proposal
    QUESTION = "qs"  # a member's message to the coordination: Senden?
    QUESTION_ANSWER = "qa"  # the next message after Antworten under such a message
    CANCEL_MEETING = "cm"  # /terminabsagen: really?
    CANCEL_TASK = "ck"  # /aufgabestreichen: really?
    COUNCIL_DATE = "cd"  # the next message after Ratstermin eintragen
    COUNCIL_DEFER = "cv"  # the next message after Rat hat vertagt
    MEMBER = "mb"  # /mitglied: a member's card, Entfernen / Andere Organisation / Rolle
    MERGE = "mg"  # /zusammenlegen: the counts, really?
    ABSENCE = "ab"  # after Absage: the reason and a substitute (issue 17)
    MOVE_MEETING = "mv"  # /terminverschieben of a series' meeting: this one or all following?


_ACTION = r"[a-z]{1,12}"
_VALUE = r"[a-z0-9_]{1,24}"


@dataclass(frozen=True)
class FormButton(_Kind):
    """A button of a guided form. `step` is the number of the question the button was sent
    with: a press under an earlier question (the form has moved on) is recognised as such."""

    form: Form
    step: int
    action: str
    value: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        if not re.fullmatch(_ACTION, self.action) or (
            self.value and not re.fullmatch(_VALUE, self.value)
        ):
            raise ValueError(f"not a form button: {self.action!r} {self.value!r}")

    @property
    def data(self) -> str:
        tail = f":{self.value}" if self.value else ""
        return f"{self.form.value}:{self.step}:{self.action}{tail}"


class ExportTable(enum.StrEnum):
    """The tables under /export's menu (the value is what the button carries)."""

    MEMBERS = "members"
    ORGANISATIONS = "organisations"
    VOTES = "votes"
    VOTE = "vote"  # with the topic's number
    TASKS = "tasks"
    MEETINGS = "meetings"
    DECISIONS = "decisions"


@dataclass(frozen=True)
class ExportButton(_Kind):
    """A table to export, chosen under /export's menu; `topic_id` for one vote's record."""

    table: ExportTable
    topic_id: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.table is ExportTable.VOTE) != (self.topic_id is not None):
            raise ValueError("a topic number goes with the vote record and nothing else")

    @property
    def data(self) -> str:
        tail = f":{self.topic_id}" if self.topic_id is not None else ""
        return f"x:{self.table.value}{tail}"


# The commands where an organisation is typed, by their English names: a choice among several
# runs the command again with the one chosen.
ORG_COMMANDS = (
    "invite",
    "organisation",
    "agenda",
    "newtask",
    "reassigntask",
    "broadcast",
    "orgstatus",
    "archiveorg",
    "representation",
    "deleteorganisation",
)


@dataclass(frozen=True)
class OrgPick(_Kind):
    """Which organisation was meant (under "Meinten Sie …?" or a choice of several): `command`
    runs again with it. `organisation_id` None: a new one after all (/invite)."""

    command: str
    organisation_id: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.command not in ORG_COMMANDS:
            raise ValueError(f"not a command with an organisation: {self.command!r}")

    @property
    def data(self) -> str:
        return f"o:{self.command}:{self.organisation_id or 'new'}"


Callback = (
    GroupToggle
    | Leave
    | BroadcastAnswer
    | Rsvp
    | Ics
    | TaskDone
    | TaskComment
    | Vote
    | ShowBallot
    | TopicButton
    | RejectTopic
    | PlaceTopic
    | AnswerQuestion
    | UndoCancel
    | FormButton
    | ExportButton
    | PollAnswer
    | PollFix
    | PollPicture
    | OrgPick
    | CouncilDate
    | CouncilDefer
    | CouncilOutcome
    | CheckIn
    | MarkAttendance
)


# --- reading -----------------------------------------------------------------------------

_FORMS = "|".join(form.value for form in Form)
_TABLES = "|".join(t.value for t in ExportTable if t is not ExportTable.VOTE)
_TOPIC_ACTIONS = "|".join(action.value for action in TopicAction)
_PARSERS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], Callback]], ...] = (
    (re.compile(rf"g:({ID})"), lambda m: GroupToggle(int(m[1]))),
    (re.compile(r"leave:(yes|no)"), lambda m: Leave(m[1] == "yes")),
    (re.compile(rf"bc:(send|cancel):({ID})"), lambda m: BroadcastAnswer(int(m[2]), m[1] == "send")),
    (
        re.compile(rf"rsvp:({ID}):([ynm])(?::([iur]))?"),
        lambda m: Rsvp(int(m[1]), _RSVP_OF[m[2]], _NOTICE_OF[m[3]] if m[3] else None),
    ),
    (re.compile(rf"ics:({ID})"), lambda m: Ics(int(m[1]))),
    (re.compile(rf"task:done:({ID})"), lambda m: TaskDone(int(m[1]))),
    (re.compile(rf"task:comment:({ID})"), lambda m: TaskComment(int(m[1]))),
    (re.compile(rf"v:({ID}):([ycna])"), lambda m: Vote(int(m[1]), _VOTE_OF[m[2]])),
    (re.compile(rf"v:show:({ID})"), lambda m: ShowBallot(int(m[1]))),
    (
        re.compile(rf"p:({_TOPIC_ACTIONS}):({ID})"),
        lambda m: TopicButton(TopicAction(m[1]), int(m[2])),
    ),
    (re.compile(rf"p:reject:({ID})"), lambda m: RejectTopic(int(m[1]))),
    (re.compile(rf"p:place:({ID}):({ID})"), lambda m: PlaceTopic(int(m[1]), int(m[2]))),
    (re.compile(rf"q:answer:({ID})"), lambda m: AnswerQuestion(int(m[1]))),
    (re.compile(rf"m:undo:({ID})"), lambda m: UndoCancel(int(m[1]))),
    (re.compile(rf"rt:date:({ID})"), lambda m: CouncilDate(int(m[1]))),
    (re.compile(rf"rt:defer:({ID})"), lambda m: CouncilDefer(int(m[1]))),
    (
        re.compile(rf"rt:(yes|no|drop):({ID})"),
        lambda m: CouncilOutcome(CouncilAnswer(m[1]), int(m[2])),
    ),
    (
        re.compile(rf"({_FORMS}):({ID}):({_ACTION})(?::({_VALUE}))?"),
        lambda m: FormButton(Form(m[1]), int(m[2]), m[3], m[4] or ""),
    ),
    (re.compile(rf"x:({_TABLES})"), lambda m: ExportButton(ExportTable(m[1]))),
    (re.compile(rf"x:vote:({ID})"), lambda m: ExportButton(ExportTable.VOTE, int(m[1]))),
    (
        re.compile(rf"sp:({ID}):({ID}):([ynm])"),
        lambda m: PollAnswer(int(m[1]), int(m[2]), _RSVP_OF[m[3]]),
    ),
    (re.compile(rf"sp:fix:({ID}):({ID})"), lambda m: PollFix(int(m[1]), int(m[2]))),
    (re.compile(rf"sp:png:({ID})"), lambda m: PollPicture(int(m[1]))),
    (re.compile(rf"ci:({ID}):([po])"), lambda m: CheckIn(int(m[1]), m[2] == "o")),
    (re.compile(rf"at:({ID})"), lambda m: MarkAttendance(int(m[1]))),
    (
        re.compile(rf"at:({ID}):({ID}):([pae])"),
        lambda m: MarkAttendance(int(m[1]), int(m[2]), _ATTENDANCE_OF[m[3]]),
    ),
    (
        re.compile(rf"o:({'|'.join(ORG_COMMANDS)}):({ID}|new)"),
        lambda m: OrgPick(m[1], None if m[2] == "new" else int(m[2])),
    ),
)


def parse(data: object) -> Callback | None:
    """The button a press's callback data belongs to, or None for anything the bot does not
    make (old formats, forged data, other types)."""
    if not isinstance(data, str) or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    for pattern, build in _PARSERS:
        match = pattern.fullmatch(data)
        if match is not None:
            return build(match)
    return None


def matches(*kinds: type[Callback]) -> Callable[[object], bool]:
    """A `CallbackQueryHandler` pattern: the press is a button of one of `kinds`."""
    return lambda data: isinstance(parse(data), kinds)


def form_prefix(form: Form) -> Callable[[object], bool]:
    """A form's buttons go to the form, also malformed ones (it answers them in its chat)."""
    prefix = f"{form.value}:"
    return lambda data: isinstance(data, str) and data.startswith(prefix)
