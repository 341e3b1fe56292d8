"""Requests and bytes of the daily crawl after the first, on a site where 1% of articles change a day.

The simulator (in this process) edits 1% of live articles a day and adds or deletes none, so every
change is an edit the crawl can only find by revisiting. Day 0 is a full crawl; then one incremental
crawl per simulated day, run on the simulated calendar (the revisit schedule sees real article ages).
Three revisit policies can be compared (--policies):
- default: the shipped [revisit] settings (policy "rates": budget 500 a run spent on the articles
  with the most expected unarchived changes);
- schedule: policy "schedule" (intervals by age, unused budget filled with the most overdue articles);
- nofill: the schedule alone (old articles every 60 days; policy "schedule", fill_budget = false);
- daily: every article revisited every day (schedule [[100000, 1]], no budget), still conditional
  (If-None-Match), so unchanged pages cost a 304 without a body.
For each day it prints requests, answers by status, body bytes on the wire (the responses'
Content-Length: gzip-compressed where the server compressed) and decoded, and how many of the day's
edits the archive caught, against the same numbers for the day-0 full crawl.

bench/bench_crawl.py's daily part is the same crawl with the simulator's default rates (1.5% edits,
deletions, new articles) and counts requests only.

It also prints the archive's size (database pages in use, the crawl's work queue excluded) after the
full crawl and after the last day, and the bytes each later capture added: `--days 30` gives the
storage cost of a month of daily crawls.

    python3 bench/bench_incremental.py [--articles 2000] [--days 5] [--change 0.01]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from collections import Counter
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from ncgh.config import Config, config_from_dict
from ncgh.crawl import run_crawl
from ncgh.crawl_summary import CrawlSummary
from scraper.fetch import Fetcher
from simulator import SimConfig, SimServer

POLICIES = {
    "default": {},
    "schedule": {"revisit": {"policy": "schedule"}},
    "nofill": {"revisit": {"policy": "schedule", "fill_budget": False}},
    "daily": {"revisit": {"schedule": [[100000, 1]], "unconditional_every_days": 0}},  # budget: all articles
}


def used_bytes(db: Path) -> tuple[int, int]:
    """(bytes of the archive's pages, captures stored), read through the WAL.

    The crawl's work queue (work_items: a full crawl queues every id of the id walk, and finished
    runs drop their misses later) is bookkeeping, not archive, so its table and indexes are left out.
    """
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        queue = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'work_items'")]
        marks = ",".join("?" * len(queue))
        size = conn.execute(f"SELECT sum(pgsize) FROM dbstat WHERE name NOT IN ({marks})", queue).fetchone()[0]
        captures = conn.execute("SELECT count(*) FROM captures").fetchone()[0]
        return int(size), captures
    finally:
        conn.close()


def run_bytes(db: Path, run_id: int) -> tuple[Counter, int, int]:
    """(answers by status, wire body bytes, decoded body bytes) of one run's captures."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        statuses: Counter = Counter()
        wire = decoded = 0
        for status, headers_json, size in conn.execute(
            "SELECT status, headers_json, body_size FROM captures WHERE run_id = ?", (run_id,)
        ):
            statuses[status] += 1
            decoded += size or 0
            length = next((v for k, v in json.loads(headers_json or "[]") if k.lower() == "content-length"), None)
            wire += int(length) if length and length.isdigit() and status != 304 else 0
        return statuses, wire, decoded
    finally:
        conn.close()


def crawl_on_sim_day(cfg: Config, db: Path, base_url: str, sim_date: str, day: int) -> tuple[CrawlSummary, datetime]:
    """Day 0's full crawl or a later day's incremental one, on the simulated calendar: the run starts
    at 10:00 site time of `sim_date` (the simulator's truth["date"]) and its captures are stamped with
    the same shift, so the revisit schedule sees real article ages. Returns the summary and that moment."""
    when = datetime.fromisoformat(sim_date)
    moment = datetime(when.year, when.month, when.day, 2, 0, tzinfo=UTC)  # 10:00 site time
    offset = moment - datetime.now(UTC)
    summary = run_crawl(
        cfg, db, base_url=base_url, mode="full" if day == 0 else "incremental", now=moment,
        fetcher_factory=partial(Fetcher, utcnow=lambda: datetime.now(UTC) + offset),
    )
    return summary, moment


