"""Callback data: short, versioned strings parsed strictly. Anything else is refused."""

from __future__ import annotations

import re

GROUP_TOGGLE = "g"
LEAVE = "leave"
BROADCAST = "bc"

_GROUP = re.compile(r"g:([1-9][0-9]{0,8})")
_LEAVE = re.compile(r"leave:(yes|no)")
_BROADCAST = re.compile(r"bc:(send|cancel):([1-9][0-9]{0,8})")


def group_toggle(group_id: int) -> str:
    return f"{GROUP_TOGGLE}:{group_id}"


def parse_group_toggle(data: str | None) -> int | None:
    match = _GROUP.fullmatch(data or "")
    return int(match.group(1)) if match else None


def leave(confirm: bool) -> str:
    return f"{LEAVE}:{'yes' if confirm else 'no'}"


def parse_leave(data: str | None) -> bool | None:
    match = _LEAVE.fullmatch(data or "")
    return match.group(1) == "yes" if match else None


def broadcast(broadcast_id: int, *, send: bool) -> str:
    return f"{BROADCAST}:{'send' if send else 'cancel'}:{broadcast_id}"


def parse_broadcast(data: str | None) -> tuple[int, bool] | None:
    """(broadcast id, send?) or None."""
    match = _BROADCAST.fullmatch(data or "")
    return (int(match.group(2)), match.group(1) == "send") if match else None


RSVP = "rsvp"
ICS = "ics"
_RSVP = re.compile(r"rsvp:([1-9][0-9]{0,8}):([ynm])")
_ICS = re.compile(r"ics:([1-9][0-9]{0,8})")


def parse_rsvp(data: str | None) -> tuple[int, str] | None:
    """(meeting id, one of y/n/m) or None."""
    match = _RSVP.fullmatch(data or "")
    return (int(match.group(1)), match.group(2)) if match else None


def ics(meeting_id: int) -> str:
    return f"{ICS}:{meeting_id}"


def parse_ics(data: str | None) -> int | None:
    match = _ICS.fullmatch(data or "")
    return int(match.group(1)) if match else None
