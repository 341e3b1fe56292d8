"""Parser throughput on the simulator's article pages, against the floor of a bare lxml parse.

    python3 bench/bench_parse.py [--articles 300] [--rounds 20] [--encoding utf-8|gbk]

Pages are rendered by the simulator (ncgh.sim.site.SimSite, no sockets) for every live article of a
seeded corpus, so all templates and eras are in the mix. Prints pages/s for `parse_article` on one
core, pages/s for bare `lxml.html.fromstring` on the same bytes, and their ratio (targets: at least
300 pages/s, within 2.5x of bare lxml). Best of `--rounds` timed passes (process CPU time, so
other load on the machine distorts less), the three timings taking turns within each round; one
warm-up pass first.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections import Counter
from collections.abc import Callable

import lxml.html

from ncgh.sim.config import SimConfig
from ncgh.sim.site import SimSite
from scraper.encoding import decode
from scraper.parse import parse_article


def pages(articles: int, encoding: str) -> list[tuple[str, bytes, str | None]]:
    site = SimSite(SimConfig(articles=articles, seed=11, encoding=encoding))
    out = []
    for article_id in sorted(site.state.articles):
        resp = site.handle("GET", f"/nczhghcms/article/{article_id}", {})
        if resp.status == 200:
            out.append((f"http://www.ncgh.org.cn/nczhghcms/article/{article_id}", resp.body, resp.content_type))
    return out


def timed(fns: dict[str, Callable], items: list, rounds: int) -> dict[str, float]:
    """Best process time of `rounds` passes over items for each function (after one warm-up pass).

    The functions take turns within each round, so a slow spell of the (shared) machine falls on
    all of them alike rather than on whichever happened to run then: their ratio is what is compared.
    """
    for fn in fns.values():
        for item in items:
            fn(item)
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.process_time()
            for item in items:
                fn(item)
            best[name] = min(best[name], time.process_time() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--encoding", default="utf-8", choices=("utf-8", "gbk"))
    args = ap.parse_args()

    items = pages(args.articles, args.encoding)
    # The simulator's corpus (many live objects) would make every full collection slow and charge
    # it to whichever parse triggers it; freeze it out of the collector's way for both timings.
    gc.collect()
    gc.freeze()
    sizes = [len(b) for _, b, _ in items]
    extractors = Counter(parse_article(b, u, c).extractor for u, b, c in items)
    best = timed(
        {
            "parse": lambda it: parse_article(it[1], it[0], it[2]),
            "lxml": lambda it: lxml.html.fromstring(it[1]),
            "decode": lambda it: decode(it[1], it[2]),
        },
        items,
        args.rounds,
    )
    t_parse, t_lxml, t_decode = best["parse"], best["lxml"], best["decode"]
    n = len(items)
    print(f"pages: {n} simulator article pages ({args.encoding}), median {statistics.median(sizes) / 1024:.1f} KB, "
          f"extractors {dict(extractors)}")
    print(f"parse_article:        {n / t_parse:8.0f} pages/s  ({1000 * t_parse / n:.2f} ms/page)")
    print(f"lxml.html.fromstring: {n / t_lxml:8.0f} pages/s  ({1000 * t_lxml / n:.2f} ms/page)")
    print(f"ratio parse_article / bare lxml: {t_parse / t_lxml:.2f}x  (targets: >= 300 pages/s, <= 2.5x)")
    print(f"of which scraper.encoding.decode alone: {1000 * t_decode / n:.2f} ms/page = {t_decode / t_lxml:.2f}x bare lxml")


if __name__ == "__main__":
    main()
