"""Which article and which moment a reader means: an id or any URL of the article, a date or date-time.

The read commands (show, history, diff, export --since) and the Datasette article page resolve their
arguments here, and every read-side failure is a QueryError saying what was looked for.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scraper.ids import DEFAULT_ARTICLE_PATHS, MAX_ARTICLE_ID, id_text_of_url
from scraper.ids import article_id as valid_article_id

SITE_TIMEZONE = "Asia/Shanghai"  # the default of `[site] timezone`: the calendar of bare dates


class QueryError(Exception):
    """A request the archive cannot answer (unknown article, no such version, bad date); says why."""


@dataclass(frozen=True)
class ArticleRef:
    site: str
    article_id: int


# --- resolving an article ---------------------------------------------------------------------------


def _as_url(text: str) -> str:
    """What a reader typed as a URL: a URL, a bare path, or host/path without a scheme (given one)."""
    return text if text.startswith("/") or "://" in text else "http://" + text


def checked_article_id(text: str) -> int:
    """`text` as an article id, or QueryError saying what an id is (scraper.ids decides)."""
    value = valid_article_id(text)
    if value is None:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise QueryError(f"{shown!r} is not an article id (ids are decimal numbers 1 to {MAX_ARTICLE_ID})")
    return value


def version_number(text: str, name: str = "version") -> int:
    """A version number given as text (the web UI's ?version= and ?compare=), or QueryError.

    The same rule as article ids (scraper.ids): ASCII decimal, 1 to SQLite's largest integer, so
    `²`, `１`, `+1` and 10**20 are refused in one line instead of failing inside SQLite or int().
    """
    value = valid_article_id(text)
    if value is None:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise QueryError(f"{name} must be a version number, not {shown!r}")
    return value


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
    if re.fullmatch(r"[+-]?\d+", text):  # any script's digits, a sign: meant as an id
        article_id = checked_article_id(text)
    else:
        row = conn.execute(
            "SELECT site, article_id FROM article_urls WHERE url = ? ORDER BY site = ? DESC LIMIT 1", (text, site)
        ).fetchone()
        if row:
            return ArticleRef(row[0], int(row[1]))
        # scraper.ids reads the id out of a URL for the crawl and for readers alike
        id_text = id_text_of_url(_as_url(text), article_paths)
        if id_text is None:
            raise QueryError(f"{text!r} is neither an article id nor an article URL (paths: {', '.join(article_paths)})")
        article_id = checked_article_id(id_text)
        host = urlsplit(_as_url(text)).netloc.lower()
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


def parse_moment(text: str, end_of_day: bool = True, tz: str = SITE_TIMEZONE) -> str:
    """A user's DATE or DATETIME -> a UTC ISO string comparable with capture times.

    A bare date is a day on the site's calendar (`[site] timezone`, Asia/Shanghai), as publication
    dates are: its end (as_of: "as it stood on that day") or its start (end_of_day=False, for
    --since). `ncgh changes --since/--until` read dates the same way. A time without an offset is
    taken as UTC.
    """
    value = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(), ZoneInfo(tz))
            if end_of_day and day == date.max:
                return datetime.max.replace(tzinfo=UTC).isoformat(timespec="microseconds")
            if end_of_day:
                moment = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(tz)) - timedelta(microseconds=1)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError, ZoneInfoNotFoundError):
        raise QueryError(f"{text!r} is not a date (YYYY-MM-DD) or ISO 8601 date-time") from None
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
