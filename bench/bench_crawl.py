"""Crawl throughput and the cost of a daily crawl, against the simulator (delay 0).

1. Pages per second of a full crawl (list pages, API, the id walk over the real site's id bands,
   every article) of a 2,000-article simulated site, and of a first incremental crawl (list pages
   and articles only: parse-bound), at concurrency 1 and 4, each crawl in its own
   process (`python3 -m ncgh.cli crawl --mode full`) so its peak RSS is its own; the simulator runs
   in this process. Every number is a floor: crawler and simulator share the machine's cores.
2. Requests made by daily incremental crawls with the default revisit schedule, on the simulated
   calendar (run and capture times follow the simulated days, so article ages are real ages), and
   how many of the day's edits (the simulator's truth) the archive caught; `--no-fill` runs them
   with `[revisit] policy = "schedule"`, `fill_budget = false` (the schedule alone) for comparison.

    python3 bench/bench_crawl.py [--articles 2000] [--days 3] [--skip-full] [--no-fill]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_incremental import crawl_on_sim_day
from bench_memory import MEASURED_NCGH

from ncgh.config import config_from_dict
from simulator import SimConfig, SimServer

ROOT = Path(__file__).resolve().parents[1]


def crawl_process(url: str, db: Path, concurrency: int, mode: str = "full") -> tuple[dict, float, int]:
    """(summary, seconds, peak RSS in KiB) of one crawl in a child process."""
    config = db.with_suffix(".toml")
    config.write_text(f"[fetch]\ndelay = 0\nconcurrency_per_host = {concurrency}\n", encoding="utf-8")
    started = time.monotonic()
    hwm = db.with_suffix(".hwm")
    proc = subprocess.Popen(
        [sys.executable, "-c", MEASURED_NCGH, str(hwm), "-", "crawl", "--mode", mode, "--quiet", "--json",
         "--db", str(db), "--config", str(config), "--base-url", url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # The child's own VmHWM, not wait4's ru_maxrss, which includes this process's RSS (see bench_memory).
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait()
    seconds = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crawl failed ({proc.returncode}): {err}")
    return json.loads(out), seconds, int(hwm.read_text().split()[0])


def daily_incremental(articles: int, days: int, workdir: Path, fill: bool = True) -> list[dict]:
    """Full crawl on day 0, then one default incremental crawl per simulated day."""
    revisit = {} if fill else {"policy": "schedule", "fill_budget": False}
    cfg = config_from_dict({"fetch": {"delay": 0, "concurrency_per_host": 4}, "revisit": revisit})
    db = workdir / "daily.db"
    results = []
    with SimServer(SimConfig(articles=articles, seed=1)) as srv:
        for day in range(days + 1):
            if day:
                srv.advance()
            truth = srv.truth()
            edited = sum(1 for a in truth["articles"] if day in a["edited_days"])
            summary, moment = crawl_on_sim_day(cfg, db, srv.url, truth["date"], day)
            results.append({"day": day, "edited": edited, **summary.to_dict()})
        # How stale the archive's view of the site is after the last run: days since each live
        # article's last capture (the schedule alone leaves old articles up to 60 days).
        conn = sqlite3.connect(db)
        try:
            ages = [
                row[0]
                for row in conn.execute(
                    "SELECT julianday(?) - julianday(last_capture_at) FROM articles WHERE status = 'live'",
                    (moment.isoformat(),),
                )
            ]
        finally:
            conn.close()
        results[-1]["stalest"] = max(ages, default=0.0)
        results[-1]["live"] = len(ages)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--skip-full", action="store_true", help="Only the daily incremental part.")
    parser.add_argument("--no-fill", action="store_true", help="Daily crawls with [revisit] fill_budget = false.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        workdir = Path(tmp)
        if not args.skip_full:
            print(f"full crawl of a {args.articles}-article simulated site (real id bands 800-26500), delay 0")
            with SimServer(SimConfig(articles=args.articles, seed=1)) as srv:
                for concurrency in (1, 4):
                    db = workdir / f"full-{concurrency}.db"
                    summary, seconds, rss = crawl_process(srv.url, db, concurrency)
                    size = sum(p.stat().st_size for p in workdir.glob(f"full-{concurrency}.db*"))
                    print(
                        f"  concurrency {concurrency}: {summary['requests']} requests in {seconds:.1f}s ="
                        f" {summary['requests'] / seconds:.0f} pages/s; {summary['new_articles']} articles,"
                        f" {summary['probes']} id probes; peak RSS {rss / 1024:.0f} MiB; archive {size / 1e6:.1f} MB"
                    )
                print("first incremental crawl of the same site (list pages and articles, no id walk)")
                for concurrency in (1, 4):
                    db = workdir / f"inc-{concurrency}.db"
                    summary, seconds, rss = crawl_process(srv.url, db, concurrency, mode="incremental")
                    print(
                        f"  concurrency {concurrency}: {summary['requests']} requests in {seconds:.1f}s ="
                        f" {summary['requests'] / seconds:.0f} pages/s ({summary['new_articles']} articles parsed"
                        f" and stored); peak RSS {rss / 1024:.0f} MiB"
                    )
        policy = "schedule alone (no budget fill)" if args.no_fill else "default [revisit] policy"
        print(f"daily incremental crawls, {policy}, {args.articles} articles")
        results = daily_incremental(args.articles, args.days, workdir, fill=not args.no_fill)
        for r in results:
            if r["day"] == 0:
                print(f"  day 0 full: {r['requests']} requests ({r['elapsed']:.1f}s)")
            else:
                print(
                    f"  day {r['day']}: {r['requests']} requests ({r['revisits']} revisits,"
                    f" {r['discovered']} new found; {r['not_modified']} not modified, {r['new_versions']} edits"
                    f" caught of {r['edited']} made today, {r['gone']} gone) in {r['elapsed']:.1f}s"
                )
        later = results[1:]
        if later:
            requests = sum(r["requests"] for r in later) / len(later)
            caught = sum(r["new_versions"] for r in later)
            made = sum(r["edited"] for r in later)
            print(f"  mean {requests:.0f} requests a day; {caught} edits caught over days 1-{later[-1]['day']},"
                  f" {made} made (an article edited twice between visits is caught once)")
            print(f"  after day {later[-1]['day']}: the stalest of {later[-1]['live']} live articles was last"
                  f" captured {later[-1]['stalest']:.1f} days before")


if __name__ == "__main__":
    main()
