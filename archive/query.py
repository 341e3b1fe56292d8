"""Read-side helpers over an archive connection: resolve, show, history, diff, stats.

Everything here only reads, so it works on a read-only connection (`archive.schema.connect(path,
readonly=True)`) while a crawl is writing. Results are plain dataclasses, shared by the CLI commands,
the exports and the Datasette article page, so the three never disagree about what an article says.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEFAULT_ARTICLE_PATHS = ("/nczhghcms/article/{id}", "/article/{id}")



class QueryError(Exception):
    """A request the archive cannot answer (unknown article, no such version, bad date); says why."""


@dataclass(frozen=True)
class ArticleRef:
    site: str
    article_id: int


@dataclass(frozen=True)
class ArticleInfo:
    """The `articles` row: the article's current state."""

    site: str
    article_id: int
    status: str  # live | gone
    title: str | None
    published_at: str | None
    first_seen: str
    last_seen: str | None
    last_capture_at: str
    last_change_at: str | None
    version: int | None  # current version number
    views: int | None
    views_at: str | None
    last_url: str | None
    urls: tuple[str, ...]  # every URL it was fetched under, oldest first


@dataclass(frozen=True)
class VersionInfo:
    """One version of an article, as stored in `versions`."""

    version: int
    capture_id: int
    first_seen: str
    last_seen: str
    changed_fields: tuple[str, ...]
    title: str | None
    column: str | None
    published_at: str | None
    source: str | None
    author: str | None
    signature: str | None
    body_text: str
    body_html: str
    images: tuple[tuple[str, str | None], ...]
    attachments: tuple[tuple[str, str], ...]
    content_hash: str
    parser_version: str | None

    def field_value(self, name: str) -> str:
        """A field as text, for diffs and display."""
        value = getattr(self, name)
        if name == "images":
            return "\n".join(src + (f"  ({cap})" if cap else "") for src, cap in value)
        if name == "attachments":
            return "\n".join(f"{url}  ({label})" for url, label in value)
        return "" if value is None else str(value)


@dataclass(frozen=True)
class ArticleView:
    """What `show` answers: an article as it stood at one version or one moment."""

    article: ArticleInfo
    version: VersionInfo | None  # None when the article was never parsed (or not yet seen at as_of)
    as_of: str | None  # the UTC moment asked for, if any
    status_then: str  # live | gone | unseen: the article's state at as_of (or now)
    views_then: int | None  # last view count seen at or before as_of (or the latest)
    views_then_at: str | None
    latest_version: int | None


@dataclass(frozen=True)
class ViewPoint:
    at: str
    views: int


@dataclass(frozen=True)
class EventInfo:
    at: str
    event: str  # new | edited | gone | restored
    version: int | None
    capture_id: int
    detail: tuple[str, ...]  # changed fields (edited) or missing reasons (gone)


@dataclass(frozen=True)
class CaptureSummary:
    id: int
    fetched_at: str
    url: str
    status: int | None
    outcome: str
    version: int | None
    views: int | None


@dataclass(frozen=True)
class ArticleHistory:
    article: ArticleInfo
    versions: tuple[VersionInfo, ...]
    views: tuple[ViewPoint, ...]
    events: tuple[EventInfo, ...]
    captures: tuple[CaptureSummary, ...]


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class DiffOp:
    """One block of a paragraph-level body diff (difflib opcodes over paragraphs)."""

    tag: str  # equal | insert | delete | replace
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class VersionDiff:
    article: ArticleInfo
    old: VersionInfo
    new: VersionInfo
    changes: tuple[FieldChange, ...]  # every field that differs, body_text included
    body_ops: tuple[DiffOp, ...]  # the body diff, paragraph by paragraph
    unified: tuple[str, ...]  # difflib unified diff lines of all changed fields (no trailing newlines)


@dataclass(frozen=True)
class Count:
    name: str
    count: int


@dataclass(frozen=True)
class ArchiveStats:
    articles: int
    live: int
    gone: int
    versions: int
    edited_articles: int  # articles with more than one version
    captures: int
    captures_by_outcome: tuple[Count, ...]
    captures_by_kind: tuple[Count, ...]
    runs: int
    unfinished_runs: int
    footer_versions: int
    events: int
    bodies: int
    body_bytes: int  # raw size of the distinct bodies
    stored_bytes: int  # their compressed size in the file
    file_bytes: int  # the database file plus its -wal
    first_capture: str | None
    last_capture: str | None
    schema_version: int


# --- resolving an article ---------------------------------------------------------------------------