def crawl_days(policy: str, articles: int, days: int, change: float, workdir: Path) -> list[dict]:
    overrides = {"fetch": {"delay": 0, "concurrency_per_host": 2}, **POLICIES[policy]}
    if policy == "daily":
        overrides["revisit"] = {**overrides["revisit"], "budget": 10 * articles}
    cfg = config_from_dict(overrides)
    sim = SimConfig(articles=articles, seed=1, edit_rate=change, delete_rate=0.0, restore_rate=0.0, new_per_day=(0, 0))
    db = workdir / f"incremental-{policy}.db"
    rows = []
    with SimServer(sim) as srv:
        for day in range(days + 1):
            if day:
                srv.advance()
            truth = srv.truth()
            edited_today = sum(1 for a in truth["articles"] if day in a["edited_days"])
            summary, _ = crawl_on_sim_day(cfg, db, srv.url, truth["date"], day)
            statuses, wire, decoded = run_bytes(db, summary.run_id)
            size, captures = used_bytes(db)
            rows.append({
                "size": size, "captures": captures,
                "day": day, "requests": summary.requests, "statuses": statuses, "wire": wire, "decoded": decoded,
                "edited": edited_today, "caught": summary.new_versions, "revisits": summary.revisits,
                "elapsed": summary.elapsed,
            })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--change", type=float, default=0.01, help="Share of articles edited per day.")
    parser.add_argument("--policies", default="default,daily")
    args = parser.parse_args()
    print(f"{args.articles} simulated articles, {args.change:.0%} edited per day, delay 0")
    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as tmp:
        for policy in args.policies.split(","):
            rows = crawl_days(policy, args.articles, args.days, args.change, Path(tmp))
            first = rows[0]
            print(f"  revisit policy '{policy}'")
            print(
                f"    day 0 full crawl: {first['requests']} requests, {first['wire'] / 1e6:.2f} MB on the wire"
                f" ({first['decoded'] / 1e6:.2f} MB decoded) in {first['elapsed']:.0f}s"
            )
            later = rows[1:]
            for r in later:
                answers = ", ".join(f"{n} x {s}" for s, n in sorted(r["statuses"].items(), key=lambda x: str(x[0])))
                print(
                    f"    day {r['day']}: {r['requests']:5d} requests ({r['revisits']} revisits; {answers}),"
                    f" {r['wire'] / 1e3:8.1f} kB on the wire ({r['decoded'] / 1e3:.1f} kB decoded);"
                    f" {r['edited']} edited today, {r['caught']} edits archived"
                )
            if later:
                req = sum(r["requests"] for r in later) / len(later)
                wire = sum(r["wire"] for r in later) / len(later)
                caught = sum(r["caught"] for r in later)
                edited = sum(r["edited"] for r in later)
                print(
                    f"    mean daily crawl: {req:.0f} requests ({req / first['requests']:.1%} of the full crawl),"
                    f" {wire / 1e3:.1f} kB on the wire ({wire / max(1, first['wire']):.1%});"
                    f" {caught} of the {edited} edits of days 1-{later[-1]['day']} archived by then"
                )
                last = later[-1]
                added = last["captures"] - first["captures"]
                print(
                    f"    storage (work queue excluded): {first['size'] / 1e6:.1f} MB after the full crawl ({first['captures']} captures),"
                    f" {last['size'] / 1e6:.1f} MB after day {last['day']} = {last['size'] / first['size']:.2f}x;"
                    f" {(last['size'] - first['size']) / max(1, added):.0f} bytes per capture added ({added} captures)"
                )


if __name__ == "__main__":
    main()
