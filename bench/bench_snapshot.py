"""What `ncgh crawl --mode snapshot` costs: requests, bytes over the wire and archive growth per
article, measured on the simulator; the time at the default delay is computed from the requests.

    python3 bench/bench_snapshot.py [--articles 1000]

The simulator answers in about a millisecond; the real site will be slower, so the time printed is a
floor: requests x (mean delay 1.0 s, jittered 0.5-1.5x) plus each answer's own time.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ncgh.config import config_from_dict  # noqa: E402
from ncgh.crawl import run_crawl  # noqa: E402
from simulator import SimConfig, SimServer  # noqa: E402

REAL_SITE_ARTICLES = 15_000
DEFAULT_DELAY = 1.0


def used_bytes(db: Path) -> int:
    """Bytes of stored bodies (never deleted; planning prunes old work items, so the file size says less)."""
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT coalesce(sum(stored_size), 0) FROM bodies").fetchone()[0])
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    config = config_from_dict({"fetch": {"delay": 0, "concurrency_per_host": 2}})
    with tempfile.TemporaryDirectory() as tmp, SimServer(SimConfig(articles=args.articles)) as sim:
        db = Path(tmp) / "a.db"
        run_crawl(config, db, base_url=sim.url, mode="full")
        sim.advance(1)
        before = used_bytes(db)
        log_before = len(sim.request_log)
        started = time.monotonic()
        summary = run_crawl(config, db, base_url=sim.url, mode="snapshot")
        seconds = time.monotonic() - started
        after = used_bytes(db)
        conn = sqlite3.connect(db)
        wire = conn.execute("SELECT sum(body_size) FROM captures WHERE run_id = ?", (summary.run_id,)).fetchone()[0]
        conn.close()
    known = summary.snapshot
    requests = summary.requests
    per_article_bytes = wire / max(1, requests)
    growth = (after - before) / max(1, known)
    print(f"articles known: {known}; snapshot requests: {requests} ({len(sim.request_log) - log_before} at the"
          f" simulator); {summary.snapshot - summary.snapshot_left} recaptured; {seconds:.1f} s at delay 0")
    print(f"body bytes per request: {per_article_bytes:,.0f}; stored body bytes per known article: {growth:,.0f} bytes")
    extra = requests - known  # discovery pages (lists, API) on top of the articles
    total = REAL_SITE_ARTICLES + extra
    hours = total * DEFAULT_DELAY / 3600
    print(f"at {REAL_SITE_ARTICLES:,} articles and the default delay ({DEFAULT_DELAY} s): {total:,} requests,"
          f" at least {hours:.1f} h (+ each answer's own time), about {total * per_article_bytes / 2**20:,.0f} MiB"
          f" of pages, about {REAL_SITE_ARTICLES * growth / 2**20:,.0f} MiB of stored bodies (plus about 300 bytes of capture row each)")


if __name__ == "__main__":
    main()