def _path_pattern(template: str) -> re.Pattern[str]:
    head, _, tail = template.partition("{id}")
    return re.compile("^" + re.escape(head) + r"(\d+)" + re.escape(tail) + "/?$")


def article_id_from_path(url: str, article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS) -> int | None:
    """The article id in a URL of either path form on any host (or in a bare path), or None.

    Only the path matters: identity is the id, so every host alias (and the simulator) maps the same.
    """
    text = url.strip()
    if not text.startswith("/") and "://" not in text:
        text = "http://" + text  # host/path without a scheme
    path = unquote(urlsplit(text).path) or "/"
    for template in article_paths:
        match = _path_pattern(template).match(path)
        if match:
            return int(match.group(1))
    return None


def _host_known(conn: sqlite3.Connection, host: str, host_aliases: tuple[str, ...]) -> bool:
    """A configured alias of the site, or a host the archive has fetched articles from (the simulator)."""
    if host in (h.lower() for h in host_aliases):
        return True
    return any(
        conn.execute("SELECT 1 FROM article_urls WHERE substr(url, 1, ?) = ? LIMIT 1", (len(prefix), prefix)).fetchone()
        for prefix in (f"http://{host}/", f"https://{host}/")
    )


def resolve_article(
    conn: sqlite3.Connection,
    ref: str | int,
    site: str,
    article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS,
    host_aliases: tuple[str, ...] | None = None,
) -> ArticleRef:
    """An article id, or any URL it was (or could be) fetched under, -> its identity in the archive.

    A URL may use any of the site's hosts (host_aliases, or any host the archive fetched articles
    from) and either path form; with host_aliases None the host is not checked. Raises QueryError
    naming what was looked for when the archive does not hold the article.
    """
    text = str(ref).strip()
    article_id: int | None = None
    if re.fullmatch(r"\d+", text):
        article_id = int(text)
    else:
        row = conn.execute(
            "SELECT site, article_id FROM article_urls WHERE url = ? ORDER BY site = ? DESC LIMIT 1", (text, site)
        ).fetchone()
        if row:
            return ArticleRef(row[0], int(row[1]))
        article_id = article_id_from_path(text, article_paths)
        if article_id is None:
            raise QueryError(f"{text!r} is neither an article id nor an article URL (paths: {', '.join(article_paths)})")
        host = urlsplit(text if "://" in text or text.startswith("/") else "http://" + text).netloc.lower()
        if host and host_aliases is not None and not _host_known(conn, host, host_aliases):
            raise QueryError(
                f"{host} is not a host of this site ({', '.join(host_aliases)}); give the article id instead"
            )
    row = conn.execute(
        "SELECT site FROM articles WHERE article_id = ? ORDER BY site = ? DESC LIMIT 1", (article_id, site)
    ).fetchone()
    if row is None:
        seen = conn.execute(
            "SELECT count(*) FROM captures WHERE article_id = ? AND site = ?", (article_id, site)
        ).fetchone()[0]
        if seen:
            raise QueryError(f"article {article_id} was fetched {seen} time(s) but never found on the site")
        raise QueryError(f"article {article_id} is not in the archive")
    return ArticleRef(row[0], article_id)


# --- dates ----------------------------------------------------------------------------------------


def parse_moment(text: str, end_of_day: bool = True) -> str:
    """A user's DATE or DATETIME -> a UTC ISO string comparable with capture times.

    A bare date means the end of that day in UTC (as_of: "as it stood on that day") or its start
    (end_of_day=False, for --since); a time without an offset is taken as UTC.
    """
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if end_of_day:
                moment += timedelta(days=1) - timedelta(microseconds=1)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise QueryError(f"{text!r} is not a date (YYYY-MM-DD) or ISO 8601 date-time") from None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# --- rows -> records ---------------------------------------------------------------------------------


def _pairs(raw: str | None) -> tuple[tuple, ...]:
    try:
        return tuple(tuple(item) for item in json.loads(raw or "[]"))
    except (ValueError, TypeError):
        return ()


def _strings(raw: str | None) -> tuple[str, ...]:
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return (raw,) if raw else ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, dict):
        return tuple(f"{k}: {v}" for k, v in value.items())
    return (str(value),)


_VERSION_COLUMNS = (
    "version, capture_id, first_seen, last_seen, changed_fields, title, column_name, published_at, source,"
    " author, signature, body_text, body_html, images_json, attachments_json, content_hash, parser_version"
)


