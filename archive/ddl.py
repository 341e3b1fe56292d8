"""The archive's schema, written once: its DDL, its version number, and the steps between versions.

Every table and column is documented in docs/schema.md. A new archive is created from `SCHEMA` and
stamped with `SCHEMA_VERSION` (archive.schema.migrate). When the schema changes, `SCHEMA` is edited
to the new shape, `SCHEMA_VERSION` goes up by one and a `Step` to that version is appended to
`STEPS`: the step brings a file of the previous version to the new one, in one transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from archive.vocab import (
    SHOWS_ARTICLE,
    STORED_ARTICLE_STATUSES,
    AssetRole,
    AssetState,
    BodyCodec,
    CaptureKind,
    DiscoverySource,
    EventKind,
    Outcome,
    RunStatus,
    SourceStatus,
    WorkState,
    sql_values,
)

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
        errors INTEGER,
        blocked INTEGER
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
        category_id INTEGER,
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
        category_id INTEGER,
        category TEXT,
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
        -- 1 when this version's capture went through another extractor (profile / fallback) than
        -- the previous version's last capture: most likely a redesign of the site, not an edit.
        extractor_changed INTEGER NOT NULL DEFAULT 0 CHECK (extractor_changed IN (0, 1)),
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
        -- The event's article: one attachment's capture is an event on every article that links it.
        -- 0 for a footer change (never NULL: UNIQUE would take NULLs for distinct).
        article_id INTEGER NOT NULL DEFAULT 0,
        queued_at TEXT NOT NULL,
        delivered_at TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        UNIQUE (destination, capture_id, event, article_id)
    )""",
    "CREATE INDEX notifications_pending ON notifications (destination, id) WHERE delivered_at IS NULL",
    # The site's own hubs (ncgh/hub_walk.py): pages that showed article links when discovery read them
    # (home page, section and category pages, whatever the site links), revisited by daily crawls in
    # the order of `last_new_at` (the hubs that last showed new articles first). `article_ids` and
    # `new_ids` are the counts of the latest visit; `depth` is how many links from a seed it was found.
    """CREATE TABLE hubs (
        site TEXT NOT NULL,
        url TEXT NOT NULL,
        depth INTEGER NOT NULL CHECK (depth >= 0),
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        article_ids INTEGER NOT NULL CHECK (article_ids >= 0),
        new_ids INTEGER NOT NULL CHECK (new_ids >= 0),
        last_new_at TEXT,
        PRIMARY KEY (site, url)
    )""",
    # Each discovery source's health in each run (ncgh/source_health.py): what one invocation counted;
    # a resumed run's later invocation adds its counts. `status` is the source's word for the run.
    f"""CREATE TABLE run_sources (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        source TEXT NOT NULL CHECK (source IN {sql_values(DiscoverySource)}),
        requests INTEGER NOT NULL DEFAULT 0,
        found INTEGER NOT NULL DEFAULT 0,
        new_ids INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN {sql_values(SourceStatus)}),
        PRIMARY KEY (run_id, source)
    ) WITHOUT ROWID""",
    # Contentless full-text index: rowid = versions.id; text is indexed as CJK bigrams (archive/search.py).
    """CREATE VIRTUAL TABLE version_fts USING fts5(
        title, body, content='', tokenize='unicode61 remove_diacritics 2'
    )""",
    # Page requisites and attachments (archive/assets.py). One row per URL however many versions use it;
    # its captures are `captures` rows of kind 'asset' (status, headers, body digest), its bytes are in
    # `bodies` (content-addressed: the site's stylesheet is stored once). Derived from captures, like
    # articles: `rebuild` re-derives it. `body_sha256` is the last bytes held: a later 404 keeps them.
    f"""CREATE TABLE assets (
        id INTEGER PRIMARY KEY,
        site TEXT NOT NULL,
        url TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN {sql_values(AssetRole)}),
        first_seen TEXT NOT NULL,
        state TEXT NOT NULL DEFAULT '{AssetState.PENDING}' CHECK (state IN {sql_values(AssetState)}),
        last_checked TEXT,
        last_capture_id INTEGER REFERENCES captures(id),
        body_sha256 TEXT REFERENCES bodies(sha256),
        size INTEGER,
        content_type TEXT,
        etag TEXT,
        last_modified TEXT,
        text TEXT,
        text_error TEXT,
        UNIQUE (site, url)
    )""",
    # Which version of an article references which asset (by version number: `rebuild` renumbers
    # versions.id, never the numbers).
    f"""CREATE TABLE version_assets (
        site TEXT NOT NULL,
        article_id INTEGER NOT NULL,
        version INTEGER NOT NULL,
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        role TEXT NOT NULL CHECK (role IN {sql_values(AssetRole)}),
        PRIMARY KEY (site, article_id, version, asset_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX version_assets_asset ON version_assets (asset_id)",
    # Assets another asset references (a stylesheet's url(...) images and @imports).
    """CREATE TABLE asset_links (
        asset_id INTEGER NOT NULL REFERENCES assets(id),
        child_id INTEGER NOT NULL REFERENCES assets(id),
        PRIMARY KEY (asset_id, child_id)
    ) WITHOUT ROWID""",
    # The extracted text of attachments, as CJK bigrams like version_fts; rowid = assets.id.
    """CREATE VIRTUAL TABLE asset_fts USING fts5(
        name, body, content='', tokenize='unicode61 remove_diacritics 2'
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
