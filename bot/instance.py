"""Which earlier bot processes are certainly dead: the instance lock.

`forumbot run` takes an exclusive lock (flock) on `forumbot.lock` in STATE_DIRECTORY for its whole
life and reads the instance id written in that file (one is made up the first time). The kernel
drops the lock when the process ends, however it ends (`kill -9` included). So a process that
holds the lock knows that every earlier process of this instance is dead: a leader lease held
under this instance's name (`<id>/host:pid:…`, see `bot.inbox.process_name`) can be taken at
once after a crash, instead of after LEADER_LEASE_SECONDS. A second process started in the same
directory while the first lives does not get the lock: it runs without an instance, takes
nobody's lease early, and nobody takes its lease early.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILE = "forumbot.lock"
ID_LENGTH = 8  # hex digits


@dataclass
class Instance:
    id: str
    path: Path
    fd: int

    @property
    def prefix(self) -> str:
        """How the lease holders of this instance's processes begin."""
        return f"{self.id}/"

    def close(self) -> None:
        """Give the lock up (the process ends anyway; for tests)."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def state_directory(setting: str) -> Path:
    """STATE_DIRECTORY as systemd sets it (several directories separated by ':'): the first."""
    return Path(setting.split(":")[0] or ".")


def acquire(directory: Path) -> Instance | None:
    """The instance of `directory`, locked for this process; None if another living process
    holds it, or the lock cannot be taken here (logged: then a restart after a crash waits for
    the leader lease to run out)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux or macOS
        return None
    path = directory / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        log.warning(
            "no instance lock (%s: %s): after a crash the restarted process leads only "
            "once LEADER_LEASE_SECONDS have run out",
            path,
            error.strerror or error,
        )
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        log.info("instance lock %s is held by another running process: none for this one", path)
        return None
    try:
        instance_id = _read_or_make_id(fd)
    except OSError as error:
        os.close(fd)
        log.warning("no instance lock (%s: %s)", path, error.strerror or error)
        return None
    log.debug("instance %s (%s locked by this process)", instance_id, path)
    return Instance(instance_id, path, fd)


def _read_or_make_id(fd: int) -> str:
    text = os.pread(fd, 64, 0).decode("ascii", errors="replace").strip()
    if len(text) == ID_LENGTH and all(c in "0123456789abcdef" for c in text):
        return text
    made = secrets.token_hex(ID_LENGTH // 2)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{made}\n".encode("ascii"), 0)
    os.fsync(fd)
    return made
