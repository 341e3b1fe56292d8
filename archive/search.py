"""Full-text search over article versions that works for Chinese.

SQLite's tokenizers do not segment Chinese: unicode61 sees a whole sentence as one token, and the
trigram tokenizer cannot match two-character words such as 工会 or 职工, which are most Chinese words.
So the text is indexed as overlapping CJK bigrams (工会职工 -> 工会 会职 职工) plus the last character
of each run, in a contentless FTS5 table with the unicode61 tokenizer. A query of two or more
characters becomes a phrase of its bigrams; a single character becomes a prefix query (every
character starts some indexed token). A word mixing scripts (12月2日, 展2017) is one phrase of the
tokens its text would be indexed as, so its pieces must stand together; digits and Latin letters
match whole words (3日 does not find 13日). Snippets are cut from the stored original text, never from
the bigram text, so what the user sees is what the site showed; they mark what the query matched,
found by the same token rule.
"""

from __future__ import annotations

import json
import operator
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from archive.attachment_search import attachment_matches, count_attachment_only
from archive.schema import connect, read_snapshot

# Han (with extensions and compatibility ideographs, the ideographic zero 〇 of 二〇二四年, the
# iteration mark 々 and the Hangzhou numerals), kana and Hangul: scripts written without spaces.
_CJK = ("\u3005-\u3007\u3021-\u3029\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
        "\U00020000-\U0003134f")
_SEGMENT = re.compile(f"([{_CJK}]+)|([^{_CJK}]+)")
_WORD = re.compile(r"[^\W_]+")


@dataclass
class SearchHit:
    article_id: int
    version: int
    title: str | None
    published_at: str | None
    url: str | None
    snippet: str
    rank: float  # FTS5 bm25: lower is a better match
    site: str = ""
    is_latest: bool = True
    attachment_url: str | None = None  # set when the match is in this attachment's text, not the page


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def index_text(text: str | None) -> str:
    """The text as stored in the FTS index: CJK runs as bigrams plus the run's last character."""
    parts: list[str] = []
    for cjk, other in _SEGMENT.findall(_fold(text or "")):
        if cjk:
            parts.extend(_run_tokens(cjk))
        else:
            parts.append(other)
    return " ".join(parts)


def _run_tokens(run: str) -> list[str]:
    """A CJK run's tokens in the index: its bigrams (without a slice per pair), then its last character."""
    return [*map(operator.add, run, run[1:]), run[-1]]


@dataclass(frozen=True)
class _Pattern:
    """One whitespace-separated word of a query: the tokens that must stand in a row; the last may be
    a prefix (a single trailing CJK character: every character starts some token)."""

    tokens: tuple[str, ...]
    prefix: bool
    where: re.Pattern[str]  # the same match as a regex over folded text, for snippets


# A digit or Latin (any non-CJK) letter: what a number or word may not be glued to at either end.
_NON_CJK_LETTER = f"[^\\W_{_CJK}]"


def _patterns(query: str) -> list[_Pattern]:
    """The query's words as token patterns. Inside a word, a CJK run followed by anything is indexed
    whole (bigrams and last character: the text's run ends there too); a trailing one may continue
    in the text, so it gives its bigrams only, or a prefix when it is one character."""
    out: list[_Pattern] = []
    for word in _fold(query).split():
        segments = [(m.group(1), m.group(2)) for m in _SEGMENT.finditer(word)]
        tokens: list[str] = []
        prefix = False
        pieces: list[tuple[bool, str]] = []  # (is CJK, text) of what the tokens come from, in order
        for i, (cjk, other) in enumerate(segments):
            if not cjk:
                words = _WORD.findall(other)
                tokens.extend(words)
                pieces.extend((False, w) for w in words)
                continue
            pieces.append((True, cjk))
            if any(c or _WORD.search(o) for c, o in segments[i + 1 :]):
                tokens.extend(_run_tokens(cjk))  # bounded on the right: indexed whole
            elif len(cjk) == 1:
                tokens.append(cjk)
                prefix = True
            else:
                tokens.extend(cjk[j : j + 2] for j in range(len(cjk) - 1))
        if tokens:
            out.append(_Pattern(tuple(tokens), prefix, _regex(pieces)))
    return out


