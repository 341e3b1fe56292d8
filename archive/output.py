"""Writing export files safely: a temporary file renamed into place, from one consistent snapshot.

Shared by the table exports (archive/export.py) and the WARC export (archive/warc.py): a reader never
sees half a file, a failed export never clobbers a good one, and an existing file is only replaced
with force=True.

Where the output is not a file to replace, it is written through instead, never renamed over:
`-` is standard output; a path naming one of this process's descriptors (/dev/stdout, /dev/fd/N,
/proc/self/fd/N) is that descriptor; a character device (/dev/null, a terminal) or a FIFO is opened
and written (nothing there to overwrite, so no --force needed). A block device or socket is refused.
A symbolic link is never replaced: without force it is refused, with force the export goes to the
file it points to (atomically, as for any file) and the link stays.

The temporary file is `.<name>.<hash>.ncgh-<pid>-<random>.part` beside the target (the name cut to
fit the file system's limit): an export killed with kill -9 leaves it behind, and the next export of
the same output removes the parts whose process is gone (`part_files`, `remove_stale_parts`).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import secrets
import sqlite3
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

from archive.schema import read_snapshot
from archive.sql import open_readonly


class ExportFormat(StrEnum):
    """What `ncgh export` writes: article versions as a table, or the raw captures as WARC."""

    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"
    WARC = "warc"


class ExportVersions(StrEnum):
    """Which versions an export holds (`--versions`)."""

    LATEST = "latest"  # each article's current version (tables); the last capture per final URL (warc)
    ALL = "all"  # every version; every capture


VERSION_CHOICES = tuple(v.value for v in ExportVersions)
STDOUT = "-"


class ExportError(Exception):
    """An export that cannot be done as asked (file exists, bad option); nothing was written.
    `storage`: the disk or its permissions refused (read-only, full, not allowed), not the request."""

    def __init__(self, message: str, *, storage: bool = False):
        super().__init__(message)
        self.storage = storage


# What the disk answers when it refuses a write, whatever was asked (the CLI's exit 74).
STORAGE_ERRNOS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO})


def refused(message: str, exc: OSError) -> ExportError:
    """The ExportError for an OSError met while writing: a storage one when the disk refused."""
    return ExportError(message, storage=exc.errno in STORAGE_ERRNOS)


def since_utc(since: str | None, tz: str) -> str | None:
    """An export's `since` as the UTC ISO moment the archive's times compare with: a bare date is the
    start of that day on the site's calendar, a time without offset UTC (as `--since` reads them).
    A Python caller's "2026-12-01T08:00+08:00" compared as text would select the wrong rows."""
    from archive.resolve import QueryError, parse_moment

    if since is None:
        return None
    try:
        return parse_moment(since, end_of_day=False, tz=tz)
    except QueryError as exc:
        raise ExportError(f"since: {exc}") from None


@dataclass(frozen=True)
class ExportSummary:
    format: str
    path: Path  # the file written (a symlink's target), or Path("-") for standard output
    rows: int  # table rows, or WARC records written
    bytes: int
    responses: int = 0  # WARC: response records
    revisits: int = 0  # WARC: revisit records (payload identical to an earlier one, or a 304)
    not_modified: int = 0  # WARC: of the revisits, those of a 304 (server-not-modified)
    requests: int = 0  # WARC: request records
    metadata: int = 0  # WARC: metadata records telling the redirects that led to a response
    skipped: int = 0  # WARC: captures without any response (fetch errors), or 304s whose 200 is not in the file
    removed_parts: int = 0  # stale .part files of killed exports of the same output, removed
    to_stdout: bool = False  # the data went to this process's standard output (say so on stderr)


class TargetKind(StrEnum):
    FILE = "file"  # a regular file (new or replaced): written beside it and renamed into place
    STREAM = "stream"  # a device, FIFO or descriptor: written through
    STDOUT = "stdout"  # this process's standard output


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    path: Path  # FILE: the file to create or replace (a symlink's target); STREAM: what to open
    fd: int | None = None  # STREAM/STDOUT: a descriptor of this process to write to
    may_replace: bool = False  # FILE: --force; else a file that appears there meanwhile is kept, not replaced


_OWN_FD = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$")
_STD_NAMES = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


