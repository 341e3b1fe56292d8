"""Search latency over an archive of 100,000 article versions, against a plain LIKE scan.

The archive is synthetic but made of the simulator's content model (simulator.content): 20,000
articles of a simulated site, each edited on four simulated days (title fixes, paragraphs added or
removed, images replaced), so 5 versions each; every version goes in through
Archive.record_capture (one transaction each; synchronous=OFF while building, since the file is
disposable). The built file is cached under bench/out/ (git-ignored) and reused while its parameters
match; --rebuild forces a new one.

For the queries 工会 (two characters, in every article) and 职工群众 (four characters, in most: the
simulator recombines one seed article's sentences) it prints median milliseconds of:
- search(): what `ncgh search` and /-/search run: bigram FTS5 match, bm25 ranking of version ids,
  rows and snippets for the top 20 only, latest versions only; and the same over all versions;
- bm25 ranking alone: the best 20 version ids over all versions, no rows read (the floor for search():
  bm25 needs every match's token counts and column sizes);
- the FTS5 match alone (count of all matching versions);
- a plain LIKE scan over title and body_text (count of all matching versions; must equal the FTS count);
- a plain LIKE search as a user would write it without an index: newest 20 matching versions.

    python3 bench/bench_search.py [--articles 20000] [--versions-per-article 5] [--repeat 15] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.model import ArticleContent, CaptureIn, FooterContent
from archive.search import match_expression, search
from archive.store import Archive
from archive.vocab import CaptureKind, Outcome
from scraper.records import EncodingSource, Extractor
from simulator.article import Article
from simulator.content import SiteState, TimelineParams, footer_for_day

OUT = Path(__file__).resolve().parent / "out"
QUERIES = ("工会", "职工群众")
BASE = "http://www.ncgh.org.cn"
T0 = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)


def _capture(a: Article, day: int, n: int, footer: FooterContent) -> CaptureIn:
    url = f"{BASE}/nczhghcms/article/{a.id}"
    content = ArticleContent(
        title=a.title,
        column=a.column,
        published_at=a.published.isoformat(),
        source=a.source,
        author=a.author,
        body_text=a.body_text,
        body_html="".join(f"<p>{p}</p>" for p in a.body_paragraphs),
        images=tuple((BASE + i.path, i.caption) for i in a.images),
        attachments=tuple((BASE + f.path, f.name) for f in a.attachments),
        signature=a.signature,
    )
    return CaptureIn(
        site="ncgh", url=url, final_url=url, fetched_at=(T0 + timedelta(days=day, seconds=n)).isoformat(),
        status=200, outcome=Outcome.OK, article_id=a.id, kind=CaptureKind.ARTICLE, encoding="utf-8",
        encoding_source=EncodingSource.HTTP,
        parser_version="bench-search", extractor=Extractor.PROFILE, content=content, views=a.views, footer=footer,
    )


def build(path: Path, articles: int, per_article: int) -> dict:
    """Create the archive: day 0 captures every article, each later day edits and captures every one."""
    for leftover in path.parent.glob(path.name + "*"):
        leftover.unlink()
    params = TimelineParams(
        edit_rate=1.0, delete_rate=0.0, restore_rate=0.0, new_per_day=(0, 0), id_range=(800, 800 + 10 * articles + 100)
    )
    started = time.perf_counter()
    state = SiteState(articles, seed=1, params=params)
    generate = time.perf_counter() - started
    record = 0.0
    with Archive(path) as archive:
        archive.conn.execute("PRAGMA synchronous = OFF")
        for day in range(per_article):
            if day:
                t = time.perf_counter()
                state.step()
                generate += time.perf_counter() - t
            f = footer_for_day(1, day, params)
            footer = FooterContent(f.org, f.icp, f.police_record, f.phone, f.email, f.address, f.postcode)
            t = time.perf_counter()
            for n, a in enumerate(state.articles.values()):
                archive.record_capture(_capture(a, day, n, footer))
            record += time.perf_counter() - t
            print(f"  day {day}: {len(state.articles)} captures recorded ({record:.0f}s so far)", flush=True)
        archive.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        versions = archive.conn.execute("SELECT count(*) FROM versions").fetchone()[0]
    meta = {
        "articles": articles, "per_article": per_article, "versions": versions, "generate_seconds": round(generate, 1),
        "record_seconds": round(record, 1), "captures": articles * per_article, "bytes": path.stat().st_size,
    }
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    return meta


def median_ms(fn, repeat: int) -> tuple[float, object]:
    result = fn()  # warm the page cache; not counted
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000, result


def measure(conn: sqlite3.Connection, query: str, repeat: int) -> None:
    """Print the median time of each way to answer `query`."""
    expression = match_expression(query)
    like = f"%{query}%"
    rows = {
        "search() top 20, latest versions": lambda: search(conn, query, limit=20),
        "search() top 20, all versions": lambda: search(conn, query, limit=20, all_versions=True),
        "bm25 ranking alone, top 20 ids": lambda: conn.execute(
            "SELECT rowid, bm25(version_fts, 5.0, 1.0) AS s FROM version_fts WHERE version_fts MATCH ?"
            " ORDER BY s LIMIT 20",
            (expression,),
        ).fetchall(),
        "FTS5 match, count all versions": lambda: conn.execute(
            "SELECT count(*) FROM version_fts WHERE version_fts MATCH ?", (expression,)
        ).fetchone()[0],
        "LIKE scan, count all versions": lambda: conn.execute(
            "SELECT count(*) FROM versions WHERE title LIKE ? OR body_text LIKE ?", (like, like)
        ).fetchone()[0],
        "LIKE scan, newest 20 versions": lambda: conn.execute(
            "SELECT id FROM versions WHERE title LIKE ? OR body_text LIKE ? ORDER BY published_at DESC LIMIT 20",
            (like, like),
        ).fetchall(),
    }
    print(f"  {query} ({len(query)} characters)")
    counts = {}
    for name, fn in rows.items():
        ms, result = median_ms(fn, repeat)
        hits = len(result) if isinstance(result, list) else result
        counts[name] = hits
        print(f"    {name:36s} {ms:9.1f} ms  [{hits}]")
    fts, scan = counts["FTS5 match, count all versions"], counts["LIKE scan, count all versions"]
    if fts != scan:
        print(f"    WARNING: the index finds {fts} versions, the scan {scan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--versions-per-article", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"search-{args.articles}x{args.versions_per_article}.db"
    meta_path = path.with_suffix(".json")
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() and path.exists() else None
    if meta is None or args.rebuild:
        print(f"building {path} ({args.articles} articles x {args.versions_per_article} versions)", flush=True)
        meta = build(path, args.articles, args.versions_per_article)
        cached = "built now"
    else:
        cached = "cached; --rebuild to time the build again"
    print(
        f"archive: {meta['versions']} versions of {meta['articles']} articles, {meta['bytes'] / 1e6:.0f} MB"
        f" ({cached}: content generated in {meta['generate_seconds']}s, {meta['captures']} captures recorded in"
        f" {meta['record_seconds']}s = {meta['captures'] / meta['record_seconds']:.0f} captures/s through record_capture)"
    )
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    print(f"median of {args.repeat} runs, milliseconds (hits in brackets)")
    for query in QUERIES:
        measure(conn, query, args.repeat)
    conn.close()


if __name__ == "__main__":
    main()
