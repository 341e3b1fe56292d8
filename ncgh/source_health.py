"""Each discovery source's health in a run: requests, article ids found, new ids, failures, status.

A source is where a run looks for articles (archive.vocab.DiscoverySource): hubs, sitemap, list
template, API, id walk, frontier probe. The crawl tells `SourceHealth` what each discovery page (or
probe) gave; the summary shows one entry per source used, the archive keeps them per run (table
`run_sources`), and a source that failed in `source_warn_after` runs in a row is named once per run
in a warning with the config key to change: its failures then no longer make the run exit 1 (a
guessed list URL that answers 404 every day is a configuration to fix, not an outage to page about).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archive.hubs import SourceRun
from archive.vocab import DiscoverySource, Outcome, RunMode, SourceStatus, WorkKind

if TYPE_CHECKING:
    from archive.store import Archive
    from ncgh.crawl_summary import CrawlSummary
    from ncgh.report import Reporter

# What to change when a source keeps failing (named in the warning).
CONFIG_KEY: dict[DiscoverySource, str] = {
    DiscoverySource.HUBS: "[discovery] roots",
    DiscoverySource.SITEMAP: "[discovery] sources (drop \"sitemap\")",
    DiscoverySource.LIST: "[discovery] list_url_template",
    DiscoverySource.API: "[discovery] api_all_template / api_list_template, or sources (drop \"api\")",
    DiscoverySource.ID_WALK: "[discovery] id_range",
    DiscoverySource.FRONTIER: "[discovery] frontier_window",
}
BAD = (SourceStatus.FAILING, SourceStatus.NEEDS_LOGIN, SourceStatus.BLOCKED)


def source_of(kind: WorkKind, mode: RunMode) -> DiscoverySource | None:
    """The source a work item belongs to; None for article fetches and revisits."""
    if kind in (WorkKind.HUB, WorkKind.HUB_PAGE):
        return DiscoverySource.HUBS
    if kind == WorkKind.SITEMAP:
        return DiscoverySource.SITEMAP
    if kind == WorkKind.LIST:
        return DiscoverySource.LIST
    if kind in (WorkKind.API, WorkKind.API_IDS):
        return DiscoverySource.API
    if kind == WorkKind.PROBE:
        return DiscoverySource.ID_WALK if mode == RunMode.FULL else DiscoverySource.FRONTIER
    return None


@dataclass
class SourceCounts:
    """One source's counts in this invocation."""

    requests: int = 0
    found_ids: set[int] = field(default_factory=set)  # article ids its pages showed (or its probes hit)
    new_id_set: set[int] = field(default_factory=set)  # of those, ids the archive did not hold before the run
    failures: int = 0  # pages with no usable answer (fetch or parse error, a dead seed)
    recorded_failures: int = 0  # of those, the ones recorded as fetch or parse errors
    usable: int = 0  # pages that answered usably
    refused: str | None = None  # the first refusal's message (HTTP 401/403, API code != 200)
    blocked: bool = False  # a block or challenge page answered (set by the WAF detection)

    @property
    def status(self) -> SourceStatus:
        if self.refused is not None:
            return SourceStatus.NEEDS_LOGIN
        if self.blocked:
            return SourceStatus.BLOCKED
        if self.failures and not self.usable:
            return SourceStatus.FAILING
        return SourceStatus.OK if self.found_ids else SourceStatus.EMPTY

    @property
    def found(self) -> int:
        return len(self.found_ids)

    @property
    def new_ids(self) -> int:
        return len(self.new_id_set)


@dataclass(frozen=True)
class SourceReport:
    """A source's line in the summary (`--json` "sources")."""

    source: str
    status: str
    requests: int
    found: int
    new_ids: int
    failures: int


