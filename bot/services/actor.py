"""Who is asking: resolved once per update from the Telegram user and the database."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.errors import NotAllowed, NotAMember
from storage.models import Member, Organisation


@dataclass(frozen=True)
class Profile:
    """What Telegram tells us about a user; no Telegram types here."""

    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class Actor:
    profile: Profile
    member: Member | None
    organisation: Organisation | None
    is_coordinator: bool
    language: str

    @property
    def telegram_id(self) -> int:
        return self.profile.telegram_id

    @property
    def is_member(self) -> bool:
        return self.member is not None

    def require_member(self) -> Member:
        if self.member is None:
            raise NotAMember()
        return self.member

    def require_coordinator(self) -> None:
        if not self.is_coordinator:
            raise NotAllowed()