def _version(row: sqlite3.Row | tuple) -> VersionInfo:
    return VersionInfo(
        version=int(row[0]),
        capture_id=int(row[1]),
        first_seen=row[2],
        last_seen=row[3],
        changed_fields=_strings(row[4]),
        title=row[5],
        column=row[6],
        published_at=row[7],
        source=row[8],
        author=row[9],
        signature=row[10],
        body_text=row[11] or "",
        body_html=row[12] or "",
        images=_pairs(row[13]),
        attachments=_pairs(row[14]),
        content_hash=row[15],
        parser_version=row[16],
    )


def article_info(conn: sqlite3.Connection, ref: ArticleRef) -> ArticleInfo:
    row = conn.execute(
        "SELECT status, title, published_at, first_seen, last_seen, last_capture_at, last_change_at, version,"
        " views, views_at, last_url FROM articles WHERE site = ? AND article_id = ?",
        (ref.site, ref.article_id),
    ).fetchone()
    if row is None:
        raise QueryError(f"article {ref.article_id} is not in the archive")
    urls = tuple(
        r[0]
        for r in conn.execute(
            "SELECT url FROM article_urls WHERE site = ? AND article_id = ? ORDER BY first_seen, url",
            (ref.site, ref.article_id),
        )
    )
    return ArticleInfo(
        site=ref.site,
        article_id=ref.article_id,
        status=row[0],
        title=row[1],
        published_at=row[2],
        first_seen=row[3],
        last_seen=row[4],
        last_capture_at=row[5],
        last_change_at=row[6],
        version=row[7],
        views=row[8],
        views_at=row[9],
        last_url=row[10],
        urls=urls,
    )


def versions(conn: sqlite3.Connection, ref: ArticleRef) -> tuple[VersionInfo, ...]:
    rows = conn.execute(
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE site = ? AND article_id = ? ORDER BY version",
        (ref.site, ref.article_id),
    ).fetchall()
    return tuple(_version(r) for r in rows)


def get_version(conn: sqlite3.Connection, ref: ArticleRef, number: int) -> VersionInfo:
    row = conn.execute(
        f"SELECT {_VERSION_COLUMNS} FROM versions WHERE site = ? AND article_id = ? AND version = ?",
        (ref.site, ref.article_id, number),
    ).fetchone()
    if row is None:
        count = conn.execute(
            "SELECT count(*) FROM versions WHERE site = ? AND article_id = ?", (ref.site, ref.article_id)
        ).fetchone()[0]
        raise QueryError(f"article {ref.article_id} has no version {number} (it has {count})")
    return _version(row)


# --- show -------------------------------------------------------------------------------------------


def _status_at(conn: sqlite3.Connection, ref: ArticleRef, moment: str, first_seen: str) -> str:
    if moment < first_seen:
        return "unseen"
    row = conn.execute(
        "SELECT event FROM events WHERE site = ? AND article_id = ? AND event IN ('gone', 'restored', 'new')"
        " AND at <= ? ORDER BY at DESC, id DESC LIMIT 1",
        (ref.site, ref.article_id, moment),
    ).fetchone()
    return "gone" if row and row[0] == "gone" else "live"


def show(
    conn: sqlite3.Connection, ref: ArticleRef, version: int | None = None, as_of: str | None = None
) -> ArticleView:
    """The article at a version number, or as it stood at a moment (as_of, see `parse_moment`), or now."""
    if version is not None and as_of is not None:
        raise QueryError("give a version or a date, not both")
    info = article_info(conn, ref)
    chosen: VersionInfo | None
    if version is not None:
        chosen = get_version(conn, ref, version)
    elif as_of is not None:
        row = conn.execute(
            f"SELECT {_VERSION_COLUMNS} FROM versions WHERE site = ? AND article_id = ? AND first_seen <= ?"
            " ORDER BY version DESC LIMIT 1",
            (ref.site, ref.article_id, as_of),
        ).fetchone()
        chosen = _version(row) if row else None
    else:
        chosen = get_version(conn, ref, info.version) if info.version is not None else None
    moment = as_of
    if moment is None and version is not None and chosen is not None:
        moment = chosen.last_seen
    if moment is not None:
        status_then = _status_at(conn, ref, moment, info.first_seen)
        row = conn.execute(
            "SELECT views, at FROM views WHERE site = ? AND article_id = ? AND at <= ? ORDER BY at DESC LIMIT 1",
            (ref.site, ref.article_id, moment),
        ).fetchone()
        views_then, views_at = (row[0], row[1]) if row else (None, None)
    else:
        status_then, views_then, views_at = info.status, info.views, info.views_at
    return ArticleView(
        article=info,
        version=chosen,
        as_of=as_of,
        status_then=status_then,
        views_then=views_then,
        views_then_at=views_at,
        latest_version=info.version,
    )


