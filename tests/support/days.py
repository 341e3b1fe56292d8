"""Crawls of the simulator on its own calendar: each simulated day's crawl runs on that day's date."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from ncgh.config import Config, config_from_dict
from ncgh.crawl import run_crawl
from ncgh.crawl_summary import CrawlSummary
from ncgh.demo import simulated_clock
from ncgh.report import Reporter
from scraper.fetch import Fetcher
from simulator import SimServer


def daily_config(articles: int, **sections: dict) -> Config:
    """Every article revisited every day, conditionally (a 304 when nothing changed)."""
    data: dict = {
        "fetch": {"delay": 0, "concurrency_per_host": 2},
        "discovery": {"id_range": [800, 800 + 12 * articles], "id_gap_tolerance": 50},
        "revisit": {"schedule": [[100000, 1]], "budget": 1_000_000, "gone_recheck_days": 1,
                    "unconditional_every_days": 0},
    }
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return config_from_dict(data)


def crawl_day(cfg: Config, db: Path, srv: SimServer, full: bool = False) -> CrawlSummary:
    """One crawl on the simulator's current day (its captures stamped with that day's date)."""
    clock = simulated_clock(srv.state.date, cfg.site.timezone)
    return run_crawl(
        cfg, db, base_url=srv.url, mode="full" if full else "incremental", now=clock(),
        reporter=Reporter(), fetcher_factory=partial(Fetcher, utcnow=clock),
    )
