"""One crawl per archive: an exclusive, non-blocking flock on `<db>.lock`.

flock is released by the kernel when the process dies (kill -9 included), so a crashed crawl never
leaves a stale lock behind; the pid written into the file is only there to name the holder in the
message a second crawl prints.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType


class LockHeld(Exception):
    """Another process holds the crawl lock of this archive."""

    def __init__(self, path: Path, pid: int | None):
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"another crawl ({holder}) is running on this archive (lock file {path})")
        self.path = path
        self.pid = pid


def lock_path_for(db_path: str | Path) -> Path:
    return Path(str(db_path) + ".lock")


class CrawlLock:
    """Context manager holding `<db>.lock`; raises LockHeld at once if another process has it."""

    def __init__(self, db_path: str | Path):
        self.path = lock_path_for(db_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise LockHeld(self.path, pid) from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
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


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
