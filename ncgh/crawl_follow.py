"""What a fetched work item adds to the run's queue: the links a discovery page showed, the ids next
to an id-walk or frontier hit, and each source's health counted as it goes.

Split from ncgh.crawl (which runs the queue and records captures) so that the crawl loop does not
need to know how hubs, lists, the API and the id walk grow the run.
"""

from __future__ import annotations

from archive.hubs import HubStore
from archive.model import CaptureIn
from archive.queue import WorkItem
from archive.vocab import Outcome, WorkKind
from ncgh.crawl_actions import Action
from ncgh.discovery import Discovery
from ncgh.discovery_read import PageRead
from ncgh.report import Reporter
from ncgh.source_health import SourceHealth


class DiscoveryFollow:
    """The run's discovery state as the crawl loop sees it: one call per handled item."""

    def __init__(self, disc: Discovery, health: SourceHealth, hubs: HubStore, site: str, reporter: Reporter,
                 all_ids: set[int]):
        self.disc = disc
        self.health = health
        self.hubs = hubs
        self.site = site
        self.reporter = reporter
        self.all_ids = all_ids  # every id the archive holds; grows as the run finds more
        self.unparsed_in_a_row = 0  # id probes answered by a page that is no article, since the last article

    def children(self, item: WorkItem, capture: CaptureIn, read: PageRead | None, action: Action) -> list[WorkItem]:
        """The work items `item`'s answer calls for; remembers a hub's visit and counts the source."""
        children: list[WorkItem] = []
        kind = WorkKind(item.kind)
        if read is not None and (read.page is not None or read.ids is not None):
            outcome = self.disc.after_read(item, read)
            children += outcome.items
            children += self.disc.after_hits(outcome.new_ids, self.all_ids)
            if outcome.capped:
                self.reporter.info(f"{item.url}: {outcome.reason}")
            if outcome.hub is not None:
                h = outcome.hub
                self.hubs.record_visit(self.site, h.url, h.depth, capture.fetched_at, h.article_ids, h.new_ids)
            found = [r.article_id for r in read.page.links] if read.page is not None else (read.ids.ids if read.ids else [])
            self.health.page(kind, capture.outcome, found, outcome.new_ids)
        else:
            hit = [item.article_id] if action.probe_hit and capture.outcome != Outcome.PARSE_ERROR and item.article_id else []
            self.health.page(kind, capture.outcome, hit, hit)
        if action.probe_hit and self._walk_on(capture.outcome):
            children += self.disc.after_hit(item.article_id or 0, self.all_ids)
        return children

    def _walk_on(self, outcome: Outcome) -> bool:
        """Whether a probe's hit moves the id walk on. An unparseable page at an id may be an article
        the parser cannot read, so it does, but only for `id_gap_tolerance` of them in a row: a site
        answering every id with its home page (200) once walked 42,000 ids in one run (found by review)."""
        if outcome != Outcome.PARSE_ERROR:
            self.unparsed_in_a_row = 0
            return True
        self.unparsed_in_a_row += 1
        limit = self.disc.cfg.discovery.id_gap_tolerance
        if self.unparsed_in_a_row == limit + 1:
            self.reporter.warning(f"the id walk stops here: {limit} probed ids in a row answered a page that is"
                                  " no article (the site answers unknown ids with a page, not a 404?)")
        return self.unparsed_in_a_row <= limit
