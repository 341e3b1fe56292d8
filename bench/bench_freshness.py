"""Freshness of the archive over simulated days: edits caught, requests and bytes a day, delays.

One full crawl on day 0 (copied for every policy, so all start from the same archive), then one
incremental crawl a simulated day for each revisit policy, at the simulator's default rates
(1.5% of live articles edited a day, 0.6% deleted, 15% of deleted ones restored a day, 2-4 new).
The crawls are the real `run_crawl` over HTTP against `SimServer` in this process, on the
simulated calendar (bench_incremental.crawl_on_sim_day: run and capture times follow the days).

Policies (--policies):
- old: the previously shipped policy (`policy = "schedule"`, fixed intervals by age, budget fill,
  gone articles every 30 days, a full fetch for view counts every 3 days);
- new: the shipped defaults (`policy = "rates"`); `new@1500` with `budget = 1500` (likewise `old@N`);
- oracle: every known article, live or gone, refetched every day, conditional (unbounded budget);
- oracle-live: the issue's oracle, every live article every day, gone ones every 30 days.

An edit (the simulator's truth: article, day) counts as archived when a capture that parsed the
article's content lies between the edit and the article's next edit; its delay is from the edit
(09:30 site time) to that capture. A restoration is noticed when the archive records the article
`restored`; "held gone" counts articles live on the site at the end that the archive holds as gone.
"Stale" is the share of live articles at the end whose latest edit the archive does not hold yet.

    python3 bench/bench_freshness.py [--articles 2000] [--days 30] [--policies old,new,oracle]
                                     [--seed 1] [--set unconditional_every_days=7 ...]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's code, not the installed copy

from bench_incremental import crawl_on_sim_day, run_bytes  # noqa: E402

from ncgh.config import config_from_dict  # noqa: E402
from simulator import SimConfig, SimServer  # noqa: E402

DAY0 = date(2024, 10, 28)  # the simulator's day 0 (simulator.draw.DAY0_DATE)
SITE = timedelta(hours=8)
FETCH = {"delay": 0, "concurrency_per_host": 2}
OLD = {"policy": "schedule", "unconditional_every_days": 3}
ORACLE = {"policy": "schedule", "schedule": [[100000, 1]], "unconditional_every_days": 0, "gone_recheck_days": 1}
ORACLE_LIVE = {"policy": "schedule", "schedule": [[100000, 1]], "unconditional_every_days": 0}


def revisit_settings(policy: str, budget: int, articles: int, overrides: dict | None = None) -> dict:
    if policy == "old":
        return {**OLD, "budget": budget}
    if policy == "new":
        return {"budget": budget, **(overrides or {})}
    if policy in ("oracle", "oracle-live"):
        return {**(ORACLE if policy == "oracle" else ORACLE_LIVE), "budget": 10 * articles + 1000}
    raise SystemExit(f"unknown policy {policy!r}")


def sim_day(fetched_at: str) -> int:
    """The simulated day (site-local date) of a capture time."""
    moment = datetime.fromisoformat(fetched_at)
    return ((moment.astimezone(UTC) + SITE).date() - DAY0).days


def edit_moment(day: int) -> datetime:
    """Edits happen at 09:30 site time (simulator.content.SiteState.step)."""
    return datetime.combine(DAY0 + timedelta(days=day), datetime.min.time(), UTC) + timedelta(hours=1, minutes=30)


def copy_db(src: Path, dst: Path) -> None:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b)
    finally:
        a.close()
        b.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def score(db: Path, truth: dict, days: int) -> dict:
    """Edits archived and their delays, restorations noticed, staleness at the end."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        seen: dict[int, list[str]] = defaultdict(list)
        for aid, at in conn.execute(
            "SELECT article_id, fetched_at FROM captures WHERE kind = 'article' AND outcome = 'ok' ORDER BY fetched_at"
        ):
            seen[aid].append(at)
        restored = [(aid, at) for aid, at in conn.execute("SELECT article_id, at FROM events WHERE event = 'restored'")]
        held = {aid for (aid,) in conn.execute("SELECT article_id FROM articles WHERE status = 'gone'")}
    finally:
        conn.close()
    made = caught = stale = live = 0
    missed = {"pending": 0, "superseded": 0, "deleted": 0}
    delays: list[float] = []
    truth_by_id = {a["id"]: a for a in truth["articles"]}
    for a in truth["articles"]:
        edits = sorted(d for d in a["edited_days"] if 1 <= d <= days)
        captures = seen.get(a["id"], [])
        for i, e in enumerate(edits):
            made += 1
            end = edits[i + 1] if i + 1 < len(edits) else days + 1
            hit = next((at for at in captures if e <= sim_day(at) < end), None)
            if hit is not None:
                caught += 1
                delays.append((datetime.fromisoformat(hit) - edit_moment(e)).total_seconds() / 86400)
            elif i + 1 < len(edits):
                missed["superseded"] += 1  # edited again before any capture
            elif any(e <= d <= days for d in a["deleted_days"]):
                missed["deleted"] += 1  # deleted before any capture
            else:
                missed["pending"] += 1  # not revisited yet at the end
        if a["status"] == "live":
            live += 1
            if edits and not any(sim_day(at) >= edits[-1] for at in captures):
                stale += 1
    notice: list[float] = []
    for aid, at in restored:
        day = sim_day(at)
        back = [r for r in truth_by_id[aid]["restored_days"] if r <= day]
        if back:
            notice.append(day - max(back))
    held_live = sum(1 for aid in held if truth_by_id.get(aid, {}).get("status") == "live")
    return {
        "made": made, "caught": caught, "delays": delays, "notice": notice, "held_live": held_live,
        "stale": stale, "live": live, "missed": missed,
    }


