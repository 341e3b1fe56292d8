"""The SQLite layer of an archive file, checked as any SQLite file could fail it.

SQLite's own page check, every stored value against its column's declared type (and text against
UTF-8), and FTS5's own b-tree check of the search index. They know nothing of what the archive's
rows mean; archive.verify runs them beside its checks of bodies, versions and the index's content.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

from archive.fileinfo import Failure, classify_error, error_text


def sqlite_problems(conn: sqlite3.Connection, pragma: str) -> Iterator[str]:
    """SQLite's own check of the file's pages (`integrity_check`, or the quicker `quick_check`)."""
    for (message,) in conn.execute(f"PRAGMA {pragma}"):
        if message != "ok":
            yield f"SQLite {pragma}: {message}"


# Declared column type -> the storage classes a value of it may have (besides NULL where allowed).
_STORAGE_CLASSES = {"INTEGER": {"integer"}, "TEXT": {"text"}, "REAL": {"real", "integer"}, "BLOB": {"blob"}}
_MAX_PER_TABLE = 20


def column_type_problems(conn: sqlite3.Connection) -> Iterator[str]:
    """Every value of every ordinary table: readable, of its declared type, and text valid UTF-8.

    A generator, so what it found before a table's damage stopped it is still reported."""
    tables = [
        name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " AND name NOT LIKE 'version_fts%' ORDER BY name"
        )
    ]
    for table in tables:
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        checked = [(row[1], _STORAGE_CLASSES.get((row[2] or "").upper()), bool(row[3])) for row in info]
        keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] or ["rowid"]
        key = " || ',' || ".join(f'CAST("{k}" AS BLOB)' if k != "rowid" else "rowid" for k in keys)
        select = ", ".join(f'typeof("{name}"), CAST("{name}" AS BLOB)' for name, _, _ in checked)
        bad = 0
        try:
            for row in conn.execute(f'SELECT CAST({key} AS BLOB), {select} FROM "{table}"'):
                rowid = bytes(row[0] or b"").decode("utf-8", "replace")
                for i, (name, allowed, notnull) in enumerate(checked):
                    kind, raw = row[1 + 2 * i], row[2 + 2 * i]
                    why = None
                    if kind == "null":
                        why = "is NULL but declared NOT NULL" if notnull else None
                    elif allowed is not None and kind not in allowed:
                        why = f"holds a {kind} value where {'/'.join(sorted(allowed))} is declared"
                    elif kind == "text":
                        try:
                            bytes(raw).decode("utf-8")
                        except UnicodeDecodeError as exc:
                            why = f"holds text that is not valid UTF-8 ({exc.reason} at byte {exc.start})"
                    if why:
                        bad += 1
                        if bad <= _MAX_PER_TABLE:
                            yield (f"{table} row {rowid}: column {name} {why}")
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            yield (f"{table}: rows cannot be read ({error_text(exc)})")
        if bad > _MAX_PER_TABLE:
            yield (f"{table}: ... and {bad - _MAX_PER_TABLE} more damaged values")


def fts_structure_problems(path: Path) -> tuple[list[str], list[str]]:
    """FTS5's own `integrity-check` of the search index's b-trees.

    FTS5 runs it as an INSERT, which a read-only connection refuses; it writes nothing, and it runs
    inside a transaction that is rolled back, so the file is left exactly as it was. Where the file
    cannot be opened for writing, the check is skipped with a note. Returns (problems, notes).
    """
    problems: list[str] = []
    notes: list[str] = []
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        return problems, [f"full-text index structure not checked: {exc}"]
    try:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO version_fts (version_fts) VALUES ('integrity-check')")
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        if classify_error(exc) in (Failure.STORAGE, Failure.BUSY):
            notes.append(f"full-text index structure not checked: {exc}")
        else:
            problems.append(f"full-text index: FTS5 integrity-check failed: {error_text(exc)}")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()
    return problems, notes
