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

from archive.captures import select_named, to_json
from archive.model import ArticleContent, CaptureIn
from archive.versions import changed_between, comparison_key, has_title_and_body, key_hash, present_in
from archive.vocab import SHOWS_ARTICLE, ArticleStatus, EventKind, Outcome

PARSE_REGRESSION = "parsed without title or body where the previous version had both"
PAGE_REGRESSION = "parsed without the date and with under a quarter of the body the previous version had"
BLANK_PARSE = "parsed without title and without body"
# A body this share of the previous one, or less, with the date lost too, is no edit (see decide).
SHRUNK_SHARE = 0.25


def lost_the_article(current: ArticleContent, content: ArticleContent) -> str | None:
    """Why the new parse lost what makes the current version an article (its title or body, or its
    date together with most of its body), or None. An edit keeps the date; a cut or error page keeps
    neither."""
    if has_title_and_body(current) and not has_title_and_body(content):
        return PARSE_REGRESSION
    if (
        current.published_at and current.body_text and not content.published_at
        and len(content.body_text) <= SHRUNK_SHARE * len(current.body_text)
    ):
        return PAGE_REGRESSION
    return None


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
    content_key: dict[str, object] | None = None  # comparison_key(content) when computed ahead
    content_hash: str | None = None  # key_hash(content_key), likewise
    # New version rows to add to the full-text index: (versions.id, title, body_text); the caller
    # indexes them (at once, or in bulk before a group commit: archive/store.py).
    to_index: list[tuple[int, str | None, str]] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        """The page is a parse failure: no content, no version."""
        self.outcome, self.parse_error, self.content = Outcome.PARSE_ERROR, reason, None


# ---- the rules, as a pure function of the article's state and what one capture shows ----

Event = tuple[EventKind, int | None, str | None]  # (event, version, detail)


@dataclass(frozen=True)
class ArticleBefore:
    """An article as the archive knows it before a capture: its row and its current version's content."""

    status: ArticleStatus
    missing_streak: int
    version: int | None  # None while no capture has parsed into content
    content: ArticleContent | None  # the content of `version`


@dataclass(frozen=True)
class Sighting:
    """What one capture shows of its article: the outcome so far and the normalised content, if any."""

    outcome: Outcome
    parse_error: str | None = None
    content: ArticleContent | None = None  # normalised, non-blank; only with Outcome.OK
    missing_reason: str | None = None  # with Outcome.MISSING
    views: int | None = None
    key: dict[str, object] | None = None  # comparison_key(content) when computed ahead (archive.prepare)


@dataclass(frozen=True)
class ArticleDecision:
    """What a capture does to its article; the SQL in derive_article carries it out."""

    outcome: Outcome  # the sighting's, or Outcome.PARSE_ERROR when the parse lost the article
    parse_error: str | None
    content: ArticleContent | None  # None when the capture yields no content
    create: bool  # the article is first seen now
    status: ArticleStatus
    missing_streak: int
    version: int | None  # the current version after the capture
    changed: tuple[str, ...]  # the fields of the new version; () when there is none
    key: dict[str, object] | None  # comparison_key(content), None without content
    touch_current: bool  # the capture shows the current version again
    events: tuple[Event, ...]
    shown_version: int | None  # the version this capture shows (stored on the capture row)

    @property
    def seen(self) -> bool:
        """The article answered (200 or 304): it is live, its streak resets, its validators refresh."""
        return self.outcome in (Outcome.OK, Outcome.NOT_MODIFIED)

    @property
    def shows_article(self) -> bool:
        """The site served the article's page (also when it failed to parse): views and URLs count."""
        return self.outcome in SHOWS_ARTICLE

    @property
    def new_version(self) -> bool:
        return self.content is not None and bool(self.changed)


