"""Where `parse_article`'s time goes: cProfile over bench_parse.py's pages, sorted by own time.

    python3 bench/profile_parse.py [--articles 300] [--passes 3] [--top 30]

Prints ms a page (process time, no profiler) and the profile of the same passes under cProfile
(which inflates the Python-side share; the ranking is what it is for).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's code, not an installed copy

from bench_parse import pages  # noqa: E402

from scraper.parse import parse_article  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    items = pages(args.articles, "utf-8")
    for url, body, content_type in items:  # warm-up
        parse_article(body, url, content_type)
    started = time.process_time()
    for _ in range(args.passes):
        for url, body, content_type in items:
            parse_article(body, url, content_type)
    per_page = (time.process_time() - started) / (args.passes * len(items)) * 1000
    print(f"parse_article: {per_page:.3f} ms a page over {len(items)} pages x {args.passes} passes")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.passes):
        for url, body, content_type in items:
            parse_article(body, url, content_type)
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
