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
from datetime import UTC, date, datetime, timedelta

from archive import diff as diffs
from archive.query import VersionInfo, get_version, strings_of
from archive.resolve import SITE_TIMEZONE, ArticleRef, QueryError, parse_moment
from archive.vocab import ATTACHMENT_EVENTS, ChangeKind

FOOTER_FIELDS = ("org", "icp", "police_record", "phone", "email", "address", "postcode")
# How much of a change a listing shows: characters around each changed stretch, characters per line,
# lines per event. The whole diff is one `ncgh diff` (or the article page) away.
CONTEXT_CHARS = 12
LINE_CHARS = 160
MAX_DIFF_LINES = 6


ALL_KINDS: tuple[ChangeKind, ...] = tuple(ChangeKind)


def event_key(capture_id: int, kind: ChangeKind | str, article_id: int | None) -> str:
    """An event's name across `ncgh reparse` (which renumbers events.id): "<capture id>/<kind>", and
    "/<article id>" after it for an attachment's events, one capture telling several articles."""
    kind = ChangeKind(kind)
    return f"{capture_id}/{kind.value}" + (f"/{article_id}" if kind in ATTACHMENT_EVENTS else "")


@dataclass(frozen=True)
class Change:
    """One event of the archive, as the listing, the feed and the alerts show it."""

    event_id: int  # events.id, footers.id for a footer change (renumbered by `ncgh reparse`; `key` is not)
    key: str  # `event_key`: stable across reparse, used by feed ids and alerts
    at: str  # UTC ISO 8601, when the capture that showed it was made
    kind: ChangeKind
    site: str
    article_id: int | None  # None for a footer change
    title: str | None  # the title of the version the event is about (else the article's last title)
    version: int | None  # the article's (or the footer's) version after the event
    changed_fields: tuple[str, ...]  # edited, footer: fields that changed; new: the fields of version 1
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
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):  # the same local day as `ncgh show --as-of`
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise QueryError(f"{text!r} is not a date (YYYY-MM-DD)") from None
        if end:  # --until is exclusive: the start of the next day takes the whole day
            if day == date.max:
                return datetime.max.replace(tzinfo=UTC).isoformat(timespec="microseconds")
            value = (day + timedelta(days=1)).isoformat()
        return parse_moment(value, end_of_day=False, tz=tz)
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


def _merge_short_equals(ops: list[tuple[str, str]], shortest: int = 3) -> list[tuple[str, str]]:
    """Fold unchanged stretches shorter than `shortest` characters between two changes into the change:
    `备{+202506+}1[-801623-]{+94+}4` reads better as `备[-1801623-]{+202506194+}4`."""
    out: list[tuple[str, str]] = []
    dels: list[str] = []
    ins: list[str] = []

    def flush() -> None:
        if dels:
            out.append(("delete", "".join(dels)))
        if ins:
            out.append(("insert", "".join(ins)))
        dels.clear()
        ins.clear()

    for i, (tag, text) in enumerate(ops):
        if tag == "equal":
            between = 0 < i < len(ops) - 1 and (dels or ins)
            if between and len(text) < shortest:
                dels.append(text)
                ins.append(text)
                continue
            flush()
            out.append((tag, text))
        else:
            (dels if tag == "delete" else ins).append(text)
    flush()
    return out


def inline_diff(old: str, new: str, context: int = CONTEXT_CHARS) -> str:
    """`old` -> `new` as one line: unchanged stretches cut to `context` characters around the changes,
    deletions as [-…-], insertions as {+…+} (the wdiff convention), characters as the unit; a text
    more than half rewritten as its old and new form whole."""
    parts: list[str] = []
    ops = _merge_short_equals(diffs.char_diff(old, new))
    same = sum(len(text) for tag, text in ops if tag == "equal")
    if old and new and same * 2 < max(len(old), len(new)):
        # Mostly rewritten (a new ICP number, a replaced sentence): scattered common characters would
        # make a character diff unreadable, so the old and the new text are shown whole.
        ops = [("delete", old), ("insert", new)]
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
# A footer change: a footer version after the first (the first is what the site showed, not a change).
_FOOTER_SELECT = (
    f"SELECT f.id, f.first_seen, '{ChangeKind.FOOTER}', f.site, NULL, f.version, f.changed_fields, f.capture_id, NULL"
    " FROM footers f WHERE f.version > 1"
)


def _footer_diff(conn: sqlite3.Connection, site: str, version: int, fields: tuple[str, ...]) -> tuple[str, ...]:
    names = [f for f in fields if f in FOOTER_FIELDS]
    if not names:
        return ()
    cols = ", ".join(names)
    old = conn.execute(f"SELECT {cols} FROM footers WHERE site = ? AND version = ?", (site, version - 1)).fetchone()
    new = conn.execute(f"SELECT {cols} FROM footers WHERE site = ? AND version = ?", (site, version)).fetchone()
    if old is None or new is None:
        return ()
    return tuple(
        _clip(f"{name}: {inline_diff(a or '', b or '')}", LINE_CHARS) for name, a, b in zip(names, old, new, strict=True)
    )


