"""The archive's SQLite schema: its DDL, written once, its version number, and how a file moves forward.

Every table and column is documented in docs/schema.md. A new archive is created from `SCHEMA` and
stamped with `SCHEMA_VERSION`. When the schema changes, `SCHEMA` is edited to the new shape,
`SCHEMA_VERSION` goes up by one and a `Step` to that version is appended to `STEPS`: the step brings
a file of the previous version to the new one, in one transaction. A file written by a newer program,
or a file that is not an archive at all, is refused instead of being misread.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from pathlib import Path

from archive.vocab import (
    SHOWS_ARTICLE,
    STORED_ARTICLE_STATUSES,
    BodyCodec,
    CaptureKind,
    EventKind,
    Outcome,
    RunStatus,
    WorkState,
    sql_values,
)

# Wait this long for another writer (crawler, reparse) before giving up with "database is locked".
BUSY_TIMEOUT_MS = 30_000

SCHEMA_VERSION = 1
SCHEMA_DESCRIPTION = "initial schema"

# The whole schema, as one list of statements run in one transaction when a new archive is created.
# Plain SQL on purpose: CHECK constraints, composite keys, a partial index, a WITHOUT ROWID table, a
# contentless FTS5 table and a view are most of it (docs/schema.md, "How the schema is written").
# The words of closed vocabularies (CHECK lists, defaults) are written from archive/vocab.py's enums.
SCHEMA: tuple[str, ...] = (
    """CREATE TABLE schema_version (
        version INTEGER PRIMARY KEY,
        applied_at TEXT NOT NULL,
        description TEXT NOT NULL
    )""",
    f"""CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        mode TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT '{RunStatus.RUNNING}',
        config_json TEXT NOT NULL DEFAULT '{{}}',
        summary_json TEXT,
        requests INTEGER,
        fetched INTEGER,
        not_modified INTEGER,
        new_articles INTEGER,
        new_versions INTEGER,
        unchanged INTEGER,
        gone INTEGER,
        restored INTEGER,
        errors INTEGER
    )""",
    f"""CREATE TABLE work_items (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        url TEXT NOT NULL,
        kind TEXT NOT NULL,
        article_id INTEGER,
        priority INTEGER NOT NULL DEFAULT 0,
        etag TEXT,
        last_modified TEXT,
        state TEXT NOT NULL DEFAULT '{WorkState.PENDING}',
        capture_id INTEGER,
        UNIQUE (run_id, url)
    )""",
    "CREATE INDEX work_items_queue ON work_items (run_id, state, priority DESC, id)",
    # Request header lists repeat (the crawler sends the same few sets): stored once, referenced by id.
    """CREATE TABLE header_sets (
        id INTEGER PRIMARY KEY,
        headers_json TEXT NOT NULL UNIQUE
    )""",
    # Keyed by the hash without a rowid: the hash is stored once instead of in the table and again in
    # its primary-key index (a revisit's body row is a few dozen bytes besides the hash).
    f"""CREATE TABLE bodies (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        codec TEXT NOT NULL CHECK (codec IN {sql_values(BodyCodec)}),
        base_sha256 TEXT REFERENCES bodies(sha256),
        depth INTEGER NOT NULL DEFAULT 0,
        stored_size INTEGER NOT NULL,
        data BLOB NOT NULL,
        CHECK ((codec = '{BodyCodec.ZSTD}') = (base_sha256 IS NULL))
    ) WITHOUT ROWID""",
    # `final_url` is NULL when it is the URL requested (most captures: no redirect), not a second copy.
    f"""CREATE TABLE captures (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        work_item_id INTEGER,
        site TEXT NOT NULL,
        article_id INTEGER,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        final_url TEXT CHECK (final_url IS NULL OR final_url != url),
        fetched_at TEXT NOT NULL,
        status INTEGER,
        elapsed REAL NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 1,
        error TEXT,
        error_detail TEXT,
        headers_json TEXT NOT NULL DEFAULT '[]',
        request_headers_id INTEGER REFERENCES header_sets(id),
        redirects_json TEXT NOT NULL DEFAULT '[]',
        body_sha256 TEXT REFERENCES bodies(sha256),
        body_size INTEGER,
        outcome TEXT NOT NULL
            CHECK (outcome IN {sql_values(Outcome)}),
        missing_reason TEXT,
        encoding TEXT,
        encoding_source TEXT,
        parser_version TEXT,
        extractor TEXT,
        warnings_json TEXT NOT NULL DEFAULT '[]',
        parse_error TEXT,
        views INTEGER,
        version INTEGER,
        footer_version INTEGER
    )""",
    # The identity check (fetched_at, url, status, body) is made by the single write path under the
    # write lock, so no unique index repeats the URL and hash of every capture: capture time alone finds
    # the candidates and serves time-ordered scans.
    "CREATE INDEX captures_time ON captures (fetched_at)",
    "CREATE INDEX captures_article ON captures (site, article_id, fetched_at)",
    # Non-article captures (list pages, API) by URL: the delta base of the next capture of that URL.
    "CREATE INDEX captures_url ON captures (url, fetched_at) WHERE article_id IS NULL",
    "CREATE INDEX captures_run ON captures (run_id)",
    f"""CREATE TABLE articles (
        site TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN {sql_values(STORED_ARTICLE_STATUSES)}),
        first_seen TEXT NOT NULL,
        last_seen TEXT,
        last_capture_at TEXT NOT NULL,
        last_change_at TEXT,
        published_at TEXT,
        title TEXT,
        last_url TEXT,
        etag TEXT,
        last_modified TEXT,
        missing_streak INTEGER NOT NULL DEFAULT 0,
        version INTEGER,
        views INTEGER,
        views_at TEXT,
        PRIMARY KEY (site, article_id)
    )""",
    """CREATE TABLE article_urls (
        site TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        url TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (site, article_id, url)
    )""",
    """CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        capture_id INTEGER NOT NULL REFERENCES captures(id),
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        last_capture_id INTEGER NOT NULL REFERENCES captures(id),
        content_hash TEXT NOT NULL,
        changed_fields TEXT NOT NULL,
        title TEXT,
        column_name TEXT,
        published_at TEXT,
        source TEXT,
        author TEXT,
        body_text TEXT NOT NULL,
        body_html TEXT NOT NULL,
        images_json TEXT NOT NULL DEFAULT '[]',
        attachments_json TEXT NOT NULL DEFAULT '[]',
        signature TEXT,
        parser_version TEXT,
        UNIQUE (site, article_id, version)
    )""",
    # The view-count time series is a view over captures: no second copy of every capture's time.
    f"""CREATE VIEW views AS
        SELECT id AS capture_id, site, article_id, fetched_at AS at, views FROM captures
        WHERE kind = '{CaptureKind.ARTICLE}' AND article_id IS NOT NULL AND views IS NOT NULL
          AND outcome IN {sql_values(SHOWS_ARTICLE)}""",
    """CREATE TABLE footers (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        capture_id INTEGER NOT NULL REFERENCES captures(id),
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        changed_fields TEXT NOT NULL,
        org TEXT,
        icp TEXT,
        police_record TEXT,
        phone TEXT,
        email TEXT,
        address TEXT,
        postcode TEXT,
        UNIQUE (site, version)
    )""",
    f"""CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        event TEXT NOT NULL CHECK (event IN {sql_values(EventKind)}),
        at TEXT NOT NULL,
        capture_id INTEGER NOT NULL REFERENCES captures(id),
        version INTEGER,
        detail TEXT
    )""",
    "CREATE INDEX events_article ON events (site, article_id, at)",
    "CREATE INDEX events_time ON events (at)",
    # Alert deliveries (ncgh/notify.py): one row per event per destination, written when the crawl that
    # learned the event ends, `delivered_at` set once the destination took it. An event is named by its
    # capture and kind, not events.id, which `ncgh reparse` renumbers. `destination` is a hash of the
    # Apprise URL (URLs hold passwords and tokens; the archive is browsable), `label` the URL masked.
    """CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        destination TEXT NOT NULL,
        label TEXT NOT NULL,
        capture_id INTEGER NOT NULL REFERENCES captures(id),
        event TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        delivered_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        UNIQUE (destination, capture_id, event)
    )""",
    "CREATE INDEX notifications_pending ON notifications (destination, id) WHERE delivered_at IS NULL",
    # Contentless full-text index: rowid = versions.id; text is indexed as CJK bigrams (archive/search.py).
    """CREATE VIRTUAL TABLE version_fts USING fts5(
        title, body, content='', tokenize='unicode61 remove_diacritics 2'
    )""",
)



@dataclass(frozen=True)
class Step:
    """One migration: `apply(conn)` brings a file at `to_version - 1` to `to_version`.

    It runs inside the transaction `migrate` opens (so it must not commit); the version row is written
    by `migrate` in the same transaction. Rebuilding a table that others reference needs foreign keys
    off while it runs (`foreign_keys_off`); `PRAGMA foreign_key_check` must still pass before commit.
    """

    to_version: int
    description: str
    apply: Callable[[sqlite3.Connection], None]
    foreign_keys_off: bool = False


# The migrations of released archives, oldest first. None yet: the project has never been released,
# so the first change to `SCHEMA` after a release is the first step here (to_version=2).
STEPS: tuple[Step, ...] = ()

_SQLITE_HEADER = b"SQLite format 3\x00"
# Result codes (low byte of sqlite_errorcode) that mean the bytes on disk are not a usable database.
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


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


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open an archive connection that waits for other writers instead of failing.

    Autocommit mode (isolation_level=None): writers open their own `BEGIN IMMEDIATE` transactions
    (`atomic`), which take the write lock up front so two writers queue on busy_timeout instead of
    deadlocking. Readers in WAL mode never block the crawler and are never blocked by it.
    """
    if readonly:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
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
