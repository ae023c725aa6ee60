"""All services of one bot process, built once in post_init."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from bot.calendar import Organizer
from bot.clock import Clock
from bot.config import Settings
from bot.services.agenda import AgendaService
from bot.services.broadcasts import BroadcastService
from bot.services.counting import Rules
from bot.services.decisions import DecisionService
from bot.services.exports import ExportService
from bot.services.feature_ports import StoreUnitOfWorkFactory
from bot.services.forms import FormStore
from bot.services.groups import GroupService
from bot.services.meeting_day import MeetingDayService
from bot.services.meeting_votes import MeetingVoters, MeetingVoteService
from bot.services.meetings import MeetingService
from bot.services.membership import MembershipService
from bot.services.minutes_draft import MinutesDraftService
from bot.services.notify import Notifier
from bot.services.oparl import OParlService
from bot.services.organisation_admin import OrganisationAdminService
from bot.services.previews import PreviewService
from bot.services.proposals import ProposalService
from bot.services.questions import QuestionService
from bot.services.representation import RepresentationService
from bot.services.scheduling import SchedulingService
from bot.services.series import SeriesService
from bot.services.tasks import TaskService
from bot.services.voting import VotingService
from storage.models import VoteMode, VoteRight


@dataclass(frozen=True)
class Services:
    settings: Settings
    clock: Clock
    membership: MembershipService
    groups: GroupService
    broadcasts: BroadcastService
    meetings: MeetingService
    agenda: AgendaService
    tasks: TaskService
    proposals: ProposalService
    voting: VotingService
    exports: ExportService
    scheduling: SchedulingService
    forms: FormStore
    questions: QuestionService
    previews: PreviewService
    representation: RepresentationService
    decisions: DecisionService
    organisations: OrganisationAdminService
    # The meeting day (issue 17): attendance, check-in, notes; votes during a meeting; the
    # minutes draft.
    meeting_day: MeetingDayService
    meeting_votes: MeetingVoteService
    minutes_draft: MinutesDraftService
    series: SeriesService
    oparl: OParlService


def build_services(
    settings: Settings,
    uow: StoreUnitOfWorkFactory,
    clock: Clock,
    notifier: Notifier,
    feed_changes: Callable[[], int] | None = None,
) -> Services:
    meetings = MeetingService(
        uow,
        clock,
        notifier,
        zone=settings.tz,
        default_duration=timedelta(minutes=settings.meeting_default_minutes),
        reminders=[timedelta(minutes=m) for m in settings.meeting_reminders],
        organizer=Organizer(
            name=settings.calendar_organizer_name, email=settings.calendar_organizer_email
        ),
        calendar_name=settings.calendar_name,
        public_base_url=settings.public_base_url,
        default_language=settings.default_language,
        coordinator_ids=settings.coordinator_ids,
        feed_past_days=settings.feed_past_days,
        feed_changes=feed_changes,
    )
    agenda = AgendaService(uow, clock, meetings.notices)
    decisions = DecisionService(
        uow,
        clock,
        notifier,
        zone=settings.tz,
        rule=settings.ratification_rule,
        announce_after=timedelta(minutes=settings.decision_announce_minutes),
        coordinator_ids=settings.coordinator_ids,
        default_language=settings.default_language,
        reminder_time=settings.task_reminder_time,
    )
    voting = VotingService(
        uow,
        clock,
        notifier,
        zone=settings.tz,
        mode=VoteMode(settings.vote_mode),
        rules=Rules.of(settings.quorum, settings.majority),
        show_running_results=settings.show_running_results,
        default_days=settings.vote_days,
        reminder_before=timedelta(hours=settings.vote_reminder_hours),
        coordinator_ids=settings.coordinator_ids,
        default_language=settings.default_language,
        right=VoteRight(settings.vote_right),
        scope=MeetingVoters(),
    )
    voting.on_accepted = decisions.record
    meeting_day = MeetingDayService(
        uow,
        clock,
        notifier,
        quorum=settings.meeting_quorum,
        zone=settings.tz,
        default_language=settings.default_language,
    )
    return Services(
        settings=settings,
        clock=clock,
        membership=MembershipService(
            uow,
            clock,
            coordinator_ids=settings.coordinator_ids,
            default_language=settings.default_language,
            invite_ttl=settings.invite_ttl,
            notifier=notifier,
        ),
        groups=GroupService(uow, clock, meetings.notices, notifier),
        broadcasts=BroadcastService(uow, clock, notifier),
        meetings=meetings,
        agenda=agenda,
        tasks=TaskService(
            uow,
            clock,
            notifier,
            zone=settings.tz,
            coordinator_ids=settings.coordinator_ids,
            reminder_days=settings.task_reminder_days,
            reminder_time=settings.task_reminder_time,
            default_language=settings.default_language,
        ),
        proposals=ProposalService(
            uow,
            clock,
            notifier,
            agenda,
            zone=settings.tz,
            coordinator_ids=settings.coordinator_ids,
            default_language=settings.default_language,
        ),
        voting=voting,
        exports=ExportService(
            uow,
            clock,
            zone=settings.tz,
            rules=Rules.of(settings.quorum, settings.majority),
            show_running_results=settings.show_running_results,
        ),
        series=SeriesService(
            uow, clock, notifier, meetings, default_language=settings.default_language
        ),
        scheduling=SchedulingService(
            uow,
            clock,
            notifier,
            meetings,
            zone=settings.tz,
            reminder_before=timedelta(hours=settings.vote_reminder_hours),
            coordinator_ids=settings.coordinator_ids,
            default_language=settings.default_language,
        ),
        forms=FormStore(
            uow,
            clock,
            notifier,
            timeout=timedelta(minutes=settings.form_timeout_minutes),
            default_language=settings.default_language,
        ),
        previews=PreviewService(
            uow,
            clock,
            notifier,
            meetings.notices,
            meetings.files,
            zone=settings.tz,
            default_language=settings.default_language,
        ),
        representation=RepresentationService(
            uow,
            clock,
            notifier,
            right=VoteRight(settings.vote_right),
            default_language=settings.default_language,
        ),
        questions=QuestionService(
            uow,
            clock,
            notifier,
            zone=settings.tz,
            coordinator_ids=settings.coordinator_ids,
            default_language=settings.default_language,
        ),
        decisions=decisions,
        organisations=OrganisationAdminService(
            uow,
            clock,
            notifier,
            coordinator_ids=settings.coordinator_ids,
            default_language=settings.default_language,
        ),
        meeting_day=meeting_day,
        meeting_votes=MeetingVoteService(uow, clock, voting, quorum=meeting_day.quorum),
        minutes_draft=MinutesDraftService(uow, clock, quorum=settings.meeting_quorum),
        oparl=OParlService(
            uow, clock, enabled=settings.oparl_enabled, persons=settings.oparl_persons
        ),
    )
