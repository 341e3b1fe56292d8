"""The worker-thread half of a crawl: fetch one work item and interpret its answer.

Everything here runs in a fetch thread (or hands the parse to a parser process, ncgh.parse_pool) and
touches no database: the capture, what a discovery page showed, and the capture's database-free
recording work (archive.prepare) are handed to the one writer thread (ncgh.crawl) as a `Done`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from archive.model import CaptureIn
from archive.prepare import PreparedCapture, prepare_capture
from archive.queue import WorkItem
from archive.vocab import ARTICLE_WORK, DISCOVERY_WORK, WorkKind
from ncgh.assets import AssetWork
from ncgh.crawl_actions import action_for
from ncgh.discovery_read import PageRead, link_rules, read_page
from ncgh.hub_walk import depth_of
from ncgh.parse_pool import ParserProcesses
from ncgh.pipeline import interpret
from scraper.blocks import BlockRules
from scraper.fetch import Fetcher
from scraper.profile import SiteProfile
from scraper.records import FetchResult


@dataclass
class Done:
    """A fetched work item, interpreted in the worker thread."""

    item: WorkItem
    fetch: FetchResult | None
    capture: CaptureIn | None
    read: PageRead | None = None  # what a discovery page showed (ncgh.discovery_read)
    crash: str | None = None  # an unexpected exception while fetching or interpreting
    prepared: PreparedCapture | None = None  # the capture's database-free recording work, done here


@dataclass
class FetchWork:
    """What a worker needs to fetch and interpret an item. `profile` is replaced when the run's first
    pages teach a better one (ncgh.auto_calibrate); items fetched before that are parsed again."""

    site: str
    base_url: str
    paths: tuple[str, ...]
    blocks: BlockRules
    profile: SiteProfile
    assets: AssetWork
    stored_hubs: set[str]  # hub URLs the archive holds: seeds like the roots
    parsers: ParserProcesses
    # Discovery.list_groups: the group of links the list's previous page took (written by the writer
    # thread before the next page is queued, read here).
    list_groups: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    def reinterpret(self, done: Done, run_id: int) -> CaptureIn:
        """The capture of `done`'s answer parsed with the current profile."""
        item, fetch = done.item, done.fetch
        assert fetch is not None and done.capture is not None
        return interpret(self.site, item.url, fetch, self.profile, self.paths, kind=done.capture.kind,
                         run_id=run_id, work_item_id=item.id, blocks=self.blocks)

    def run(self, fetcher: Fetcher, item: WorkItem, run_id: int) -> Done:
        """Fetch and interpret `item`; an unexpected exception becomes a `Done` with `crash` set, so a
        bug fails that item and the crawl goes on."""
        try:
            return self._fetch_and_interpret(fetcher, item, run_id)
        except Exception as exc:
            return Done(item, None, None, crash=f"{type(exc).__name__}: {exc}")

    def _fetch_and_interpret(self, fetcher: Fetcher, item: WorkItem, run_id: int) -> Done:
        if item.kind == WorkKind.ASSET:
            fetch = self.assets.fetch(fetcher, item)
        else:
            fetch = fetcher.fetch(item.url, etag=item.etag, last_modified=item.last_modified)
        parse_here = item.kind not in ARTICLE_WORK or not fetch.body or not 200 <= (fetch.status or 0) < 300
        child = None if parse_here else self.parsers.child()
        if child is not None:
            capture, prepared = child.interpret(
                self.site, item.url, fetch, self.profile, self.paths, run_id, item.id, self.blocks,
                WorkKind(item.kind),
            )
            return Done(item, fetch, capture, prepared=prepared)
        capture = interpret(
            self.site, item.url, fetch, self.profile, self.paths, kind=WorkKind(item.kind).capture_kind, run_id=run_id,
            work_item_id=item.id, blocks=self.blocks,
        )
        done = Done(item, fetch, capture)
        if item.kind in DISCOVERY_WORK:
            follow, sitemaps, own_site = link_rules(fetcher, self.base_url)
            seed = item.kind == WorkKind.HUB and depth_of(item) == 0
            linked = item.kind == WorkKind.HUB and not seed and item.url not in self.stored_hubs
            done.read = read_page(WorkKind(item.kind), fetch, capture, self.paths, follow, sitemaps if seed else None,
                                  linked, own_site, self.list_groups.get(item.url))
        if action_for(item.kind, capture.outcome, capture.error).record:
            # Hashing, compressing and normalising here leaves the one writer thread only its SQL.
            done.prepared = prepare_capture(capture)
        return done
