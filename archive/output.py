"""Writing export files safely: a temporary file renamed into place, from one consistent snapshot.

Shared by the table exports (archive/export.py) and the WARC export (archive/warc.py): a reader never
sees half a file, a failed export never clobbers a good one, and an existing file is only replaced
with force=True.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from archive.sql import open_readonly

VERSION_CHOICES = ("latest", "all")


class ExportError(Exception):
    """An export that cannot be done as asked (file exists, bad option); nothing was written."""


@dataclass(frozen=True)
class ExportSummary:
    format: str
    path: Path
    rows: int  # table rows, or WARC records written
    bytes: int
    responses: int = 0  # WARC: response records
    revisits: int = 0  # WARC: revisit records (payload identical to an earlier one)
    requests: int = 0  # WARC: request records
    metadata: int = 0  # WARC: metadata records telling the redirects that led to a response
    skipped: int = 0  # WARC: captures without any response (fetch errors), not written


@contextmanager
def atomic_output(path: str | os.PathLike, force: bool = False) -> Iterator[IO[bytes]]:
    """A binary file that appears at `path` only when the block finishes without an exception."""
    target = Path(path)
    if target.is_dir():
        raise ExportError(f"{target} is a directory; give a file name with -o")
    if target.exists() and not force:
        raise ExportError(f"{target} already exists; pass --force to overwrite it")
    if not target.parent.is_dir():
        raise ExportError(f"directory {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextmanager
def snapshot(db: str | os.PathLike | sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read-only connection inside one read transaction: the export is one consistent snapshot
    even while a crawl keeps committing (WAL readers see the state at their first read)."""
    conn = db if isinstance(db, sqlite3.Connection) else open_readonly(db)
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")
        if conn is not db:
            conn.close()


def summary(fmt: str, path: Path, rows: int, **kw: int) -> ExportSummary:
    return ExportSummary(fmt, path, rows, path.stat().st_size, **kw)
