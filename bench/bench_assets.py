"""What assets cost: storage and requests of a first crawl and the daily crawls after it, with
[assets] enabled and disabled on the same simulated site, and the share of captures that replay fully.

Both variants crawl the same simulator timeline (seed 1, default daily rates: edits, deletions, new
articles, attachments replaced or deleted) on the simulated calendar with the shipped [revisit]
settings. For each it prints the archive's size (pages in use, the work queue excluded:
bench/bench_incremental.used_bytes) after the first crawl and after the last day, and the requests
of the first crawl and of the daily crawls, asset requests apart. The ratio lines compare the two.

`--replay N` then crawls an N-article site for `--replay-days` days with every article revisited
daily (so most captures are 304s), exports the WARC and asks pywb (bench/replay.py) for every article
capture with all its requisites: the share that replays fully (goal: all).

    python3 bench/bench_assets.py [--articles 2000] [--days 30] [--parallel] [--replay 60] [--replay-days 5]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_incremental import crawl_on_sim_day, used_bytes  # noqa: E402
from ncgh.config import config_from_dict  # noqa: E402
from simulator import SimConfig, SimServer  # noqa: E402


def _requests(db: Path, run_id: int) -> tuple[int, int]:
    """(all captures, asset captures) of one run."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT count(*), sum(kind = 'asset') FROM captures WHERE run_id = ?", (run_id,)
        ).fetchone()
    finally:
        conn.close()


def crawl_variant(enabled: bool, articles: int, days: int, workdir: Path) -> dict:
    high = 800 + 12 * articles
    cfg = config_from_dict({
        "fetch": {"delay": 0, "concurrency_per_host": 4},
        "discovery": {"id_range": [800, high], "id_gap_tolerance": 50},
        "assets": {"enabled": enabled},
    })
    db = workdir / f"assets-{'on' if enabled else 'off'}.db"
    out: dict = {"daily_requests": 0, "daily_asset_requests": 0}
    with SimServer(SimConfig(articles=articles, seed=1, id_range=(800, high))) as srv:
        for day in range(days + 1):
            if day:
                srv.advance()
            summary, _ = crawl_on_sim_day(cfg, db, srv.url, srv.truth()["date"], day)
            total, assets = _requests(db, summary.run_id)
            if day == 0:
                out["first_requests"], out["first_asset_requests"] = total, assets or 0
                out["first_bytes"] = used_bytes(db)[0]
            else:
                out["daily_requests"] += total
                out["daily_asset_requests"] += assets or 0
    out["last_bytes"] = used_bytes(db)[0]
    return out


def replay_share(articles: int, days: int, workdir: Path) -> None:
    from archive.warc import export_warc
    from bench.replay import Pywb, check_replay, pywb_available

    why = pywb_available()
    if why:
        print(f"replay: skipped ({why})")
        return
    high = 800 + 12 * articles
    cfg = config_from_dict({
        "fetch": {"delay": 0, "concurrency_per_host": 4},
        "discovery": {"id_range": [800, high], "id_gap_tolerance": 50},
        "revisit": {"schedule": [[100000, 1]], "budget": 1_000_000, "unconditional_every_days": 0},
    })
    db = workdir / "replay.db"
    with SimServer(SimConfig(articles=articles, seed=1, id_range=(800, high))) as srv:
        for day in range(days + 1):
            if day:
                srv.advance()
            crawl_on_sim_day(cfg, db, srv.url, srv.truth()["date"], day)
    warc = workdir / "replay.warc.gz"
    summary = export_warc(db, warc)
    with Pywb(warc, workdir / "pywb") as pywb:
        report = check_replay(pywb, db)
    print(f"replay: {articles} articles x {days + 1} days, WARC {summary.responses} responses,"
          f" {summary.revisits} revisits ({summary.not_modified} of them 304s)")
    print(f"replay: {report.full} of {report.captures} article captures replay fully"
          f" ({report.share:.1%}), {report.requisites_checked} requisites checked")
    for line in report.failures[:5]:
        print(f"  not fully: {line}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--replay", type=int, default=60, help="articles of the replay check (0: skip it)")
    ap.add_argument("--replay-days", type=int, default=5)
    ap.add_argument("--parallel", action="store_true", help="crawl the two variants at once (two processes)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ncgh-bench-assets-") as tmp:
        work = Path(tmp)
        if args.articles:
            if args.parallel:
                from concurrent.futures import ProcessPoolExecutor

                with ProcessPoolExecutor(2) as pool:
                    jobs = [pool.submit(crawl_variant, flag, args.articles, args.days, work) for flag in (True, False)]
                    on, off = (job.result() for job in jobs)
            else:
                on = crawl_variant(True, args.articles, args.days, work)
                off = crawl_variant(False, args.articles, args.days, work)
            mb = 1024 * 1024
            print(f"{args.articles} articles, first crawl then {args.days} daily crawls (shipped [revisit])")
            print(f"{'':28} {'assets on':>12} {'assets off':>12} {'on/off':>8}")
            for label, key, scale in (
                ("first crawl: requests", "first_requests", 1), ("first crawl: MB stored", "first_bytes", mb),
                (f"{args.days} daily crawls: requests", "daily_requests", 1),
                ("after last day: MB stored", "last_bytes", mb),
            ):
                a, b = on[key] / scale, off[key] / scale
                print(f"{label:28} {a:12.2f} {b:12.2f} {a / b if b else 0:8.3f}")
            daily_on = (on["last_bytes"] - on["first_bytes"]) / max(args.days, 1)
            daily_off = (off["last_bytes"] - off["first_bytes"]) / max(args.days, 1)
            print(f"{'bytes added per daily crawl':28} {daily_on:12.0f} {daily_off:12.0f}"
                  f" {daily_on / daily_off if daily_off else 0:8.3f}")
            print(f"asset requests: first crawl {on['first_asset_requests']},"
                  f" {args.days} daily crawls {on['daily_asset_requests']}"
                  f" ({on['daily_asset_requests'] / max(args.days, 1):.1f} a day)")
        if args.replay:
            replay_share(args.replay, args.replay_days, work)


if __name__ == "__main__":
    main()