def decide(before: ArticleBefore | None, seen: Sighting, gone_after: int) -> ArticleDecision | None:
    """The new / edited / gone / restored / unchanged decision for one capture; no SQL.

    None when the capture is of an id never seen and shows no article: the capture alone records
    the attempt. View counts are not content, so `seen.views` never makes a version.
    """
    outcome, parse_error, content = seen.outcome, seen.parse_error, seen.content
    current = before.content if before is not None and before.version is not None else None
    # A parser that loses the title or body of a fully parsed article has failed; so has one that loses
    # its date while the body shrinks to a fraction (a "server busy" page in the site's frame, read by
    # the fallback: once a new version of every article, and another when the site recovered). The
    # article has not changed.
    lost = lost_the_article(current, content) if content is not None and current is not None else None
    if lost is not None:
        outcome, parse_error, content = Outcome.PARSE_ERROR, lost, None
    shows_article = outcome in SHOWS_ARTICLE
    if before is None and not shows_article:
        return None
    status, streak, version = (
        (ArticleStatus.LIVE, 0, None) if before is None else (before.status, before.missing_streak, before.version)
    )
    events: list[Event] = []
    if outcome == Outcome.MISSING:
        streak += 1
        if status == ArticleStatus.LIVE and streak >= gone_after:
            status = ArticleStatus.GONE
            events.append((EventKind.GONE, version, seen.missing_reason))
    elif outcome in (Outcome.OK, Outcome.NOT_MODIFIED):
        if status == ArticleStatus.GONE:
            events.append((EventKind.RESTORED, version, None))
        status, streak = ArticleStatus.LIVE, 0
    # fetch and parse errors fall through: they neither count as missing nor reset the streak

    changed: tuple[str, ...] = ()
    touch_current = False
    key = None
    if content is not None:
        key = seen.key if seen.key is not None and content is seen.content else comparison_key(content)
        changed = changed_between(comparison_key(current), key) if current is not None else present_in(key)
        if changed:
            version = (version or 0) + 1
            events.append((EventKind.NEW if version == 1 else EventKind.EDITED, version, to_json(list(changed))))
        else:
            touch_current = current is not None
    elif outcome == Outcome.NOT_MODIFIED:
        touch_current = current is not None
    return ArticleDecision(
        outcome=outcome,
        parse_error=parse_error,
        content=content,
        create=before is None,
        status=status,
        missing_streak=streak,
        version=version,
        changed=changed,
        key=key,
        touch_current=touch_current,
        events=tuple(events),
        shown_version=version if outcome in (Outcome.OK, Outcome.NOT_MODIFIED) else None,
    )


# ---- the SQL around it ----


def _article_before(
    conn: sqlite3.Connection, key: tuple[str, int]
) -> tuple[ArticleBefore | None, int | None]:
    """The article's state and the row id of its current version (None when there is none)."""
    art = select_named(
        conn, "SELECT status, missing_streak, version FROM articles WHERE site = ? AND article_id = ?", key
    ).fetchone()
    if art is None:
        return None, None
    if art["version"] is None:
        return ArticleBefore(ArticleStatus(art["status"]), art["missing_streak"], None, None), None
    row = select_named(
        conn,
        f"SELECT id, {VERSION_CONTENT_COLUMNS} FROM versions WHERE site = ? AND article_id = ? AND version = ?",
        (*key, art["version"]),
    ).fetchone()
    before = ArticleBefore(ArticleStatus(art["status"]), art["missing_streak"], art["version"], content_from_row(row))
    return before, row["id"]


def derive_article(
    conn: sqlite3.Connection, gone_after: int, capture_id: int, c: CaptureIn, at: str, d: Derivation
) -> None:
    """Apply one article capture to its article: status, streak, version, events, URLs, validators.

    The capture row exists already; `d` carries what was decided so far and receives the events.
    """
    key = (c.site, c.article_id)
    before, current_row_id = _article_before(conn, key)
    sighting = Sighting(d.outcome, d.parse_error, d.content, c.missing_reason, c.views, d.content_key)
    decision = decide(before, sighting, gone_after)
    if decision is None:
        return  # an id that was never seen: the capture alone records the attempt
    d.outcome, d.parse_error, d.content = decision.outcome, decision.parse_error, decision.content
    if decision.create:
        conn.execute(
            "INSERT INTO articles (site, article_id, status, first_seen, last_capture_at, missing_streak)"
            " VALUES (?, ?, ?, ?, ?, 0)",
            (*key, ArticleStatus.LIVE, at, at),
        )
    if decision.new_version:
        assert decision.content is not None and decision.version is not None and decision.key is not None
        ahead = decision.key is d.content_key and d.content_hash is not None
        digest = d.content_hash if ahead else key_hash(decision.key)
        row_id = insert_version(conn, capture_id, c, at, decision.version, decision.content, decision.changed, digest)
        d.to_index.append((row_id, decision.content.title, decision.content.body_text))
    elif decision.touch_current:
        assert current_row_id is not None
        touch_version(conn, current_row_id, capture_id, at)
    sets, params = article_changes(decision, c, at, work_item_category(conn, c) if decision.seen else None)
    conn.execute(f"UPDATE articles SET {', '.join(sets)} WHERE site = ? AND article_id = ?", (*params, *key))
    note_url(conn, key, c.url, at)
    if decision.shows_article and c.final_url and c.final_url != c.url:
        note_url(conn, key, c.final_url, at)
    for event, ev_version, detail in decision.events:
        conn.execute(
            "INSERT INTO events (site, article_id, event, at, capture_id, version, detail)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*key, event, at, capture_id, ev_version, detail),
        )
    d.events.extend(decision.events)
    d.changed = decision.changed
    d.shown_version = decision.shown_version


