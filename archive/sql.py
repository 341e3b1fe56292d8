"""Opening an archive for reading, and `ncgh sql`: arbitrary SELECTs that can never write.

Every reader (show, history, stats, export, serve) opens the file through `open_readonly`.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from archive.ddl import SCHEMA_VERSION
from archive.resolve import QueryError
from archive.schema import (
    DamagedArchive,
    NotAnArchive,
    UnknownSchemaVersion,
    connect,
    current_version,
    unusable_file_error,
)


class ArchiveNotFound(QueryError):
    """No archive at the path given."""


class NotAnArchiveToRead(QueryError, NotAnArchive):
    """The file given to a reader is not an ncgh archive (not SQLite, empty, or someone else's tables)."""


class DamagedArchiveToRead(QueryError, DamagedArchive):
    """The file given to a reader is a SQLite file that SQLite cannot read."""


class UnknownSchemaToRead(QueryError, UnknownSchemaVersion):
    """The archive's schema version is not the one this program reads; names both versions."""


class ReadOnlyRefused(QueryError):
    """A statement tried to change the archive through a read-only connection."""


def open_readonly(path: str | os.PathLike) -> sqlite3.Connection:
    """A connection that cannot write: SQLite URI mode=ro plus PRAGMA query_only.

    Two locks, because either alone has a gap: mode=ro still lets a statement create temp objects
    and query_only can be switched off by a PRAGMA; together nothing reaches the file. A reader never
    migrates: an archive at another schema version is refused (only the writer, `Archive(path)`,
    moves a file forward).
    """
    p = Path(path)
    if not p.is_file():
        raise ArchiveNotFound(f"no archive at {p} (run `ncgh crawl` first, or pass --db PATH)")
    if p.stat().st_size == 0:
        raise NotAnArchiveToRead(f"{p} is an empty file, not an ncgh archive")
    conn: sqlite3.Connection | None = None
    try:
        conn = connect(p, readonly=True)
        conn.execute("PRAGMA query_only = 1")
        version = current_version(conn)
    except NotAnArchive as exc:
        _close(conn)
        raise NotAnArchiveToRead(f"{p}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        _close(conn)
        meaning = unusable_file_error(p, exc)
        if isinstance(meaning, NotAnArchive):
            raise NotAnArchiveToRead(str(meaning)) from None
        if isinstance(meaning, DamagedArchive):
            raise DamagedArchiveToRead(str(meaning)) from None
        raise QueryError(f"{p} is not a readable SQLite archive: {exc}") from None
    if version == 0:
        conn.close()
        raise NotAnArchiveToRead(f"{p} is an empty SQLite file, not an ncgh archive")
    if version != SCHEMA_VERSION:
        conn.close()
        if version > SCHEMA_VERSION:
            advice = "upgrade ncgh-archive"
        else:
            advice = "run `ncgh reparse` (or a crawl) once to migrate it"
        raise UnknownSchemaToRead(
            f"{p} has schema version {version}; this program reads version {SCHEMA_VERSION}: {advice}",
            version, SCHEMA_VERSION,
        )
    return conn


def _close(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        conn.close()


@dataclass(frozen=True)
class SqlResult:
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]


_WRITE_ERRORS = ("readonly", "read-only", "query_only", "attempt to write")

# PRAGMAs whose argument only selects what to read; any other PRAGMA with a value sets something.
_READING_PRAGMAS = frozenset(
    {"table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
     "foreign_key_check", "integrity_check", "quick_check", "function_list", "pragma_list", "module_list",
     "collation_list", "database_list", "compile_options"}
)


def _deny_side_doors(action: int, arg1: str | None, arg2: str | None, db: str | None, trigger: str | None) -> int:
    """sqlite3 authorizer closing what mode=ro and query_only leave open.

    ATTACH (and VACUUM INTO, which attaches) creates files elsewhere on disk; a PRAGMA with a value
    can switch query_only off or change the journal mode.
    """
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and arg2 is not None and (arg1 or "").lower() not in _READING_PRAGMAS:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def run_sql(conn: sqlite3.Connection, sql: str, params: tuple | dict = (), max_rows: int | None = None) -> SqlResult:
    """Run one statement on a read-only connection; a write attempt raises ReadOnlyRefused."""
    conn.set_authorizer(_deny_side_doors)
    try:
        cursor = conn.execute(sql, params)
        rows = cursor.fetchall() if max_rows is None else cursor.fetchmany(max_rows)
    except sqlite3.DatabaseError as exc:
        message = str(exc)
        low = message.lower()
        if "authoriz" in low:
            raise ReadOnlyRefused(
                "refused: the archive is opened read-only; ATTACH, VACUUM INTO and PRAGMA assignments are not run"
            ) from None
        if any(word in low for word in _WRITE_ERRORS):
            raise ReadOnlyRefused(
                f"refused: the archive is opened read-only, so statements that change it are not run ({message})"
            ) from None
        raise QueryError(f"SQL error: {message}") from None
    except sqlite3.ProgrammingError as exc:
        raise QueryError(f"SQL error: {exc}") from None
    finally:
        conn.set_authorizer(None)
    columns = tuple(d[0] for d in cursor.description or ())
    return SqlResult(columns, tuple(tuple(r) for r in rows))