class SourceHealth:
    """The counts of every source a run uses (main thread only)."""

    def __init__(self, mode: RunMode, sources: tuple[DiscoverySource, ...]):
        self.mode = mode
        self.counts: dict[DiscoverySource, SourceCounts] = {s: SourceCounts() for s in sources}

    def _of(self, source: DiscoverySource) -> SourceCounts:
        return self.counts.setdefault(source, SourceCounts())

    def page(self, kind: WorkKind, outcome: str, found: Iterable[int] = (), new_ids: Iterable[int] = ()) -> None:
        """A discovery page (or probe) was answered: `outcome` is its capture's; `found` the article
        ids it showed, `new_ids` those the archive did not hold (each id counts once per source)."""
        source = source_of(kind, self.mode)
        if source is None:
            return
        c = self._of(source)
        c.requests += 1
        c.found_ids.update(found)
        c.new_id_set.update(new_ids)
        if outcome == Outcome.BLOCKED:
            c.blocked = True
        elif outcome in (Outcome.FETCH_ERROR, Outcome.PARSE_ERROR):
            c.failures += 1
            c.recorded_failures += 1
        else:
            c.usable += 1

    def failed(self, kind: WorkKind) -> None:
        """A discovery page got no usable answer and nothing was recorded (a dead seed)."""
        source = source_of(kind, self.mode)
        if source is not None:
            c = self._of(source)
            c.requests += 1
            c.failures += 1

    def absent(self, kind: WorkKind) -> None:
        """An optional page is not there (no /sitemap.xml, a dead link a hub showed): no failure."""
        source = source_of(kind, self.mode)
        if source is not None:
            self._of(source).requests += 1

    def refuse(self, kind: WorkKind, message: str) -> bool:
        """The source refused (needs a login); True the first time in this invocation."""
        source = source_of(kind, self.mode)
        if source is None:
            return False
        c = self._of(source)
        c.requests += 1
        first = c.refused is None
        if first:
            c.refused = message
        return first

    def source(self, kind: WorkKind) -> str:
        """The name of the item's source (for messages)."""
        source = source_of(kind, self.mode)
        return source.value if source is not None else str(kind)

    def refused(self, kind: WorkKind) -> bool:
        """True when the item's source refused earlier in this run: its other pages are not asked."""
        source = source_of(kind, self.mode)
        return source is not None and source in self.counts and self.counts[source].refused is not None

    def rows(self) -> list[SourceRun]:
        return [
            SourceRun(s, c.requests, c.found, c.new_ids, c.failures, c.status) for s, c in self.counts.items()
        ]

    def reports(self) -> list[SourceReport]:
        return [
            SourceReport(s.value, c.status.value, c.requests, c.found, c.new_ids, c.failures)
            for s, c in self.counts.items()
        ]


def persistent_failures(
    health: SourceHealth, history: dict[DiscoverySource, list[SourceStatus]], runs: int
) -> list[tuple[DiscoverySource, SourceCounts]]:
    """Sources that failed now and in each of the `runs - 1` ended runs before (`history`, newest
    first): said as a warning, their failures no longer counted against the exit code."""
    out = []
    for source, c in health.counts.items():
        before = history.get(source, [])
        if c.status in BAD and len(before) >= runs - 1 and all(s in BAD for s in before[: runs - 1]):
            out.append((source, c))
    return out


def warning_line(source: DiscoverySource, c: SourceCounts, runs: int) -> str:
    """The one warning a persistently failing source gets per run."""
    what = f"needs a login ({c.refused})" if c.refused else c.status.value
    return (
        f"discovery source {source.value} {what} for {runs} runs in a row ({c.failures} failures this run):"
        f" check {CONFIG_KEY[source]}; its failures no longer make the run exit 1"
    )


def end_of_run_health(
    archive: Archive, run_id: int, health: SourceHealth, warn_after: int, summary: CrawlSummary, reporter: Reporter
) -> None:
    """Store the run's source health, warn about sources failing `warn_after` runs in a row, and put
    the per-source report and the errors no longer counted into the summary."""
    archive.hubs.record_sources(run_id, health.rows())
    history = {s: archive.hubs.recent_statuses(s, run_id, warn_after) for s in health.counts}
    ignored = 0
    for source, c in persistent_failures(health, history, warn_after):
        reporter.warning(warning_line(source, c, warn_after))
        summary.warnings.append(warning_line(source, c, warn_after))
        ignored += c.recorded_failures
    summary.sources = health.reports()
    summary.source_errors_ignored = ignored