# --- history ----------------------------------------------------------------------------------------


def history(conn: sqlite3.Connection, ref: ArticleRef) -> ArticleHistory:
    """Versions (with their changed fields), the view-count series, events and captures, oldest first."""
    info = article_info(conn, ref)
    views = tuple(
        ViewPoint(r[0], int(r[1]))
        for r in conn.execute(
            "SELECT at, views FROM views WHERE site = ? AND article_id = ? ORDER BY at, capture_id",
            (ref.site, ref.article_id),
        )
    )
    events = tuple(
        EventInfo(at=r[0], event=r[1], version=r[2], capture_id=int(r[3]), detail=_strings(r[4]))
        for r in conn.execute(
            "SELECT at, event, version, capture_id, detail FROM events WHERE site = ? AND article_id = ?"
            " ORDER BY at, id",
            (ref.site, ref.article_id),
        )
    )
    captures = tuple(
        CaptureSummary(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6])
        for r in conn.execute(
            "SELECT id, fetched_at, url, status, outcome, version, views FROM captures"
            " WHERE site = ? AND article_id = ? ORDER BY fetched_at, id",
            (ref.site, ref.article_id),
        )
    )
    return ArticleHistory(info, versions(conn, ref), views, events, captures)


# --- diff -------------------------------------------------------------------------------------------


def paragraphs(text: str) -> list[str]:
    """Body text -> paragraphs (the archive separates them by one blank line)."""
    return [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()] if text.strip() else []


def _content(v: VersionInfo):
    from archive.model import ArticleContent

    return ArticleContent(
        title=v.title,
        column=v.column,
        published_at=v.published_at,
        source=v.source,
        author=v.author,
        body_text=v.body_text,
        body_html=v.body_html,
        images=v.images,
        attachments=v.attachments,
        signature=v.signature,
    )


def diff_versions(old: VersionInfo, new: VersionInfo) -> tuple[tuple[FieldChange, ...], tuple[DiffOp, ...], tuple[str, ...]]:
    """Field changes, paragraph opcodes of the body and a unified diff between two versions.

    Which fields changed is decided exactly as the store decides a new version
    (archive.versions.changed_fields: normalised values, image URLs without their host), so a diff
    never reports a difference the archive did not count as an edit.
    """
    from archive.versions import changed_fields

    changes: list[FieldChange] = []
    unified: list[str] = []
    for name in changed_fields(_content(old), _content(new)):
        a, b = old.field_value(name), new.field_value(name)
        changes.append(FieldChange(name, a, b))
        a_lines = paragraphs(a) if name == "body_text" else a.splitlines()
        b_lines = paragraphs(b) if name == "body_text" else b.splitlines()
        unified.extend(
            difflib.unified_diff(
                a_lines,
                b_lines,
                fromfile=f"v{old.version} {name}",
                tofile=f"v{new.version} {name}",
                lineterm="",
                n=1,
            )
        )
    a_par, b_par = paragraphs(old.body_text), paragraphs(new.body_text)
    matcher = difflib.SequenceMatcher(None, a_par, b_par, autojunk=False)
    ops = tuple(
        DiffOp(tag, tuple(a_par[i1:i2]), tuple(b_par[j1:j2])) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    )
    return tuple(changes), ops, tuple(unified)


def diff(conn: sqlite3.Connection, ref: ArticleRef, a: int | None = None, b: int | None = None) -> VersionDiff:
    """Diff versions a -> b of an article; by default the last two (the only one against itself)."""
    info = article_info(conn, ref)
    if info.version is None:
        raise QueryError(f"article {ref.article_id} has no parsed version to diff")
    if (a is None) != (b is None):
        raise QueryError("give two version numbers, or none for the last two")
    if a is None or b is None:
        b = info.version
        a = max(1, b - 1)
    old, new = get_version(conn, ref, a), get_version(conn, ref, b)
    changes, ops, unified = diff_versions(old, new)
    return VersionDiff(info, old, new, changes, ops, unified)


