"""Integrity check of an archive file, read-only.

What it proves: every stored body decodes to bytes matching its SHA-256 (so every capture's exact
response can still be produced), every capture's body reference resolves, every article's versions
run 1..n with changed-field lists that are non-empty and true, article rows agree with their
versions and events, footer versions likewise, and the full-text index holds exactly the versions.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from archive.articles import content_from_version_row
from archive.bodies import DELTA_CODECS, MAX_DEPTH, BodyIntegrityError, BodyStore
from archive.ddl import SCHEMA_VERSION
from archive.fileinfo import FileState, error_text, inspect_file
from archive.model import ArticleContent, FooterContent
from archive.schema import SchemaError, connect, current_version, read_snapshot
from archive.search import _CJK, _WORD, match_expression
from archive.sqlite_checks import column_type_problems, fts_structure_problems, sqlite_problems
from archive.versions import (
    changed_fields,
    content_hash,
    footer_changed_fields,
    footer_hash,
    footer_present_fields,
    present_fields,
)
from archive.vocab import ArticleStatus, EventKind, Outcome

_CJK_ONLY = re.compile(f"[{_CJK}]+")


@dataclass
class VerifyReport:
    ok: bool
    problems: list[str] = field(default_factory=list)
    state: FileState = FileState.ARCHIVE
    full: bool = False
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why (not problems)
    duplicate_captures: int = 0  # work items with more than one capture
    schema_version: int = 0
    bodies: int = 0
    body_bytes: int = 0  # sum of the original sizes
    stored_bytes: int = 0  # sum of the compressed sizes
    captures: int = 0
    articles: int = 0
    versions: int = 0
    footer_versions: int = 0
    events: int = 0
    fts_rows: int = 0




def verify(path: str | Path, full: bool = False) -> VerifyReport:
    """Check the archive at `path`; never changes it. full=True reads every page, row and index entry."""
    path = Path(path)
    report = VerifyReport(ok=False, full=full)
    check = inspect_file(path)
    if check.state is not FileState.ARCHIVE:
        report.state = check.state
        report.problems.append(check.detail)
        return report
    try:
        conn = connect(path, readonly=True)
    except sqlite3.Error as exc:
        report.problems.append(f"cannot open {path}: {exc}")
        return report
    try:
        with read_snapshot(conn):  # every check sees the same archive even while a crawl writes
            _verify(conn, report)
    except (sqlite3.DatabaseError, SchemaError, UnicodeDecodeError) as exc:
        report.problems.append(f"cannot read {path}: {error_text(exc)}")
        if isinstance(exc, SchemaError):
            report.state = FileState.NOT_AN_ARCHIVE
    finally:
        conn.close()
    if full and report.schema_version == SCHEMA_VERSION:
        problems, notes = fts_structure_problems(path)
        report.problems.extend(problems)
        report.notes.extend(notes)
    report.ok = not report.problems
    return report


def _verify(conn: sqlite3.Connection, report: VerifyReport) -> None:
    problems = report.problems
    report.schema_version = current_version(conn)
    if report.schema_version != SCHEMA_VERSION:
        problems.append(f"schema version is {report.schema_version}, this program expects {SCHEMA_VERSION}")
        return
    pragma = "integrity_check" if report.full else "quick_check"
    _guarded(report, f"SQLite {pragma}", lambda: _report_each(problems, sqlite_problems(conn, pragma)))
    if report.full:
        _guarded(report, "column types", lambda: _report_each(problems, column_type_problems(conn)))
    # Each check on its own: damage that stops one (an unreadable row) must not hide what the others find.
    for name, check in (
        ("bodies", _check_bodies),
        ("captures", _check_captures),
        ("duplicate captures", _check_duplicate_captures),
        ("versions", _check_versions),
        ("version events", _check_version_events),
        ("articles", _check_articles),
        ("footers", _check_footers),
        ("full-text index", _check_fts),
    ):
        _guarded(report, name, lambda check=check: check(conn, report))
    _guarded(report, "events", lambda: setattr(report, "events", conn.execute("SELECT count(*) FROM events").fetchone()[0]))


def _report_each(problems: list[str], found: Iterable[str]) -> None:
    """One by one: what a check found before damage stopped it stays in the report."""
    for problem in found:
        problems.append(problem)


def _guarded(report: VerifyReport, name: str, check) -> None:
    try:
        check()
    except (sqlite3.DatabaseError, ValueError, TypeError) as exc:  # UnicodeDecodeError is a ValueError
        report.problems.append(f"{name}: cannot be read ({type(exc).__name__}: {error_text(exc)})")


def _check_duplicate_captures(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """A work item is fetched and recorded once; two captures of one mean a crawl did the work twice.
    Block pages do not count: a WAF's page said nothing about the URL, so a resumed run fetches its
    item again (WorkQueue.requeue_blocked) and records the answer under the same item."""
    rows = conn.execute(
        "SELECT work_item_id, count(*), group_concat(id, ', ') FROM captures WHERE work_item_id IS NOT NULL"
        " AND outcome != ? GROUP BY work_item_id HAVING count(*) > 1 ORDER BY work_item_id",
        (Outcome.BLOCKED,),
    ).fetchall()
    report.duplicate_captures = len(rows)
    for item, count, ids in rows[:50]:
        report.problems.append(f"work item {item}: recorded {count} times (captures {ids}); it was fetched twice")
    if len(rows) > 50:
        report.problems.append(f"... and {len(rows) - 50} more work items recorded more than once")


def _check_bodies(conn: sqlite3.Connection, report: VerifyReport) -> None:
    store = BodyStore(conn)
    rows = conn.execute(
        "SELECT b.sha256, b.size, b.codec, b.base_sha256, b.depth, b.stored_size, length(b.data), base.depth"
        " FROM bodies b LEFT JOIN bodies base ON base.sha256 = b.base_sha256 ORDER BY b.depth, b.sha256"
    ).fetchall()
    for sha, size, codec, base, depth, stored_size, data_len, base_depth in rows:
        report.bodies += 1
        report.body_bytes += size
        report.stored_bytes += stored_size
        if data_len != stored_size:
            report.problems.append(f"body {sha}: stored_size {stored_size} but data holds {data_len} bytes")
        if codec in DELTA_CODECS:
            if base_depth is None:
                report.problems.append(f"body {sha}: delta base {base} is missing")
                continue
            if depth != base_depth + 1 or depth > MAX_DEPTH:
                report.problems.append(f"body {sha}: delta depth {depth} inconsistent (base depth {base_depth})")
        try:
            store.read(sha)
        except BodyIntegrityError as exc:
            message = str(exc)
            if not message.startswith(f"body {sha}"):
                message = f"body {sha}: cannot be rebuilt from its delta chain: {message}"
            report.problems.append(message)


def _check_captures(conn: sqlite3.Connection, report: VerifyReport) -> None:
    report.captures = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    for cid, sha, size, body_size in conn.execute(
        "SELECT c.id, c.body_sha256, c.body_size, b.size FROM captures c"
        " LEFT JOIN bodies b ON b.sha256 = c.body_sha256"
        " WHERE c.body_sha256 IS NOT NULL AND (b.sha256 IS NULL OR b.size IS NOT c.body_size)"
    ):
        if body_size is None:
            report.problems.append(f"capture {cid}: body {sha} is not stored")
        else:
            report.problems.append(f"capture {cid}: body_size {size} but body {sha} has {body_size} bytes")
    for cid, site, aid, version in conn.execute(
        "SELECT c.id, c.site, c.article_id, c.version FROM captures c WHERE c.version IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM versions v WHERE v.site = c.site AND v.article_id = c.article_id AND v.version = c.version)"
    ):
        report.problems.append(f"capture {cid}: shows version {version} of {site}/{aid}, which does not exist")
    for cid, site, version in conn.execute(
        "SELECT c.id, c.site, c.footer_version FROM captures c WHERE c.footer_version IS NOT NULL AND NOT EXISTS"
        " (SELECT 1 FROM footers f WHERE f.site = c.site AND f.version = c.footer_version)"
    ):
        report.problems.append(f"capture {cid}: shows footer version {version} of {site}, which does not exist")
    # The evidence a fetch happened: an event or a work item pointing at a capture that is not there.
    for table, row_id, cid in conn.execute(
        "SELECT 'event', e.id, e.capture_id FROM events e WHERE e.capture_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM captures c WHERE c.id = e.capture_id)"
        " UNION ALL SELECT 'work item', w.id, w.capture_id FROM work_items w WHERE w.capture_id IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM captures c WHERE c.id = w.capture_id)"
    ):
        report.problems.append(f"{table} {row_id}: refers to capture {cid}, which does not exist")


def _check_versions(conn: sqlite3.Connection, report: VerifyReport) -> None:
    problems = report.problems
    previous: tuple[str, int, int, ArticleContent] | None = None
    for row in conn.execute(
        "SELECT v.site, v.article_id, v.version, v.content_hash, v.changed_fields, v.capture_id, c.site,"
        " c.article_id, v.title, v.column_name, v.published_at, v.source, v.author, v.body_text, v.body_html,"
        " v.images_json, v.attachments_json, v.signature FROM versions v LEFT JOIN captures c ON c.id = v.capture_id"
        " ORDER BY v.site, v.article_id, v.version"
    ):
        site, aid, number, digest, changed_json, capture_id, c_site, c_aid = row[:8]
        content = content_from_version_row(row[8:])
        report.versions += 1
        name = f"article {site}/{aid} version {number}"
        same_article = previous is not None and previous[:2] == (site, aid)
        expected_number = previous[2] + 1 if same_article and previous else 1
        if number != expected_number:
            problems.append(f"{name}: expected version {expected_number} (version numbers must run 1..n)")
        if (c_site, c_aid) != (site, aid):
            problems.append(f"{name}: its capture {capture_id} belongs to {c_site}/{c_aid}")
        if content_hash(content) != digest:
            problems.append(f"{name}: content_hash does not match the stored content")
        try:
            stored_changed = tuple(json.loads(changed_json))
        except json.JSONDecodeError:
            stored_changed = ("<unreadable>",)
        if not stored_changed:
            problems.append(f"{name}: empty changed_fields (a version must change something)")
        if same_article and previous is not None:
            real = changed_fields(previous[3], content)
            if not real:
                problems.append(f"{name}: identical to version {previous[2]} (a version that changed nothing)")
        else:
            real = present_fields(content)
        if stored_changed and real and stored_changed != real:
            problems.append(f"{name}: changed_fields {list(stored_changed)} but the real changes are {list(real)}")
        previous = (site, aid, number, content)


def _check_version_events(conn: sqlite3.Connection, report: VerifyReport) -> None:
    """Every version has the event that made it: `new` for version 1, `edited` after, from its capture
    (what `ncgh changes` lists; a lost event hides an edit from every change report)."""
    for site, aid, number, capture_id in conn.execute(
        "SELECT v.site, v.article_id, v.version, v.capture_id FROM versions v WHERE NOT EXISTS (SELECT 1 FROM events e"
        " WHERE e.site = v.site AND e.article_id = v.article_id AND e.version = v.version"
        " AND e.event = CASE WHEN v.version = 1 THEN ? ELSE ? END AND e.capture_id IS v.capture_id)",
        (EventKind.NEW, EventKind.EDITED),
    ):
        kind = EventKind.NEW if number == 1 else EventKind.EDITED
        report.problems.append(f"article {site}/{aid} version {number}: no {kind} event from its capture {capture_id}")


def _check_articles(conn: sqlite3.Connection, report: VerifyReport) -> None:
    problems = report.problems
    report.articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    for site, aid, version, top in conn.execute(
        "SELECT * FROM (SELECT a.site, a.article_id, a.version, (SELECT max(version) FROM versions v"
        " WHERE v.site = a.site AND v.article_id = a.article_id) AS top FROM articles a)"
        " WHERE version IS NOT top"
    ):
        problems.append(f"article {site}/{aid}: current version {version} but its newest version is {top}")
    for site, aid in conn.execute(
        "SELECT DISTINCT v.site, v.article_id FROM versions v LEFT JOIN articles a"
        " ON a.site = v.site AND a.article_id = v.article_id WHERE a.article_id IS NULL"
    ):
        problems.append(f"article {site}/{aid}: has versions but no article row")
    for site, aid, status, last_event in conn.execute(
        "SELECT a.site, a.article_id, a.status, (SELECT e.event FROM events e WHERE e.site = a.site"
        " AND e.article_id = a.article_id AND e.event IN (?, ?) ORDER BY e.at DESC, e.id DESC"
        " LIMIT 1) FROM articles a",
        (EventKind.GONE, EventKind.RESTORED),
    ):
        expected = ArticleStatus.GONE if last_event == EventKind.GONE else ArticleStatus.LIVE
        if status != expected:
            problems.append(f"article {site}/{aid}: status {status} but its last gone/restored event says {expected}")


def _check_footers(conn: sqlite3.Connection, report: VerifyReport) -> None:
    previous: tuple[str, int, FooterContent] | None = None
    for site, number, digest, changed_json, *values in conn.execute(
        "SELECT site, version, content_hash, changed_fields, org, icp, police_record, phone, email, address,"
        " postcode FROM footers ORDER BY site, version"
    ):
        report.footer_versions += 1
        footer = FooterContent(*values)
        name = f"footer {site} version {number}"
        same_site = previous is not None and previous[0] == site
        expected = previous[1] + 1 if same_site and previous else 1
        if number != expected:
            report.problems.append(f"{name}: expected version {expected} (version numbers must run 1..n)")
        if footer_hash(footer) != digest:
            report.problems.append(f"{name}: content_hash does not match the stored fields")
        real = footer_changed_fields(previous[2], footer) if same_site and previous else footer_present_fields(footer)
        if not real or tuple(json.loads(changed_json)) != real:
            report.problems.append(f"{name}: changed_fields {changed_json} but the real changes are {list(real)}")
        previous = (site, number, footer)


def _check_fts(conn: sqlite3.Connection, report: VerifyReport) -> None:
    problems = report.problems
    indexed = {r[0] for r in conn.execute("SELECT rowid FROM version_fts")}
    report.fts_rows = len(indexed)
    ids = {r[0] for r in conn.execute("SELECT id FROM versions")}
    for missing in sorted(ids - indexed)[:50]:
        problems.append(f"full-text index: version row {missing} is not indexed")
    for extra in sorted(indexed - ids)[:50]:
        problems.append(f"full-text index: row {extra} indexes no version")
    # The index is contentless, so prove its content by searching each version for pieces of itself.
    for vid, title, body in conn.execute("SELECT id, title, body_text FROM versions ORDER BY id"):
        if vid not in indexed:
            continue
        words = _probe_words(title) + _probe_words(body)
        for piece in words[:3], words[-3:]:
            expression = match_expression(" ".join(piece))
            if expression is None:
                continue
            hit = conn.execute(
                "SELECT 1 FROM version_fts WHERE version_fts MATCH ? AND rowid = ?", (expression, vid)
            ).fetchone()
            if hit is None:
                problems.append(f"full-text index: version row {vid} is not found by its own text {piece!r}")
                break


def _probe_words(text: str | None) -> list[str]:
    """Whole words (never cut inside a non-CJK word) and at most 16-character CJK runs of a text."""
    out = []
    for word in _WORD.findall(text or ""):
        if len(word) <= 16:
            out.append(word)
        elif _CJK_ONLY.fullmatch(word[:16]):
            out.append(word[:16])
    return out


def format_report(report: VerifyReport, path: str | Path, max_problems: int = 200) -> str:
    """The human-readable report `ncgh verify` prints."""
    ratio = f"{report.stored_bytes / report.body_bytes:.1%}" if report.body_bytes else "n/a"
    lines = [
        f"archive: {path} (schema version {report.schema_version})",
        f"bodies: {report.bodies} ({report.body_bytes} bytes raw, {report.stored_bytes} stored, {ratio})",
        f"captures: {report.captures}  articles: {report.articles}  versions: {report.versions}"
        f"  footer versions: {report.footer_versions}  events: {report.events}  indexed: {report.fts_rows}",
    ]
    lines.extend(f"note: {n}" for n in report.notes)
    if report.ok:
        full = "; every page, index entry and column was read (full check)" if report.full else ""
        lines.append(
            f"OK: every body matches its hash, every version chain is consistent, the index is in sync{full}"
        )
    else:
        lines.append(f"PROBLEMS: {len(report.problems)}")
        lines.extend(f"  - {p}" for p in report.problems[:max_problems])
        if len(report.problems) > max_problems:
            lines.append(f"  ... and {len(report.problems) - max_problems} more")
    return "\n".join(lines)
