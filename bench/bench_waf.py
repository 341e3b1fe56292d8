"""What a WAF sees before a crawl stops: a first incremental crawl of the simulator behind `--waf`.

    python3 bench/bench_waf.py [--articles 200] [--limit 50]

The WAF blocks the client after `--limit` requests, for an hour, with its four block pages in turn;
the crawl uses the default [fetch] retries (delay 0) and [blocks] stop_after. Prints the summary line,
the exit code, how many requests the WAF answered with a block page, and the time to the stop.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ncgh.config import config_from_dict  # noqa: E402
from ncgh.crawl import run_crawl  # noqa: E402
from simulator import SimConfig, SimServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    config = config_from_dict({"fetch": {"delay": 0}})
    site = SimConfig(articles=args.articles, waf_limit=args.limit, waf_window_seconds=600, waf_block_seconds=3600)
    with tempfile.TemporaryDirectory() as tmp, SimServer(site) as sim:
        started = time.monotonic()
        summary = run_crawl(config, Path(tmp) / "a.db", base_url=sim.url)
        seconds = time.monotonic() - started
        print(summary.one_line())
        print(f"exit {summary.exit_code}; block pages the WAF served: {sim.waf.blocked_answers};"
              f" work items blocked: {summary.blocked}; {seconds:.1f} s to the stop")


if __name__ == "__main__":
    main()
