"""The long form of the reliability suite's chaos and fault runs (tests/ncgh/test_reliability_*.py are
the bounded CI forms).

1. Kills: a full crawl of a simulated site is SIGKILLed at --kills points (the first while the run
   is being planned, the rest at random amounts of finished work) and resumed each time; the final
   archive must equal an uninterrupted reference crawl of the same simulated day (articles, version
   content hashes, events, footers, and the multiset of captures), nothing recorded twice, `ncgh
   verify` clean.
2. Faults: a full crawl with --fault-rate of responses failing in every way the simulator can fail
   (one attempt per URL, so each becomes a recorded error), then an incremental crawl with the faults
   gone; the archive must then hold every version a clean crawl holds.

Prints what happened and exits 1 if any check failed.

    python3 bench/chaos.py [--kills 20] [--articles 300] [--seed 8] [--fault-rate 0.10] [--skip-faults]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.reliability import (  # noqa: E402
    crawl_argv,
    digest,
    duplicates,
    kill_and_resume,
    ncgh,
    runs,
    small_site,
    write_config,
)
from simulator import SimServer  # noqa: E402
from simulator.faults import FAULT_KINDS, FaultPlan, parse_faults  # noqa: E402

FAULT_SHARES = {"500": 0.2, "503": 0.15, "429": 0.15, "timeout": 0.1, "reset": 0.15, "truncate": 0.15, "garbage": 0.1}


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def check(self, ok: bool, what: str, detail: object = "") -> None:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}{'' if ok or detail == '' else f': {detail}'}", flush=True)
        if not ok:
            self.failed.append(what)


def kills(args: argparse.Namespace, tmp: Path, checks: Checks) -> None:
    run = kill_and_resume(tmp, args.articles, args.kills, args.seed, timeout=3600)
    done, final, chaos = run.reference_done, run.final, run.chaos
    print(f"reference crawl: {run.total} requests in {run.reference_seconds:.1f}s (exit {done.returncode})")
    checks.check(done.returncode == 0, "reference crawl exit 0", done.stderr[-500:])
    if final is None:
        return
    print(f"{len(run.kills)} kills, then a last run to the end, in {run.chaos_seconds:.1f}s")
    for k in run.kills:
        print(f"  SIGKILL aimed at {k.target:5d} done, sent at {k.at_progress:5d} after {k.after_seconds:.2f}s"
              + (" (the crawl had already finished)" if k.finished_first else ""))
    checks.check(final.returncode == 0, "resumed crawl exit 0", final.stderr[-500:])
    checks.check(not any(k.finished_first for k in run.kills), "every kill hit a running crawl")
    checks.check([(r[1], r[2]) for r in runs(chaos)] == [("full", "finished")], "one run, resumed by every restart",
                 runs(chaos))
    checks.check(runs(chaos)[0][3] == run.total, "as many requests as the reference", runs(chaos)[0][3])
    diff = digest(chaos).differences(digest(run.reference))
    checks.check(diff == [], "archive equals the reference crawl", diff)
    dup = duplicates(chaos)
    checks.check(dup == [], "nothing recorded twice", dup)
    verify = ncgh("verify", "--db", str(chaos), timeout=3600)
    checks.check(verify.returncode == 0, "ncgh verify clean", verify.stdout[-500:])


def faults(args: argparse.Namespace, tmp: Path, checks: Checks) -> None:
    spec = ",".join(f"{kind}={args.fault_rate * share:.4f}" for kind, share in FAULT_SHARES.items())
    fetch = {"max_attempts": 1, "read_timeout": 0.4, "backoff_base": 0.01, "backoff_max": 0.05,
             "retry_after_max": 0.1, "concurrency_per_host": 2}
    config = write_config(tmp / "faults.toml", args.articles, fetch=fetch)
    calm = write_config(tmp / "calm.toml", args.articles)  # shipped timeouts and retries
    with SimServer(small_site(args.articles)) as clean:
        reference = tmp / "faults-reference.db"
        ncgh(*crawl_argv(calm, reference, clean.url)[3:], timeout=3600)
    site = small_site(args.articles, faults=spec, fault_timeout_seconds=0.8, retry_after_seconds=0)
    db = tmp / "faults.db"
    with SimServer(site) as srv:
        started = time.monotonic()
        first = ncgh(*crawl_argv(config, db, srv.url, "full", "--json")[3:], timeout=3600)
        seen = sorted({kind for _, _, kind in srv.fault_log})
        print(f"faulty full crawl ({spec}): exit {first.returncode} in {time.monotonic() - started:.1f}s,"
              f" {len(srv.fault_log)} faults injected")
        summary = json.loads(first.stdout) if first.stdout.strip() else {}
        print(f"  {summary.get('requests')} requests, {summary.get('fetch_errors')} fetch errors,"
              f" {summary.get('parse_errors')} parse errors recorded")
        srv.faults = FaultPlan(parse_faults(None), site.seed)
        second = ncgh(*crawl_argv(calm, db, srv.url, "incremental", "--json")[3:], timeout=3600)
        summary2 = json.loads(second.stdout) if second.stdout.strip() else {}
        print(f"next crawl without faults: exit {second.returncode}, {summary2.get('requests')} requests,"
              f" {summary2.get('new_articles')} articles completed")
    checks.check(seen == sorted(FAULT_KINDS), "every fault kind injected", seen)
    checks.check(first.returncode == 1 and summary.get("status") == "finished", "faulty crawl finished, errors reported",
                 (first.returncode, first.stderr[-300:]))
    checks.check("Traceback" not in first.stderr, "no traceback")
    checks.check(second.returncode == 0, "next crawl exit 0", second.stderr[-500:])
    mine, ref = digest(db), digest(reference)
    missing = {v[:4] for v in ref.versions} - {v[:4] for v in mine.versions}
    checks.check(not missing, "every version of a clean crawl archived", sorted(missing)[:5])
    dup = duplicates(db)
    checks.check(dup == [], "nothing recorded twice", dup)
    verify = ncgh("verify", "--db", str(db), timeout=3600)
    checks.check(verify.returncode == 0, "ncgh verify clean", verify.stdout[-500:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=8, help="Seed of the kill points.")
    parser.add_argument("--fault-rate", type=float, default=0.10)
    parser.add_argument("--skip-faults", action="store_true")
    args = parser.parse_args()
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        print(f"chaos: {args.articles}-article simulated site, full crawl, {args.kills} SIGKILLs (seed {args.seed})")
        kills(args, Path(tmp), checks)
        if not args.skip_faults:
            print(f"faults: {args.fault_rate:.0%} of responses, every kind")
            faults(args, Path(tmp), checks)
    print("chaos: all checks passed" if not checks.failed else f"chaos: FAILED: {', '.join(checks.failed)}")
    raise SystemExit(1 if checks.failed else 0)


if __name__ == "__main__":
    main()
