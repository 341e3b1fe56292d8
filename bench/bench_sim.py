"""How many article pages per second the simulator serves (it must never limit a crawl benchmark).

Starts `ncgh sim` in its own process (as it runs for a crawl), then N client threads, each with one
keep-alive connection, fetch article pages in a fixed shuffled order for a few seconds, with and
without gzip, using two clients: `http.client` (light: measures the server) and `requests` (what the
crawler uses; its own CPU cost dominates). Also prints the in-process first-render rate (the cost
paid again after each advance). Clients and server share the machine's cores: every number is a floor.

    python3 bench/bench_sim.py [--articles 500] [--threads 4] [--seconds 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import requests

from simulator import SimConfig, SimServer


def _requests_worker(url: str, gzip: bool):
    session = requests.Session()
    if not gzip:
        session.headers["Accept-Encoding"] = "identity"

    def get(path: str) -> tuple[int, int]:
        r = session.get(url + path, timeout=10)
        return r.status_code, len(r.content)

    return get


def _httpclient_worker(url: str, gzip: bool):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    headers = {"Accept-Encoding": "gzip"} if gzip else {}

    def get(path: str) -> tuple[int, int]:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        return r.status, len(r.read())

    return get


def run(make, url: str, ids: list[int], threads: int, seconds: float, gzip: bool) -> tuple[int, float, int]:
    count = errors = 0
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker(k: int) -> None:
        nonlocal count, errors
        get = make(url, gzip)
        order = ids[k::threads] or ids
        n = e = 0
        while time.perf_counter() < deadline:
            status, size = get(f"/nczhghcms/article/{order[n % len(order)]}")
            e += status != 200 or size < 1000
            n += 1
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


def report(label: str, make, url: str, ids: list[int], threads: int, seconds: float) -> None:
    for gz in (True, False):
        n, elapsed, errors = run(make, url, ids, threads, seconds, gz)
        coding = "gzip" if gz else "identity"
        print(f"{label:14s} {coding:8s} {threads} threads: {n / elapsed:7.0f} pages/s "
              f"({n} pages in {elapsed:.1f} s, {errors} errors)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=500)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()
    with SimServer(SimConfig(articles=args.articles, seed=1)) as srv:
        ids = [a["id"] for a in srv.truth()["articles"] if a["status"] == "live"]
        t0 = time.perf_counter()
        for article_id in ids:
            srv.site.handle(f"/nczhghcms/article/{article_id}", {})
        cold = time.perf_counter() - t0
    print(f"first render (in-process): {len(ids) / cold:7.0f} pages/s ({len(ids)} pages in {cold:.2f} s)")
    random.Random(0).shuffle(ids)
    cmd = [sys.executable, "-m", "ncgh.cli", "sim", "--port", "0", "--articles", str(args.articles), "--seed", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        url = proc.stdout.readline().split()[3]
        live = json.loads(requests.get(url + "/__sim__/truth", timeout=30).content)["articles"]
        assert {a["id"] for a in live if a["status"] == "live"} == set(ids)
        report("http.client", _httpclient_worker, url, ids, args.threads, args.seconds)
        report("requests", _requests_worker, url, ids, args.threads, args.seconds)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
