"""Peak memory of a full crawl as the site grows: 1,000, 3,000 and 10,000 articles.

Each crawl is `ncgh crawl --mode full` in its own process (delay 0) against the simulator running
in this process. The peak is the crawl process's VmHWM, read by the child itself at exit, and the
parser child's (ncgh.parse_pool, read by the crawl before it stops that child): the two together
are at most their sum, which is reported beside them. The third process, the documents' text reader
(scraper.attachment_text), reports no peak of its own; the sampled PSS of all the crawl's processes
together (every thread's children, pages they share counted once) covers it. Not
wait4's ru_maxrss: Linux carries the pre-exec address space's peak into it, and subprocess spawns
with vfork, so ru_maxrss was at least this process's own RSS -- the simulator's site, which grows
with the article count (a 10,000-article crawl measured 138 MiB that way, with or without a cache). The simulated ids are spread over 10 ids per article (the real
site's bands, scaled), and the crawler's [discovery] id_range covers them, so the id walk grows with
the site too (about 10 probes per article): the work queue, not memory, must absorb it.

    python3 bench/bench_memory.py [--sizes 1000,3000,10000] [--concurrency 2] [--keep DIR] [--body-cache BYTES]
                                  [--photo-bytes N] [--parser-processes N]

`--photo-bytes` serves the articles' images photo-sized (the simulator's `photo_bytes`): the real site's
photos are larger than the placeholders, and a stored body's compressor is sized by the body.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from simulator import SimConfig, SimServer

ROOT = Path(__file__).resolve().parents[1]
ID_LOW = 800


# Runs `ncgh` and, at exit, writes the process's own peak RSS (VmHWM, KiB) and its parser child's to
# the file in argv[1];
# argv[2] is archive.bodies.BodyStore's cache limit in bytes, or "-" for its default (a diagnostic:
# how much of the peak is that cache of recently stored bodies).
MEASURED_NCGH = (
    "import atexit, sys; hwm = sys.argv.pop(1); cache = sys.argv.pop(1)\n"
    "def report():\n"
    "    from ncgh.parse_pool import CHILD_PEAKS_KIB\n"
    "    peak = next(line for line in open('/proc/self/status') if line.startswith('VmHWM:'))\n"
    "    child = max(CHILD_PEAKS_KIB, default=0)\n"
    "    open(hwm, 'w').write(f'{peak.split()[1]} {child}')\n"
    "atexit.register(report)\n"
    "import archive.bodies as b\n"
    "if cache != '-': b.BodyStore.__init__.__defaults__ = (int(cache),)\n"
    "from ncgh.cli import main; sys.argv[0] = 'ncgh'; main()"
)


def _pss_kib(pid: int) -> int:
    """The process's proportional set size (KiB): its private pages plus its share of the pages it
    shares (the interpreter, lxml, libssl mapped by both processes count once between them)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
    except (OSError, StopIteration, ValueError):
        return 0


def _children(pid: int) -> list[int]:
    """The process's children, whichever of its threads started them: /proc lists a child under the
    thread that forked it, and the parser child is started from a fetching thread, not the main one."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text(encoding="ascii").split()]
        except OSError:
            continue
    return found


class PssSampler(threading.Thread):
    """The peak, over samples every 20 ms, of the crawl's PSS plus its children's (the parser child
    and the documents' text reader): what the processes occupy together (a sample can miss a peak
    shorter than 20 ms)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.most_children, self.done = pid, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            children = _children(self.pid)
            total = _pss_kib(self.pid) + sum(_pss_kib(c) for c in children)
            self.peak_kib = max(self.peak_kib, total)
            self.most_children = max(self.most_children, len(children))


