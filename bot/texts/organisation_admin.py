"""Texts of /mitglied (a member's card), /zusammenlegen (what moves) and the batch of
invitation links; Telegram-free."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.services.membership import CreatedInvitation
from bot.services.organisation_admin import MemberCard, MergeCounts


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
    lines += ["", t("org.merge_rule", keep=counts.keep.name, gone=counts.gone.name)]
    return "\n".join(lines)


def merged(t: Translator, counts: MergeCounts) -> str:
    return t(
        "org.merged",
        keep=counts.keep.name,
        gone=counts.gone.name,
        members=counts.members,
        votes=counts.votes,
        dropped=counts.dropped,
        tasks=counts.tasks,
    )


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