REASONS = {190: "confirm", 180: "retry", 100: "live", 80: "live", 90: "gone"}  # ncgh.schedule.PRIORITY


def revisits_by_reason(db: Path, days: int) -> dict[str, float]:
    """Revisits a day by why they were planned (their queue priority)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts = dict(conn.execute("SELECT priority, count(*) FROM work_items WHERE kind = 'revisit' GROUP BY priority"))
    finally:
        conn.close()
    out: dict[str, float] = defaultdict(float)
    for priority, n in counts.items():
        out[REASONS.get(priority, "other")] += n / days
    return dict(out)


def run_policy(name: str, settings: dict, day0: Path, workdir: Path, sim: SimConfig, days: int) -> dict:
    db = workdir / f"{name}.db"
    copy_db(day0, db)
    cfg = config_from_dict({"fetch": FETCH, "revisit": settings})
    requests: list[int] = []
    wire: list[int] = []
    held = 0  # missing answers not recorded: the site as a whole said missing (ncgh.crawl_missing)
    started = time.monotonic()
    with SimServer(sim) as srv:
        for day in range(1, days + 1):
            srv.advance()
            summary, _ = crawl_on_sim_day(cfg, db, srv.url, srv.truth()["date"], day)
            requests.append(summary.requests)
            held += summary.missing_held
            wire.append(run_bytes(db, summary.run_id)[1])
        result = score(db, srv.truth(), days)
    result["reasons"] = revisits_by_reason(db, days)
    result.update(requests=statistics.mean(requests), wire=statistics.mean(wire), seconds=time.monotonic() - started,
                  held=held)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--policies", default="old,new,oracle")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a [revisit] key for the new policy, e.g. unconditional_every_days=7 (TOML value)")
    args = parser.parse_args()
    sim = SimConfig(articles=args.articles, seed=args.seed)
    overrides = tomllib.loads("\n".join(args.set))
    with tempfile.TemporaryDirectory(prefix="bench-freshness-") as tmp:
        workdir = Path(tmp)
        day0 = workdir / "day0.db"
        started = time.monotonic()
        with SimServer(sim) as srv:
            full, _ = crawl_on_sim_day(config_from_dict({"fetch": FETCH}), day0, srv.url, srv.truth()["date"], 0)
        print(f"{args.articles} simulated articles (seed {args.seed}), {args.days} days at the default rates;"
              f" day 0 full crawl {full.requests} requests, {full.new_articles} articles ({time.monotonic() - started:.0f}s)",
              flush=True)
        rows = []
        for label in args.policies.split(","):
            policy, _, budget = label.partition("@")
            settings = revisit_settings(policy, int(budget or 500), args.articles, overrides)
            r = run_policy(label.replace("@", "-"), settings, day0, workdir, sim, args.days)
            r["label"] = label + "".join(f" {k}={v}" for k, v in overrides.items()) * policy.startswith("new")
            rows.append(r)
            print(f"  {label}: {r['caught']} of {r['made']} edits archived, {r['requests']:.0f} requests/day,"
                  f" delay median {pct(r['delays'], 0.5):.1f} / p95 {pct(r['delays'], 0.95):.1f} days"
                  f" ({r['seconds']:.0f}s); missed {r['missed']}; missing answers held back {r['held']}; revisits a day by reason "
                  + ", ".join(f"{k} {v:.0f}" for k, v in sorted(r["reasons"].items())), flush=True)
    oracle = next((r for r in rows if r["label"] == "oracle"), None)
    live_oracle = next((r for r in rows if r["label"] == "oracle-live"), None)
    print("\n| policy | edits archived | of oracle | of oracle-live | missed: pending / superseded / deleted |"
          " requests/day (revisits: live / gone / confirm) | kB/day on the wire | delay median / p95 (days) |"
          " restorations noticed: n, median / max (days) | live held gone at end | stale at end |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        share = f"{r['caught'] / oracle['caught']:.1%}" if oracle else "-"
        live_share = f"{r['caught'] / live_oracle['caught']:.1%}" if live_oracle else "-"
        m, why, notice = r["missed"], r["reasons"], r["notice"]
        print(
            f"| {r['label']} | {r['caught']} of {r['made']} ({r['caught'] / max(1, r['made']):.1%}) | {share} |"
            f" {live_share} | {m['pending']} / {m['superseded']} / {m['deleted']} |"
            f" {r['requests']:.0f} ({why.get('live', 0):.0f} / {why.get('gone', 0):.0f} / {why.get('confirm', 0):.0f}) |"
            f" {r['wire'] / 1e3:.0f} | {pct(r['delays'], 0.5):.1f} / {pct(r['delays'], 0.95):.1f} |"
            f" {len(notice)}, {pct(notice, 0.5):.0f} / {max(notice, default=float('nan')):.0f} | {r['held_live']} |"
            f" {r['stale'] / max(1, r['live']):.1%} of {r['live']} |"
        )


if __name__ == "__main__":
    main()
