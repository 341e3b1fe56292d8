"""One crawl per archive: exclusive, non-blocking flocks on the archive file itself and on `<db>.lock`.

The lock keys on the file's identity, not on the path as typed: the flock is taken on the database
file (an open file description of its inode), so a symlink, a hard link, a symlinked directory or
any other spelling of the same archive finds it held. realpath alone would not unify hard links, and
a lock file named after (st_dev, st_ino) beside the database would not either (hard links may live
in different directories). flock locks are independent of the POSIX (fcntl) locks SQLite takes on
the same file on local file systems; the archive runs in WAL mode, which SQLite does not support on
network file systems, where Linux would emulate flock with fcntl locks.

One rule follows from POSIX locks: closing any descriptor of a file drops every fcntl lock the
process holds on it, SQLite's included. So the descriptor opened here is closed only when no SQLite
connection of this process has the archive open: the lock is taken before the archive is opened and
released after it is closed (`with CrawlLock(db), Archive(db)`).

`<db>.lock` (beside the resolved path) is also flocked, so a crawl of an older ncgh that locks only
that file is still excluded, and it holds the holder's pid for the message a second crawl prints.
It is opened without following a symbolic link and never written unless it is ncgh's own (a regular
file with one link, owned by this user, holding nothing or a pid): a planted link or a file that is
someone else's is refused rather than truncated.

flock is released by the kernel when the process dies (kill -9 included), so a crashed crawl never
leaves a stale lock behind; what is written into `<db>.lock` (`PID PURPOSE STARTED`, e.g.
`4711 reparse 2026-12-03T13:40:00Z`) is only there to name the holder in the message a second
crawl or reparse prints. `reparse` takes the same lock as `crawl`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
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


class LockFileRefused(OSError):
    """`<db>.lock` is not ncgh's to write (a symbolic link, a hard link, another user's or foreign content).

    An OSError, so a crawl reports it as an archive it cannot write (exit 74) and changes nothing.
    """

    def __init__(self, path: Path, why: str):
        super().__init__(errno.EPERM, f"the lock file is {why}; ncgh does not write through it (remove it)", str(path))


def lock_path_for(db_path: str | Path) -> Path:
    """`<db>.lock` beside the archive's resolved path, so every symlinked spelling shares one file."""
    return Path(os.path.realpath(db_path) + ".lock")


_NOTE_MAX = 4096  # a pid and a few words; anything bigger is not ours


class CrawlLock:
    """Context manager holding the archive's lock; raises LockHeld at once if another process has it."""

    def __init__(self, db_path: str | Path, purpose: LockPurpose | str = LockPurpose.CRAWL):
        self.db_path = Path(db_path)
        self.purpose = LockPurpose(purpose)
        self.path = lock_path_for(db_path)
        self._db_fd: int | None = None
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = _open_lock_file(self.path)  # refuse a planted lock file before touching anything else
        try:
            # O_RDONLY is enough for flock and leaves "cannot write" errors to SQLite's own words.
            db_fd = os.open(os.path.realpath(self.db_path), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except BaseException:
            os.close(fd)
            raise
        try:
            for held in (db_fd, fd):
                try:
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    noted_pid, purpose, started = _read_holder(fd)
                    pid = _flock_holder(db_fd) or _live(noted_pid)
                    if pid != noted_pid:  # the note beside this path is not the holder's (a hard link)
                        purpose = started = None
                    raise LockHeld(self.path, pid, purpose, started) from None
        except BaseException:
            os.close(fd)
            os.close(db_fd)
            raise
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.pwrite(fd, f"{os.getpid()} {self.purpose.value} {started}\n".encode(), 0)
        self._fd = fd
        self._db_fd = db_fd

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
        if self._db_fd is not None:
            os.close(self._db_fd)  # closing drops the flock; the archive is closed by now (see above)
            self._db_fd = None

    def __enter__(self) -> CrawlLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _open_lock_file(path: Path) -> int:
    """`path` opened read-write without following a link and without truncating; refused unless ours."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LockFileRefused(path, "a symbolic link") from None
        raise
    try:
        info = os.fstat(fd)
        why = None
        if not stat.S_ISREG(info.st_mode):
            why = "not a regular file"
        elif info.st_nlink != 1:
            why = f"a hard link ({info.st_nlink} names for one file)"
        elif info.st_uid != os.geteuid():
            why = f"owned by another user (uid {info.st_uid})"
        elif info.st_size > _NOTE_MAX or not _looks_like_ours(os.pread(fd, _NOTE_MAX, 0)):
            why = "not an ncgh lock file (it holds something other than a pid)"
        if why:
            raise LockFileRefused(path, why)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _looks_like_ours(content: bytes) -> bool:
    """Empty, or starting with the pid ncgh writes (whatever words follow it)."""
    words = content.split()
    return not words or words[0].isdigit()


def _flock_holder(fd: int) -> int | None:
    """The pid holding an exclusive flock on the file behind `fd`, from /proc/locks (Linux).

    Named by the inode, so a crawl through a hard link (whose `.lock` note is another file) still
    names the holder; None where /proc/locks is missing or unreadable.
    """
    info = os.fstat(fd)
    wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        with open("/proc/locks", encoding="ascii", errors="replace") as locks:
            for line in locks:
                fields = line.split()
                if len(fields) >= 6 and fields[1] == "FLOCK" and fields[3] == "WRITE" and fields[5] == wanted:
                    return int(fields[4]) if fields[4].isdigit() else None
    except OSError:
        return None
    return None


def _live(pid: int | None) -> int | None:
    """The pid only if that process exists: a note left by a kill -9 must not name a stranger."""
    if not pid:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def _read_holder(fd: int) -> tuple[int | None, LockPurpose | None, str | None]:
    """(pid, purpose, started) from the lock file; None for what it does not say (a holder that has
    not written yet leaves it empty)."""
    try:
        words = os.pread(fd, 128, 0).decode("ascii", "replace").split()
    except OSError:
        return None, None, None
    pid = int(words[0]) if words and words[0].isascii() and words[0].isdigit() else None
    purpose = LockPurpose(words[1]) if len(words) > 1 and words[1] in set(LockPurpose) else None
    started = words[2] if len(words) > 2 else None
    return pid, purpose, started
