"""Template learning and drift, measured on the simulator (BENCHMARKS.md, "Template learning").

1. For each template family: learn from the first 20 live pages, parse the rest with the learned
   profile and count the pages with every field right (against the simulator's truth); the same
   with the configured profile alone (the fallback, for any family but classic), and with the
   fallback after the learned cross-page boilerplate is pruned (no learned selectors).
2. A redesign mid-timeline: crawl day 0 in `classic`, re-render the site in FAMILY from day 1,
   crawl again (revisiting every article); count the versions that creates and how many are flagged
   `extractor_changed`, and whether the run warned; then calibrate on the newest pages and reparse,
   as the warning advises, and count the versions left beyond the first.

    python3 bench/bench_learn.py [--articles 80] [--redesign portal]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from archive.store import Archive  # noqa: E402
from bench.labelled_fixtures import FIELDS, label_from_truth  # noqa: E402
from ncgh.calibrate import active_profile, calibrate  # noqa: E402
from ncgh.config import config_from_dict, to_block_rules  # noqa: E402
from ncgh.crawl import run_crawl  # noqa: E402
from ncgh.pipeline import interpret_stored  # noqa: E402
from ncgh.report import Reporter  # noqa: E402
from scraper.learned_profile import LearnedProfile  # noqa: E402
from scraper.parse import parse_article  # noqa: E402
from scraper.profile import DEFAULT_PROFILE  # noqa: E402
from scraper.template_learn import SamplePage, learn_profile  # noqa: E402
from simulator import SimConfig, SimServer  # noqa: E402
from simulator.families import FAMILIES  # noqa: E402
from simulator.site import SimSite  # noqa: E402

BASE = "http://www.ncgh.org.cn"


def accuracy(family: str, articles: int, train: int = 20) -> tuple[int, int, int]:
    site = SimSite(SimConfig(articles=articles, seed=11, markup=family))
    truth = site.truth(BASE, full=True)
    pages = []
    for a in (a for a in truth["articles"] if a["status"] == "live"):
        r = site.handle(f"/nczhghcms/article/{a['id']}", {})
        pages.append((a, SamplePage(r.body, f"{BASE}/nczhghcms/article/{a['id']}", r.content_type)))
    learned = learn_profile([p for _, p in pages[:train]]).profile

    def right(profile) -> int:
        n = 0
        for a, p in pages[train:]:
            label = label_from_truth(a, BASE, BASE, truth["footer"], "utf-8", p.content_type)
            got = parse_article(p.body, p.url, p.content_type, profile).to_dict()
            n += all(got[k] == label[k] for k in FIELDS if k not in ("extractor", "warnings"))
        return n

    if learned is None:
        return len(pages) - train, right(DEFAULT_PROFILE), 0, 0
    # The cross-page model alone: the configured selectors (which do not fit) and the fallback, with
    # the learned boilerplate pruned first.
    model_only = LearnedProfile(boilerplate=learned.boilerplate)
    return len(pages) - train, right(DEFAULT_PROFILE), right(model_only), right(learned)


def redesign(family: str, articles: int) -> tuple[int, int, int, str | None]:
    cfg = config_from_dict({"fetch": {"delay": 0, "concurrency_per_host": 2},
                            "discovery": {"id_range": [800, 800 + 20 * articles], "id_gap_tolerance": 30},
                            "revisit": {"schedule": [[100000, 0.5]], "budget": 100000},
                            "calibrate": {"auto_after": 0}})
    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp, SimServer(SimConfig(
            articles=articles, seed=6, id_range=(800, 800 + 20 * articles), redesign_day=1, redesign_markup=family,
            edit_rate=0.0, delete_rate=0.0)) as srv:
        db = Path(tmp) / "r.db"
        run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0, reporter=Reporter())
        srv.advance()
        second = run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=1), reporter=Reporter())
        made, flagged = _versions(db)
        # What the warning advises: calibrate on the newest pages (the redesigned ones), then reparse.
        conn = sqlite3.connect(db)
        calibrate(cfg, db, conn, sample=articles)
        conn.close()
        profile = active_profile(cfg, db)
        with Archive(db) as archive:
            blocks = to_block_rules(cfg)
            archive.rebuild(lambda stored, body: interpret_stored(stored, body, profile, tuple(cfg.site.article_paths),
                                                                  blocks))
        after, _ = _versions(db)
        return second.fetched, made, flagged, second.drift_warning, after


def _versions(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*), coalesce(sum(extractor_changed), 0) FROM versions"
                            " WHERE version > 1").fetchone()
    finally:
        conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=80)
    ap.add_argument("--redesign", default="portal", choices=[f for f in FAMILIES if f != "classic"])
    args = ap.parse_args()
    print("family    pages  all-fields-right: configured profile / fallback + learned boilerplate / learned from 20")
    for family in FAMILIES:
        n, before, model, after = accuracy(family, args.articles)
        print(f"{family:<9} {n:>5}  {before:>4} ({before / n:.0%}) / {model:>4} ({model / n:.0%})"
              f" / {after:>4} ({after / n:.0%})")
    fetched, made, flagged, warning, after = redesign(args.redesign, args.articles // 2)
    print(f"redesign to {args.redesign} on day 1: {fetched} pages fetched, {made} new versions,"
          f" {flagged} flagged extractor_changed; drift warning: {'yes' if warning else 'no'};"
          f" after `ncgh calibrate` + `ncgh reparse`: {after} new versions")


if __name__ == "__main__":
    main()