def _change(conn: sqlite3.Connection, row: tuple, with_diff: bool) -> Change:
    event_id, at, kind, site, article_id, version, detail, capture_id, title = row
    kind = ChangeKind(kind)
    fields: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    if kind in (ChangeKind.NEW, ChangeKind.EDITED, ChangeKind.FOOTER):
        fields = strings_of(detail)
    elif kind == ChangeKind.GONE:
        reasons = strings_of(detail)
    if with_diff and kind == ChangeKind.EDITED and version is not None and version > 1:
        ref = ArticleRef(site, article_id)
        try:
            lines = short_diff(get_version(conn, ref, version - 1), get_version(conn, ref, version))
        except QueryError:
            lines = ()  # a version chain with a gap: `ncgh verify` reports it; the listing goes on
    elif with_diff and kind == ChangeKind.FOOTER:
        lines = _footer_diff(conn, site, version, fields)
    if kind in ATTACHMENT_EVENTS:
        lines = (f"attachment: {detail}",)
    key = event_key(int(capture_id), kind, None if article_id is None else int(article_id))
    return Change(
        event_id=int(event_id), key=key, at=at, kind=kind, site=site,
        article_id=None if article_id is None else int(article_id),
        title=title if kind != ChangeKind.FOOTER else "site footer", version=version, changed_fields=fields,
        reasons=reasons, diff=lines, capture_id=int(capture_id),
    )


def _query(base: str, at: str, site_col: str, since: str | None, until: str | None, site: str | None,
           extra: tuple[str, list[object]] | None, order: str, limit: int | None) -> tuple[str, list[object]]:
    where: list[str] = []
    params: list[object] = []
    if extra is not None:
        where.append(extra[0])
        params.extend(extra[1])
    for clause, value in ((f"{at} >= ?", since), (f"{at} < ?", until), (f"{site_col} = ?", site)):
        if value is not None:
            where.append(clause)
            params.append(value)
    sql = base + ((" AND " if " WHERE " in base else " WHERE ") + " AND ".join(where) if where else "")
    sql += f" ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(int(limit))
    return sql, params


def changes(
    conn: sqlite3.Connection,
    since: str | None = None,
    until: str | None = None,
    kinds: Sequence[ChangeKind] | None = ALL_KINDS,
    *,
    site: str | None = None,
    limit: int | None = None,
    with_diff: bool = True,
) -> list[Change]:
    """Every event with `since <= at < until` (UTC ISO, see `parse_when`) of the given kinds (None:
    all), newest first."""
    kinds = ALL_KINDS if kinds is None else kinds
    article_kinds = [str(k) for k in kinds if k != ChangeKind.FOOTER]
    rows: list[tuple] = []
    if article_kinds:
        marks = ",".join("?" * len(article_kinds))
        sql, params = _query(_SELECT, "e.at", "e.site", since, until, site, (f"e.event IN ({marks})", article_kinds),
                             "e.at DESC, e.id DESC", limit)
        rows += conn.execute(sql, params).fetchall()
    if ChangeKind.FOOTER in kinds:
        sql, params = _query(_FOOTER_SELECT, "f.first_seen", "f.site", since, until, site, None,
                             "f.first_seen DESC, f.id DESC", limit)
        rows += conn.execute(sql, params).fetchall()
    rows.sort(key=lambda r: (r[1], r[2] != ChangeKind.FOOTER, r[0]), reverse=True)
    if limit is not None:
        rows = rows[:limit]
    return [_change(conn, row, with_diff) for row in rows]


def changes_of(conn: sqlite3.Connection, keys: Iterable[tuple[int, str, int]], with_diff: bool = True) -> list[Change]:
    """The events named by (capture id, kind, article id; 0 for the footer), oldest first; keys whose
    event no longer exists (a reparse decided otherwise) are left out."""
    out: list[Change] = []
    for capture_id, kind, article_id in keys:
        if kind == ChangeKind.FOOTER:
            row = conn.execute(f"{_FOOTER_SELECT} AND f.capture_id = ?", (capture_id,)).fetchone()
        elif kind in ATTACHMENT_EVENTS:
            # An attachment's capture has no article: the event's own article names it.
            row = conn.execute(
                f"{_SELECT} WHERE e.site = (SELECT site FROM captures WHERE id = ?) AND e.article_id = ?"
                " AND e.capture_id = ? AND e.event = ?",
                (capture_id, article_id, capture_id, kind),
            ).fetchone()
        else:
            # Through the capture's article: events are indexed by (site, article_id, at), not by capture.
            row = conn.execute(
                f"{_SELECT} JOIN captures c ON c.site = e.site AND c.article_id = e.article_id AND c.id = e.capture_id"
                " WHERE c.id = ? AND e.event = ?",
                (capture_id, kind),
            ).fetchone()
        if row is not None:
            out.append(_change(conn, row, with_diff))
    out.sort(key=lambda c: (c.at, c.kind != ChangeKind.FOOTER, c.event_id))
    return out
