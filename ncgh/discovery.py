"""Finding articles: the site's own hubs, sitemaps, list templates and the JSON API newest first,
the frontier probe (incremental) and the id walk (full) -> work items.

Discovery only produces work items; the crawl engine fetches them. Everything found is queued in
the archive before the page that revealed it is marked done, so a crash between the two repeats a
page but never loses what it showed.

Incremental mode reads the seeds and stored hubs (ncgh.hub_walk), each configured category's list
and API pages newest first (the API's every-category list first), and stops a list after
`stop_after_known` consecutive articles that were already archived before this run; it then probes
`frontier_window` ids above the highest id seen (and as many past each one found there). Full mode
walks every page, asks the API for each category's children (getIdsList), and probes every id of
`id_range` that the archive does not know, continuing past the highest id seen until
`id_gap_tolerance` ids in a row turned out not to exist (unlinked articles exist, and ids are not in
date order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from archive.hubs import Hub
from archive.queue import WorkItem
from archive.vocab import HUB_WORK, RunMode, WorkKind
from ncgh.config import Config, DiscoverySource, IdsAnswer
from ncgh.discovery_read import PageRead, rebase
from ncgh.hub_walk import PRIORITY_DISCOVERY, HubVisit, HubWalk
from scraper.discover import IdList, article_url
from scraper.hosts import join_link
from scraper.ids import MAX_ARTICLE_ID
from scraper.records import ArticleLink, ListPage

PRIORITY_NEW = 150
PRIORITY_PROBE = 10


def _template_regex(template: str) -> re.Pattern[str]:
    """A regex matching the path+query of URLs made from a template, capturing its placeholders."""
    parts = re.split(r"\{(\w+)\}", template)
    pattern = ""
    for i, part in enumerate(parts):
        pattern += re.escape(part) if i % 2 == 0 else rf"(?P<{part}>\d+)"
    return re.compile(pattern)


def _category(own: int | None, page: int | None) -> int | None:
    """An article's category: the one its list item names (the API's categoryId), else its page's."""
    return own if own is not None else page


@dataclass
class PageOutcome:
    """What one list/API page added to the queue, and whether its category walk goes on."""

    items: list[WorkItem]
    new_ids: list[int]
    stopped: bool
    reason: str | None = None
    capped: int = 0  # articles the page showed beyond max_new_per_page, left for the next run
    hub: HubVisit | None = None  # a hub page read: the archive remembers it (table hubs)


