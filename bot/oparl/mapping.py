"""The forum's rows as OParl 1.1 objects (pure functions: rows in, JSON-ready dicts out).

URLs (below `<PUBLIC_BASE_URL>/oparl/v1`): `system`, `body` (the list of the one body),
`body/1`, its lists `body/1/organization`, `body/1/meeting`, `body/1/paper`, `body/1/person`;
`organization/plenum` (the plenary), `organization/kommune-<id>` (a member organisation),
`organization/ag-<id>` (a working group, with `organization/ag-<id>/meeting`), `meeting/<id>`,
`agendaitem/<id>`, `location/<meeting id>`, `file/<meeting id>` (the minutes, content at
`file/<meeting id>/download`), `paper/<id>`, `consultation/<vote id>`,
`consultation/top-<agenda item id>` (the forum's deliberation), `consultation/rat-<ratification
id>` (a council's), `person/<member id>`,
`membership/<member id>-kommune-<id>` and `membership/<member id>-ag-<id>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.enums import VoteChoice
from storage.repositories.oparl_rows import (
    AgendaRow,
    GroupRow,
    MeetingRow,
    MembershipRow,
    OrganisationRow,
    PaperRow,
    PersonRow,
    RatificationRow,
    Tombstone,
    VoteRow,
)

SCHEMA = "https://schema.oparl.org/1.1/"
PLENARY = "plenum"
KIND_LABELS = {
    "stadt": "Stadt",
    "gemeinde": "Gemeinde",
    "landkreis": "Landkreis",
    "verband": "Verband",
    "institution": "Institution",
}
OUTCOMES = {
    "accepted": "angenommen",
    "rejected": "abgelehnt",
    "not_quorate": "nicht beschlussfähig (zu wenige Stimmen)",
}
CHOICES = {
    VoteChoice.YES: "Ja",
    VoteChoice.YES_COUNCIL: "Ja, vorbehaltlich Ratsbeschluss",
    VoteChoice.NO: "Nein",
    VoteChoice.ABSTAIN: "Enthaltung",
}


@dataclass(frozen=True)
class Forum:
    """What the settings say of the forum, and where the interface is."""

    base: str  # <PUBLIC_BASE_URL>/oparl/v1
    name: str
    website: str | None
    contact_email: str | None
    timezone: ZoneInfo
    created: datetime
    modified: datetime
    persons: bool

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    @property
    def body_url(self) -> str:
        return self.url("body/1")

    def stamp(self, value: datetime) -> str:
        """ISO 8601 with the offset of the forum's time zone."""
        return value.astimezone(self.timezone).isoformat(timespec="seconds")


def _common(
    forum: Forum, kind: str, path: str, created: datetime, modified: datetime
) -> dict[str, Any]:
    return {
        "id": forum.url(path),
        "type": SCHEMA + kind,
        "created": forum.stamp(created),
        "modified": forum.stamp(max(created, modified)),
    }


def org_path(organisation_id: int) -> str:
    return f"organization/kommune-{organisation_id}"


def tombstone(forum: Forum, kind: str, path: str, gone: Tombstone) -> dict[str, Any]:
    """An object no longer published: id, type, created, the time it went, `deleted`."""
    return {**_common(forum, kind, path, gone.created, gone.modified), "deleted": True}


def system(forum: Forum) -> dict[str, Any]:
    result = {
        **_common(forum, "System", "system", forum.created, forum.modified),
        "oparlVersion": SCHEMA,
        "body": forum.url("body"),
        "name": forum.name,
    }
    if forum.website:
        result["website"] = forum.website
    if forum.contact_email:
        result["contactEmail"] = forum.contact_email
    return result


