"""Issue 19's throughput target: ncgh's first crawl against a plain Scrapy spider, in the same run.

Both crawl one simulated site of 2,000 articles (`ncgh sim`, started once as its own process, so
neither crawler shares a process or its GIL with the server), taking turns round after round, each
run in a fresh process with an empty database: ncgh's first `crawl` (list pages, the JSON API and
every article: parsed, versioned, bodies compressed, full-text indexed, one work item per page)
and bench/scrapy_peer.py (list pages and articles; title, date, views and body by XPath; an SQLite
pipeline committing every 100 items). Reported: articles stored per second of each run's wall time
(process start to exit), medians over the rounds, their ratio, and each one's peak RSS (VmHWM) and
CPU seconds (the crawler with its children, and the simulator's during the run): on a machine of two
cores the CPU a crawl spends bounds its wall time, whatever its concurrency.

Scrapy comes from the `bench` extra (`python3 -m pip install -e '.[bench]'`), or any Python that has
it (`--scrapy-python`); without it the script says so and exits 0.

With `--baseline DIR` a second ncgh, another checkout of the project (say, an export of the commit
before a change: `git archive COMMIT | tar -x -C DIR`), takes its turn in every round too.

    python3 bench/bench_vs_scrapy.py [--rounds 5] [--articles 2000] [--concurrency 4] [--scrapy-python PY] [--page-bytes N]
                                     [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench_memory import MEASURED_NCGH

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


@dataclass
class Run:
    crawler: str
    articles: int
    requests: int
    seconds: float
    peak_kib: int
    child_kib: int = 0  # the largest child process's peak (the parser child, the document reader)
    cpu: float = 0.0  # CPU seconds of the crawler and its children
    sim_cpu: float = 0.0  # CPU seconds the simulator spent during the run

    @property
    def rate(self) -> float:
        return self.articles / self.seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_cpu() -> float:
    """CPU seconds of every waited-for child (and theirs) so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def process_cpu(pid: int) -> float:
    """CPU seconds process `pid` has used (utime + stime from /proc; 0 where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_simulator(articles: int, page_bytes: int = 0) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ncgh.cli", "sim", "--port", str(port), "--articles", str(articles),
         "--page-bytes", str(page_bytes)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/robots.txt", timeout=2):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the simulator did not start") from None
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the simulator did not answer within 60 s")


def run_ncgh(url: str, work: Path, concurrency: int, root: Path = ROOT, name: str = "ncgh", assets: bool = True) -> Run:
    db, config, hwm = work / "ncgh.db", work / "ncgh.toml", work / "ncgh.hwm"
    config.write_text(
        f"[fetch]\ndelay = 0\nconcurrency_per_host = {concurrency}\n" + ("" if assets else "[assets]\nenabled = false\n"),
        encoding="utf-8",
    )
    started, cpu = time.monotonic(), children_cpu()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED_NCGH, str(hwm), "-", "crawl", "--quiet", "--json",
         "--db", str(db), "--config", str(config), "--base-url", url],
        cwd=root, capture_output=True, text=True,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{name} crawl failed ({done.returncode}): {done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    peak = [int(part) for part in hwm.read_text().split()]  # the crawl's own peak, its largest child's
    return Run(name, summary["new_articles"], summary["requests"], seconds, peak[0], peak[1] if len(peak) > 1 else 0,
               children_cpu() - cpu)


def run_scrapy(python: str, url: str, work: Path) -> Run:
    db, hwm = work / "scrapy.db", work / "scrapy.hwm"
    started, cpu = time.monotonic(), children_cpu()
    done = subprocess.run(
        [python, str(BENCH / "scrapy_peer.py"), "--base-url", url, "--db", str(db), "--hwm", str(hwm)],
        cwd=BENCH, capture_output=True, text=True,
    )
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"the Scrapy peer failed ({done.returncode}): {done.stderr[-2000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return Run("scrapy", out["articles"], out["requests"], seconds, int(hwm.read_text().split()[0]), 0,
               children_cpu() - cpu)


def _spread(ratios: list[float]) -> str:
    return f"{min(ratios):.2f}-{max(ratios):.2f}x"


def _mib(runs: list[Run]) -> str:
    """The runs' largest peak RSS, its largest child's and the two together (at most their sum)."""
    own, child = max(r.peak_kib for r in runs) / 1024, max(r.child_kib for r in runs) / 1024
    return f"{own:.0f} MiB (+ largest child {child:.0f} MiB; together at most {own + child:.0f})"


def has_scrapy(python: str) -> bool:
    return subprocess.run([python, "-c", "import scrapy"], capture_output=True).returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4, help="ncgh's [fetch] concurrency_per_host.")
    parser.add_argument("--scrapy-python", default=sys.executable, help="A Python with Scrapy installed.")
    parser.add_argument("--baseline", type=Path, help="Another checkout of ncgh, run in every round as 'baseline'.")
    parser.add_argument("--pages-only", action="store_true",
                        help="Also run ncgh with [assets] enabled = false in every round: the spider's own work.")
    parser.add_argument("--page-bytes", type=int, default=0, metavar="N",
                        help="The simulator's article pages of about N bytes (real Chinese article pages are 50-130 kB;"
                             " default 0: as templated, 8-12 kB).")
    args = parser.parse_args()
    if not has_scrapy(args.scrapy_python):
        print(f"skipped: {args.scrapy_python} cannot import scrapy (python3 -m pip install -e '.[bench]',"
              " or --scrapy-python PATH)")
        return
    sim, url = start_simulator(args.articles, args.page_bytes)
    runs: list[Run] = []
    try:
        pages = f", article pages of about {args.page_bytes:,} bytes" if args.page_bytes else ""
        print(f"{args.articles}-article simulator at {url} (its own process{pages}); {args.rounds} rounds, taking turns;"
              f" ncgh concurrency {args.concurrency}, delay 0; Scrapy defaults, delay 0")
        for round_no in range(1, args.rounds + 1):
            # Who goes first alternates too, so neither always runs on a warmer (or busier) machine.
            order = ["ncgh", "scrapy"] + (["pages"] if args.pages_only else []) + (["baseline"] if args.baseline else [])
            if round_no % 2 == 0:
                order.reverse()
            for crawler in order:
                sim_cpu = process_cpu(sim.pid)
                with tempfile.TemporaryDirectory(prefix=f"bench-vs-{crawler}-") as tmp:
                    if crawler == "scrapy":
                        run = run_scrapy(args.scrapy_python, url, Path(tmp))
                    elif crawler == "pages":
                        run = run_ncgh(url, Path(tmp), args.concurrency, name="pages", assets=False)
                    elif crawler == "baseline":
                        run = run_ncgh(url, Path(tmp), args.concurrency, args.baseline.resolve(), "baseline")
                    else:
                        run = run_ncgh(url, Path(tmp), args.concurrency)
                run.sim_cpu = process_cpu(sim.pid) - sim_cpu
                runs.append(run)
                print(f"  round {round_no} {crawler:8}: {run.articles} articles, {run.requests} requests in"
                      f" {run.seconds:.2f} s = {run.rate:.0f} articles/s; CPU {run.cpu:.2f} s (simulator"
                      f" {run.sim_cpu:.2f} s); peak RSS {run.peak_kib / 1024:.0f} MiB"
                      + (f" (+ largest child {run.child_kib / 1024:.0f} MiB)" if run.child_kib else ""))
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    ours = [r for r in runs if r.crawler == "ncgh"]
    peer = [r for r in runs if r.crawler == "scrapy"]
    ours_rate = statistics.median(r.rate for r in ours)
    peer_rate = statistics.median(r.rate for r in peer)
    # The ratio of each round's pair too: the machine's load moves both runs of a round alike.
    pairs = [a.rate / b.rate for a, b in zip(ours, peer, strict=True)]
    ours_mem = max(r.peak_kib for r in ours) / 1024
    peer_mem = max(r.peak_kib for r in peer) / 1024
    print(f"median: ncgh {ours_rate:.0f} articles/s, Scrapy {peer_rate:.0f} articles/s: ratio {ours_rate / peer_rate:.2f}x"
          f" (per round {_spread(pairs)}, median {statistics.median(pairs):.2f}x)")
    print(f"CPU seconds a run (medians; crawler with its children, then the simulator): ncgh"
          f" {statistics.median(r.cpu for r in ours):.2f} + {statistics.median(r.sim_cpu for r in ours):.2f},"
          f" Scrapy {statistics.median(r.cpu for r in peer):.2f} + {statistics.median(r.sim_cpu for r in peer):.2f}"
          f" on {os.cpu_count()} CPUs")
    child_mem = max(r.child_kib for r in ours) / 1024
    print(f"peak RSS: ncgh {_mib(ours)}, Scrapy {peer_mem:.0f} MiB ({ours_mem / peer_mem:.2f}x, together"
          f" {(ours_mem + child_mem) / peer_mem:.2f}x)")
    pages = [r for r in runs if r.crawler == "pages"]
    if pages:
        pages_rate = statistics.median(r.rate for r in pages)
        pairs = [a.rate / b.rate for a, b in zip(pages, peer, strict=True)]
        print(f"ncgh without assets (the spider's work): {pages_rate:.0f} articles/s = {pages_rate / peer_rate:.2f}x Scrapy"
              f" (per round {_spread(pairs)}); CPU {statistics.median(r.cpu for r in pages):.2f} s a run;"
              f" peak RSS {_mib(pages)}")
    base = [r for r in runs if r.crawler == "baseline"]
    if base:
        base_rate = statistics.median(r.rate for r in base)
        print(f"baseline ({args.baseline}): {base_rate:.0f} articles/s = {base_rate / peer_rate:.2f}x Scrapy;"
              f" ncgh {ours_rate / base_rate:.2f}x the baseline; peak RSS {max(r.peak_kib for r in base) / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
