"""One crawl per archive: an exclusive, non-blocking flock on `<db>.lock`.

flock is released by the kernel when the process dies (kill -9 included), so a crashed crawl never
leaves a stale lock behind; what is written into the file (`PID PURPOSE STARTED`, e.g.
`4711 reparse 2026-12-03T13:40:00Z`) is only there to name the holder in the message a second
crawl or reparse prints. `reparse` takes the same lock as `crawl`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import TracebackType


class LockPurpose(StrEnum):
    """What holds an archive's lock: named in the message the next one prints."""

    CRAWL = "crawl"
    REPARSE = "reparse"


class LockHeld(Exception):
    """Another process holds the lock of this archive (a crawl, or a reparse)."""

    def __init__(
        self, path: Path, pid: int | None, purpose: LockPurpose | None = None, started: str | None = None
    ):
        holder = f"process {pid}" if pid else "another process"
        if started:
            holder += f", started {started}"
        what = purpose.value if purpose else "crawl or reparse"
        super().__init__(f"another {what} ({holder}) is running on this archive (lock file {path})")
        self.path = path
        self.pid = pid
        self.purpose = purpose
        self.started = started


def lock_path_for(db_path: str | Path) -> Path:
    return Path(str(db_path) + ".lock")


class CrawlLock:
    """Context manager holding `<db>.lock`; raises LockHeld at once if another process has it."""

    def __init__(self, db_path: str | Path, purpose: LockPurpose | str = LockPurpose.CRAWL):
        self.path = lock_path_for(db_path)
        self.purpose = LockPurpose(purpose)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            raise LockHeld(self.path, *holder) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.pwrite(fd, f"{os.getpid()} {self.purpose.value} {started}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # The file is left in place: unlinking it would let a third process lock a new inode while a
        # second still waits on the old one.
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> CrawlLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_holder(fd: int) -> tuple[int | None, LockPurpose | None, str | None]:
    """(pid, purpose, started) from the lock file; None for what it does not say (an older ncgh
    wrote only the pid; a holder that has not written yet leaves it empty)."""
    try:
        words = os.pread(fd, 128, 0).decode("ascii", "replace").split()
    except OSError:
        return None, None, None
    pid = int(words[0]) if words and words[0].isascii() and words[0].isdigit() else None
    purpose = LockPurpose(words[1]) if len(words) > 1 and words[1] in set(LockPurpose) else None
    started = words[2] if len(words) > 2 else None
    return pid, purpose, started
