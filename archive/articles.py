"""What a capture implies for its article: the article row, versions, and the events new, edited,
gone and restored.

The rules (docs/schema.md, "events"): a version only when the normalised content changes; a parse
that loses the title or body of a fully parsed article is a parse failure, never an edit; an article
is gone after `gone_after` consecutive captures showing it missing and restored when it shows again;
fetch and parse errors neither count as missing nor reset the streak. Used by record_capture and by
rebuild alike, so a replay of the captures reproduces the archive.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from archive import search as _search
from archive.captures import select_named, to_json
from archive.model import ArticleContent, CaptureIn
from archive.versions import changed_fields, content_hash, has_title_and_body, present_fields
from archive.vocab import SHOWS_ARTICLE, ArticleStatus, EventKind, Outcome

PARSE_REGRESSION = "parsed without title or body where the previous version had both"
BLANK_PARSE = "parsed without title and without body"


VERSION_CONTENT_COLUMNS = (
    "title, column_name, published_at, source, author, body_text, body_html, images_json,"
    " attachments_json, signature"
)
_CONTENT_NAMES = tuple(name.strip() for name in VERSION_CONTENT_COLUMNS.split(","))


def content_from_row(row: sqlite3.Row | dict[str, object]) -> ArticleContent:
    """The content of a `versions` row, read by column name (VERSION_CONTENT_COLUMNS among its columns)."""
    return ArticleContent(
        title=row["title"],
        column=row["column_name"],
        published_at=row["published_at"],
        source=row["source"],
        author=row["author"],
        body_text=row["body_text"],
        body_html=row["body_html"],
        images=tuple((src, cap) for src, cap in json.loads(row["images_json"])),
        attachments=tuple((u, n) for u, n in json.loads(row["attachments_json"])),
        signature=row["signature"],
    )


def content_from_version_row(row: tuple) -> ArticleContent:
    """The same from the VERSION_CONTENT_COLUMNS of a plain tuple row, in that order."""
    return content_from_row(dict(zip(_CONTENT_NAMES, row, strict=True)))


@dataclass
class Derivation:
    """What derivation decided about one capture, filled in step by step."""

    outcome: Outcome
    parse_error: str | None
    content: ArticleContent | None = None
    events: list[tuple[EventKind, int | None, str | None]] = field(default_factory=list)  # (event, version, detail)
    changed: tuple[str, ...] = ()
    shown_version: int | None = None

    def fail(self, reason: str) -> None:
        """The page is a parse failure: no content, no version."""
        self.outcome, self.parse_error, self.content = Outcome.PARSE_ERROR, reason, None


def derive_article(
    conn: sqlite3.Connection, gone_after: int, capture_id: int, c: CaptureIn, at: str, d: Derivation
) -> None:
    """Apply one article capture to its article: status, streak, version, events, URLs, validators.

    The capture row exists already; `d` carries what was decided so far and receives the events.
    """
    key = (c.site, c.article_id)
    art = select_named(
        conn, "SELECT status, missing_streak, version FROM articles WHERE site = ? AND article_id = ?", key
    ).fetchone()
    current: tuple[int, ArticleContent] | None = None
    if art is not None and art["version"] is not None:
        row = select_named(
            conn,
            f"SELECT id, {VERSION_CONTENT_COLUMNS} FROM versions WHERE site = ? AND article_id = ? AND version = ?",
            (*key, art["version"]),
        ).fetchone()
        current = (row["id"], content_from_row(row))
    # A parser that loses the title or body of a fully parsed article has failed; the article has not changed.
    if (
        d.content is not None
        and current is not None
        and has_title_and_body(current[1])
        and not has_title_and_body(d.content)
    ):
        d.fail(PARSE_REGRESSION)

    shows_article = d.outcome in SHOWS_ARTICLE
    if art is None:
        if not shows_article:
            return  # an id that was never seen: the capture alone records the attempt
        conn.execute(
            "INSERT INTO articles (site, article_id, status, first_seen, last_capture_at, missing_streak)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            (*key, ArticleStatus.LIVE, at, at),
        )
        status, streak, version = ArticleStatus.LIVE, 0, None
    else:
        status, streak, version = art["status"], art["missing_streak"], art["version"]
    conn.execute(
        "UPDATE articles SET last_capture_at = max(last_capture_at, ?) WHERE site = ? AND article_id = ?",
        (at, *key),
    )
    if d.outcome == Outcome.MISSING:
        streak += 1
        if status == ArticleStatus.LIVE and streak >= gone_after:
            status = ArticleStatus.GONE
            d.events.append((EventKind.GONE, version, c.missing_reason))
        conn.execute(
            "UPDATE articles SET missing_streak = ?, status = ? WHERE site = ? AND article_id = ?",
            (streak, status, *key),
        )
    elif d.outcome in (Outcome.OK, Outcome.NOT_MODIFIED):
        if status == ArticleStatus.GONE:
            d.events.append((EventKind.RESTORED, version, None))
        conn.execute(
            "UPDATE articles SET missing_streak = 0, status = ?, last_seen = ?, last_url = ?"
            " WHERE site = ? AND article_id = ?",
            (ArticleStatus.LIVE, at, c.final_url or c.url, *key),
        )
        remember_validators(conn, key, c)
    # fetch and parse errors fall through: they neither count as missing nor reset the streak

    if d.content is not None:
        d.changed = changed_fields(current[1], d.content) if current else present_fields(d.content)
        if d.changed:
            version = (version or 0) + 1
            insert_version(conn, capture_id, c, at, version, d.content, d.changed)
            d.events.append((EventKind.NEW if version == 1 else EventKind.EDITED, version, to_json(list(d.changed))))
            conn.execute(
                "UPDATE articles SET version = ?, last_change_at = ?, published_at = ?, title = ?"
                " WHERE site = ? AND article_id = ?",
                (version, at, d.content.published_at, d.content.title, *key),
            )
        elif current is not None:
            touch_version(conn, current[0], capture_id, at)
    elif d.outcome == Outcome.NOT_MODIFIED and current is not None:
        touch_version(conn, current[0], capture_id, at)

    if c.views is not None and d.outcome in SHOWS_ARTICLE:
        # the series itself is the `views` view over captures.views
        conn.execute(
            "UPDATE articles SET views = ?, views_at = ? WHERE site = ? AND article_id = ?"
            " AND (views_at IS NULL OR views_at <= ?)",
            (c.views, at, *key, at),
        )
    note_url(conn, key, c.url, at)
    if shows_article and c.final_url and c.final_url != c.url:
        note_url(conn, key, c.final_url, at)
    for event, ev_version, detail in d.events:
        conn.execute(
            "INSERT INTO events (site, article_id, event, at, capture_id, version, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*key, event, at, capture_id, ev_version, detail),
        )
    d.shown_version = version if d.outcome in (Outcome.OK, Outcome.NOT_MODIFIED) else None


def remember_validators(conn: sqlite3.Connection, key: tuple[str, int], c: CaptureIn) -> None:
    """ETag / Last-Modified for the next conditional request: a 200 replaces both, a 304 refreshes
    only what it carries."""
    etag = next((v for k, v in c.headers if k.lower() == "etag"), None)
    modified = next((v for k, v in c.headers if k.lower() == "last-modified"), None)
    if c.status == 200:
        conn.execute(
            "UPDATE articles SET etag = ?, last_modified = ? WHERE site = ? AND article_id = ?",
            (etag, modified, *key),
        )
    elif c.status == 304:
        conn.execute(
            "UPDATE articles SET etag = coalesce(?, etag), last_modified = coalesce(?, last_modified)"
            " WHERE site = ? AND article_id = ?",
            (etag, modified, *key),
        )


def note_url(conn: sqlite3.Connection, key: tuple[str, int], url: str, at: str) -> None:
    conn.execute(
        "INSERT INTO article_urls (site, article_id, url, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (site, article_id, url) DO UPDATE SET"
        " first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen)",
        (*key, url, at, at),
    )


def insert_version(
    conn: sqlite3.Connection,
    capture_id: int,
    c: CaptureIn,
    at: str,
    version: int,
    content: ArticleContent,
    changed: tuple[str, ...],
) -> None:
    cur = conn.execute(
        "INSERT INTO versions (site, article_id, version, capture_id, first_seen, last_seen, last_capture_id,"
        " content_hash, changed_fields, title, column_name, published_at, source, author, body_text,"
        " body_html, images_json, attachments_json, signature, parser_version)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            c.site,
            c.article_id,
            version,
            capture_id,
            at,
            at,
            capture_id,
            content_hash(content),
            to_json(list(changed)),
            content.title,
            content.column,
            content.published_at,
            content.source,
            content.author,
            content.body_text,
            content.body_html,
            to_json([list(i) for i in content.images]),
            to_json([list(a) for a in content.attachments]),
            content.signature,
            c.parser_version,
        ),
    )
    _search.index_version(conn, int(cur.lastrowid), content.title, content.body_text)


def touch_version(conn: sqlite3.Connection, version_row_id: int, capture_id: int, at: str) -> None:
    conn.execute(
        "UPDATE versions SET last_seen = ?, last_capture_id = ? WHERE id = ? AND last_seen <= ?",
        (at, capture_id, version_row_id, at),
    )
