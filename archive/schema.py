"""Opening an archive's SQLite file and moving it forward: connections (WAL, busy timeout), the
`atomic()` transaction, and `migrate`, which creates a new archive from the DDL in archive/ddl.py
or brings an older file to `SCHEMA_VERSION` through its `STEPS`, each in one transaction. A file
written by a newer program, or a file that is not an archive at all, is refused instead of being
misread.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

from archive.ddl import SCHEMA, SCHEMA_DESCRIPTION, SCHEMA_VERSION, STEPS, Step

# Wait this long for another writer (crawler, reparse) before giving up with "database is locked".
BUSY_TIMEOUT_MS = 30_000

_SQLITE_HEADER = b"SQLite format 3\x00"
# Result codes (low byte of sqlite_errorcode) that mean the bytes on disk are not a usable database.
_SQLITE_CORRUPT, _SQLITE_NOTADB, _SQLITE_CANTOPEN = 11, 26, 14


class SchemaError(RuntimeError):
    """The file is not an archive this program can use (too new, not an archive, damaged)."""


class NotAnArchive(SchemaError):
    """The file is not an ncgh archive: not SQLite at all, or a SQLite file without our schema."""


class DamagedArchive(SchemaError):
    """The file starts as a SQLite database but SQLite cannot read it (corrupt pages, truncated)."""


class UnknownSchemaVersion(SchemaError):
    """The archive's schema version is one this program cannot read (or cannot migrate from)."""

    def __init__(self, message: str, found: int, known: int):
        super().__init__(message)
        self.found = found
        self.known = known


def unusable_file_error(path: str | Path, exc: sqlite3.DatabaseError) -> SchemaError | None:
    """What a DatabaseError raised while opening `path` means: not an archive, damaged, or neither.

    None for errors about the environment rather than the file's bytes (locked, read-only, disk full),
    which the caller lets through as they are.
    """
    code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
    if code not in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return None
    try:
        with open(path, "rb") as f:
            header = f.read(len(_SQLITE_HEADER))
    except OSError:
        return None
    if header != _SQLITE_HEADER:
        return NotAnArchive(f"{path} is not an ncgh archive: not a readable SQLite archive ({exc})")
    return DamagedArchive(f"{path} is a damaged SQLite file: {exc} (run `ncgh verify`; restore it from a backup)")


def readonly_uri(path: str | Path, *, immutable: bool = False) -> str:
    """The URI a reader opens `path` with: mode=ro (and immutable=1 when asked: `open_for_reading`)."""
    return Path(path).resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable else "")


def open_for_reading(path: str | Path, timeout: float = BUSY_TIMEOUT_MS / 1000) -> sqlite3.Connection:
    """A mode=ro connection that has read the schema, or, on read-only media where mode=ro cannot
    open a WAL archive, an immutable one.

    mode=ro needs the -shm file, which SQLite creates beside the archive when no writer has: on
    read-only media (a mounted backup, a read-only bind mount) it cannot, and every read failed with
    "unable to open database file". Only then, on a read-only file system with no -wal holding
    pages (they would be skipped), is the file read as immutable: no writer had it open, or its
    -shm would exist. A writer that starts through another mount afterwards is not seen by that
    connection (a short command does not notice; a long `ncgh serve` there shows the file as it was)."""
    conn = sqlite3.connect(readonly_uri(path), uri=True, isolation_level=None, timeout=timeout)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as exc:
        conn.close()
        code = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
        p = Path(path).resolve()
        if code != _SQLITE_CANTOPEN or not _read_only_file_system(p.parent) or _has_wal(p):
            raise
    return sqlite3.connect(readonly_uri(path, immutable=True), uri=True, isolation_level=None, timeout=timeout)


def _read_only_file_system(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): SQLite's own answer stands
        return False


