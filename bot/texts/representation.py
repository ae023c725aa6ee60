"""Texts of organisations' status and representation: /kommunestatus, /kommunearchivieren,
/vertretung, and the status and roles in /mitglieder."""

from __future__ import annotations

from bot.i18n import Html, Translator
from bot.services.representation import ROLE_KEYS, Appointment, Representation, StatusChange
from storage.enums import OrganisationStatus, RepresentativeRole, VoteRight
from storage.models import Member

STATUS_KEYS = {
    OrganisationStatus.MEMBER: "orgstatus.member",
    OrganisationStatus.ADVISORY: "orgstatus.advisory",
    OrganisationStatus.ARCHIVED: "orgstatus.archived",
}
MEANS_KEYS = {
    OrganisationStatus.MEMBER: "orgstatus.means_member",
    OrganisationStatus.ADVISORY: "orgstatus.means_advisory",
    OrganisationStatus.ARCHIVED: "orgstatus.means_archived",
}


def person(member: Member) -> str:
    return member.display_name + (f" (@{member.username})" if member.username else "")


def status_changed(t: Translator, change: StatusChange) -> str:
    organisation = change.organisation
    status = t(STATUS_KEYS[organisation.status])
    if change.before is organisation.status:
        return t("orgstatus.unchanged", organisation=organisation.name, status=status)
    lines = [
        t(
            "orgstatus.changed",
            organisation=organisation.name,
            status=status,
            before=t(STATUS_KEYS[change.before]),
        ),
        t(MEANS_KEYS[organisation.status]),
    ]
    if change.open_votes:
        lines.append(t("orgstatus.open_votes", count=change.open_votes))
    return "\n".join(lines)


def representation_text(t: Translator, view: Representation) -> str:
    organisation = view.organisation
    lines = [
        t(
            "representation.title",
            organisation=organisation.name,
            status=t(STATUS_KEYS[organisation.status]),
        )
    ]
    lines.append(
        t("representation.lead", name=person(view.lead))
        if view.lead
        else t("representation.no_lead")
    )
    if view.deputies:
        names = ", ".join(person(m) for m in view.deputies)
        lines.append(t("representation.deputies", names=names))
    else:
        lines.append(t("representation.no_deputies"))
    if organisation.status is not OrganisationStatus.MEMBER:
        lines.append(t(MEANS_KEYS[organisation.status]))
    elif view.right is VoteRight.REPRESENTATIVES:
        lines.append(t("representation.right_representatives"))
    else:
        lines.append(t("representation.right_anyone"))
    lines.append(t("representation.how", organisation=organisation.name))
    return "\n".join(lines)


def appointed(t: Translator, appointment: Appointment) -> str:
    """✅ Gespeichert, what changed for the one who changed it (they are not sent a message of
    it), and the representation now."""
    lines = [t("representation.saved")]
    had, has = appointment.had, appointment.has
    organisation = appointment.view.organisation.name
    if has is not None and has is not had:
        lines.append(
            t("representation.you_named", role=t(ROLE_KEYS[has]), organisation=organisation)
        )
    elif has is None and had is not None:
        lines.append(
            t("representation.you_removed", role=t(ROLE_KEYS[had]), organisation=organisation)
        )
    return "\n".join([*lines, representation_text(t, appointment.view)])


def status_suffix(t: Translator, status: OrganisationStatus) -> Html:
    """` · beratend` after an organisation's name in /mitglieder (nothing for a member)."""
    if status is OrganisationStatus.MEMBER:
        return Html("")
    return Html(" · " + t(STATUS_KEYS[status]))


def role_suffix(t: Translator, role: RepresentativeRole | None) -> str:
    return f" – {t(ROLE_KEYS[role])}" if role is not None else ""
