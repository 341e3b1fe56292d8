"""Reading a fetched discovery page in the fetching thread: which parser, what it showed, and what
the crawl does with an answer that is no page of the source (a refusal, a dead link).

Kept apart from ncgh.crawl (which runs the queue) and ncgh.discovery (which turns what a page showed
into work items): this is the one place that knows which scraper parser reads which work kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from archive.model import CaptureIn
from archive.queue import WorkItem, WorkQueue
from archive.vocab import HUB_WORK, Outcome, WorkKind, WorkState
from ncgh.hub_walk import depth_of
from scraper.discover import ApiRefused, IdList, parse_api_id_page, parse_api_list
from scraper.hubs import parse_hub_page, parse_list_page, parse_sitemap
from scraper.records import FetchResult, ListPage, ParseError

if TYPE_CHECKING:
    from ncgh.report import Reporter
    from ncgh.source_health import SourceHealth
    from scraper.fetch import Fetcher

REFUSING = (401, 403)  # an API answer with this status refuses: the source needs a login


@dataclass
class PageRead:
    """What one discovery page showed, read in the fetching thread."""

    page: ListPage | None = None  # article links and the next page (list, API, hub, sitemap)
    ids: IdList | None = None  # an id list (getIdsList)
    links: list[str] = field(default_factory=list)  # other pages to read (hubs), in scope and allowed
    sitemaps: list[str] = field(default_factory=list)  # further sitemaps (an index, robots.txt lines)
    refused: str | None = None  # the source refused this run (needs_login): nothing is recorded
    busy: bool = False  # the refusal says the server is busy or failing: this page failed, no login
    # Nothing to read and nothing to record, no error: a hub or sitemap answering 404/410, and any
    # failure of a page a hub merely linked (a dead link, a redirect off the site, a download).
    absent: bool = False


def read_page(
    kind: WorkKind,
    fetch: FetchResult,
    capture: CaptureIn,
    article_paths: tuple[str, ...],
    follow: Callable[[str], bool],
    robots_sitemaps: Callable[[str], list[str]] | None = None,
    linked: bool = False,
    own_site: Callable[[str], bool] | None = None,
    list_group: tuple[tuple[str, str], ...] | None = None,
) -> PageRead:
    """Parse a discovery page whose capture is `capture` (a parse failure turns it into a parse error).

    `follow(url)` says whether a linked page may be read (allowed host, robots.txt); `robots_sitemaps`,
    given for a seed, lists robots.txt's `Sitemap:` lines. `linked`: a hub page found by a link, not
    a seed (a root, a stored hub): its failures are the site's dead links, not ours to report.
    `own_site(url)` says whether an article link is on one of the site's hosts (default: `follow`).
    `list_group`: for a list's later page, the group of links its previous page took for the list.
    """
    own = own_site or follow
    read = PageRead()
    if capture.outcome == Outcome.BLOCKED:  # a WAF answered, not the source: recorded and retried as such
        return read
    if kind in (WorkKind.API, WorkKind.API_IDS) and fetch.status in REFUSING:
        read.refused = f"HTTP {fetch.status}"
        return read
    if kind in (*HUB_WORK, WorkKind.SITEMAP) and fetch.status in (404, 410):
        read.absent = True
        return read
    if capture.outcome != Outcome.OK:
        read.absent = linked
        return read
    ctype = (fetch.header("Content-Type") or "").lower()
    if kind in HUB_WORK and ctype and not any(t in ctype for t in ("html", "xml", "text/plain")):
        read.absent = True  # a hub linked a download or an image: no page to read links from
        return read
    try:
        if kind == WorkKind.LIST:
            read.page = parse_list_page(fetch.body, fetch.final_url, fetch.header("Content-Type"), article_paths,
                                        prefer=list_group)
        elif kind == WorkKind.API:
            read.page = parse_api_list(fetch.body, fetch.final_url, article_paths)
        elif kind == WorkKind.API_IDS:
            read.ids = parse_api_id_page(fetch.body, fetch.final_url)
        elif kind == WorkKind.SITEMAP:
            found = parse_sitemap(fetch.body, fetch.final_url, article_paths)
            read.page = ListPage(found.links, None, found.skipped_ids)
            read.sitemaps = [u for u in found.sitemaps if follow(u)]
            read.links = [u for u in found.page_links if follow(u)]
        else:
            hub = parse_hub_page(fetch.body, fetch.final_url, fetch.header("Content-Type"), article_paths)
            read.page = ListPage(hub.links, hub.next_url if hub.next_url and follow(hub.next_url) else None,
                                 hub.skipped_ids)
            if kind == WorkKind.HUB:
                read.links = [u for u in hub.page_links if follow(u)]
                if robots_sitemaps is not None:
                    read.sitemaps = [u for u in robots_sitemaps(fetch.final_url) if follow(u)]
        if read.page is not None and kind != WorkKind.API:
            # Another site's /article/N (a friendly link to a sister union's site) is no id of this one:
            # taken as one, it was probed on this host every run and pulled the id walk's frontier to it.
            read.page.links = [link for link in read.page.links if own(link.url)]
            read.page.other_links = [link for link in read.page.other_links if own(link.url)]
    except ApiRefused as exc:
        read.refused, read.busy = exc.reason, exc.busy
    except ParseError as exc:
        capture.outcome = Outcome.PARSE_ERROR
        capture.parse_error = exc.reason
        read.absent = linked
    except Exception as exc:  # a discovery parser bug: record the page, keep crawling
        capture.outcome = Outcome.PARSE_ERROR
        capture.parse_error = f"list parser failed: {type(exc).__name__}: {exc}"
    return read


def ignore_answer(queue: WorkQueue, health: SourceHealth, reporter: Reporter, item: WorkItem, read: PageRead) -> None:
    """A discovery answer that is no page of its source: nothing recorded, no error line.

    A refusal (HTTP 401/403, an API code other than 200) is said once and the source's other pages
    are not asked this run; a busy answer (code 500, 系统繁忙) is a failure of that page; a hub's dead link or an absent sitemap is only counted (a root that is
    not there counts as the hub walk's failure)."""
    kind = WorkKind(item.kind)
    if read.refused and read.busy:
        # "系统繁忙，请稍后再试", code 500: a passing failure of this page, not a login; the page fails
        # and the next crawl asks it again (it marked the API needs_login, and its later pages unasked).
        queue.mark(item.id, WorkState.FAILED)
        health.failed(kind)
        reporter.error(f"{item.url}: {read.refused}: the server is busy, not asking for a login;"
                       " the next crawl asks again")
        reporter.done(item.url, WorkState.FAILED)
        return
    queue.mark(item.id, WorkState.IGNORED)
    if read.refused:
        if health.refuse(kind, read.refused):
            reporter.warning(
                f"discovery source {health.source(kind)} needs a login: {item.url} refused ({read.refused});"
                " its other pages are not asked this run, the other sources carry on"
            )
    elif kind == WorkKind.HUB and depth_of(item) == 0:
        health.failed(kind)
    else:
        health.absent(kind)
    reporter.done(item.url, WorkState.IGNORED)