def _regex(pieces: list[tuple[bool, str]]) -> re.Pattern[str]:
    """Where the tokens of `pieces` stand in a row in folded text, as the index sees it: anything that
    makes no token (punctuation, spaces) may lie between two pieces, and must when both are of one
    kind (else they would be one run or one word); a number or word is whole."""
    parts: list[str] = []
    for i, (cjk, text) in enumerate(pieces):
        if i:
            parts.append("[\\W_]+" if cjk == pieces[i - 1][0] else "[\\W_]*")
        elif not cjk:
            parts.append(f"(?<!{_NON_CJK_LETTER})")
        parts.append(re.escape(text))
    if not pieces[-1][0]:
        parts.append(f"(?!{_NON_CJK_LETTER})")
    return re.compile("".join(parts))


def match_expression(query: str) -> str | None:
    """FTS5 MATCH expression for a user query (whitespace-separated words are ANDed, each one phrase
    of its tokens); None if empty."""
    terms = ['"' + " ".join(p.tokens) + '"' + ("*" if p.prefix else "") for p in _patterns(query)]
    return " AND ".join(terms) if terms else None


def add_to_index(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str]]) -> None:
    """Add versions to the index as (versions.id, index_text(title), index_text(body)), in the caller's
    transaction. Many at once outside any SAVEPOINT is far cheaper than one at a time: FTS5 flushes its
    pending terms into a new segment at every savepoint release and at every commit."""
    conn.executemany("INSERT INTO version_fts (rowid, title, body) VALUES (?, ?, ?)", rows)


def _spans(text: str, patterns: list[_Pattern]) -> list[tuple[int, int]]:
    """Where the query's patterns match `text` by the index's own token rule, as merged (start, end)
    offsets into the original text (a word's pieces only where they stand together, digits and
    Latin letters as whole words, as the index matched them)."""
    if not text or not patterns:
        return []
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for f in _fold(ch):
            folded.append(f)
            origin.append(i)
    hay = "".join(folded)
    spans: list[tuple[int, int]] = []
    for pattern in patterns:
        at = 0
        while (m := pattern.where.search(hay, at)) is not None:  # overlapping matches too (工工 in 工工工)
            spans.append((origin[m.start()], origin[m.end() - 1] + 1))
            at = m.start() + 1
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def highlight(text: str, query: str, marks: tuple[str, str] = ("[", "]"), width: int = 80) -> str:
    """A window of about `width` characters around the first match, every match wrapped in marks."""
    text = text or ""
    return _window(text, _spans(text, _patterns(query)), marks, width)


