"""Which extractor parsed a run's article pages, and with which warnings: the drift signal.

A redesign of the site shows first as article pages the site profile no longer matches (the
generic fallback parses them); counting per run lets the crawl compare a run with the runs before.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field

from archive.vocab import CaptureKind, Outcome

PROFILE = "profile"  # scraper.records.Extractor.PROFILE, as the captures store it


@dataclass
class ExtractorCounts:
    """Article pages of one run parsed (outcome ok) by each extractor, and the warnings they gave."""

    by_extractor: dict[str, int] = field(default_factory=dict)
    by_warning: dict[str, int] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return sum(self.by_extractor.values())

    @property
    def profile_share(self) -> float | None:
        return self.by_extractor.get(PROFILE, 0) / self.pages if self.pages else None


_PARSED = f"kind = '{CaptureKind.ARTICLE}' AND outcome = '{Outcome.OK}' AND extractor IS NOT NULL"


def run_extractor_counts(conn: sqlite3.Connection, run_id: int) -> ExtractorCounts:
    out = ExtractorCounts()
    warnings: Counter[str] = Counter()
    for extractor, warnings_json, n in conn.execute(
        f"SELECT extractor, warnings_json, count(*) FROM captures WHERE run_id = ? AND {_PARSED}"
        " GROUP BY extractor, warnings_json", (run_id,)
    ):
        out.by_extractor[extractor] = out.by_extractor.get(extractor, 0) + n
        for w in json.loads(warnings_json or "[]"):
            warnings[w] += n
    out.by_warning = dict(sorted(warnings.items()))
    return out


def earlier_profile_shares(conn: sqlite3.Connection, run_id: int, runs: int = 5) -> list[float]:
    """The profile's share of parsed article pages in each of the last `runs` runs before `run_id`."""
    rows = conn.execute(
        f"SELECT run_id, sum(extractor = '{PROFILE}'), count(*) FROM captures"
        f" WHERE run_id < ? AND {_PARSED} GROUP BY run_id ORDER BY run_id DESC LIMIT ?", (run_id, runs)
    ).fetchall()
    return [hits / total for _run, hits, total in rows if total]
