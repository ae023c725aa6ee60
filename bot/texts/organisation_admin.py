"""Texts of /mitglied (a member's card), /zusammenlegen (what moves) and the batch of
invitation links; Telegram-free."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.member_notices import handed_over_section, remaining_line, role_ended_text
from bot.services.membership import CreatedInvitation
from bot.services.organisation_admin import MemberCard, MergeCounts, Moved, Removed
from bot.services.representation import ROLE_KEYS


def card(t: Translator, card: MemberCard, zone: ZoneInfo) -> str:
    member = card.member
    lines = [
        t("members.card_title", name=member.display_name, id=member.id),
        t("members.card_organisation", organisation=card.organisation.name),
        t("members.card_role", role=member.role) if member.role else t("members.card_no_role"),
        t("members.card_username", username=member.username)
        if member.username
        else t("members.card_no_username"),
        t("members.card_groups", groups=", ".join(card.groups))
        if card.groups
        else t("members.card_no_groups"),
        t("members.card_joined", joined=t.datetime(member.joined_at, zone)),
        t("members.card_last", last=t.datetime(card.last_activity, zone))
        if card.last_activity
        else t("members.card_no_activity"),
        "",
        t("members.card_hint"),
    ]
    return "\n".join(lines)


def removed(t: Translator, removed: Removed) -> str:
    """The coordinator's answer after Entfernen: who, how many members are left, a role ended."""
    organisation = removed.organisation
    text = (
        t("members.removed", name=removed.name, organisation=organisation.name)
        + "\n"
        + remaining_line(t, organisation, removed.remaining)
        + role_ended_text(t, removed.role, organisation, removed.remaining)
    )
    if removed.tasks:  # as the other coordinators' notice lists them
        text += "\n\n" + handed_over_section(t, organisation, removed.tasks)
    return text


def moved(t: Translator, moved: Moved) -> str:
    text = t(
        "members.moved",
        name=moved.member.display_name,
        before=moved.before.name,
        after=moved.after.name,
    )
    if not moved.remaining:  # the one they left has nobody now
        text += "\n" + remaining_line(t, moved.before, 0)
    return text + role_ended_text(t, moved.role, moved.before, moved.remaining)


def _roles(t: Translator, counts: MergeCounts) -> str:
    return ", ".join(f"{name} ({t(ROLE_KEYS[role])})" for name, role in counts.roles)


def merge_question(t: Translator, counts: MergeCounts) -> str:
    lines = [
        t("org.merge_question", keep=counts.keep.name, gone=counts.gone.name),
        t("org.merge_members", count=counts.members),
        t("org.merge_former", count=counts.former),
        t("org.merge_votes", count=counts.votes),
        t("org.merge_tasks", count=counts.tasks),
        t("org.merge_other", count=counts.other),
    ]
    if counts.dropped:
        lines.append(t("org.merge_dropped", count=counts.dropped, keep=counts.keep.name))
    if counts.roles:
        lines.append(
            t(
                "org.merge_roles_end",
                gone=counts.gone.name,
                keep=counts.keep.name,
                names=_roles(t, counts),
            )
        )
    lines += ["", t("org.merge_rule", keep=counts.keep.name, gone=counts.gone.name)]
    return "\n".join(lines)


def merged(t: Translator, counts: MergeCounts) -> str:
    text = t(
        "org.merged",
        keep=counts.keep.name,
        gone=counts.gone.name,
        members=t.plural("count.members", counts.members),
        votes=t.plural("count.votes", counts.votes),
        tasks=t.plural("count.tasks", counts.tasks),
    )
    if counts.dropped:
        text += " " + t.plural("org.merged_dropped", counts.dropped)
    if counts.roles:
        text += " " + t("org.merged_roles_ended", gone=counts.gone.name, names=_roles(t, counts))
    if counts.members:
        text += " " + t("org.merged_told", gone=counts.gone.name, keep=counts.keep.name)
    return text


def invitation_batch(
    t: Translator, made: Sequence[CreatedInvitation], links: Sequence[str], zone: ZoneInfo
) -> str:
    first = made[0]
    lines = [
        t(
            "invite.created_batch",
            count=len(made),
            organisation=first.organisation.name,
            expires=t.datetime(first.invitation.expires_at, zone),
        ),
        "",
        *(
            t("invite.batch_line", id=created.invitation.id, link=link)
            for created, link in zip(made, links, strict=True)
        ),
    ]
    if first.organisation_created:
        lines += ["", t("invite.batch_new_org", organisation=first.organisation.name)]
    return "\n".join(lines)
