"""How a person is named in a text. A member who left has no name any more (it was deleted,
see storage/personal_data.py): they are "ehemaliges Mitglied" ("former member"), never a
record number that reads like a task's."""

from __future__ import annotations

from bot.i18n import Msg, Translator
from storage.models import Member, Organisation

FORMER = "member.former"


def name_of(t: Translator, member: Member) -> str:
    """`Anna Schmidt`, or `ehemaliges Mitglied`."""
    return t(FORMER) if member.former else member.display_name


def name_param(member: Member) -> str | Msg:
    """The same as a parameter, for a service that does not know the reader's language."""
    return Msg(FORMER) if member.former else member.display_name


def name_with(member: Member, organisation: Organisation | None) -> str | Msg:
    """`Anna Schmidt (Gemeinde Zöllnitz)`, or `ehemaliges Mitglied (Gemeinde Zöllnitz)`."""
    if member.former:
        if organisation is None:
            return Msg(FORMER)
        return Msg("member.former_of", organisation=organisation.name)
    name = member.display_name
    return f"{name} ({organisation.name})" if organisation else name