def resolve_target(path: str | os.PathLike, force: bool = False) -> Target:
    """Where an export to `path` goes, or ExportError saying why it cannot (nothing written yet)."""
    text = os.fspath(path)
    if text == STDOUT:
        return Target(TargetKind.STDOUT, Path(STDOUT), 1)
    given = Path(text)
    absolute = os.path.normpath(os.path.abspath(text))
    own = _STD_NAMES.get(absolute)
    match = _OWN_FD.match(absolute)
    if own is None and match:
        own = int(match.group(1))
    if own is not None:
        return Target(TargetKind.STDOUT if own == 1 else TargetKind.STREAM, given, own)
    _check_name(given)
    try:
        info = os.lstat(given)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise refused(f"cannot write {given}: {exc.strerror}", exc) from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        return _through_link(given, force)
    return _plain(given, info, force)


def _through_link(link: Path, force: bool) -> Target:
    """A symbolic link: the file it points to, by kind; never the link itself."""
    pointed = os.readlink(link)
    try:
        info = os.stat(link)  # follows the link (magic /proc links included)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise refused(f"cannot write {link}: {exc.strerror}", exc) from None
    if info is not None and (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        return Target(TargetKind.STREAM, link)  # a link to a device or FIFO: written through, nothing replaced
    real = Path(os.path.realpath(link))
    if not force:
        what = "which does not exist" if info is None else "an existing file"
        raise ExportError(
            f"{link} is a symbolic link (to {pointed}, {what}); pass --force to write to {real} (the link is kept)"
        )
    return _plain(real, info if info is None else os.lstat(real), force)


def _plain(target: Path, info: os.stat_result | None, force: bool) -> Target:
    if info is None:
        if not target.parent.is_dir():
            raise ExportError(f"directory {target.parent} does not exist")
        return Target(TargetKind.FILE, target, may_replace=force)
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise ExportError(f"{target} is a directory; give a file name with -o")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return Target(TargetKind.STREAM, target)
    if stat.S_ISBLK(mode):
        raise ExportError(f"{target} is a block device; export writes files, FIFOs and character devices only")
    if not stat.S_ISREG(mode):
        raise ExportError(f"{target} is not a regular file, FIFO or character device")
    if not force:
        raise ExportError(f"{target} already exists; pass --force to overwrite it")
    return Target(TargetKind.FILE, target, may_replace=True)


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory if directory.is_dir() else ".", "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _check_name(target: Path) -> None:
    size = len(os.fsencode(target.name))
    limit = _name_max(target.parent)
    if size > limit:
        raise ExportError(f"the file name {target.name[:40]}... is {size} bytes long; too long for this file system"
                          f" (at most {limit})")


class CountingWriter(io.RawIOBase):
    """The binary stream exporters write to: counts the bytes (a pipe has no size to stat) and never
    closes a descriptor that is not its own (standard output)."""

    def __init__(self, raw: IO[bytes], target: Target):
        super().__init__()
        self._raw = raw
        self.target = target
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        self._raw.write(view)
        self.written += len(view)
        return len(view)

    def flush(self) -> None:
        if not self.closed:
            self._raw.flush()

    def close(self) -> None:  # TextIOWrapper/ParquetWriter may close us: the caller closes the real file
        if not self.closed:
            self._raw.flush()
        super().close()


def _short(name: str, limit: int = 60) -> str:
    out = []
    used = 0
    for ch in name:
        size = len(ch.encode("utf-8", "surrogateescape"))
        if used + size > limit:
            break
        out.append(ch)
        used += size
    return "".join(out)


def _part_stem(target: Path) -> str:
    digest = hashlib.sha1(os.fsencode(target.name)).hexdigest()[:8]
    return f".{_short(target.name)}.{digest}.ncgh-"


_PART = re.compile(r"(\d+)-[0-9a-f]{8}\.part")


def part_files(target: str | os.PathLike) -> list[Path]:
    """The temporary files of exports to `target` (running or killed), by their name pattern."""
    target = Path(target)
    stem = _part_stem(target)
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return sorted(target.parent / n for n in names if n.startswith(stem) and _PART.fullmatch(n[len(stem):]))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_parts(target: str | os.PathLike) -> int:
    """Remove the .part files an export to `target` killed mid-way left: only regular files of this
    user whose writer process no longer exists (a running export's part is left alone)."""
    removed = 0
    stem = _part_stem(Path(target))
    for part in part_files(target):
        match = _PART.fullmatch(part.name[len(stem):])
        try:
            info = os.lstat(part)
        except OSError:
            continue
        if not match or not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or _alive(int(match.group(1))):
            continue
        with suppress(FileNotFoundError):
            os.unlink(part)
            removed += 1
    return removed


@contextmanager
def atomic_output(path: str | os.PathLike, force: bool = False) -> Iterator[CountingWriter]:
    """A binary stream that, for a file, appears at `path` only when the block finishes without an
    exception; for standard output, a device or a FIFO, is written through (see the module doc)."""
    target = resolve_target(path, force)
    if target.kind is TargetKind.FILE:
        yield from _file_output(target)
        return
    if target.kind is TargetKind.STDOUT:
        sys.stdout.flush()
        raw: IO[bytes] = sys.stdout.buffer
        owned = False
    elif target.fd is not None:
        raw = os.fdopen(os.dup(target.fd), "wb")
        owned = True
    else:
        try:
            fd = os.open(target.path, os.O_WRONLY | os.O_NOCTTY | os.O_CLOEXEC)  # no O_CREAT, no O_TRUNC
        except OSError as exc:
            raise refused(f"cannot write {target.path}: {exc.strerror}", exc) from None
        raw = os.fdopen(fd, "wb")
        owned = True
    writer = CountingWriter(raw, target)
    writer.to_stdout = target.kind is TargetKind.STDOUT or _same_file(raw, 1)  # type: ignore[attr-defined]
    try:
        yield writer
        raw.flush()
    finally:
        if owned:
            raw.close()


def _same_file(raw: IO[bytes], fd: int) -> bool:
    """Whether `raw` writes where descriptor `fd` does (a link to /proc/self/fd/1 is our stdout)."""
    try:
        a, b = os.fstat(raw.fileno()), os.fstat(fd)
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _file_output(target: Target) -> Iterator[CountingWriter]:
    final = target.path
    removed = remove_stale_parts(final)
    tmp = final.parent / f"{_part_stem(final)}{os.getpid()}-{secrets.token_hex(4)}.part"
    try:
        # 0o666 less the umask, as for any new file; O_EXCL|O_NOFOLLOW: never someone else's file.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise ExportError(f"cannot write {final}: the file name is too long for this file system") from None
        raise refused(f"cannot write in {final.parent}: {exc.strerror}", exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            writer = CountingWriter(handle, target)
            writer.removed_parts = removed  # type: ignore[attr-defined]
            yield writer
            handle.flush()
            os.fsync(handle.fileno())
        _put_in_place(tmp, final, target.may_replace)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


_NO_HARD_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS)


def _put_in_place(tmp: Path, final: Path, may_replace: bool) -> None:
    """Rename the finished file into place. Without --force the name was free when the export began,
    but a second export of the same PATH may have finished since: a hard link takes the name only
    if it is still free, so the one that finished first is kept and this one says so (a file system
    without hard links gets the check, then the rename)."""
    if may_replace:
        os.replace(tmp, final)
        return
    try:
        os.link(tmp, final)
    except OSError as exc:
        taken = isinstance(exc, FileExistsError) or (exc.errno in _NO_HARD_LINKS and os.path.lexists(final))
        if taken:
            raise ExportError(f"{final} appeared while exporting (another export?); pass --force to overwrite it") from None
        if exc.errno not in _NO_HARD_LINKS:
            raise
        os.replace(tmp, final)
        return
    os.unlink(tmp)


@contextmanager
def snapshot(db: str | os.PathLike | sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read-only connection inside one read transaction: the export is one consistent snapshot
    even while a crawl keeps committing (WAL readers see the state at their first read)."""
    conn = db if isinstance(db, sqlite3.Connection) else open_readonly(db)
    try:
        with read_snapshot(conn):
            yield conn
    finally:
        if conn is not db:
            conn.close()


def summary(fmt: str, out: CountingWriter | Path, rows: int, **kw: int) -> ExportSummary:
    """The summary of an export: its bytes as written (a pipe has no size), the file it went to."""
    if isinstance(out, Path):  # a caller that wrote a file itself
        return ExportSummary(fmt, out, rows, out.stat().st_size, **kw)
    path = out.target.path
    removed = getattr(out, "removed_parts", 0)
    to_stdout = getattr(out, "to_stdout", False)
    return ExportSummary(fmt, path, rows, out.written, removed_parts=removed, to_stdout=to_stdout, **kw)