def _window(text: str, spans: list[tuple[int, int]], marks: tuple[str, str], width: int) -> str:
    """`highlight` given the match spans already found in `text`."""
    if spans:
        first = spans[0][0]
        start = max(0, first - width // 3)
    else:
        start = 0
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    out: list[str] = ["…" if start > 0 else ""]
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(text[pos:s])
        out.append(marks[0] + text[s:e] + marks[1])
        pos = e
    out.append(text[pos:end])
    out.append("…" if end < len(text) else "")
    return re.sub(r"\s+", " ", "".join(out)).strip()


# Phase 1 ranks version ids from the FTS index alone: bm25 for every match is the irreducible cost,
# and a bounded sort of (rowid, score) pairs is cheap. Joining `versions` before the LIMIT dragged
# every match's row (body text included) through the sort: 2-3x the time of the ranking itself.
_RANKED = "SELECT rowid, bm25(version_fts, 5.0, 1.0) AS score FROM version_fts WHERE version_fts MATCH ?"
# Latest versions as a set built once (one index probe per article). `+rowid` keeps the planner from
# handing the IN list to FTS5 as rowid lookups (one MATCH per latest version: minutes, not ms), and as
# a filter it also spares bm25 for the versions it drops.
_LATEST_ONLY = (
    " AND +rowid IN (SELECT v.id FROM articles a JOIN versions v"
    " ON v.site = a.site AND v.article_id = a.article_id AND v.version = a.version)"
)
_DETAILS = (
    "SELECT v.id, v.site, v.article_id, v.version, v.title, v.published_at, v.body_text, a.last_url,"
    " (v.version = a.version) AS latest"
    " FROM versions v LEFT JOIN articles a ON a.site = v.site AND a.article_id = v.article_id"
    " WHERE v.id IN (SELECT value FROM json_each(?))"
)


def _ranked(conn: sqlite3.Connection, expression: str, limit: int, all_versions: bool) -> list[tuple[int, float]]:
    """(version id, score) of every match that can be in the top `limit`: the best `limit` by score
    plus all that tie with the last of them (published_at and id, in `versions`, order the ties)."""
    sql = _RANKED + ("" if all_versions else _LATEST_ONLY) + " ORDER BY score LIMIT ?"
    k = -1 if limit < 0 else 2 * limit + 10
    while True:
        rows = conn.execute(sql, (expression, k)).fetchall()
        if k < 0 or len(rows) <= limit:
            return rows
        cutoff = rows[limit - 1][1]
        if len(rows) < k or rows[-1][1] > cutoff:
            return [r for r in rows if r[1] <= cutoff]
        k = -1 if k > 10_000 else 16 * k  # the ties may run past the k fetched: fetch more


def _order_key_desc(published_at: str | None) -> tuple[int, str]:
    """SQLite's `published_at DESC` under reverse=True: NULL sorts below every text, so last."""
    return (0, "") if published_at is None else (1, published_at)


def count_matches(conn: sqlite3.Connection, query: str, all_versions: bool = False) -> int:
    """How many hits `search` has in all, for "20 of 212" and paging (no ranking, so cheap)."""
    expression = match_expression(query)
    if expression is None:
        return 0
    sql = _RANKED.replace("rowid, bm25(version_fts, 5.0, 1.0) AS score", "count(*)", 1)
    pages = int(conn.execute(sql + ("" if all_versions else _LATEST_ONLY), (expression,)).fetchone()[0])
    return pages + count_attachment_only(conn, expression, all_versions)


def search(
    db_path_or_conn: str | Path | sqlite3.Connection,
    query: str,
    limit: int = 20,
    all_versions: bool = False,
    marks: tuple[str, str] = ("[", "]"),
    width: int = 80,
    offset: int = 0,
) -> list[SearchHit]:
    """Ranked hits over title and body; latest versions only unless `all_versions`.

    Order: bm25 (title weighted 5, body 1; lower first), then newer `published_at` (NULL last), then
    version id. A negative `limit` returns every hit, as SQLite's LIMIT does. `offset` skips that many
    hits of the same order (a page further on); `count_matches` says how many there are in all."""
    if offset < 0:
        raise ValueError("offset must be >= 0")
    expression = match_expression(query)
    if expression is None:
        return []
    if isinstance(db_path_or_conn, sqlite3.Connection):
        conn, owned = db_path_or_conn, False
    else:
        path = Path(db_path_or_conn)
        if not path.exists():
            raise FileNotFoundError(f"no archive at {path}")
        conn, owned = connect(path, readonly=True), True
    limit = int(limit)
    # Both phases read one snapshot: a version written (or a reparse) between them must not turn a
    # ranked id into another row or change which version is the latest.
    try:
        if limit == 0:
            return []
        with read_snapshot(conn):
            scores = dict(_ranked(conn, expression, limit + offset if limit > 0 else limit, all_versions))
            rows = conn.execute(_DETAILS, (json.dumps(list(scores)),)).fetchall() if scores else []
            in_files = attachment_matches(conn, expression, all_versions)
    finally:
        if owned:
            conn.close()
    terms = _patterns(query)
    # One order over body and attachment hits alike: score, newer published_at (NULL last), version id.
    keyed: list[tuple[float, str | None, int, SearchHit]] = []
    for row_id, site, article_id, version, title, published_at, body, url, latest in rows:
        # The snippet comes from the body when the query occurs there (or there is no title).
        body = body or ""
        spans = _spans(body, terms)
        if spans or not title:
            snippet = _window(body, spans, marks, width)
        else:
            snippet = _window(title, _spans(title, terms), marks, width)
        hit = SearchHit(
            article_id=article_id, version=version, title=title, published_at=published_at, url=url,
            snippet=snippet, rank=float(scores[row_id]), site=site, is_latest=bool(latest),
        )
        keyed.append((hit.rank, published_at, row_id, hit))
    for m in in_files:
        text = m.attachment_text
        hit = SearchHit(
            article_id=m.article_id, version=m.version, title=m.title, published_at=m.published_at, url=m.url,
            snippet=_window(text, _spans(text, terms), marks, width), rank=m.score, site=m.site,
            is_latest=m.is_latest, attachment_url=m.attachment_url,
        )
        keyed.append((m.score, m.published_at, m.version_row_id, hit))
    keyed.sort(key=operator.itemgetter(2))
    keyed.sort(key=lambda k: _order_key_desc(k[1]), reverse=True)  # stable: ids stay ascending in ties
    keyed.sort(key=operator.itemgetter(0))
    hits = [k[3] for k in keyed]
    return hits[offset:offset + limit] if limit > 0 else hits[offset:]
