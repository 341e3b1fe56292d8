"""Whether two archives of the same simulated day hold the same thing, byte for byte where it counts.

bench/reliability.py's digest (articles, versions, events, footers, captures by kind/url/status/
outcome/body) plus what a change to the write path could alter without changing those: every
stored body's row (codec, delta base, depth, sizes, and a hash of the stored bytes), every version's
content columns, the capture rows' parse columns, and the full-text index's terms (fts5vocab: each
term with its documents and occurrences, the rowids mapped to (article, version)). Times and row ids
are left out: they differ between two crawls of the same day.

    python3 bench/archive_equivalence.py BEFORE.db AFTER.db     # exit 1 and the differences if any
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from reliability import digest  # noqa: E402

_BODIES = (
    "SELECT sha256, size, codec, base_sha256, depth, stored_size, data FROM bodies ORDER BY sha256"
)
_VERSIONS = (
    "SELECT site, article_id, version, content_hash, changed_fields, title, column_name, published_at, source,"
    " author, body_text, body_html, images_json, attachments_json, signature, parser_version FROM versions"
    " ORDER BY site, article_id, version"
)
_CAPTURES = (
    "SELECT kind, url, status, outcome, body_sha256, body_size, missing_reason, encoding, encoding_source,"
    " parser_version, extractor, warnings_json, parse_error, views, version, footer_version, article_id"
    " FROM captures ORDER BY kind, url, fetched_at"
)


def _rows(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def _fts_terms(conn: sqlite3.Connection) -> list[tuple]:
    """(term, column, article_id, version, occurrences) for every indexed term instance."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS eq_vocab_cache (x)")  # make sure the temp schema exists
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.eq_vocab USING fts5vocab(main, version_fts, instance)")
    rows = conn.execute(
        "SELECT t.term, t.col, v.site, v.article_id, v.version, count(*) FROM temp.eq_vocab t"
        " JOIN versions v ON v.id = t.doc GROUP BY t.term, t.col, t.doc ORDER BY 1, 2, 3, 4, 5"
    ).fetchall()
    return rows


def fingerprint(db: Path) -> dict[str, str]:
    """One SHA-256 per part of the archive (see the module docstring)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.execute("PRAGMA query_only = 1")
    try:
        parts = {
            "bodies": [r[:-1] + (hashlib.sha256(r[-1]).hexdigest(),) for r in _rows(conn, _BODIES)],
            "versions": _rows(conn, _VERSIONS),
            "captures": _rows(conn, _CAPTURES),
        }
    finally:
        conn.close()
    # fts5vocab needs a writable temp schema: a private in-memory attach of nothing, on a plain open.
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        parts["fts"] = _fts_terms(conn)
    finally:
        conn.close()
    return {name: hashlib.sha256(repr(rows).encode()).hexdigest() for name, rows in parts.items()} | {
        f"{name} rows": str(len(rows)) for name, rows in parts.items()
    }


def differences(before: Path, after: Path) -> list[str]:
    out = digest(before).differences(digest(after))
    a, b = fingerprint(before), fingerprint(after)
    out += [f"{name}: {a[name]} != {b[name]}" for name in a if a[name] != b[name]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    found = differences(args.before, args.after)
    for line in found:
        print(line)
    a = fingerprint(args.before)
    print(
        "identical" if not found else "DIFFERENT",
        "(" + ", ".join(f"{a[k]} {k.split()[0]}" for k in a if k.endswith("rows")) + ")",
    )
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