def body(forum: Forum) -> dict[str, Any]:
    result = {
        **_common(forum, "Body", "body/1", forum.created, forum.modified),
        "system": forum.url("system"),
        "name": forum.name,
        "organization": forum.url("body/1/organization"),
        "person": forum.url("body/1/person"),
        "meeting": forum.url("body/1/meeting"),
        "paper": forum.url("body/1/paper"),
        "legislativeTerm": [],
        "mainOrganization": forum.url(f"organization/{PLENARY}"),
        "classification": "Kommunale Arbeitsgemeinschaft",
    }
    if forum.website:
        result["website"] = forum.website
    if forum.contact_email:
        result["contactEmail"] = forum.contact_email
    return result


def plenary(forum: Forum) -> dict[str, Any]:
    return {
        **_common(forum, "Organization", f"organization/{PLENARY}", forum.created, forum.modified),
        "body": forum.body_url,
        "name": f"{forum.name} – Plenum",
        "shortName": "Plenum",
        "organizationType": "Gremium",
        "classification": "Plenum",
        "meeting": forum.url(f"organization/{PLENARY}/meeting"),
    }


def organisation(forum: Forum, row: OrganisationRow) -> dict[str, Any]:
    result = {
        **_common(
            forum, "Organization", f"organization/kommune-{row.id}", row.created, row.modified
        ),
        "body": forum.body_url,
        "name": row.name,
        "organizationType": "Mitgliedsorganisation",
    }
    if row.kind is not None:
        result["classification"] = KIND_LABELS.get(row.kind, row.kind)
    if row.external_body:
        result["externalBody"] = row.external_body
    return result


def group(forum: Forum, row: GroupRow) -> dict[str, Any]:
    result = {
        **_common(forum, "Organization", f"organization/ag-{row.id}", row.created, row.modified),
        "body": forum.body_url,
        "name": row.name,
        "organizationType": "Gremium",
        "classification": "Arbeitsgruppe",
        "subOrganizationOf": forum.url(f"organization/{PLENARY}"),
        "meeting": forum.url(f"organization/ag-{row.id}/meeting"),
        "startDate": row.created.astimezone(forum.timezone).date().isoformat(),
    }
    if row.archived is not None:
        result["endDate"] = row.archived.astimezone(forum.timezone).date().isoformat()
    return result


def meeting(forum: Forum, row: MeetingRow) -> dict[str, Any]:
    organisation_path = PLENARY if row.group_id is None else f"ag-{row.group_id}"
    if row.cancelled:
        state = "abgesagt"
    elif row.minutes_file_id is not None:
        state = "durchgeführt"
    else:
        state = "terminiert"
    result = {
        **_common(forum, "Meeting", f"meeting/{row.id}", row.created, row.modified),
        "name": row.title,
        "meetingState": state,
        "cancelled": row.cancelled,
        "start": forum.stamp(row.starts_at),
        "end": forum.stamp(row.ends_at),
        "organization": [forum.url(f"organization/{organisation_path}")],
        "agendaItem": [agenda_item(forum, item) for item in row.agenda],
    }
    if row.location:
        result["location"] = location(forum, row)
    if row.minutes_file_id is not None:
        result["resultsProtocol"] = minutes(forum, row)
    return result


def location(forum: Forum, row: MeetingRow) -> dict[str, Any]:
    return {
        **_common(forum, "Location", f"location/{row.id}", row.created, row.modified),
        "description": row.location or "",
        "meetings": [forum.url(f"meeting/{row.id}")],
    }


def minutes(forum: Forum, row: MeetingRow) -> dict[str, Any]:
    """The minutes of a meeting, as a File."""
    added = row.minutes_at or row.modified
    download = forum.url(f"file/{row.id}/download")
    result = {
        **_common(forum, "File", f"file/{row.id}", added, row.modified),
        "name": f"Protokoll: {row.title}",
        "accessUrl": download,
        "downloadUrl": download,
        "meeting": [forum.url(f"meeting/{row.id}")],
        "date": added.astimezone(forum.timezone).date().isoformat(),
    }
    if row.minutes_name:
        result["fileName"] = row.minutes_name
    return result


