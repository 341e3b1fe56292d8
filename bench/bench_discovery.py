"""Requests of a first full crawl and of daily crawls, by work kind, and how many of each day's new
articles (linked from a page, or unlinked) the daily crawl finds, against the simulator (delay 0).

Day 0 is a full crawl, days 1..D incremental crawls on the simulated calendar (as bench_crawl.py).
The same script runs on any checkout (it reads only the run's work list and the simulator's truth),
so "before" and "after" rows come from the same command.

    python3 bench/bench_discovery.py [--articles 500] [--days 5] [--discovery '{"list_url_template": ""}']
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from collections import Counter
from pathlib import Path

# This checkout's packages, not whichever one the shared editable install points at.
sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parents[1])]

from bench_incremental import crawl_on_sim_day  # noqa: E402

from ncgh.config import config_from_dict  # noqa: E402
from simulator import SimConfig, SimServer  # noqa: E402


def kinds_of_run(db: Path, run_id: int) -> Counter[str]:
    """Work items fetched by the run, by kind."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT kind, count(*) FROM work_items WHERE run_id = ? AND state != 'pending' GROUP BY kind", (run_id,)
        ).fetchall()
    finally:
        conn.close()
    return Counter(dict(rows))


def archived_ids(db: Path) -> set[int]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT article_id FROM articles")}
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--discovery", default="{}", help="[discovery] overrides as JSON")
    ap.add_argument("--sim", default="{}", help="SimConfig overrides as JSON (e.g. list_shape)")
    args = ap.parse_args()
    overrides = {"fetch": {"delay": 0, "concurrency_per_host": 4}}
    discovery = json.loads(args.discovery)
    if discovery:
        overrides["discovery"] = discovery
    cfg = config_from_dict(overrides)
    with tempfile.TemporaryDirectory() as tmp, SimServer(SimConfig(articles=args.articles, seed=1, **json.loads(args.sim))) as srv:
        db = Path(tmp) / "bench.db"
        totals = Counter()
        for day in range(args.days + 1):
            if day:
                srv.advance()
            truth = srv.truth()
            summary, _ = crawl_on_sim_day(cfg, db, srv.url, truth["date"], day)
            kinds = kinds_of_run(db, summary.run_id)
            have = archived_ids(db)
            live = [a for a in truth["articles"] if a["status"] == "live"]
            if day == 0:
                linked = [a["id"] for a in live if a["linked"]]
                unlinked = [a["id"] for a in live if not a["linked"]]
            else:
                linked = [a["id"] for a in live if a["first_day"] == day and a["linked"]]
                unlinked = [a["id"] for a in live if a["first_day"] == day and not a["linked"]]
            found_l = sum(1 for i in linked if i in have)
            found_u = sum(1 for i in unlinked if i in have)
            if day:
                totals.update({"requests": summary.requests, "linked": len(linked), "found_linked": found_l,
                               "unlinked": len(unlinked), "found_unlinked": found_u})
            print(
                f"day {day} ({'full' if day == 0 else 'incremental'}): {summary.requests} requests"
                f" ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}); exit {summary.exit_code};"
                f" new linked found {found_l}/{len(linked)}, new unlinked found {found_u}/{len(unlinked)}"
            )
        if args.days:
            print(
                f"days 1-{args.days}: {totals['requests'] / args.days:.0f} requests a day;"
                f" linked new articles found the same day {totals['found_linked']}/{totals['linked']},"
                f" unlinked {totals['found_unlinked']}/{totals['unlinked']}"
            )


if __name__ == "__main__":
    main()
