"""Drift: a run whose article pages left the site profile for the fallback says so, once.

Every run's summary counts its article pages by extractor and by warning (archive.extractors). When
the profile's share falls `[calibrate] drift_drop` below the mean of the previous runs' shares, the
site's template has most likely changed: a redesign is news, not edits, so the run ends with one
warning advising `ncgh calibrate` (cron mail sees it), and the versions it makes are flagged
`extractor_changed` where the extractor differs from the previous version's (archive.articles).
"""

from __future__ import annotations

import sqlite3

from archive.extractors import earlier_profile_shares, run_extractor_counts
from ncgh.crawl_summary import CrawlSummary

MIN_PAGES = 5  # fewer parsed pages in a run say nothing about the template


def drift_warning(share: float | None, pages: int, earlier: list[float], drop: float) -> str | None:
    """The warning for a run whose profile share fell by more than `drop` below the earlier runs' mean."""
    if share is None or pages < MIN_PAGES or not earlier:
        return None
    before = sum(earlier) / len(earlier)
    if before - share < drop or drop <= 0:
        return None
    return (f"only {share:.0%} of this run's {pages} article pages were parsed by the site profile"
            f" (previous runs: {before:.0%}); the site's template may have changed: run `ncgh calibrate`")


def add_extractor_counts(summary: CrawlSummary, conn: sqlite3.Connection, run_id: int, drop: float) -> str | None:
    """Fill the summary's extractor and warning counts; the drift warning, if there is one."""
    counts = run_extractor_counts(conn, run_id)
    summary.by_extractor = counts.by_extractor
    summary.by_warning = counts.by_warning
    summary.profile_share = round(counts.profile_share, 4) if counts.profile_share is not None else None
    warning = drift_warning(counts.profile_share, counts.pages, earlier_profile_shares(conn, run_id), drop)
    summary.drift_warning = warning
    return warning