DECISION_STATES = {
    "provisional": "vorläufig",
    "effective": "wirksam",
    "not_effective": "nicht wirksam",
}


def agenda_item(forum: Forum, row: AgendaRow) -> dict[str, Any]:
    """A TOP; once the vote on its topic closed: `result` (angenommen …), `consultation` (the
    forum's deliberation of the paper under it) and, with a decision, `resolutionText`
    (`Beschluss 2026/07: <wording>`)."""
    result = {
        **_common(forum, "AgendaItem", f"agendaitem/{row.id}", row.created, row.modified),
        "meeting": forum.url(f"meeting/{row.meeting_id}"),
        "number": str(row.position),
        "order": row.position,
        "name": row.title,
        "public": True,
    }
    if row.outcome is not None:
        result["result"] = OUTCOMES.get(row.outcome, row.outcome)
        if row.proposal_id is not None:
            result["consultation"] = forum.url(f"consultation/top-{row.id}")
    if row.decision is not None:
        result["resolutionText"] = f"Beschluss {row.decision}: {row.decision_text or row.title}"
    return result


def decided(outcome: str | None, decision: str | None, status: str | None) -> list[str]:
    """The outcome of the topic's vote, the decision's number and status, as keywords:
    ["angenommen", "Beschluss 2026/07", "vorläufig"]."""
    words = [] if outcome is None else [OUTCOMES.get(outcome, outcome)]
    if decision is not None:
        words.append(f"Beschluss {decision}")
        if status is not None:
            words.append(DECISION_STATES.get(status, status))
    return words


def deliberation(forum: Forum, row: AgendaRow) -> dict[str, Any]:
    """The forum's deliberation of a paper under an agenda item of its meeting: the vote on the
    topic (`authoritative` when it decided: accepted or rejected, not without quorum), `role`
    "Beschlussfassung"; its outcome, the decision's number and status as `keyword` (the
    wording is the agenda item's `resolutionText`)."""
    organisation = PLENARY if row.group_id is None else f"ag-{row.group_id}"
    created = row.created if row.decided_at is None else max(row.created, row.decided_at)
    keywords = decided(row.outcome, row.decision, row.decision_status)
    return {
        **_common(forum, "Consultation", f"consultation/top-{row.id}", created, row.modified),
        "paper": forum.url(f"paper/{row.proposal_id}"),
        "agendaItem": forum.url(f"agendaitem/{row.id}"),
        "meeting": forum.url(f"meeting/{row.meeting_id}"),
        "organization": [forum.url(f"organization/{organisation}")],
        "authoritative": row.outcome in ("accepted", "rejected"),
        "role": "Beschlussfassung",
        "keyword": keywords,
    }


def reference(row: PaperRow) -> str:
    """The paper's reference: `V-<year proposed>-<number>`, e.g. V-2026-012."""
    return f"V-{row.created.year}-{row.id:03d}"


def paper(forum: Forum, row: PaperRow) -> dict[str, Any]:
    result = {
        **_common(forum, "Paper", f"paper/{row.id}", row.created, row.modified),
        "body": forum.body_url,
        "name": row.title,
        "reference": reference(row),
        "date": row.created.astimezone(forum.timezone).date().isoformat(),
        "paperType": "Themenvorschlag",
        "consultation": consultations(forum, row),
    }
    if row.organisation_id is not None:
        result["originatorOrganization"] = [
            forum.url(f"organization/kommune-{row.organisation_id}")
        ]
    keywords = decided(row.outcome, row.decision, row.decision_status)
    if keywords:
        result["keyword"] = keywords
    return result


