"""How many article pages per second the simulator serves (it must never limit a crawl benchmark).

Starts an in-process SimServer, then N client threads (one keep-alive requests.Session each) fetch
article pages in a fixed shuffled order for a few seconds. Prints cold (first render) and warm
(cached) throughput. Client and server share the machine, so the number is a floor.

    python3 bench/bench_sim.py [--articles 500] [--threads 4] [--seconds 5]
"""

from __future__ import annotations

import argparse
import random
import threading
import time

import requests

from ncgh.sim import SimConfig, SimServer


def run(url: str, ids: list[int], threads: int, seconds: float, gzip: bool) -> tuple[int, float, int]:
    count = 0
    errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(k: int) -> None:
        nonlocal count, errors
        session = requests.Session()
        if not gzip:
            session.headers["Accept-Encoding"] = "identity"
        order = ids[k::threads] or ids
        n = e = 0
        i = 0
        while time.perf_counter() < deadline:
            r = session.get(f"{url}/nczhghcms/article/{order[i % len(order)]}", timeout=10)
            if r.status_code != 200 or len(r.content) < 1000:
                e += 1
            n += 1
            i += 1
        with lock:
            count += n
            errors += e

    start = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return count, time.perf_counter() - start, errors


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    with SimServer(SimConfig(articles=args.articles, seed=1)) as srv:
        ids = [a["id"] for a in srv.truth()["articles"] if a["status"] == "live"]
        random.Random(0).shuffle(ids)
        t0 = time.perf_counter()
        for article_id in ids:  # first render of every page (the cold cost after each advance)
            srv.site.handle("GET", f"/nczhghcms/article/{article_id}", {})
        cold = time.perf_counter() - t0
        print(f"render (cold, in-process): {len(ids) / cold:8.0f} pages/s  ({len(ids)} pages in {cold:.2f} s)")
        for gz in (True, False):
            n, elapsed, errors = run(srv.url, ids, args.threads, args.seconds, gz)
            label = "gzip" if gz else "identity"
            print(f"HTTP {label:8s} {args.threads} threads: {n / elapsed:8.0f} pages/s  "
                  f"({n} pages in {elapsed:.1f} s, {errors} errors)")


if __name__ == "__main__":
    main()
