"""What changed across the whole site in a period: every event, newest first, with a short inline diff.

`ncgh changes`, its Atom feed (archive/feed.py, `/-/changes.atom` in `ncgh serve`) and the alerts sent
after a crawl (ncgh/notify.py) all read the archive's events through `changes` / `changes_of`, so the
listing, the feed and the alerts never disagree about what happened. Which fields an edit changed and
its diff come from archive/diff.py (the store's own rule), shown inline character by character
because Chinese has no spaces to diff words by: `…今天[-旧-]{+新+}的…`.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archive import diff as diffs
from archive.query import ArticleRef, QueryError, VersionInfo, _strings, get_version
from archive.resolve import parse_moment

SITE_TIMEZONE = "Asia/Shanghai"
# How much of a change a listing shows: characters around each changed stretch, characters per line,
# lines per event. The whole diff is one `ncgh diff` (or the article page) away.
CONTEXT_CHARS = 12
LINE_CHARS = 160
MAX_DIFF_LINES = 6


class ChangeKind(StrEnum):
    """The archive's event kinds (the CHECK of `events.event`)."""

    NEW = "new"
    EDITED = "edited"
    GONE = "gone"
    RESTORED = "restored"


ALL_KINDS: tuple[ChangeKind, ...] = tuple(ChangeKind)


@dataclass(frozen=True)
class Change:
    """One event of the archive, as the listing, the feed and the alerts show it."""

    event_id: int  # events.id (renumbered by `ncgh reparse`; `key` is not)
    key: str  # "<capture id>/<kind>": stable across reparse, used by feed ids and delivery records
    at: str  # UTC ISO 8601, when the capture that showed it was made
    kind: ChangeKind
    site: str
    article_id: int
    title: str | None  # the title of the version the event is about (else the article's last title)
    version: int | None  # the article's version after the event
    changed_fields: tuple[str, ...]  # edited: fields that changed; new: the fields of version 1
    reasons: tuple[str, ...]  # gone: why it counts as missing (http_404, not_exist_page, ...)
    diff: tuple[str, ...]  # edited: a short inline diff, one line per changed stretch
    capture_id: int


def parse_kinds(text: str | Iterable[str] | None) -> tuple[ChangeKind, ...]:
    """'new,edited' (or a list of names) -> kinds; all kinds for None or ''; QueryError naming the bad one."""
    if text is None:
        return ALL_KINDS
    names = [n.strip().lower() for n in (text.split(",") if isinstance(text, str) else text)]
    names = [n for n in names if n]
    if not names:
        return ALL_KINDS
    out: list[ChangeKind] = []
    for name in names:
        try:
            kind = ChangeKind(name)
        except ValueError:
            raise QueryError(
                f"unknown kind {name!r} (kinds: {', '.join(k.value for k in ALL_KINDS)})"
            ) from None
        if kind not in out:
            out.append(kind)
    return tuple(out)


_RELATIVE = re.compile(r"(\d{1,6})\s*([hdw])")
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


def parse_when(text: str, *, end: bool = False, now: datetime | None = None, tz: str = SITE_TIMEZONE) -> str:
    """A user's --since/--until -> a UTC ISO moment comparable with `events.at`.

    `7d`, `12h`, `2w`: that long before now. `2024-10-01`: a date on the site's calendar (Asia/Shanghai),
    its start for --since and the start of the next day for --until (so --until 2024-10-01 takes the
    whole day). A date-time is taken as given (UTC when it has no offset), as `ncgh show --as-of` does.
    """
    value = text.strip()
    moment_now = (now or datetime.now(UTC)).astimezone(UTC)
    relative = _RELATIVE.fullmatch(value.lower())
    if relative:
        try:
            start = moment_now - int(relative.group(1)) * _UNIT[relative.group(2)]
        except OverflowError:
            raise QueryError(f"{text!r} reaches back before the year 1") from None
        return start.isoformat(timespec="microseconds")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = date.fromisoformat(value)
            zone = ZoneInfo(tz)
        except (ValueError, ZoneInfoNotFoundError):
            raise QueryError(f"{text!r} is not a date (YYYY-MM-DD)") from None
        if end:
            if day == date.max:
                return datetime.max.replace(tzinfo=UTC).isoformat(timespec="microseconds")
            day += timedelta(days=1)
        start = datetime.combine(day, time(), zone)
        return start.astimezone(UTC).isoformat(timespec="microseconds")
    try:
        return parse_moment(value, end_of_day=end)
    except QueryError:
        raise QueryError(
            f"{text!r} is not a period (7d, 12h, 2w), a date (YYYY-MM-DD) or an ISO 8601 date-time"
        ) from None
    except OverflowError:
        raise QueryError(f"{text!r} is out of range") from None


# --- the inline diff ------------------------------------------------------------------------------


