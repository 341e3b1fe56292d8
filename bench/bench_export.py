"""Speed of the read side on an archive crawled from the simulator: exports, search, show/history.

Builds an archive by crawling the simulator once per simulated day (every article revisited daily),
then times each export format and dataset (versions, events, views, footers), a batch of searches and of show/history/diff calls, and prints rows or
records per second and output sizes.

    python3 bench/bench_export.py [--articles 300] [--days 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive import export as ex
from archive import query as q
from archive.diff import diff
from archive.resolve import ArticleRef
from archive.search import search
from archive.sql import open_readonly
from archive.stats import stats
from ncgh.config import config_from_dict
from ncgh.crawl import run_crawl
from simulator import SimConfig, SimServer

WORDS = ["工会", "职工", "代表大会", "送温暖", "劳动模范", "培训", "南昌市总工会", "安全生产"]


def build(db: Path, articles: int, days: int) -> float:
    cfg = config_from_dict({"fetch": {"delay": 0.0}, "revisit": {"schedule": [[100000, 1]], "budget": 100000}})
    started = time.perf_counter()
    with SimServer(SimConfig(articles=articles, seed=7, edit_rate=0.05)) as sim:
        now = datetime.now(UTC)
        for day in range(days):
            run_crawl(cfg, db, base_url=sim.url, now=now + timedelta(days=day))
            sim.advance(1)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--days", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "ncgh.db"
        seconds = build(db, args.articles, args.days)
        conn = open_readonly(db)
        s = stats(conn, db)
        print(f"archive: {s.articles} articles, {s.versions} versions, {s.captures} captures, "
              f"{s.file_bytes / 1e6:.1f} MB (built in {seconds:.1f} s)")
        for fmt, name, versions, dataset in (
            ("csv", "v.csv", "all", "versions"),
            ("jsonl", "v.jsonl", "all", "versions"),
            ("parquet", "v.parquet", "all", "versions"),
            ("parquet", "e.parquet", None, "events"),
            ("parquet", "w.parquet", None, "views"),
            ("csv", "w.csv", None, "views"),
            ("parquet", "f.parquet", None, "footers"),
            ("warc", "c.warc.gz", "all", "versions"),
            ("warc", "c.warc", "all", "versions"),
        ):
            out = Path(tmp) / name
            t = time.perf_counter()
            summary = ex.export(fmt, db, out, versions=versions, dataset=dataset)
            dt = time.perf_counter() - t
            unit = "records" if fmt == "warc" else "rows"
            print(f"export {name:<10} {summary.rows:>7} {unit:<7} {dt:6.2f} s  {summary.rows / dt:9.0f} {unit}/s"
                  f"  {summary.bytes / 1e6:7.2f} MB")
        t = time.perf_counter()
        rounds = 10
        hits = 0
        for _ in range(rounds):
            for word in WORDS:
                hits += len(search(conn, word, limit=20))
        dt = time.perf_counter() - t
        print(f"search: {rounds * len(WORDS)} queries in {dt:.2f} s ({dt / (rounds * len(WORDS)) * 1000:.1f} ms each, {hits} hits)")
        ids = [r[0] for r in conn.execute("SELECT article_id FROM articles WHERE version IS NOT NULL")]
        t = time.perf_counter()
        for article_id in ids:
            ref = ArticleRef("ncgh", article_id)
            q.show(conn, ref)
            q.history(conn, ref)
            diff(conn, ref)
        dt = time.perf_counter() - t
        print(f"show+history+diff: {len(ids)} articles in {dt:.2f} s ({dt / max(1, len(ids)) * 1000:.2f} ms per article)")
        conn.close()


if __name__ == "__main__":
    main()