def _has_wal(path: Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except OSError:
        return False


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open an archive connection that waits for other writers instead of failing.

    Autocommit mode (isolation_level=None): writers open their own `BEGIN IMMEDIATE` transactions
    (`atomic`), which take the write lock up front so two writers queue on busy_timeout instead of
    deadlocking. Readers in WAL mode never block the crawler and are never blocked by it.
    """
    if readonly:
        conn = open_for_reading(path)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if not readonly:
            _wal(conn)
            # NORMAL in WAL mode: no fsync per commit (only at checkpoints). A killed process loses
            # nothing committed; a power loss may lose the last transactions but never corrupts the
            # file, and the crawl redoes those captures because their work items are marked done in
            # the same transactions. See docs/schema.md, "Durability".
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def _wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL mode, once. Switching needs an exclusive lock that SQLite does not wait
    for, so openers racing on a new file retry instead of failing with "database is locked"."""
    for attempt in range(100):
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.05)


_savepoints = count(1)


@contextmanager
def atomic(conn: sqlite3.Connection, on_rollback: Callable[[], None] | None = None) -> Iterator[None]:
    """One write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back if the block raises.

    Nested inside an open transaction it is a SAVEPOINT, so an inner failure undoes only the inner
    block. `on_rollback` runs after any rollback (outer or inner): caches of rows that may no longer
    exist are cleared there.
    """
    if conn.in_transaction:
        name = f"atomic_{next(_savepoints)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            conn.execute(f"ROLLBACK TO {name}")
            conn.execute(f"RELEASE {name}")
            if on_rollback is not None:
                on_rollback()
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if on_rollback is not None:
            on_rollback()
        raise


@contextmanager
def read_snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One read transaction: every query in the block sees the archive as it stood at the first read,
    even while a crawl keeps committing (WAL). Rolled back at the end, having written nothing; inside
    a transaction already open, that transaction is the snapshot."""
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if began and conn.in_transaction:
            conn.execute("ROLLBACK")


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version of the file; 0 for an empty database. NotAnArchive for someone else's tables."""
    # One statement, so one snapshot: another opener may create the schema in between two.
    has_table, tables = conn.execute(
        "SELECT count(*) FILTER (WHERE name = 'schema_version'), count(*) FROM sqlite_master WHERE type = 'table'"
    ).fetchone()
    if not has_table:
        if tables:
            raise NotAnArchive("this SQLite file has tables but no schema_version table: not an ncgh archive")
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _stamp(conn: sqlite3.Connection, version: int, description: str) -> None:
    conn.execute(
        "INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)",
        (version, datetime.now(UTC).isoformat(), description),
    )


def migrate(conn: sqlite3.Connection, steps: Sequence[Step] = STEPS) -> int:
    """Create the schema in an empty file, or bring an older one forward through `steps`; returns the version.

    Each step (and the creation) is one transaction. Safe when several processes open the same file at
    once: the version is re-read after the write lock is taken, so each step runs exactly once. A
    failing step is rolled back whole, leaving the file at the previous version.
    """
    target = max([SCHEMA_VERSION, *(s.to_version for s in steps)])
    version = current_version(conn)
    if version > target:
        raise UnknownSchemaVersion(
            f"archive schema version {version} is newer than this program understands ({target}); "
            "upgrade ncgh-archive",
            version, target,
        )
    if version == 0:
        with atomic(conn):
            if current_version(conn) == 0:  # nobody created it while we waited for the lock
                for statement in SCHEMA:
                    conn.execute(statement)
                _stamp(conn, SCHEMA_VERSION, SCHEMA_DESCRIPTION)
        version = current_version(conn)
    for step in steps:
        if step.to_version <= version:
            continue
        if step.to_version != version + 1:
            raise UnknownSchemaVersion(
                f"archive schema version {version} cannot be migrated: no step to version {version + 1}",
                version, target,
            )
        foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        if step.foreign_keys_off:
            conn.execute("PRAGMA foreign_keys = OFF")  # only takes effect outside a transaction
        try:
            with atomic(conn):
                if current_version(conn) < step.to_version:
                    step.apply(conn)
                    broken = conn.execute("PRAGMA foreign_key_check").fetchone() if step.foreign_keys_off else None
                    if broken is not None:
                        raise SchemaError(f"migration to {step.to_version} would break a reference: {tuple(broken)}")
                    _stamp(conn, step.to_version, step.description)
        finally:
            conn.execute(f"PRAGMA foreign_keys = {int(foreign_keys)}")
        version = step.to_version
    version = current_version(conn)
    if version != target:
        raise UnknownSchemaVersion(
            f"archive schema version {version} is older than this program ({target}) and no step migrates it",
            version, target,
        )
    return version
