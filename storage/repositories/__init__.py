"""Repositories: the only place that writes SQL. Each works inside the caller's session.

One module per aggregate, each with its prebuilt statements beside the class that uses them.
The statements of every update (identifying the member, /termine, /aufgaben, a vote press) are
built once and executed with parameters: building a select() and its cache key on each call
cost more than running it (bench/updates.py).
"""

from storage.repositories.ballots import BallotRepository
from storage.repositories.broadcasts import BroadcastRepository
from storage.repositories.common import dialect_insert
from storage.repositories.exports import ExportRepository
from storage.repositories.groups import WorkingGroupRepository
from storage.repositories.inbox import InboxRepository
from storage.repositories.invitations import InvitationRepository
from storage.repositories.leases import LeaseRepository
from storage.repositories.meetings import CalendarFeedRepository, MeetingRepository
from storage.repositories.organisations import MemberRepository, OrganisationRepository
from storage.repositories.outbox import ENQUEUE_SLICE, OUTBOX, OUTBOX_DEFAULTS, OutboxRepository
from storage.repositories.proposals import ProposalRepository
from storage.repositories.tasks import TaskRepository
from storage.repositories.user_settings import LONGEST_IN_LIST, UserSettingsRepository
from storage.rows import SentMessage

__all__ = [
    "ENQUEUE_SLICE",
    "LONGEST_IN_LIST",
    "OUTBOX",
    "OUTBOX_DEFAULTS",
    "BallotRepository",
    "BroadcastRepository",
    "CalendarFeedRepository",
    "ExportRepository",
    "InboxRepository",
    "InvitationRepository",
    "LeaseRepository",
    "MeetingRepository",
    "MemberRepository",
    "OrganisationRepository",
    "OutboxRepository",
    "ProposalRepository",
    "SentMessage",
    "TaskRepository",
    "UserSettingsRepository",
    "WorkingGroupRepository",
    "dialect_insert",
]
