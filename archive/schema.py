"""The archive's SQLite schema, its version number and the migrations between versions.

Every table and column is documented in docs/schema.md. The schema only ever moves forward: a
migration is a numbered list of SQL statements applied in one transaction, and the `schema_version`
table records each one applied. A database written by a newer program is refused instead of being
silently misread.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

# Wait this long for another writer (crawler, reparse) before giving up with "database is locked".
BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]
    # Rebuilding a table that others reference (create, copy, drop, rename) needs foreign keys off
    # while it runs; `PRAGMA foreign_key_check` must still pass before the migration commits.
    foreign_keys_off: bool = False


SCHEMA_V1 = (
    """CREATE TABLE schema_version (
        version INTEGER PRIMARY KEY,
        applied_at TEXT NOT NULL,
        description TEXT NOT NULL
    )""",
    """CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        mode TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        config_json TEXT NOT NULL DEFAULT '{}',
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
    """CREATE TABLE work_items (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs(id),
        url TEXT NOT NULL,
        kind TEXT NOT NULL,
        article_id INTEGER,
        priority INTEGER NOT NULL DEFAULT 0,
        etag TEXT,
        last_modified TEXT,
        state TEXT NOT NULL DEFAULT 'pending',
        capture_id INTEGER,
        UNIQUE (run_id, url)
    )""",
    "CREATE INDEX work_items_queue ON work_items (run_id, state, priority DESC, id)",
    """CREATE TABLE bodies (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        codec TEXT NOT NULL CHECK (codec IN ('zstd', 'zstd-delta', 'patch')),
        base_sha256 TEXT REFERENCES bodies(sha256),
        depth INTEGER NOT NULL DEFAULT 0,
        stored_size INTEGER NOT NULL,
        data BLOB NOT NULL,
        CHECK ((codec = 'zstd') = (base_sha256 IS NULL))
    )""",
    """CREATE TABLE captures (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        work_item_id INTEGER,
        site TEXT NOT NULL,
        article_id INTEGER,
        kind TEXT NOT NULL,
        url TEXT NOT NULL,
        final_url TEXT NOT NULL,
        fetched_at TEXT NOT NULL,
        status INTEGER,
        elapsed REAL NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 1,
        error TEXT,
        error_detail TEXT,
        headers_json TEXT NOT NULL DEFAULT '[]',
        request_headers_json TEXT NOT NULL DEFAULT '[]',
        redirects_json TEXT NOT NULL DEFAULT '[]',
        body_sha256 TEXT REFERENCES bodies(sha256),
        body_size INTEGER,
        outcome TEXT NOT NULL
            CHECK (outcome IN ('ok', 'not_modified', 'missing', 'parse_error', 'fetch_error')),
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
    # Identity of a capture (idempotent recording); leading with fetched_at it also serves time order.
    """CREATE UNIQUE INDEX captures_identity
        ON captures (fetched_at, url, ifnull(status, -1), ifnull(body_sha256, ''))""",
    "CREATE INDEX captures_article ON captures (site, article_id, fetched_at)",
    # Non-article captures (list pages, API) by URL: the delta base of the next capture of that URL.
    "CREATE INDEX captures_url ON captures (url, fetched_at) WHERE article_id IS NULL",
    "CREATE INDEX captures_run ON captures (run_id)",
    """CREATE TABLE articles (
        site TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('live', 'gone')),
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
    """CREATE VIEW views AS
        SELECT id AS capture_id, site, article_id, fetched_at AS at, views FROM captures
        WHERE kind = 'article' AND article_id IS NOT NULL AND views IS NOT NULL
          AND outcome IN ('ok', 'parse_error', 'not_modified')""",
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
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        event TEXT NOT NULL CHECK (event IN ('new', 'edited', 'gone', 'restored')),
        at TEXT NOT NULL,
        capture_id INTEGER NOT NULL REFERENCES captures(id),
        version INTEGER,
        detail TEXT
    )""",
    "CREATE INDEX events_article ON events (site, article_id, at)",
    "CREATE INDEX events_time ON events (at)",
    # Contentless full-text index: rowid = versions.id; text is indexed as CJK bigrams (archive/search.py).
    """CREATE VIRTUAL TABLE version_fts USING fts5(
        title, body, content='', tokenize='unicode61 remove_diacritics 2'
    )""",
)

# Version 2: a revisit's rows cost about a third less (bench/bench_storage.py: 1,076 -> ~700 bytes per
# capture beyond its body), with no information dropped.
SCHEMA_V2 = (
    # Request header lists repeat (the crawler sends the same few sets): stored once, referenced by id.
    """CREATE TABLE header_sets (
        id INTEGER PRIMARY KEY,
        headers_json TEXT NOT NULL UNIQUE
    )""",
    "INSERT OR IGNORE INTO header_sets (headers_json) SELECT request_headers_json FROM captures ORDER BY id",
    "ALTER TABLE captures ADD COLUMN request_headers_id INTEGER REFERENCES header_sets(id)",
    """UPDATE captures SET request_headers_id =
        (SELECT id FROM header_sets WHERE headers_json = captures.request_headers_json)""",
    "ALTER TABLE captures DROP COLUMN request_headers_json",
    # The identity check (fetched_at, url, status, body) is made by the single write path under the
    # write lock; a unique index repeating the URL and the 64-character hash of every capture is not
    # needed for it. Capture time alone finds the candidates and serves time-ordered scans.
    "DROP INDEX captures_identity",
    "CREATE INDEX captures_time ON captures (fetched_at)",
    # Bodies keyed by their hash without a rowid: the hash is stored once instead of in the table and
    # again in its primary-key index (a revisit's body row is a few dozen bytes besides the hash).
    """CREATE TABLE bodies_v2 (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        codec TEXT NOT NULL CHECK (codec IN ('zstd', 'zstd-delta', 'patch')),
        base_sha256 TEXT REFERENCES bodies(sha256),
        depth INTEGER NOT NULL DEFAULT 0,
        stored_size INTEGER NOT NULL,
        data BLOB NOT NULL,
        CHECK ((codec = 'zstd') = (base_sha256 IS NULL))
    ) WITHOUT ROWID""",
    "INSERT INTO bodies_v2 SELECT sha256, size, codec, base_sha256, depth, stored_size, data FROM bodies",
    "DROP TABLE bodies",
    "ALTER TABLE bodies_v2 RENAME TO bodies",
)

_V1_VIEWS = next(statement for statement in SCHEMA_V1 if statement.startswith("CREATE VIEW views"))

# Version 3: `final_url` is NULL when it is the URL requested (most captures: no redirect), instead of a
# second copy of the URL in every row. SQLite cannot relax NOT NULL in place, so the table is rebuilt
# (same ids; the columns `versions`, `events` and `footers` reference are kept).
SCHEMA_V3 = (
    "DROP VIEW views",
    """CREATE TABLE captures_v3 (
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
            CHECK (outcome IN ('ok', 'not_modified', 'missing', 'parse_error', 'fetch_error')),
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
    """INSERT INTO captures_v3 (id, run_id, work_item_id, site, article_id, kind, url, final_url, fetched_at, status,
        elapsed, attempts, error, error_detail, headers_json, request_headers_id, redirects_json, body_sha256,
        body_size, outcome, missing_reason, encoding, encoding_source, parser_version, extractor, warnings_json,
        parse_error, views, version, footer_version)
    SELECT id, run_id, work_item_id, site, article_id, kind, url, nullif(final_url, url), fetched_at, status,
        elapsed, attempts, error, error_detail, headers_json, request_headers_id, redirects_json, body_sha256,
        body_size, outcome, missing_reason, encoding, encoding_source, parser_version, extractor, warnings_json,
        parse_error, views, version, footer_version
    FROM captures ORDER BY id""",
    "DROP TABLE captures",
    "ALTER TABLE captures_v3 RENAME TO captures",
    "CREATE INDEX captures_time ON captures (fetched_at)",
    "CREATE INDEX captures_article ON captures (site, article_id, fetched_at)",
    "CREATE INDEX captures_url ON captures (url, fetched_at) WHERE article_id IS NULL",
    "CREATE INDEX captures_run ON captures (run_id)",
    _V1_VIEWS,
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", SCHEMA_V1),
    Migration(2, "compact captures: request header sets, no identity index, bodies without rowid", SCHEMA_V2,
              foreign_keys_off=True),
    Migration(3, "final_url only when it differs from url", SCHEMA_V3, foreign_keys_off=True),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


class SchemaError(RuntimeError):
    """The file is not an archive this program can use (too new, or not an archive at all)."""


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open an archive connection that waits for other writers instead of failing.

    Autocommit mode (isolation_level=None): writers open their own `BEGIN IMMEDIATE` transactions,
    which take the write lock up front so two writers queue on busy_timeout instead of deadlocking.
    Readers in WAL mode never block the crawler and are never blocked by it.
    """
    if readonly:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if not readonly:
        _wal(conn)
        # NORMAL in WAL mode: no fsync per commit (only at checkpoints). A killed process loses nothing
        # committed; a power loss may lose the last transactions but never corrupts the file, and the
        # crawl redoes those captures because their work items are marked done in the same transactions.
        # See docs/schema.md, "Durability".
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
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


def current_version(conn: sqlite3.Connection) -> int:
    """The highest schema version applied; 0 for an empty database."""
    # One statement, so one snapshot: another opener may commit the first migration in between two.
    has_table, tables = conn.execute(
        "SELECT count(*) FILTER (WHERE name = 'schema_version'), count(*) FROM sqlite_master WHERE type = 'table'"
    ).fetchone()
    if not has_table:
        if tables:
            raise SchemaError("this SQLite file has tables but no schema_version table: not an ncgh archive")
        return 0
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Bring the schema up to the last of `migrations`, one transaction per migration; returns the version.

    Safe when several processes open a new archive at once: the version is re-read after the
    write lock is taken, so each migration runs exactly once. A failing migration is rolled back
    whole, leaving the file at the previous version.
    """
    target = migrations[-1].version
    version = current_version(conn)
    if version > target:
        raise SchemaError(
            f"archive schema version {version} is newer than this program understands ({target}); "
            "upgrade ncgh-archive"
        )
    for migration in migrations:
        if migration.version <= version:
            continue
        foreign_keys = conn.execute("PRAGMA foreign_keys").fetchone()[0]
        if migration.foreign_keys_off:
            conn.execute("PRAGMA foreign_keys = OFF")  # only takes effect outside a transaction
        conn.execute("BEGIN IMMEDIATE")
        try:
            if current_version(conn) >= migration.version:
                conn.execute("COMMIT")
                continue
            for statement in migration.statements:
                conn.execute(statement)
            broken = conn.execute("PRAGMA foreign_key_check").fetchone() if migration.foreign_keys_off else None
            if broken is not None:
                raise SchemaError(f"migration {migration.version} would break a reference: {tuple(broken)}")
            conn.execute(
                "INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)",
                (migration.version, datetime.now(UTC).isoformat(), migration.description),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        finally:
            conn.execute(f"PRAGMA foreign_keys = {int(foreign_keys)}")
        version = migration.version
    return current_version(conn)