def work_item_category(conn: sqlite3.Connection, c: CaptureIn) -> int | None:
    """The category of the list/API page that revealed the article: its work item's category_id."""
    if c.work_item_id is None:
        return None
    row = conn.execute("SELECT category_id FROM work_items WHERE id = ?", (c.work_item_id,)).fetchone()
    return row[0] if row else None


def article_changes(
    decision: ArticleDecision, c: CaptureIn, at: str, category_id: int | None = None
) -> tuple[list[str], list[object]]:
    """What a capture changes in its article row, as `column = expression` parts of one UPDATE and
    their parameters (one statement instead of one per rule: a capture's SQL is the writer's work).

    Every expression reads the row as it was before the capture, as each rule's own UPDATE did.
    """
    sets = ["last_capture_at = max(last_capture_at, ?)"]
    params: list[object] = [at]
    if decision.outcome == Outcome.MISSING:
        sets += ["missing_streak = ?", "status = ?"]
        params += [decision.missing_streak, decision.status]
    elif decision.seen:
        sets += ["missing_streak = 0", "status = ?", "last_seen = ?", "last_url = ?"]
        params += [ArticleStatus.LIVE, at, c.final_url or c.url]
        # ETag / Last-Modified for the next conditional request: a 200 replaces both, a 304
        # refreshes only what it carries.
        etag = next((v for k, v in c.headers if k.lower() == "etag"), None)
        modified = next((v for k, v in c.headers if k.lower() == "last-modified"), None)
        if c.status == 200:
            sets += ["etag = ?", "last_modified = ?"]
            params += [etag, modified]
        elif c.status == 304:
            sets += ["etag = coalesce(?, etag)", "last_modified = coalesce(?, last_modified)"]
            params += [etag, modified]
        # The article's site section: the category of the list/API page that revealed it and the name
        # the page's breadcrumb gives; each kept until a capture says otherwise, so a revisit (no list,
        # a page without breadcrumb) never erases what is known.
        if category_id is not None or c.category is not None:
            sets += ["category_id = coalesce(?, category_id)", "category = coalesce(?, category)"]
            params += [category_id, c.category]
    if decision.new_version:
        assert decision.content is not None
        sets += ["version = ?", "last_change_at = ?", "published_at = ?", "title = ?"]
        params += [decision.version, at, decision.content.published_at, decision.content.title]
    if c.views is not None and decision.shows_article:
        # The latest count wins, never an older capture's (a rebuild or a late record); the series
        # itself is the `views` view over captures.views.
        newer = "(views_at IS NULL OR views_at <= ?)"
        sets += [f"views = CASE WHEN {newer} THEN ? ELSE views END", f"views_at = CASE WHEN {newer} THEN ? ELSE views_at END"]
        params += [at, c.views, at, at]
    return sets, params


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
    digest: str,
) -> int:
    """Insert a version row (content_hash `digest`) and return its id; indexing it is the caller's."""
    cur = conn.execute(
        "INSERT INTO versions (site, article_id, version, capture_id, first_seen, last_seen, last_capture_id,"
        " content_hash, changed_fields, title, column_name, published_at, source, author, body_text,"
        " body_html, images_json, attachments_json, signature, parser_version, extractor_changed)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            c.site,
            c.article_id,
            version,
            capture_id,
            at,
            at,
            capture_id,
            digest,
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
            int(_extractor_changed(conn, c, version)),
        ),
    )
    return int(cur.lastrowid)


def _extractor_changed(conn: sqlite3.Connection, c: CaptureIn, version: int) -> bool:
    """True when the previous version was last seen through another extractor than this capture's."""
    if version <= 1 or not c.extractor:
        return False
    row = conn.execute(
        "SELECT cap.extractor FROM versions v JOIN captures cap ON cap.id = v.last_capture_id"
        " WHERE v.site = ? AND v.article_id = ? AND v.version = ?",
        (c.site, c.article_id, version - 1),
    ).fetchone()
    return row is not None and row[0] is not None and row[0] != c.extractor


def touch_version(conn: sqlite3.Connection, version_row_id: int, capture_id: int, at: str) -> None:
    conn.execute(
        "UPDATE versions SET last_seen = ?, last_capture_id = ? WHERE id = ? AND last_seen <= ?",
        (at, capture_id, version_row_id, at),
    )
