"""One line and a documented exit code for every way an archive file can be unusable.

Any command may be pointed (by --db or [archive] db_path) at a file that is not an archive, or at an
archive that is damaged. Whatever the command was doing, the failure ends as one `Error: ...` line
and one of these exit codes (README, "Exit codes"), never a traceback:

  2   the file is not an ncgh archive (not SQLite, another program's database, an empty file)
  65  the archive is damaged (EX_DATAERR): `ncgh verify --full` lists what, restore it from a backup
  74  the disk refuses (read-only, full, I/O error, permission; EX_IOERR)
  75  another process holds the archive longer than the busy timeout (EX_TEMPFAIL)

`ncgh.cli` applies `archive_failure` to any sqlite3.DatabaseError, SchemaError or OSError a command
lets through; commands that open the archive themselves use it to refine their own messages.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import click

from archive.bodies import BodyIntegrityError
from archive.fileinfo import Failure, FileState, classify_error, error_text, inspect_file
from archive.schema import SchemaError

EXIT_USAGE = 2
EXIT_NOT_AN_ARCHIVE = 2
EXIT_DAMAGED = 65
EXIT_STORAGE = 74
EXIT_BUSY = 75

_NOT_ARCHIVE_STATES = (FileState.NOT_SQLITE, FileState.NOT_AN_ARCHIVE, FileState.EMPTY)


class ArchiveFailure(click.ClickException):
    """A click error with the exit code of its kind (click prints it as `Error: <message>`)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


def usage_error(message: str) -> ArchiveFailure:
    """One `Error: ...` line and exit code 2, as for a bad option (a bad date, two options that clash)."""
    return ArchiveFailure(message, EXIT_USAGE)


def not_an_archive(check_detail: str) -> ArchiveFailure:
    return ArchiveFailure(f"{check_detail}; pass --db with the path of an ncgh archive", EXIT_NOT_AN_ARCHIVE)


def damaged(path: Path | None, reason: str) -> ArchiveFailure:
    where = f"the archive {path}" if path else "the archive"
    db = f" --db {path}" if path else ""
    return ArchiveFailure(
        f"{where} is damaged ({reason}); run `ncgh verify --full{db}` to see what, and restore it from a backup",
        EXIT_DAMAGED,
    )


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror}: {exc.filename}" if exc.filename else exc.strerror
    return error_text(exc)


def export_failure(exc: Exception) -> click.ClickException:
    """An export that could not be written: exit 74 when the disk refused (read-only, full, not
    allowed), as for every other write the disk refuses; else exit 1 (the request cannot be done)."""
    if getattr(exc, "storage", False):
        return ArchiveFailure(str(exc), EXIT_STORAGE)
    return click.ClickException(str(exc))


def file_failure(path: Path) -> ArchiveFailure | None:
    """The error for a file that is not an archive or whose SQLite structures are damaged, else None."""
    check = inspect_file(path)
    if check.state in _NOT_ARCHIVE_STATES:
        return not_an_archive(check.detail)
    if check.state is FileState.DAMAGED:
        return damaged(path, check.detail)
    if check.state is FileState.NO_ACCESS:  # the folder refuses, the bytes are fine: not "damaged"
        return ArchiveFailure(check.detail, EXIT_STORAGE)
    return None


def _os_failure(exc: OSError, reason: str, path: Path | None) -> str:
    """Name the file that failed: an export's output that cannot be written is not the archive (an
    archivist told "cannot use the archive" after a full disk under the output thinks it is broken)."""
    failed = Path(str(exc.filename)) if exc.filename else None
    where = f" {path}" if path else ""
    if failed is None and exc.errno is not None:
        return f"{reason}: while reading the archive{where} or writing the output"
    if failed is None or (path is not None and failed.name.startswith(path.name)):  # its -wal, -shm, .lock
        return f"cannot use the archive{where}: {reason}"
    return f"cannot write or read {failed}: {exc.strerror or reason}"


def archive_failure(exc: BaseException, path: Path | None = None) -> ArchiveFailure:
    """The one-line error for `exc`, raised while a command used the archive at `path` (if known)."""
    reason = _one_line(exc)
    if isinstance(exc, OSError):
        return ArchiveFailure(_os_failure(exc, reason, path), EXIT_STORAGE)
    if isinstance(exc, BodyIntegrityError):
        return damaged(path, reason)
    kind = classify_error(exc)
    if kind in (Failure.NOT_AN_ARCHIVE, Failure.DAMAGED) and path is not None:
        # The file itself says best which it is: "no such table" in an empty file is not damage.
        refined = file_failure(path)
        if refined is not None:
            return refined
    if kind is Failure.NOT_AN_ARCHIVE:
        what = f"{path} is not an ncgh archive" if path else "the file is not an ncgh archive"
        return not_an_archive(f"{what} ({reason})")
    if kind is Failure.STORAGE:
        where = f" {path}" if path else ""
        return ArchiveFailure(f"cannot use the archive{where}: {reason}", EXIT_STORAGE)
    if kind is Failure.BUSY:
        return ArchiveFailure(f"the archive is busy ({reason}); another process holds it, try again later", EXIT_BUSY)
    return damaged(path, reason)


# UnicodeDecodeError: what the sqlite3 module raises when SQLite's own error message quotes raw bytes
# of a damaged schema. BodyIntegrityError: a stored body that no longer matches its SHA-256.
ARCHIVE_ERRORS: tuple[type[BaseException], ...] = (
    sqlite3.DatabaseError, SchemaError, OSError, UnicodeDecodeError, BodyIntegrityError
)