def crawl(
    url: str, db: Path, articles: int, concurrency: int, body_cache: int | None = None,
    parser_processes: int | None = None,
) -> tuple[dict, float, int, int, int, int]:
    """(summary, seconds, peak RSS in KiB, the parser child's peak RSS in KiB or 0, the sampled peak of
    all the crawl's processes' PSS together in KiB, the most processes seen at once) of one full crawl."""
    config = db.with_suffix(".toml")
    config.write_text(
        f"[fetch]\ndelay = 0\nconcurrency_per_host = {concurrency}\n"
        + ("" if parser_processes is None else f"[crawl]\nparser_processes = {parser_processes}\n") +
        f"[discovery]\nid_range = [{ID_LOW}, {ID_LOW + 10 * articles + 100}]\n",
        encoding="utf-8",
    )
    started = time.monotonic()
    hwm = db.with_suffix(".hwm")
    program = ["-c", MEASURED_NCGH, str(hwm), "-" if body_cache is None else str(body_cache)]
    proc = subprocess.Popen(
        [sys.executable, *program, "crawl", "--mode", "full", "--quiet", "--json",
         "--db", str(db), "--config", str(config), "--base-url", url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    sampler = PssSampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    sampler.done.set()
    sampler.join()
    seconds = time.monotonic() - started
    if proc.returncode not in (0, 1):
        raise SystemExit(f"crawl of {articles} articles failed ({proc.returncode}): {err[-2000:]}")
    own, child = (int(part) for part in hwm.read_text().split())
    return json.loads(out), seconds, own, child, sampler.peak_kib, 1 + sampler.most_children


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,3000,10000", help="Comma-separated article counts.")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--parser-processes", type=int, metavar="N",
                        help="The crawler's [crawl] parser_processes (default: its own, 1; 0 parses in the crawl "
                             "process, as every crawl at the default 1 s delay does).")
    parser.add_argument("--keep", type=Path, help="Keep the archives in this directory.")
    parser.add_argument("--body-cache", type=int, metavar="BYTES",
                        help="Diagnostic: run the crawler with this BodyStore cache limit (default: its own, 8 MB).")
    parser.add_argument("--photo-bytes", type=int, default=0, metavar="N",
                        help="The simulator's article photos of about N bytes each (default 0: tiny placeholders).")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    cache = "" if args.body_cache is None else f"; BodyStore cache limited to {args.body_cache} bytes"
    photos = f"; photos of about {args.photo_bytes:,} bytes" if args.photo_bytes else ""
    parsers = "" if args.parser_processes is None else f"; parser_processes = {args.parser_processes}"
    print(f"full crawl, delay 0, concurrency {args.concurrency}{parsers}; peak RSS of the crawl process (its VmHWM){cache}{photos}")
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        rows = []
        for articles in sizes:
            sim = SimConfig(articles=articles, seed=1, id_range=(ID_LOW, ID_LOW + 10 * articles + 50),
                            photo_bytes=args.photo_bytes)
            with SimServer(sim) as srv:
                db = workdir / f"memory-{articles}.db"
                summary, seconds, rss, child, pss, processes = crawl(
                    srv.url, db, articles, args.concurrency, args.body_cache, args.parser_processes)
            size = sum(p.stat().st_size for p in workdir.glob(db.name + "*") if not p.name.endswith(".lock"))
            rows.append((articles, rss + child))
            print(
                f"  {articles:6d} articles: peak RSS {rss / 1024:6.1f} MiB, parser child {child / 1024:.1f} MiB"
                f" (together at most {(rss + child) / 1024:.1f}; PSS of all {processes} processes {pss / 1024:.1f} MiB);"
                f" {summary['requests']} requests"
                f" ({summary['probes']} id probes), {summary['new_articles']} archived, {summary['errors']} errors,"
                f" {seconds:.0f}s = {summary['requests'] / seconds:.0f} requests/s; archive {size / 1e6:.1f} MB",
                flush=True,
            )
        if len(rows) > 1:
            (small, small_rss), (large, large_rss) = rows[0], rows[-1]
            print(
                f"  growth: {large / small:.0f}x the articles -> {large_rss / small_rss:.2f}x the peak RSS (crawl + child)"
                f" (+{(large_rss - small_rss) / 1024:.1f} MiB)"
            )


if __name__ == "__main__":
    main()
