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
        if action.probe_hit:
            children += self.disc.after_hit(item.article_id or 0, self.all_ids)
        return children
