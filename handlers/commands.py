"""The bot's commands: names in English and German, who may use them, where they are described.

`/help` and the command menus (`setMyCommands`) are built from this one table, and
`handlers.common.forum_handler` enforces its rules (role, private chat) for every command and,
by `of_button`, for every button: a button follows the command it belongs to.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot import callbacks


class Role(enum.IntEnum):
    PUBLIC = 0
    MEMBER = 1
    COORDINATOR = 2


@dataclass(frozen=True)
class Command:
    en: str
    de: str
    role: Role
    private_only: bool = False
    # A member command the coordinator may use without being a member (reading meetings,
    # the working groups, reporting on any task).
    coordinators_too: bool = False

    @property
    def names(self) -> list[str]:
        return [self.en] if self.en == self.de else [self.en, self.de]

    def name_in(self, language: str) -> str:
        return self.de if language == "de" else self.en

    @property
    def description_key(self) -> str:
        return f"cmd.{self.en}"


START = Command("start", "start", Role.PUBLIC)
HELP = Command("help", "hilfe", Role.PUBLIC)
CANCEL = Command("cancel", "abbrechen", Role.PUBLIC)
LANGUAGE = Command("language", "sprache", Role.PUBLIC)
GROUPS = Command("groups", "arbeitsgruppen", Role.MEMBER, private_only=True, coordinators_too=True)
MYDATA = Command("mydata", "meinedaten", Role.MEMBER, private_only=True)
VISIBILITY = Command("visibility", "sichtbarkeit", Role.MEMBER, private_only=True)
LEAVE = Command("leave", "austreten", Role.MEMBER, private_only=True)
INVITE = Command("invite", "einladen", Role.COORDINATOR, private_only=True)
INVITATIONS = Command("invitations", "einladungen", Role.COORDINATOR, private_only=True)
REVOKE = Command("revoke", "widerrufen", Role.COORDINATOR, private_only=True)
ORGANISATION = Command("organisation", "kommune", Role.COORDINATOR, private_only=True)
COUNCILSYSTEM = Command("councilsystem", "ratsinfo", Role.COORDINATOR, private_only=True)
MEMBERS = Command("members", "mitglieder", Role.COORDINATOR, private_only=True)
MEMBER = Command("member", "mitglied", Role.COORDINATOR, private_only=True)
MERGE = Command("mergeorganisations", "zusammenlegen", Role.COORDINATOR, private_only=True)
DELETEORG = Command("deleteorganisation", "kommuneloeschen", Role.COORDINATOR, private_only=True)
ADDGROUP = Command("addgroup", "agneu", Role.COORDINATOR, private_only=True)
RENAMEGROUP = Command("renamegroup", "agumbenennen", Role.COORDINATOR, private_only=True)
MEETINGS = Command("meetings", "termine", Role.MEMBER, coordinators_too=True)
MEETING = Command("meeting", "termin", Role.MEMBER, coordinators_too=True)
AGENDA = Command("agenda", "tagesordnung", Role.MEMBER, coordinators_too=True)
CALENDAR = Command("calendar", "kalender", Role.MEMBER, private_only=True, coordinators_too=True)
NEWMEETING = Command("newmeeting", "neuertermin", Role.COORDINATOR, private_only=True)
EDITMEETING = Command("editmeeting", "terminbearbeiten", Role.COORDINATOR, private_only=True)
MOVEMEETING = Command("movemeeting", "terminverschieben", Role.COORDINATOR, private_only=True)
CANCELMEETING = Command("cancelmeeting", "terminabsagen", Role.COORDINATOR, private_only=True)
REMINDERS = Command("meetingreminders", "terminerinnerungen", Role.COORDINATOR, private_only=True)
MINUTES = Command("minutes", "protokoll", Role.COORDINATOR, private_only=True)
TASKS = Command("tasks", "aufgaben", Role.MEMBER, coordinators_too=True, private_only=True)
TASK = Command("task", "aufgabe", Role.MEMBER, private_only=True, coordinators_too=True)
DONE = Command("done", "erledigt", Role.MEMBER, coordinators_too=True, private_only=True)
COMMENT = Command("comment", "kommentar", Role.MEMBER, coordinators_too=True, private_only=True)
NEWTASK = Command("newtask", "neueaufgabe", Role.COORDINATOR, private_only=True)
REOPENTASK = Command("reopentask", "aufgabeoeffnen", Role.COORDINATOR, private_only=True)
REASSIGNTASK = Command("reassigntask", "aufgabeuebertragen", Role.COORDINATOR, private_only=True)
TASKDUE = Command("taskdue", "aufgabefrist", Role.COORDINATOR, private_only=True)
CANCELTASK = Command("canceltask", "aufgabestreichen", Role.COORDINATOR, private_only=True)
BROADCAST = Command("broadcast", "rundschreiben", Role.COORDINATOR, private_only=True)
BROADCASTS = Command("broadcasts", "rundschreibenliste", Role.COORDINATOR, private_only=True)
TOPICS = Command("topics", "themen", Role.MEMBER, coordinators_too=True)
TOPIC = Command("topic", "thema", Role.MEMBER, coordinators_too=True)
PROPOSE = Command("propose", "vorschlag", Role.MEMBER, private_only=True, coordinators_too=True)
WITHDRAW = Command("withdraw", "zurueckziehen", Role.MEMBER, private_only=True)
# In a group chat only `<nr> jetzt` (a vote in the meeting, its ballot posted there).
OPENVOTE = Command("openvote", "abstimmungstarten", Role.COORDINATOR)
CLOSEVOTE = Command("closevote", "abstimmungbeenden", Role.COORDINATOR, private_only=True)
REJECT = Command("reject", "ablehnen", Role.COORDINATOR, private_only=True)
ASK = Command("ask", "frage", Role.MEMBER, private_only=True)
QUESTIONS = Command("questions", "fragen", Role.COORDINATOR, private_only=True)
ARCHIVEGROUP = Command("archivegroup", "agarchivieren", Role.COORDINATOR, private_only=True)
EXPORT = Command("export", "export", Role.COORDINATOR, private_only=True)
FINDTIME = Command("findtime", "terminfindung", Role.COORDINATOR, private_only=True)
ORGSTATUS = Command("orgstatus", "kommunestatus", Role.COORDINATOR, private_only=True)
ARCHIVEORG = Command("archiveorg", "kommunearchivieren", Role.COORDINATOR, private_only=True)
REPRESENTATION = Command(
    "representation", "vertretung", Role.MEMBER, private_only=True, coordinators_too=True
)
# Decisions and their ratification (issue 16).
DECISIONS = Command("decisions", "beschluesse", Role.MEMBER, coordinators_too=True)
DECISION = Command("decision", "beschluss", Role.MEMBER, coordinators_too=True)
DECISIONTEXT = Command("decisiontext", "beschlusstext", Role.COORDINATOR, private_only=True)
COUNCILDATE = Command("councildate", "ratstermin", Role.MEMBER, private_only=True)
COUNCILRESULT = Command("councilresult", "ratsbeschluss", Role.MEMBER, private_only=True)
ATTENDANCE = Command("attendance", "anwesenheit", Role.COORDINATOR, private_only=True)
NOTE = Command("note", "notiz", Role.COORDINATOR, private_only=True)
MINUTESDRAFT = Command("minutesdraft", "protokollentwurf", Role.COORDINATOR, private_only=True)

ALL: tuple[Command, ...] = (
    START,
    HELP,
    CANCEL,
    LANGUAGE,
    GROUPS,
    MEETINGS,
    MEETING,
    AGENDA,
    CALENDAR,
    TASKS,
    TASK,
    DONE,
    COMMENT,
    TOPICS,
    TOPIC,
    PROPOSE,
    WITHDRAW,
    DECISIONS,
    DECISION,
    COUNCILDATE,
    COUNCILRESULT,
    ASK,
    REPRESENTATION,
    MYDATA,
    VISIBILITY,
    LEAVE,
    INVITE,
    INVITATIONS,
    REVOKE,
    ORGANISATION,
    ORGSTATUS,
    ARCHIVEORG,
    MERGE,
    DELETEORG,
    COUNCILSYSTEM,
    MEMBERS,
    MEMBER,
    ADDGROUP,
    RENAMEGROUP,
    ARCHIVEGROUP,
    NEWMEETING,
    FINDTIME,
    EDITMEETING,
    MOVEMEETING,
    CANCELMEETING,
    REMINDERS,
    MINUTES,
    ATTENDANCE,
    NOTE,
    MINUTESDRAFT,
    NEWTASK,
    REOPENTASK,
    REASSIGNTASK,
    TASKDUE,
    CANCELTASK,
    OPENVOTE,
    CLOSEVOTE,
    REJECT,
    DECISIONTEXT,
    BROADCAST,
    BROADCASTS,
    EXPORT,
    QUESTIONS,
)


BY_NAME: dict[str, Command] = {c.en: c for c in ALL}


class Section(enum.StrEnum):
    """The groups of /help (catalog key `help.section.<value>`), in this order."""

    MEMBERS = "members"
    MEETINGS = "meetings"
    TOPICS = "topics"
    TASKS = "tasks"
    BROADCASTS = "broadcasts"
    GENERAL = "general"


# Every command in one section, by its English name (a test checks it; a name without a
# command in this table is skipped); in each, members' commands first. A command missing here is
# shown under GENERAL. Its syntax and one example are the catalog texts `help.args.<en>` and
# `help.example.<en>`.
SECTIONS: dict[Section, tuple[str, ...]] = {
    Section.MEMBERS: (
        "groups",
        "mydata",
        "visibility",
        "leave",
        "representation",
        "invite",
        "invitations",
        "revoke",
        "organisation",
        "orgstatus",
        "archiveorg",
        "mergeorganisations",
        "deleteorganisation",
        "councilsystem",
        "members",
        "member",
        "addgroup",
        "renamegroup",
        "archivegroup",
    ),
    Section.MEETINGS: (
        "meetings",
        "meeting",
        "agenda",
        "calendar",
        "newmeeting",
        "findtime",
        "editmeeting",
        "movemeeting",
        "cancelmeeting",
        "meetingreminders",
        "attendance",
        "note",
        "minutesdraft",
        "minutes",
    ),
    # The decisions the votes made, and their ratification (issue 16), after the votes.
    Section.TOPICS: (
        "topics",
        "topic",
        "propose",
        "withdraw",
        "decisions",
        "decision",
        "councildate",
        "councilresult",
        "openvote",
        "closevote",
        "reject",
        "decisiontext",
    ),
    Section.TASKS: (
        "tasks",
        "task",
        "done",
        "comment",
        "newtask",
        "reopentask",
        "reassigntask",
        "taskdue",
        "canceltask",
    ),
    Section.BROADCASTS: ("broadcast", "broadcasts"),
    # /abbrechen, /frage and /fragen in the place /hilfe already showed them (after /export).
    Section.GENERAL: ("start", "help", "language", "export", "cancel", "ask", "questions"),
}


def sections(commands: list[Command]) -> list[tuple[Section, list[Command]]]:
    """`commands` by section, in the order of /help (sections without any left out)."""
    by_name = {c.en: c for c in commands}
    placed = {name for names in SECTIONS.values() for name in names}
    grouped = []
    for section, names in SECTIONS.items():
        found = [by_name[name] for name in names if name in by_name]
        if section is Section.GENERAL:
            found += [c for c in commands if c.en not in placed]
        if found:
            grouped.append((section, found))
    return grouped


def allowed(*, is_member: bool, is_coordinator: bool) -> list[Command]:
    """The commands a person may use, in menu order."""

    def ok(command: Command) -> bool:
        if command.role is Role.PUBLIC:
            return True
        if command.role is Role.MEMBER:
            return is_member or (command.coordinators_too and is_coordinator)
        return is_coordinator

    return [c for c in ALL if ok(c)]


def of_button(button: callbacks.Callback) -> Command:
    """The command a button belongs to: its rule holds for the button. (Setting a topic aside
    goes with opening its vote; choosing a meeting for a topic with the agenda, whose changes
    the coordinator makes.)"""
    match button:
        case callbacks.GroupToggle():
            return GROUPS
        case callbacks.Leave():
            return LEAVE
        case callbacks.BroadcastAnswer():
            return BROADCAST
        case callbacks.Rsvp() | callbacks.Ics() | callbacks.CheckIn():
            return MEETINGS
        case callbacks.FormButton(form=callbacks.Form.ABSENCE):
            return MEETINGS
        case callbacks.MarkAttendance():
            return ATTENDANCE
        case callbacks.TaskDone():
            return DONE
        case callbacks.TaskComment():
            return COMMENT
        case callbacks.Vote() | callbacks.ShowBallot():
            return TOPICS
        case callbacks.TopicButton(action=callbacks.TopicAction.WITHDRAW):
            return WITHDRAW
        case callbacks.TopicButton(action=callbacks.TopicAction.TO_AGENDA) | callbacks.PlaceTopic():
            return AGENDA
        case callbacks.TopicButton():
            return OPENVOTE
        case callbacks.RejectTopic():
            return REJECT
        case callbacks.FormButton(form=callbacks.Form.MEETING):
            return NEWMEETING
        case callbacks.FormButton(form=callbacks.Form.TASK):
            return NEWTASK
        case callbacks.FormButton(form=callbacks.Form.FINDTIME):
            return FINDTIME
        case callbacks.FormButton(form=callbacks.Form.TASK_COMMENT):
            return COMMENT
        case callbacks.FormButton(form=callbacks.Form.REJECT_REASON):
            return REJECT
        case callbacks.FormButton(form=callbacks.Form.QUESTION):
            return ASK
        case callbacks.UndoCancel() | callbacks.FormButton(form=callbacks.Form.CANCEL_MEETING):
            return CANCELMEETING
        case callbacks.FormButton(form=callbacks.Form.CANCEL_TASK):
            return CANCELTASK
        case callbacks.CouncilDate() | callbacks.FormButton(form=callbacks.Form.COUNCIL_DATE):
            return COUNCILDATE
        case (
            callbacks.CouncilDefer()
            | callbacks.CouncilOutcome()
            | callbacks.FormButton(form=callbacks.Form.COUNCIL_DEFER)
        ):
            return COUNCILRESULT
        case callbacks.FormButton(form=callbacks.Form.MEMBER):
            return MEMBER
        case callbacks.FormButton(form=callbacks.Form.MERGE):
            return MERGE
        case callbacks.AnswerQuestion() | callbacks.FormButton(form=callbacks.Form.QUESTION_ANSWER):
            return QUESTIONS
        case callbacks.FormButton():
            return PROPOSE
        case callbacks.ExportButton():
            return EXPORT
        case callbacks.PollAnswer():
            # Answering a poll for a meeting's date: as answering an invitation.
            return MEETINGS
        case callbacks.PollFix() | callbacks.PollPicture():
            return FINDTIME
        case callbacks.OrgPick():
            return BY_NAME[button.command]
