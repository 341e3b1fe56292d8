"""Where `parse_article`'s time goes: cProfile over bench_parse.py's pages, sorted by own time.

    python3 bench/profile_parse.py [--articles 300] [--passes 3] [--top 30]

Prints ms a page (process time, no profiler), the same for two floors that keep none of the
parser's checks (a bare lxml tree; the tree, the profile's four selectors and their text: what a
minimal profile-only extractor costs), and the profile of the passes under cProfile (which inflates
the Python-side share; the ranking is what it is for).
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
from lxml import etree  # noqa: E402

from scraper.parse import parse_article  # noqa: E402
from scraper.profile import DEFAULT_PROFILE, compile_profile, select_first  # noqa: E402

_BARE = etree.HTMLParser(encoding="utf-8", remove_comments=True)


def bare_tree(url: str, body: bytes, content_type: str | None) -> object:
    return etree.fromstring(body, _BARE)


def minimal_extractor(url: str, body: bytes, content_type: str | None) -> list[str | None]:
    """Title, info line, body and footer by the profile's selectors, as text: no decoding, checks,
    sanitising, lines, dates, ids, images or attachments."""
    root, compiled = etree.fromstring(body, _BARE), compile_profile(DEFAULT_PROFILE)
    found = (select_first(group, root) for group in (compiled.title, compiled.info, compiled.body, compiled.footer))
    return ["".join(el.itertext()) if el is not None else None for el in found]


def ms_a_page(fn, items: list, passes: int) -> float:
    started = time.process_time()
    for _ in range(passes):
        for url, body, content_type in items:
            fn(url, body, content_type)
    return (time.process_time() - started) / (passes * len(items)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    items = pages(args.articles, "utf-8")
    for url, body, content_type in items:  # warm-up
        parse_article(body, url, content_type)
    for fn in (bare_tree, minimal_extractor):  # warm-up
        for url, body, content_type in items:
            fn(url, body, content_type)
    per_page = ms_a_page(lambda url, body, content_type: parse_article(body, url, content_type), items, args.passes)
    print(f"parse_article: {per_page:.3f} ms a page over {len(items)} pages x {args.passes} passes")
    print(f"floors: a bare lxml tree {ms_a_page(bare_tree, items, args.passes):.3f} ms a page; tree, the profile's"
          f" selectors and their text {ms_a_page(minimal_extractor, items, args.passes):.3f} ms a page")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.passes):
        for url, body, content_type in items:
            parse_article(body, url, content_type)
    profile.disable()
    pstats.Stats(profile).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