def consultations(forum: Forum, row: PaperRow) -> list[dict[str, Any]]:
    """The paper's consultations, the one place where a paper becomes them: each member
    organisation's vote in the forum (per closed round), then the forum's deliberation under
    each public agenda item of its topic (`consultation/top-<item>`, "Beschlussfassung"), then
    each member council's ratification of the forum's decision (issue 16), the council's
    being authoritative."""
    votes = [consultation(forum, row.id, vote) for vote in row.votes]
    forum_decided = [deliberation(forum, item) for item in row.deliberations]
    return votes + forum_decided + [ratification(forum, row.id, r) for r in row.ratifications]


def consultation(forum: Forum, paper_id: int, vote: VoteRow) -> dict[str, Any]:
    return {
        **_common(forum, "Consultation", f"consultation/{vote.id}", vote.cast_at, vote.closed_at),
        "paper": forum.url(f"paper/{paper_id}"),
        "organization": [forum.url(org_path(vote.organisation_id))],
        "authoritative": False,
        "role": f"Abstimmung im Forum, Runde {vote.round}: {CHOICES[vote.choice]}",
    }


RATIFICATIONS = {
    "open": "offen",
    "scheduled": "terminiert",
    "deferred": "vertagt",
    "approved": "zugestimmt",
    "rejected": "abgelehnt",
    "withdrawn": "Vorbehalt entfallen",
}


def ratification(forum: Forum, paper_id: int, row: RatificationRow) -> dict[str, Any]:
    """A member council on the forum's decision: `Ratsbeschluss (Gemeinderat) zu Beschluss
    2026/07: zugestimmt am 12.01.2027`."""
    state = RATIFICATIONS.get(row.status, row.status)
    when = row.outcome_date if row.status in ("approved", "rejected") else row.council_date
    if when is not None:
        state += f" {'am' if row.status != 'scheduled' else 'für den'} {when:%d.%m.%Y}"
    council = f" ({row.body})" if row.body else ""
    return {
        **_common(forum, "Consultation", f"consultation/rat-{row.id}", row.created, row.modified),
        "paper": forum.url(f"paper/{paper_id}"),
        "organization": [forum.url(org_path(row.organisation_id))],
        "authoritative": True,
        "role": f"Ratsbeschluss{council} zu Beschluss {row.decision}: {state}",
    }


def person(forum: Forum, row: PersonRow) -> dict[str, Any]:
    name = " ".join(part for part in (row.first_name, row.last_name) if part)
    result = {
        **_common(forum, "Person", f"person/{row.id}", row.created, row.modified),
        "body": forum.body_url,
        "name": name or f"Mitglied {row.id}",
        "membership": [membership(forum, row, m) for m in row.memberships],
    }
    if row.first_name:
        result["givenName"] = row.first_name
    if row.last_name:
        result["familyName"] = row.last_name
    return result


def membership_path(member_id: int, m: MembershipRow) -> str:
    if m.group_id is not None:
        return f"membership/{member_id}-ag-{m.group_id}"
    return f"membership/{member_id}-kommune-{m.organisation_id}"


def membership(forum: Forum, row: PersonRow, m: MembershipRow) -> dict[str, Any]:
    organisation_path = (
        f"ag-{m.group_id}" if m.group_id is not None else (f"kommune-{m.organisation_id}")
    )
    return {
        **_common(forum, "Membership", membership_path(row.id, m), m.since, row.modified),
        "person": forum.url(f"person/{row.id}"),
        "organization": forum.url(f"organization/{organisation_path}"),
        "role": "Mitglied",
        "startDate": m.since.astimezone(forum.timezone).date().isoformat(),
    }


def page(
    data: Sequence[dict[str, Any]],
    *,
    limit: int,
    self_url: str,
    first_url: str,
    next_url: str | None,
) -> dict[str, Any]:
    """One page of an external object list."""
    links = {"first": first_url, "self": self_url}
    if next_url is not None:
        links["next"] = next_url
    return {"data": list(data), "pagination": {"elementsPerPage": limit}, "links": links}


def error(message: str, debug: str) -> dict[str, Any]:
    return {"type": SCHEMA + "Error", "message": message, "debug": debug}