@dataclass
class Discovery:
    cfg: Config
    base_url: str
    mode: RunMode
    known: set[int]  # articles archived before this run started (the stop rule counts these)
    gone: set[int] = field(default_factory=set)  # of those, the ones marked gone
    _streak: dict[tuple[str, int], int] = field(default_factory=dict)
    _pages: dict[str, int] = field(default_factory=dict)
    # The group of links a list page took for the list (scraper.hubs), by the URL of the list's next
    # page: that page takes the same group. Lost with the invocation: a resumed walk weighs again.
    list_groups: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    probe_ceiling: int = 0
    # Counted in this invocation (the summary reports them): numbers on list/API pages that are no
    # article id (scraper.ids: 2**63, 10**40 ...), skipped so the rest of the page is archived.
    skipped_ids: int = 0
    # Pages that showed more than `max_new_per_page` articles to queue, and the articles left over.
    capped_pages: int = 0
    capped_ids: int = 0
    # Ids some discovery page already showed in this invocation: seen again (a sidebar of today's
    # newest on every page of every list), they count as known for the stop rule, or no list's walk
    # would stop on a day with new articles.
    _listed: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        d = self.cfg.discovery
        self._list_re = _template_regex(d.list_url_template) if d.list_url_template else None
        self._api_re = _template_regex(d.api_list_template)
        self.walk = HubWalk(self, d.hub_depth, d.hub_pages)
        self._api_categories: set[int] = set(d.categories)

    @property
    def sources(self) -> tuple[DiscoverySource, ...]:
        """The sources this run uses: the configured ones; a full crawl also walks the list template
        (when one is set) and id_range, and has no frontier probe (its id walk covers it)."""
        d = self.cfg.discovery
        chosen = list(d.sources)
        if self.mode == RunMode.FULL:
            if d.list_url_template and DiscoverySource.LIST not in chosen:
                chosen.append(DiscoverySource.LIST)
            chosen = [s for s in chosen if s != DiscoverySource.FRONTIER] + [DiscoverySource.ID_WALK]
        return tuple(chosen)

    # ---- URLs ----
    def url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def on_base(self, url: str) -> str:
        """`url`'s path and query on the crawled host (list pages may link another alias)."""
        return rebase(url, self.base_url)

    def list_url(self, category: int, page: int) -> str:
        return self.url(self.cfg.discovery.list_url_template.format(category=category, page=page))

    def api_all_url(self, page: int) -> str:
        d = self.cfg.discovery
        return self.url(d.api_all_template.format(page=page, page_size=d.api_page_size))

    def api_url(self, category: int, page: int) -> str:
        d = self.cfg.discovery
        return self.url(d.api_list_template.format(category=category, page=page, page_size=d.api_page_size))

    def ids_url(self, category: int) -> str:
        return self.url(self.cfg.discovery.api_ids_template.format(category=category))

    def article_url(self, article_id: int) -> str:
        return article_url(self.base_url + "/", article_id, self.cfg.site.article_paths)

    def position(self, kind: WorkKind, url: str) -> tuple[int | None, int]:
        """(category, page) of a list or API page URL; page 1 and no category when unrecognised."""
        parts = urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        regex = self._list_re if kind == WorkKind.LIST else self._api_re
        m = regex.search(target) if regex is not None else None
        if m:
            groups = m.groupdict()
            category = int(groups["category"]) if groups.get("category") else None
            return category, int(groups.get("page") or self._pages.get(url, 1))
        return None, self._pages.get(url, 1)

    # ---- seeds ----
    def seeds(self, hubs: list[Hub] | None = None) -> list[WorkItem]:
        """The first pages of every source this run uses (`hubs`: the archive's, newest-first)."""
        d = self.cfg.discovery
        sources = self.sources
        items: list[WorkItem] = []
        if DiscoverySource.HUBS in sources or DiscoverySource.SITEMAP in sources:
            roots = d.roots if DiscoverySource.HUBS in sources else ()
            stored = (hubs or []) if DiscoverySource.HUBS in sources else []
            items += self.walk.seeds(roots, stored, DiscoverySource.SITEMAP in sources)
        if DiscoverySource.API in sources and d.api_all_template:
            items.append(WorkItem(self.api_all_url(1), WorkKind.API, priority=PRIORITY_DISCOVERY))
        for category in d.categories:
            if DiscoverySource.LIST in sources:
                items.append(WorkItem(self.list_url(category, 1), WorkKind.LIST, priority=PRIORITY_DISCOVERY))
            if DiscoverySource.API in sources:
                items.append(WorkItem(self.api_url(category, 1), WorkKind.API, priority=PRIORITY_DISCOVERY))
                if self.mode == RunMode.FULL:
                    items.append(WorkItem(self.ids_url(category), WorkKind.API_IDS, priority=PRIORITY_DISCOVERY))
        return items

    def frontier_probes(self, all_ids: set[int]) -> list[WorkItem]:
        """An incremental crawl's probe of the `frontier_window` ids above the highest id seen."""
        if DiscoverySource.FRONTIER not in self.sources or not all_ids:
            return []
        low = max(all_ids) + 1
        self.probe_ceiling = min(low - 1 + self.cfg.discovery.frontier_window, MAX_ARTICLE_ID)
        return self.probes(all_ids, low, self.probe_ceiling)

    def article_item(self, article_id: int, priority: int = PRIORITY_NEW, kind: WorkKind = WorkKind.ARTICLE,
                     category_id: int | None = None) -> WorkItem:
        """The work item of an article; `category_id`: the category of the list/API page that showed it."""
        return WorkItem(self.article_url(article_id), kind, article_id=article_id, priority=priority,
                        category_id=category_id)

    # ---- the id walk ----
    def initial_probe_ceiling(self, all_ids: set[int]) -> int:
        d = self.cfg.discovery
        if self.mode != RunMode.FULL:  # the frontier probe's window (0 without one)
            if DiscoverySource.FRONTIER not in self.sources or not all_ids:
                return 0
            return min(max(all_ids) + d.frontier_window, MAX_ARTICLE_ID)
        highest = max(all_ids, default=d.id_range[0] - 1)
        # Never past the largest id SQLite stores: a probe item beyond it could not be queued.
        return min(max(d.id_range[1], highest + d.id_gap_tolerance), MAX_ARTICLE_ID)

    def probes(self, all_ids: set[int], low: int, high: int) -> list[WorkItem]:
        """Probe items for the ids in [low, high] the archive does not hold."""
        return list(self.iter_probes(all_ids, low, high))

    def iter_probes(self, all_ids: set[int], low: int, high: int) -> Iterator[WorkItem]:
        """`probes`, one at a time: a full crawl's id walk is ~10 ids per article, and holding them
        all as WorkItems at once made planning the peak of the crawl's memory, growing with the site."""
        for i in range(low, high + 1):
            if i not in all_ids:
                yield WorkItem(self.article_url(i), WorkKind.PROBE, article_id=i, priority=PRIORITY_PROBE)

    def after_hit(self, article_id: int, all_ids: set[int]) -> list[WorkItem]:
        """A probe or discovery found `article_id`: keep walking `id_gap_tolerance` ids past it.

        The walk moves at most max(id_gap_tolerance, max_new_per_page) ids past its ceiling per
        call: a probe's hit lies within the walk, so that changes nothing for it, but one far id on
        a list page (10**15, 2**63-1) would otherwise queue every id up to it. The next full crawl
        starts its walk past the highest archived id, so the far article's neighbours are reached.
        """
        d = self.cfg.discovery
        if self.mode == RunMode.FULL:
            gap = d.id_gap_tolerance
        elif DiscoverySource.FRONTIER in self.sources and self.probe_ceiling and d.frontier_window:
            gap = d.frontier_window  # the frontier probe goes on past what it (or a page) found
        else:
            return []
        want = min(
            article_id + gap,
            self.probe_ceiling + max(gap, d.max_new_per_page),
            MAX_ARTICLE_ID,
        )
        if want <= self.probe_ceiling:
            return []
        low, self.probe_ceiling = self.probe_ceiling + 1, want
        return self.probes(all_ids, low, want)

    def after_hits(self, article_ids: list[int], all_ids: set[int]) -> list[WorkItem]:
        """`after_hit` for the new ids of one page at once: the walk to past the highest of them
        (the same probes as one call per id), so one page moves the walk by one bounded step."""
        return self.after_hit(max(article_ids), all_ids) if article_ids else []

    def _capped(self, items: list[WorkItem], new_ids: list[int], extra: int) -> PageOutcome:
        """The outcome of a page that showed `extra` articles beyond max_new_per_page."""
        self.capped_pages += 1
        self.capped_ids += extra
        cap = self.cfg.discovery.max_new_per_page
        reason = f"max_new_per_page ({cap}) reached: {extra} more articles on this page left for the next run"
        return PageOutcome(items, new_ids, True, reason, capped=extra)

    # ---- what a page showed ----
    def after_read(self, item: WorkItem, read: PageRead) -> PageOutcome:
        """Queue what a discovery page showed (by its kind); for a hub, the visit to remember."""
        if item.kind == WorkKind.API_IDS:
            if self.cfg.discovery.api_ids_answer == IdsAnswer.CATEGORIES:
                return self.after_children(read.ids)
            return self.after_page(item.kind, item.url, None, read.ids)
        page = read.page
        assert page is not None
        self.skipped_ids += page.skipped_ids
        if item.kind in HUB_WORK:
            outcome, visit = self.walk.after_hub(item, page, read.links, read.sitemaps, self._walk)
            outcome.hub = visit
            return outcome
        if item.kind == WorkKind.SITEMAP:
            outcome = self._queue_new(page.links)
            outcome.items += self.walk.after_sitemap(page, read.links, read.sitemaps)
            return outcome
        page.skipped_ids = 0  # counted above
        return self.after_page(item.kind, item.url, page)

    def after_children(self, ids: IdList | None) -> PageOutcome:
        """getIdsList answered child categories: list each (page 1, then its pages) through the API."""
        if ids is None:
            return PageOutcome([], [], True, "no child categories")
        self.skipped_ids += ids.skipped_ids
        items = []
        for category in ids.ids[: self.cfg.discovery.max_new_per_page]:
            if category not in self._api_categories:
                self._api_categories.add(category)
                items.append(WorkItem(self.api_url(category, 1), WorkKind.API, priority=PRIORITY_DISCOVERY))
        return PageOutcome(items, [], True, "child categories")

    def _queue_new(self, links: list[ArticleLink]) -> PageOutcome:
        """Articles of an unordered source (a sitemap): every new one (and gone one listed), capped."""
        cap = self.cfg.discovery.max_new_per_page
        new_ids = [r.article_id for r in links if r.article_id not in self.known]
        wanted = new_ids + [r.article_id for r in links if r.article_id in self.gone]
        categories = {r.article_id: r.category_id for r in links}
        items = [self.article_item(i, category_id=categories[i]) for i in wanted[:cap]]
        if len(wanted) > cap:
            return self._capped(items, new_ids[:cap], len(wanted) - cap)
        return PageOutcome(items, new_ids, True, "sitemap")

    # ---- list pages ----
    def after_page(
        self, kind: WorkKind, url: str, page: ListPage | None, ids: IdList | list[int] | None = None
    ) -> PageOutcome:
        """Queue what a list/API page (or id list) showed and, unless the walk stops, its next page."""
        if isinstance(ids, IdList):
            self.skipped_ids += ids.skipped_ids
            ids = ids.ids
        if page is not None:
            self.skipped_ids += page.skipped_ids
        cap = self.cfg.discovery.max_new_per_page
        if kind == WorkKind.API_IDS:
            new_ids = [i for i in (ids or []) if i not in self.known]
            wanted = new_ids + [i for i in (ids or []) if i in self.gone]
            items = [self.article_item(i) for i in wanted[:cap]]
            if len(wanted) > cap:
                return self._capped(items, new_ids[:cap], len(wanted) - cap)
            return PageOutcome(items, new_ids, stopped=True, reason="id list")
        assert page is not None
        category, number = self.position(kind, url)
        return self._walk(url, page, (kind, category if category is not None else -1), number, kind, category)

    def _walk(
        self, url: str, page: ListPage, key: object, number: int, next_kind: WorkKind, category: int | None = None
    ) -> PageOutcome:
        """One page of a newest-first list (`key` names the list, `category` its category if known): its
        articles, and its next page (a `next_kind` item) unless `stop_after_known` known ones in a row,
        the last page or a cap."""
        streak = self._streak.get(key, 0)
        cap = self.cfg.discovery.max_new_per_page
        limit = self.cfg.discovery.stop_after_known
        items: list[WorkItem] = []
        new_ids: list[int] = []
        stopped_by_known = False
        extra = 0
        for ref in page.links:
            if (ref.article_id not in self.known or ref.article_id in self.gone) and len(items) >= cap:
                extra += 1  # counted, not queued: one page must not queue unbounded work
                continue
            if ref.article_id in self._listed and ref.article_id not in self.known:
                # Already queued from another page of this run: neither known nor new for the stop rule.
                # Counting it as known let one feed stop another (the API's every-category list after
                # the category lists): a first incremental crawl of 1,904 articles found 744. Counting
                # it as new would keep every list walking past a sidebar of today's newest articles.
                named = _category(ref.category_id, category)
                if named is not None:  # the queue keeps the first item; this gives it its category
                    items.append(self.article_item(ref.article_id, category_id=named))
                continue
            self._listed.add(ref.article_id)
            if ref.article_id in self.known:
                streak += 1
                if ref.article_id in self.gone:  # listed again: probably restored
                    items.append(self.article_item(ref.article_id, category_id=_category(ref.category_id, category)))
                if self.mode != RunMode.FULL and streak >= limit:
                    stopped_by_known = True
            else:
                streak = 0
                new_ids.append(ref.article_id)
                items.append(self.article_item(ref.article_id, category_id=_category(ref.category_id, category)))
        self._streak[key] = streak
        for ref in page.other_links:  # a sidebar's articles: queued when new, outside the list's order and category
            if ref.article_id in self._listed or (ref.article_id in self.known and ref.article_id not in self.gone):
                continue
            if len(items) >= cap:
                extra += 1
                continue
            self._listed.add(ref.article_id)
            if ref.article_id not in self.known:
                new_ids.append(ref.article_id)
            items.append(self.article_item(ref.article_id, category_id=ref.category_id))
        if extra:
            return self._capped(items, new_ids, extra)
        if stopped_by_known:
            return PageOutcome(items, new_ids, True, f"{limit} known articles in a row")
        if page.next_url is None:
            return PageOutcome(items, new_ids, True, "last page")
        if number >= self.cfg.discovery.max_list_pages:
            return PageOutcome(items, new_ids, True, f"max_list_pages ({number}) reached")
        # Read as a browser would; a link with userinfo or an ambiguous host is not followed.
        accepted = join_link(url, page.next_url)
        if accepted is None:
            return PageOutcome(items, new_ids, True, "next link refused (userinfo or an unusable URL)")
        # Keep the walk on the host being crawled even when the site links its canonical host.
        next_url = self.on_base(accepted)
        self._pages[next_url] = number + 1
        if page.list_group is not None:  # read by the fetch thread that reads the next page
            self.list_groups[next_url] = page.list_group
        items.append(WorkItem(next_url, next_kind, priority=PRIORITY_DISCOVERY))
        return PageOutcome(items, new_ids, False)
