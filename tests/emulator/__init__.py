"""A local Telegram Bot API emulator for end-to-end tests of the bot (see ``server.py``)."""

from tests.emulator.models import FakeUser, FaultKind, RecordedCall, UploadedFile
from tests.emulator.server import BotApiEmulator

__all__ = ["BotApiEmulator", "FakeUser", "FaultKind", "RecordedCall", "UploadedFile"]