def _clip(text: str, limit: int) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def inline_diff(old: str, new: str, context: int = CONTEXT_CHARS) -> str:
    """`old` -> `new` as one line: unchanged stretches cut to `context` characters around the changes,
    deletions as [-…-], insertions as {+…+} (the wdiff convention), characters as the unit."""
    parts: list[str] = []
    ops = diffs.char_diff(old, new)
    for i, (tag, text) in enumerate(ops):
        if tag == "equal":
            first, last = i == 0, i == len(ops) - 1
            if first and len(text) > context:
                text = "…" + text[-context:]
            elif last and len(text) > context:
                text = text[:context] + "…"
            elif not first and not last and len(text) > 2 * context:
                text = text[:context] + "…" + text[-context:]
            parts.append(text.replace("\n", "⏎"))
        elif tag == "delete":
            parts.append(f"[-{text.replace(chr(10), '⏎')}-]")
        else:
            parts.append(f"{{+{text.replace(chr(10), '⏎')}+}}")
    return "".join(parts)


def short_diff(old: VersionInfo, new: VersionInfo, max_lines: int = MAX_DIFF_LINES) -> tuple[str, ...]:
    """What changed from `old` to `new`, a few lines long: one inline line per changed field, and for
    the body one per changed paragraph (`+`/`-` for whole paragraphs added or removed)."""
    changes, body_ops, _unified = diffs.diff_versions(old, new)
    lines: list[str] = []
    for change in changes:
        if change.field == "body_html":
            continue  # the same edit as body_text, in markup
        if change.field != "body_text":
            lines.append(_clip(f"{change.field}: {inline_diff(change.old, change.new)}", LINE_CHARS))
            continue
        for op in body_ops:
            if op.tag == "equal":
                continue
            pairs = min(len(op.old), len(op.new)) if op.tag == "replace" else 0
            for a, b in zip(op.old[:pairs], op.new[:pairs], strict=True):
                lines.append(_clip(f"body: {inline_diff(a, b)}", LINE_CHARS))
            lines.extend(_clip(f"body - {p}", LINE_CHARS) for p in op.old[pairs:])
            lines.extend(_clip(f"body + {p}", LINE_CHARS) for p in op.new[pairs:])
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"… {len(lines) - max_lines} more changed line(s)"]
    return tuple(lines)


# --- reading events -----------------------------------------------------------------------------------


_SELECT = (
    "SELECT e.id, e.at, e.event, e.site, e.article_id, e.version, e.detail, e.capture_id,"
    " coalesce(v.title, a.title) FROM events e"
    " LEFT JOIN versions v ON v.site = e.site AND v.article_id = e.article_id AND v.version = e.version"
    " LEFT JOIN articles a ON a.site = e.site AND a.article_id = e.article_id"
)


def _change(conn: sqlite3.Connection, row: tuple, with_diff: bool) -> Change:
    event_id, at, kind, site, article_id, version, detail, capture_id, title = row
    kind = ChangeKind(kind)
    fields: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    if kind in (ChangeKind.NEW, ChangeKind.EDITED):
        fields = _strings(detail)
    elif kind == ChangeKind.GONE:
        reasons = _strings(detail)
    if with_diff and kind == ChangeKind.EDITED and version is not None and version > 1:
        ref = ArticleRef(site, article_id)
        try:
            lines = short_diff(get_version(conn, ref, version - 1), get_version(conn, ref, version))
        except QueryError:
            lines = ()  # a version chain with a gap: `ncgh verify` reports it; the listing goes on
    return Change(
        event_id=int(event_id), key=f"{capture_id}/{kind.value}", at=at, kind=kind, site=site,
        article_id=int(article_id), title=title, version=version, changed_fields=fields, reasons=reasons,
        diff=lines, capture_id=int(capture_id),
    )


def changes(
    conn: sqlite3.Connection,
    since: str | None = None,
    until: str | None = None,
    kinds: Sequence[ChangeKind] = ALL_KINDS,
    *,
    site: str | None = None,
    limit: int | None = None,
    with_diff: bool = True,
) -> list[Change]:
    """Every event with `since <= at < until` (UTC ISO, see `parse_when`) of the given kinds, newest first."""
    where = ["e.event IN (" + ",".join("?" * len(kinds)) + ")"] if kinds else ["0"]
    params: list[object] = [str(k) for k in kinds]
    if since is not None:
        where.append("e.at >= ?")
        params.append(since)
    if until is not None:
        where.append("e.at < ?")
        params.append(until)
    if site is not None:
        where.append("e.site = ?")
        params.append(site)
    sql = f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY e.at DESC, e.id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    rows = conn.execute(sql, params).fetchall()
    return [_change(conn, row, with_diff) for row in rows]


def changes_of(conn: sqlite3.Connection, keys: Iterable[tuple[int, str]], with_diff: bool = True) -> list[Change]:
    """The events named by (capture id, kind), oldest first; keys whose event no longer exists (a
    reparse decided otherwise) are left out."""
    out: list[Change] = []
    for capture_id, kind in keys:
        row = conn.execute(f"{_SELECT} WHERE e.capture_id = ? AND e.event = ?", (capture_id, kind)).fetchone()
        if row is not None:
            out.append(_change(conn, row, with_diff))
    out.sort(key=lambda c: (c.at, c.event_id))
    return out
