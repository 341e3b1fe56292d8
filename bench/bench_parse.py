"""Parser throughput on the simulator's article pages, against general-purpose extractors.

    python3 bench/bench_parse.py [--articles 300] [--rounds 20] [--encoding utf-8|gbk] [--peers [--peer-rounds 3]]

Pages are rendered by the simulator (simulator.site.SimSite, no sockets) for every live article of a
seeded corpus, so all templates and eras are in the mix. Prints pages/s for `parse_article` on one
core (target: at least 300 pages/s), and for a bare `lxml.html.fromstring` of the same bytes as a
floor (for reference: no target). Best of `--rounds` timed passes (process CPU time, so other load
on the machine distorts less), the timings taking turns within each round; one warm-up pass first.

`--peers` also times the general-purpose extractors BENCHMARKS.md compares accuracy with, on the same
pages, when they are installed (they are not project dependencies: run it with a Python that has
them, e.g. a venv with `pip install trafilatura readability-lxml htmldate` and this project's
dependencies), each doing what `bench/accuracy_realpages.py --compare` has it do (body text and
publication date: trafilatura's extract + extract_metadata; readability-lxml's summary + htmldate),
given the page decoded as `parse_article` decodes it. Target: `parse_article` at least 10x the
fastest of them. The peers are ~100x slower, so they get `--peer-rounds` passes (default 3); for the
ratio, `parse_article` is timed again in those same rounds, taking turns with them, so that a load
change on a shared machine between the two timings cannot make the ratio.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import lxml.html

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's code, not an installed copy

from scraper.encoding import decode  # noqa: E402
from scraper.parse import parse_article  # noqa: E402
from simulator.config import SimConfig  # noqa: E402
from simulator.site import SimSite  # noqa: E402


def pages(articles: int, encoding: str) -> list[tuple[str, bytes, str | None]]:
    site = SimSite(SimConfig(articles=articles, seed=11, encoding=encoding))
    out = []
    for article_id in sorted(site.state.articles):
        resp = site.handle(f"/nczhghcms/article/{article_id}", {})
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
    ap.add_argument("--peers", action="store_true", help="also time trafilatura and readability-lxml if installed")
    ap.add_argument("--peer-rounds", type=int, default=3, help="timed passes with the peers (default 3)")
    args = ap.parse_args()

    items = pages(args.articles, args.encoding)
    # The simulator's corpus (many live objects) would make every full collection slow and charge
    # it to whichever parse triggers it; freeze it out of the collector's way for both timings.
    gc.collect()
    gc.freeze()
    sizes = [len(b) for _, b, _ in items]
    extractors = Counter(parse_article(b, u, c).extractor for u, b, c in items)
    fns: dict[str, Callable] = {
        "parse": lambda it: parse_article(it[1], it[0], it[2]),
        "lxml": lambda it: lxml.html.fromstring(it[1]),
        "decode": lambda it: decode(it[1], it[2]),
    }
    peers = _peers() if args.peers else {}
    best = timed(fns, items, args.rounds)
    t_parse, t_lxml, t_decode = best["parse"], best["lxml"], best["decode"]
    n = len(items)
    print(f"pages: {n} simulator article pages ({args.encoding}), median {statistics.median(sizes) / 1024:.1f} KB, "
          f"extractors {dict(extractors)}")
    print(f"parse_article:        {n / t_parse:8.0f} pages/s  ({1000 * t_parse / n:.2f} ms/page)  (target: >= 300 pages/s)")
    print(f"lxml.html.fromstring: {n / t_lxml:8.0f} pages/s  ({1000 * t_lxml / n:.2f} ms/page)  "
          f"parse_article / bare lxml: {t_parse / t_lxml:.2f}x")
    print(f"of which scraper.encoding.decode alone: {1000 * t_decode / n:.2f} ms/page = {t_decode / t_lxml:.2f}x bare lxml")
    if args.peers:
        if not peers:
            print("--peers: neither trafilatura nor readability-lxml is installed")
            return
        # The peers get the decoded text (what they are given in practice); parse_article the bytes,
        # in the same rounds, taking turns with them.
        texts = {u: decode(b, c).text for u, b, c in items}
        turns: dict[str, Callable] = {"parse": fns["parse"]}
        turns.update({name: (lambda it, f=f: f(texts[it[0]])) for name, f in peers.items()})
        peer_best = timed(turns, items, args.peer_rounds)
        t_parse_turns = peer_best.pop("parse")
        fastest = min(peer_best.values())
        for name, t in peer_best.items():
            print(f"{name + ':':22}{n / t:8.1f} pages/s  ({1000 * t / n:.2f} ms/page)")
        print(f"parse_article in the same rounds: {n / t_parse_turns:.0f} pages/s; "
              f"/ fastest peer: {fastest / t_parse_turns:.1f}x faster  (target: >= 10x)")


def _peers() -> dict[str, Callable[[str], object]]:
    """The general-purpose extractors BENCHMARKS.md compares accuracy with, run exactly as
    bench/accuracy_realpages.py runs them (body and date: trafilatura; readability-lxml + htmldate),
    when installed. Each takes the decoded page."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from accuracy_realpages import baselines

    return baselines()


if __name__ == "__main__":
    main()
