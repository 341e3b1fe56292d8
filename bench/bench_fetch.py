"""Requests per second through scraper.fetch.Fetcher against the simulator, delay 0.

For each concurrency C (default 1, 4, 8) a fresh Fetcher with concurrency_per_host=C is shared by C
threads that fetch article pages for a few seconds. Everything the fetcher does per request is on
the path (politeness slot, robots check, gzip decode under the cap, the body deadline timer), so the
number is the fetcher's ceiling on this machine, not the simulator's (see bench_sim.py for that).
Client and server share the machine's cores, so treat the numbers as a floor.

    python3 bench/bench_fetch.py [--articles 500] [--seconds 5] [--concurrency 1 4 8] [--faults SPEC]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from scraper.fetch import Fetcher, FetchPolicy
from simulator import SimConfig, SimServer


def run(urls: list[str], concurrency: int, seconds: float) -> dict:
    policy = FetchPolicy(
        user_agent="ncgh-archive-bench/0.1 (+mailto:bench@example.invalid)",
        allowed_hosts=("127.0.0.1",),
        delay=0.0,
        concurrency_per_host=concurrency,
        max_attempts=4,
        backoff_base=0.05,
        backoff_max=0.5,
        retry_after_max=0.5,
        read_timeout=2.0,  # a simulated "timeout" fault then costs 2 s, not 30
    )
    latencies: list[float] = []
    errors = 0
    attempts = 0
    lock = threading.Lock()
    with Fetcher(policy) as fetcher:
        fetcher.fetch(urls[0])  # robots.txt and first connection outside the timed window
        deadline = time.perf_counter() + seconds

        def worker(k: int) -> None:
            nonlocal errors, attempts
            mine = urls[k::concurrency] or urls
            own: list[float] = []
            e = a = i = 0
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                r = fetcher.fetch(mine[i % len(mine)])
                own.append(time.perf_counter() - t)
                e += not r.ok
                a += r.attempts
                i += 1
            with lock:
                latencies.extend(own)
                errors += e
                attempts += a

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    lat = sorted(latencies)
    return {
        "requests": len(lat),
        "rps": len(lat) / wall,
        "errors": errors,
        "attempts": attempts,
        "p50_ms": 1000 * statistics.median(lat) if lat else 0.0,
        "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))] if lat else 0.0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8])
    ap.add_argument("--faults", default=None, help='simulator fault spec, e.g. "500=0.05,429=0.02"')
    args = ap.parse_args()
    config = SimConfig(
        articles=args.articles, seed=1, faults=args.faults, retry_after_seconds=0, fault_timeout_seconds=3.0
    )
    with SimServer(config) as sim:
        urls = [a["url"] for a in sim.truth()["articles"] if a["status"] == "live"]
        for url in urls:  # warm the simulator's page cache so its rendering is not measured
            sim.site.handle(url[len(sim.url) :], {})
        print(f"bench_fetch: {len(urls)} articles, delay 0, {args.seconds:g} s per run, faults={args.faults}")
        print(f"{'concurrency':>11} {'requests':>9} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} {'attempts':>8}")
        for c in args.concurrency:
            r = run(urls, c, args.seconds)
            print(
                f"{c:>11} {r['requests']:>9} {r['rps']:>8.1f} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f}"
                f" {r['errors']:>6} {r['attempts']:>8}"
            )


if __name__ == "__main__":
    main()
