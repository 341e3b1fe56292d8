"""What a file given as an archive is, and what an SQLite failure on an archive means to its user.

Read-only and before anything opens the file for writing, so that `ncgh` can say "not an archive",
"damaged" or "the disk refuses" in one line instead of a traceback, and never turn someone else's
file into an archive.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from archive.schema import SchemaError, open_for_reading


class FileState(StrEnum):
    """What a file given as an archive turned out to be."""

    ARCHIVE = "archive"  # an ncgh archive (its content may still be damaged; verify says)
    MISSING = "missing"  # no file at the path
    EMPTY = "empty"  # zero bytes, or SQLite without any table: nothing archived yet
    NOT_SQLITE = "not_sqlite"  # not an SQLite database at all (a text file, a directory, other data)
    NOT_AN_ARCHIVE = "not_an_archive"  # SQLite, but not ncgh's schema
    DAMAGED = "damaged"  # an SQLite file whose own structures cannot be read
    NO_ACCESS = "no_access"  # SQLite cannot open it here (the folder refuses the -shm file it needs)


@dataclass(frozen=True)
class FileCheck:
    state: FileState
    detail: str  # one line saying why, naming the file


class Failure(StrEnum):
    """Why an SQLite operation on an archive failed, as far as the user must act on it."""

    NOT_AN_ARCHIVE = "not_an_archive"  # the file is no (ncgh) database: point --db elsewhere
    DAMAGED = "damaged"  # the archive is corrupt: run `ncgh verify --full`, restore a backup
    STORAGE = "storage"  # the disk refuses: read-only, full, I/O error, no permission
    BUSY = "busy"  # another process holds a lock longer than the busy timeout


_SQLITE_HEADER = b"SQLite format 3\x00"
# SQLite primary result codes (sqlite3.h); Python 3.11 exposes them as exc.sqlite_errorcode.
_NOTADB, _CORRUPT, _CANTOPEN = 26, 11, 14
_STORAGE_CODES = {3, 8, 10, 13, 14, 22, 23}  # PERM, READONLY, IOERR, FULL, CANTOPEN, NOLFS, AUTH
_BUSY_CODES = {5, 6}  # BUSY, LOCKED


def error_text(exc: BaseException) -> str:
    """One line for an error; SQLite's message itself when Python could not decode it (a damaged
    schema makes SQLite quote raw bytes, and the sqlite3 module then raises UnicodeDecodeError)."""
    if isinstance(exc, UnicodeDecodeError) and isinstance(exc.object, bytes):
        return exc.object.decode("utf-8", "replace")
    return " ".join(str(exc).split()) or type(exc).__name__


def classify_error(exc: BaseException) -> Failure:
    """The kind of a failure raised while using an archive (sqlite3 errors, SchemaError)."""
    if isinstance(exc, SchemaError):
        return Failure.NOT_AN_ARCHIVE
    if isinstance(exc, UnicodeDecodeError):
        return Failure.DAMAGED
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    message = str(exc).lower()
    if primary == _NOTADB or "not a database" in message:
        return Failure.NOT_AN_ARCHIVE
    if primary in _STORAGE_CODES or any(w in message for w in ("readonly", "read-only", "disk is full", "disk i/o")):
        return Failure.STORAGE
    if primary in _BUSY_CODES or "database is locked" in message:
        return Failure.BUSY
    # CORRUPT, undecodable text ("Could not decode to UTF-8"), a missing table or column of the schema,
    # a value of the wrong type: the file is an archive, but what it holds cannot be read as one.
    return Failure.DAMAGED


def _unopenable(p: Path, exc: BaseException) -> FileCheck | None:
    """A file SQLite cannot open read-only where it lies: a WAL archive whose folder this user may not
    write (SQLite creates its -shm file there). Not damage: the same bytes open anywhere else."""
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int) or code & 0xFF != _CANTOPEN:
        return None
    folder = p.resolve().parent
    if os.access(folder, os.W_OK) and os.access(p, os.R_OK):
        return None
    return FileCheck(
        FileState.NO_ACCESS,
        f"SQLite cannot open {p} here: reading it needs {p.name}-shm beside it and {folder} is not writable"
        " (or the file not readable) for this user; copy the archive to a writable folder, or let this user"
        " write there",
    )


def inspect_file(path: str | Path) -> FileCheck:
    """What the file at `path` is, read-only and without SQLite writing anything (no WAL switch)."""
    p = Path(path)
    if not p.exists():
        return FileCheck(FileState.MISSING, f"no archive at {p}")
    if not p.is_file():
        return FileCheck(FileState.NOT_SQLITE, f"{p} is not a file")
    try:
        with open(p, "rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as exc:
        return FileCheck(FileState.DAMAGED, f"{p} cannot be read: {exc.strerror}")
    if not header:
        return FileCheck(FileState.EMPTY, f"{p} is an empty file, not an ncgh archive")
    if header != _SQLITE_HEADER:
        return FileCheck(FileState.NOT_SQLITE, f"{p} is not an ncgh archive (not an SQLite database)")
    conn: sqlite3.Connection | None = None
    try:
        conn = open_for_reading(p, timeout=5.0)
        names = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not names:
            return FileCheck(FileState.EMPTY, f"{p} is an empty SQLite file, not an ncgh archive")
        if "schema_version" not in names:
            return FileCheck(FileState.NOT_AN_ARCHIVE, f"{p} is an SQLite database but not an ncgh archive")
        conn.execute("SELECT max(version) FROM schema_version").fetchone()
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        unopenable = _unopenable(p, exc)
        if unopenable is not None:
            return unopenable
        if classify_error(exc) is Failure.NOT_AN_ARCHIVE:
            return FileCheck(FileState.NOT_SQLITE, f"{p} is not an ncgh archive ({exc})")
        return FileCheck(FileState.DAMAGED, f"{p} is damaged: {error_text(exc)}")
    finally:
        if conn is not None:
            conn.close()
    return FileCheck(FileState.ARCHIVE, f"{p} is an ncgh archive")
