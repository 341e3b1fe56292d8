"""Finding articles: list pages and the JSON API newest first, and (full mode) the id walk.

Discovery only produces work items; the crawl engine fetches them. Everything found is queued in
the archive before the page that revealed it is marked done, so a crash between the two repeats a
page but never loses what it showed.

Incremental mode walks each category's list (and API) pages newest first and stops a category after
`stop_after_known` consecutive articles that were already archived before this run. Full mode walks
every page, asks the API for each category's id list, and probes every id of `id_range` that the
archive does not know, continuing past the highest id seen until `id_gap_tolerance` ids in a row
turned out not to exist (unlinked articles exist, and ids are not in date order).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from archive.queue import WorkItem
from archive.vocab import RunMode, WorkKind
from ncgh.config import Config, DiscoverySource
from scraper.discover import IdList, article_url
from scraper.hosts import join_link
from scraper.ids import MAX_ARTICLE_ID
from scraper.records import ListPage

PRIORITY_DISCOVERY = 300
PRIORITY_NEW = 150
PRIORITY_PROBE = 10


def _template_regex(template: str) -> re.Pattern[str]:
    """A regex matching the path+query of URLs made from a template, capturing its placeholders."""
    parts = re.split(r"\{(\w+)\}", template)
    pattern = ""
    for i, part in enumerate(parts):
        pattern += re.escape(part) if i % 2 == 0 else rf"(?P<{part}>\d+)"
    return re.compile(pattern)


def rebase(url: str, base_url: str) -> str:
    """The same path and query on `base_url`'s scheme and host (the fragment is never fetched)."""
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


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


@dataclass
class Discovery:
    cfg: Config
    base_url: str
    mode: RunMode
    known: set[int]  # articles archived before this run started (the stop rule counts these)
    gone: set[int] = field(default_factory=set)  # of those, the ones marked gone
    _streak: dict[tuple[str, int], int] = field(default_factory=dict)
    _pages: dict[str, int] = field(default_factory=dict)
    probe_ceiling: int = 0
    # Counted in this invocation (the summary reports them): numbers on list/API pages that are no
    # article id (scraper.ids: 2**63, 10**40 ...), skipped so the rest of the page is archived.
    skipped_ids: int = 0
    # Pages that showed more than `max_new_per_page` articles to queue, and the articles left over.
    capped_pages: int = 0
    capped_ids: int = 0

    def __post_init__(self) -> None:
        d = self.cfg.discovery
        self._list_re = _template_regex(d.list_url_template)
        self._api_re = _template_regex(d.api_list_template)

    # ---- URLs ----
    def _url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def on_base(self, url: str) -> str:
        """`url`'s path and query on the crawled host (list pages may link another alias)."""
        return rebase(url, self.base_url)

    def list_url(self, category: int, page: int) -> str:
        return self._url(self.cfg.discovery.list_url_template.format(category=category, page=page))

    def api_url(self, category: int, page: int) -> str:
        d = self.cfg.discovery
        return self._url(d.api_list_template.format(category=category, page=page, page_size=d.api_page_size))

    def ids_url(self, category: int) -> str:
        return self._url(self.cfg.discovery.api_ids_template.format(category=category))

    def article_url(self, article_id: int) -> str:
        return article_url(self.base_url + "/", article_id, self.cfg.site.article_paths)

    def position(self, kind: WorkKind, url: str) -> tuple[int | None, int]:
        """(category, page) of a list or API page URL; page 1 and no category when unrecognised."""
        parts = urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        regex = self._list_re if kind == WorkKind.LIST else self._api_re
        m = regex.search(target)
        if m:
            groups = m.groupdict()
            category = int(groups["category"]) if groups.get("category") else None
            return category, int(groups.get("page") or self._pages.get(url, 1))
        return None, self._pages.get(url, 1)

    # ---- seeds ----
    def seeds(self) -> list[WorkItem]:
        """The first pages of every source this mode uses."""
        d = self.cfg.discovery
        sources = set(d.sources) | ({DiscoverySource.LIST} if self.mode == RunMode.FULL else set())
        items: list[WorkItem] = []
        for category in d.categories:
            if DiscoverySource.LIST in sources:
                items.append(WorkItem(self.list_url(category, 1), WorkKind.LIST, priority=PRIORITY_DISCOVERY))
            if DiscoverySource.API in sources:
                items.append(WorkItem(self.api_url(category, 1), WorkKind.API, priority=PRIORITY_DISCOVERY))
                if self.mode == RunMode.FULL:
                    items.append(WorkItem(self.ids_url(category), WorkKind.API_IDS, priority=PRIORITY_DISCOVERY))
        return items

    def article_item(self, article_id: int, priority: int = PRIORITY_NEW, kind: WorkKind = WorkKind.ARTICLE,
                     category_id: int | None = None) -> WorkItem:
        """The work item of an article; `category_id`: the category of the list/API page that showed it."""
        return WorkItem(self.article_url(article_id), kind, article_id=article_id, priority=priority,
                        category_id=category_id)

    # ---- the id walk ----
    def initial_probe_ceiling(self, all_ids: set[int]) -> int:
        d = self.cfg.discovery
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
        if self.mode != RunMode.FULL:
            return []
        d = self.cfg.discovery
        want = min(
            article_id + d.id_gap_tolerance,
            self.probe_ceiling + max(d.id_gap_tolerance, d.max_new_per_page),
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
        key = (kind, category if category is not None else -1)
        streak = self._streak.get(key, 0)
        limit = self.cfg.discovery.stop_after_known
        items: list[WorkItem] = []
        new_ids: list[int] = []
        stopped_by_known = False
        extra = 0
        for ref in page.links:
            if (ref.article_id not in self.known or ref.article_id in self.gone) and len(items) >= cap:
                extra += 1  # counted, not queued: one page must not queue unbounded work
                continue
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
        items.append(WorkItem(next_url, kind, priority=PRIORITY_DISCOVERY))
        return PageOutcome(items, new_ids, False)