def link_rules(
    fetcher: Fetcher, base_url: str
) -> tuple[Callable[[str], bool], Callable[[str], list[str]], Callable[[str], bool]]:
    """Whether a linked page may be read (an allowed host; robots.txt on the crawled host allows it),
    robots.txt's Sitemap lines, and whether a URL is on one of the site's hosts (by name, any port or
    scheme: an article's identity is its id); a test's stand-in fetcher without a policy follows
    everything."""
    policy = getattr(fetcher, "policy", None)
    if policy is None:
        return (lambda url: True), (lambda url: []), (lambda url: True)
    names = {urlsplit("//" + host).hostname for host in (*policy.allowed_hosts, urlsplit(base_url).netloc)}

    def own_site(url: str) -> bool:
        try:
            return urlsplit(url).hostname in names
        except ValueError:
            return False

    def follow(url: str) -> bool:
        on_base = rebase(url, base_url)
        if not policy.allows_url(url):
            return False
        return not policy.obey_robots or fetcher.robots_rules(on_base).allows(on_base, policy.user_agent)

    def sitemaps(url: str) -> list[str]:
        return fetcher.robots_rules(url).sitemaps() if policy.obey_robots else []

    return follow, sitemaps, own_site


def rebase(url: str, base_url: str) -> str:
    """The same path and query on `base_url`'s scheme and host (the fragment is never fetched)."""
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
