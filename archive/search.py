"""Full-text search over article versions that works for Chinese.

SQLite's tokenizers do not segment Chinese: unicode61 sees a whole sentence as one token, and the
trigram tokenizer cannot match two-character words such as 工会 or 职工, which are most Chinese words.
So the text is indexed as overlapping CJK bigrams (工会职工 -> 工会 会职 职工) plus the last character
of each run, in a contentless FTS5 table with the unicode61 tokenizer. A query of two or more
characters becomes a phrase of its bigrams; a single character becomes a prefix query (every
character starts some indexed token). Snippets are cut from the stored original text, never from the
bigram text, so what the user sees is what the site showed.
"""

from __future__ import annotations

import operator
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from archive.schema import connect

# Han (with extensions and compatibility ideographs), kana and Hangul: scripts written without spaces.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
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


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def index_text(text: str | None) -> str:
    """The text as stored in the FTS index: CJK runs as bigrams plus the run's last character."""
    parts: list[str] = []
    for cjk, other in _SEGMENT.findall(_fold(text or "")):
        if cjk:
            parts.extend(map(operator.add, cjk, cjk[1:]))  # the bigrams, without a slice per pair
            parts.append(cjk[-1])
        else:
            parts.append(other)
    return " ".join(parts)


def match_expression(query: str) -> str | None:
    """FTS5 MATCH expression for a user query (whitespace-separated terms are ANDed); None if empty."""
    terms: list[str] = []
    for word in _fold(query).split():
        for cjk, other in _SEGMENT.findall(word):
            if cjk:
                if len(cjk) == 1:
                    terms.append(f'"{cjk}"*')
                else:
                    terms.append('"' + " ".join(cjk[i : i + 2] for i in range(len(cjk) - 1)) + '"')
            else:
                words = _WORD.findall(other)
                if words:
                    terms.append('"' + " ".join(words) + '"')
    return " AND ".join(terms) if terms else None


def needles(query: str) -> list[str]:
    """The folded strings to highlight: CJK runs and words of the query."""
    out: list[str] = []
    for word in _fold(query).split():
        for cjk, other in _SEGMENT.findall(word):
            out.extend([cjk] if cjk else _WORD.findall(other))
    return [n for n in out if n]


def index_version(conn: sqlite3.Connection, version_row_id: int, title: str | None, body: str | None) -> None:
    """Add one version to the index (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO version_fts (rowid, title, body) VALUES (?, ?, ?)",
        (version_row_id, index_text(title), index_text(body)),
    )


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where the terms occur in `text`, as merged (start, end) offsets into the original text."""
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for f in _fold(ch):
            folded.append(f)
            origin.append(i)
    hay = "".join(folded)
    spans: list[tuple[int, int]] = []
    for term in terms:
        start = hay.find(term)
        while start != -1:
            spans.append((origin[start], origin[start + len(term) - 1] + 1))
            start = hay.find(term, start + 1)
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
    spans = _spans(text, needles(query))
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


def search(
    db_path_or_conn: str | Path | sqlite3.Connection,
    query: str,
    limit: int = 20,
    all_versions: bool = False,
    marks: tuple[str, str] = ("[", "]"),
    width: int = 80,
) -> list[SearchHit]:
    """Ranked hits over title and body; latest versions only unless `all_versions`."""
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
    try:
        latest_only = "" if all_versions else "AND v.version = a.version"
        rows = conn.execute(
            "SELECT v.site, v.article_id, v.version, v.title, v.published_at, v.body_text, a.last_url,"
            " bm25(version_fts, 5.0, 1.0) AS score, (v.version = a.version) AS latest"
            " FROM version_fts JOIN versions v ON v.id = version_fts.rowid"
            " LEFT JOIN articles a ON a.site = v.site AND a.article_id = v.article_id"
            f" WHERE version_fts MATCH ? {latest_only}"
            " ORDER BY score, v.published_at DESC, v.id LIMIT ?",
            (expression, int(limit)),
        ).fetchall()
    finally:
        if owned:
            conn.close()
    hits = []
    for site, article_id, version, title, published_at, body, url, score, latest in rows:
        source = body if _spans(body or "", needles(query)) or not title else title
        hits.append(
            SearchHit(
                article_id=article_id,
                version=version,
                title=title,
                published_at=published_at,
                url=url,
                snippet=highlight(source, query, marks, width),
                rank=float(score),
                site=site,
                is_latest=bool(latest),
            )
        )
    return hits