def char_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Character-level opcodes for one changed paragraph: [(tag, text)], tag in equal|delete|insert.

    Chinese has no spaces, so word diffs are useless; characters are the unit a reader compares.
    """
    out: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append(("equal", old[i1:i2]))
        else:
            if i2 > i1:
                out.append(("delete", old[i1:i2]))
            if j2 > j1:
                out.append(("insert", new[j1:j2]))
    return out


# --- stats ------------------------------------------------------------------------------------------


def _one(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0] or 0)


def stats(conn: sqlite3.Connection, db_path: str | os.PathLike | None = None) -> ArchiveStats:
    """Counts and storage of the whole archive."""
    file_bytes = 0
    if db_path is not None:
        for suffix in ("", "-wal"):
            p = Path(str(db_path) + suffix)
            if p.exists():
                file_bytes += p.stat().st_size
    by_outcome = tuple(
        Count(r[0], int(r[1]))
        for r in conn.execute("SELECT outcome, count(*) FROM captures GROUP BY outcome ORDER BY count(*) DESC, outcome")
    )
    by_kind = tuple(
        Count(r[0], int(r[1]))
        for r in conn.execute("SELECT kind, count(*) FROM captures GROUP BY kind ORDER BY count(*) DESC, kind")
    )
    body_bytes, stored_bytes, bodies = conn.execute(
        "SELECT ifnull(sum(size), 0), ifnull(sum(stored_size), 0), count(*) FROM bodies"
    ).fetchone()
    first, last = conn.execute("SELECT min(fetched_at), max(fetched_at) FROM captures").fetchone()
    return ArchiveStats(
        articles=_one(conn, "SELECT count(*) FROM articles"),
        live=_one(conn, "SELECT count(*) FROM articles WHERE status = 'live'"),
        gone=_one(conn, "SELECT count(*) FROM articles WHERE status = 'gone'"),
        versions=_one(conn, "SELECT count(*) FROM versions"),
        edited_articles=_one(conn, "SELECT count(*) FROM articles WHERE version > 1"),
        captures=_one(conn, "SELECT count(*) FROM captures"),
        captures_by_outcome=by_outcome,
        captures_by_kind=by_kind,
        runs=_one(conn, "SELECT count(*) FROM runs"),
        unfinished_runs=_one(conn, "SELECT count(*) FROM runs WHERE status = 'running'"),
        footer_versions=_one(conn, "SELECT count(*) FROM footers"),
        events=_one(conn, "SELECT count(*) FROM events"),
        bodies=int(bodies),
        body_bytes=int(body_bytes),
        stored_bytes=int(stored_bytes),
        file_bytes=file_bytes,
        first_capture=first,
        last_capture=last,
        schema_version=_one(conn, "SELECT max(version) FROM schema_version"),
    )


# --- opening and raw SQL -----------------------------------------------------------------------------


class ArchiveNotFound(QueryError):
    """No archive at the path given."""


class ReadOnlyRefused(QueryError):
    """A statement tried to change the archive through a read-only connection."""


def open_readonly(path: str | os.PathLike) -> sqlite3.Connection:
    """A connection that cannot write: SQLite URI mode=ro plus PRAGMA query_only.

    Two locks, because either alone has a gap: mode=ro still lets a statement create temp objects
    and query_only can be switched off by a PRAGMA; together nothing reaches the file.
    """
    from archive.schema import SCHEMA_VERSION, SchemaError, connect, current_version, migrate

    p = Path(path)
    if not p.is_file():
        raise ArchiveNotFound(f"no archive at {p} (run `ncgh crawl` first, or pass --db PATH)")
    try:
        conn = connect(p, readonly=True)
        conn.execute("PRAGMA query_only = 1")
        version = current_version(conn)
    except sqlite3.DatabaseError as exc:
        raise QueryError(f"{p} is not a readable SQLite archive: {exc}") from None
    except SchemaError as exc:
        raise QueryError(f"{p}: {exc}") from None
    if version == 0:
        conn.close()
        raise QueryError(f"{p} is an empty SQLite file, not an ncgh archive")
    if version > SCHEMA_VERSION:
        conn.close()
        raise QueryError(f"{p} has schema version {version}, newer than this program ({SCHEMA_VERSION}); upgrade ncgh-archive")
    if version < SCHEMA_VERSION:
        # An archive written by an older program: bring it up to date once (the migration is one
        # transaction per version and waits for a running crawl), then read it as usual.
        conn.close()
        try:
            writer = connect(p)
            try:
                migrate(writer)
            finally:
                writer.close()
        except (sqlite3.DatabaseError, SchemaError) as exc:
            raise QueryError(
                f"{p} has schema version {version}; this program needs {SCHEMA_VERSION} and could not migrate it: {exc}"
            ) from None
        return open_readonly(p)
    conn.row_factory = None
    return conn


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
