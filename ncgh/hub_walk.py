"""The hub walk: from seeds (the home page, `[discovery] roots`, sitemaps, stored hubs) breadth first
over the site's own pages, to find where it links its articles without being told its URL shapes.

A page read for links is a `hub` work item; its depth (links from a seed) rides in its priority,
PRIORITY_DISCOVERY - depth, so shallower pages are read first (breadth first) and a resumed run
keeps the order. A page that showed article links is a hub: remembered in the archive (table `hubs`)
and seeded again by every later crawl, those that last showed a new article first. A hub's next page
(下一页, rel=next, page numbers: scraper.hubs) is a `hub_page` item: walked like a category list,
newest first, stopping after `stop_after_known` known articles in a row (incremental mode), and never
a hub of its own, so a daily crawl reads each list's first page, not its thousandth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from archive.hubs import Hub
from archive.queue import WorkItem
from archive.vocab import WorkKind
from scraper.records import ListPage

if TYPE_CHECKING:
    from ncgh.discovery import Discovery, PageOutcome

PRIORITY_DISCOVERY = 300
SITEMAP_PATH = "/sitemap.xml"


@dataclass(frozen=True)
class HubVisit:
    """A hub page read in this run: what the archive's `hubs` row gets."""

    url: str
    depth: int
    article_ids: int
    new_ids: int


def depth_of(item: WorkItem) -> int:
    """A hub item's depth, from its priority (see the module docstring)."""
    return max(0, PRIORITY_DISCOVERY - item.priority)


@dataclass
class HubWalk:
    """The walk's state in one invocation: budget left, and which hub each next page belongs to."""

    disc: Discovery
    depth_limit: int
    budget: int
    _chain: dict[str, tuple[str, int]] = field(default_factory=dict)  # next page URL -> (hub URL, page)
    _offered: set[str] = field(default_factory=set)  # pages queued by this invocation (a menu on every page counts once)

    def item(self, url: str, depth: int, kind: WorkKind = WorkKind.HUB) -> WorkItem:
        return WorkItem(self.disc.on_base(url), kind, priority=PRIORITY_DISCOVERY - depth)

    def seeds(self, roots: tuple[str, ...], stored: list[Hub], sitemap: bool) -> list[WorkItem]:
        """The roots (depth 0), the stored hubs (newest-first, at their depth), /sitemap.xml."""
        items = [self.item(self.disc.url(r), 0) for r in roots]
        items += [self.item(h.url, min(h.depth, self.depth_limit)) for h in stored]
        self._offered.update(i.url for i in items)
        if sitemap:
            items.append(WorkItem(self.disc.url(SITEMAP_PATH), WorkKind.SITEMAP, priority=PRIORITY_DISCOVERY))
        return items

    def children(self, links: list[str], depth: int) -> list[WorkItem]:
        """Linked pages one step deeper, within the depth limit and what is left of the page budget."""
        if depth + 1 > self.depth_limit:
            return []
        out = []
        for url in links:
            item = self.item(url, depth + 1)
            if item.url in self._offered:
                continue
            if self.budget <= 0:
                break
            self.budget -= 1
            self._offered.add(item.url)
            out.append(item)
        return out

    def after_hub(
        self, item: WorkItem, page: ListPage, links: list[str], sitemaps: list[str],
        walk: Callable[[str, ListPage, object, int, WorkKind], PageOutcome],
    ) -> tuple[PageOutcome, HubVisit | None]:
        """What a hub (or a hub's next page) adds to the queue, and the visit to remember."""
        depth = depth_of(item)
        if item.kind == WorkKind.HUB_PAGE:
            root, number = self._chain.get(item.url, (item.url, 2))
        else:
            root, number = item.url, 1
        outcome = walk(item.url, page, (WorkKind.HUB, root), number, WorkKind.HUB_PAGE)
        for child in outcome.items:
            if child.kind == WorkKind.HUB_PAGE:
                child.priority = item.priority
                self._chain[child.url] = (root, number + 1)
        if item.kind == WorkKind.HUB:
            outcome.items += self.children(links, depth)
        outcome.items += [WorkItem(self.disc.on_base(u), WorkKind.SITEMAP, priority=PRIORITY_DISCOVERY) for u in sitemaps]
        visit = None
        if item.kind == WorkKind.HUB and page.links:
            visit = HubVisit(item.url, depth, len(page.links), len(outcome.new_ids))
        return outcome, visit

    def after_sitemap(self, page: ListPage, links: list[str], sitemaps: list[str]) -> list[WorkItem]:
        """A sitemap's further sitemaps, and its other pages as hubs one step from a seed."""
        items = [WorkItem(self.disc.on_base(u), WorkKind.SITEMAP, priority=PRIORITY_DISCOVERY) for u in sitemaps]
        return items + self.children(links, 0)
