"""Errors a use case reports to the person who asked. Each names a message-catalog key."""

from __future__ import annotations

from typing import ClassVar


class ServiceError(Exception):
    """Base: the handler answers with the translated `key`, formatted with `params`."""

    key: ClassVar[str] = "error.generic"

    def __init__(self, key: str | None = None, **params: object) -> None:
        self.message_key = key or self.key
        self.params = params
        super().__init__(self.message_key)


class NotAllowed(ServiceError):
    key = "error.not_allowed"


class NotAMember(ServiceError):
    key = "error.not_member"


class InvalidInput(ServiceError):
    key = "error.invalid_input"


class NotFound(ServiceError):
    key = "error.not_found"


class InvitationRejected(ServiceError):
    """Unknown, expired, revoked or used code; `message_key` says which."""

    key = "join.code_unknown"


class AlreadyMember(ServiceError):
    key = "join.already_member"
