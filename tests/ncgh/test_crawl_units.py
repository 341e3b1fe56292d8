"""The crawl's pure parts: discovery bookkeeping, the lock, the reporters (the revisit schedule:
test_schedule_units.py)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from archive.queue import WorkItem
from archive.vocab import WorkKind
from ncgh.config import config_from_dict
from ncgh.discovery import Discovery
from ncgh.discovery_read import PageRead
from ncgh.lock import CrawlLock, LockHeld, lock_path_for
from ncgh.report import LogReporter, ProgressReporter, make_reporter
from scraper.records import ArticleLink, ListPage

# ---- discovery ------------------------------------------------------------------------------------

BASE = "http://127.0.0.1:8000"


TEMPLATE = "/nczhghcms/category/{category}?pageNum={page}"


def disc(mode="incremental", known=(), gone=(), **discovery) -> Discovery:
    """A Discovery with a list template (as the real site's would be, once known) unless told otherwise."""
    cfg = config_from_dict({"discovery": {"stop_after_known": 3, "list_url_template": TEMPLATE, **discovery}})
    return Discovery(cfg, BASE, mode, set(known), set(gone))


def page(ids, next_url=None) -> ListPage:
    return ListPage([ArticleLink(i, f"{BASE}/nczhghcms/article/{i}") for i in ids], next_url)


def test_seeds_per_mode_and_sources():
    inc = disc(sources=["list", "api"], list_url_template=TEMPLATE).seeds()
    kinds = [i.kind for i in inc]
    assert kinds.count(WorkKind.LIST) == 4 and kinds.count(WorkKind.API) == 5  # every category first, then each
    assert "categoryId" not in inc[0].url and "pageSize=100" in inc[0].url
    assert inc[1].url == f"{BASE}/nczhghcms/category/3?pageNum=1"
    assert "pageSize=100&categoryId=3" in inc[2].url
    full = disc("full", list_url_template=TEMPLATE).seeds()
    assert [i.kind for i in full].count(WorkKind.API_IDS) == 4
    assert disc(sources=[]).seeds() == []
    # full always walks the list template when one is set
    assert {i.kind for i in disc("full", sources=[], list_url_template=TEMPLATE).seeds()} == {WorkKind.LIST}
    assert disc("full", sources=[], list_url_template="").seeds() == []  # none set: nothing guessed
    # the default: roots and /sitemap.xml, the API; no list template
    default = disc(list_url_template="").seeds()
    assert [i.url for i in default if i.kind == WorkKind.HUB] == [f"{BASE}/", f"{BASE}/nczhghcms/"]
    assert [i.url for i in default if i.kind == WorkKind.SITEMAP] == [f"{BASE}/sitemap.xml"]
    assert WorkKind.LIST not in {i.kind for i in default}


def test_list_source_without_a_template_is_a_config_error():
    from ncgh.config import ConfigError

    with pytest.raises(ConfigError, match="discovery.sources"):
        config_from_dict({"discovery": {"sources": ["list"]}})


def test_frontier_probes_the_window_above_the_highest_id_and_moves_on_hits():
    d = disc(frontier_window=5)
    ids = {10, 20, 30}
    probes = d.frontier_probes(ids)
    assert [p.article_id for p in probes] == [31, 32, 33, 34, 35] and {p.kind for p in probes} == {WorkKind.PROBE}
    assert [p.article_id for p in d.after_hit(34, ids)] == [36, 37, 38, 39]
    assert d.after_hit(33, ids) == []  # within the window already
    assert disc(sources=["hubs"]).frontier_probes(ids) == []
    assert disc("full").frontier_probes(ids) == []  # the id walk covers it
    assert disc().frontier_probes(set()) == []  # an empty archive: no highest id yet


def test_child_categories_from_get_ids_list_are_listed_not_probed():
    from scraper.discover import IdList

    d = disc("full")
    out = d.after_children(IdList([182, 3, 900]))
    assert [i.kind for i in out.items] == [WorkKind.API, WorkKind.API]  # 3 is configured already
    assert ["categoryId=182" in out.items[0].url, "categoryId=900" in out.items[1].url] == [True, True]
    assert out.new_ids == [] and d.after_children(IdList([900])).items == []  # each once
    articles = disc("full", api_ids_answer="articles").after_read(
        WorkItem(d.ids_url(3), WorkKind.API_IDS), PageRead(ids=IdList([41, 42]))
    )
    assert [i.article_id for i in articles.items] == [41, 42]


def test_position_reads_category_and_page_from_urls():
    d = disc(list_url_template=TEMPLATE)
    assert d.position(WorkKind.LIST, f"{BASE}/nczhghcms/category/175?pageNum=7") == (175, 7)
    assert d.position(WorkKind.API, d.api_url(174, 3)) == (174, 3)


def test_incremental_stops_after_consecutive_known_articles_across_pages():
    d = disc(known={1, 2, 3, 4, 5}, list_url_template=TEMPLATE)
    first = d.after_page(WorkKind.LIST, d.list_url(3, 1), page([9, 8, 1, 2], d.list_url(3, 2)))
    assert first.new_ids == [9, 8] and not first.stopped
    assert [i.url for i in first.items if i.kind == WorkKind.LIST] == [d.list_url(3, 2)]
    assert all(i.kind == WorkKind.ARTICLE and i.url == d.article_url(i.article_id) for i in first.items[:2])
    second = d.after_page(WorkKind.LIST, d.list_url(3, 2), page([3, 7, 4], d.list_url(3, 3)))
    assert second.stopped and "known" in second.reason  # 1, 2, 3 in a row
    assert second.new_ids == [7]  # the rest of the page is still taken: it cost nothing
    # Another category keeps its own count.
    other = d.after_page(WorkKind.LIST, d.list_url(174, 1), page([5, 6], d.list_url(174, 2)))
    assert not other.stopped


def test_full_mode_walks_every_page_up_to_the_ceiling():
    d = disc("full", known={1, 2, 3, 4, 5}, max_list_pages=2)
    first = d.after_page(WorkKind.LIST, d.list_url(3, 1), page([1, 2, 3, 4, 5], d.list_url(3, 2)))
    assert not first.stopped
    second = d.after_page(WorkKind.LIST, d.list_url(3, 2), page([6], d.list_url(3, 3)))
    assert second.stopped and "max_list_pages" in second.reason
    last = d.after_page(WorkKind.LIST, d.list_url(175, 1), page([7], None))
    assert last.stopped and last.reason == "last page"


def test_a_gone_article_listed_again_is_rechecked():
    d = disc(known={1, 2}, gone={2})
    out = d.after_page(WorkKind.LIST, d.list_url(3, 1), page([2, 1]))
    assert [i.article_id for i in out.items] == [2] and out.new_ids == []


def test_id_list_queues_unknown_and_gone_ids():
    d = disc("full", known={1, 2}, gone={2})
    out = d.after_page(WorkKind.API_IDS, d.ids_url(3), None, [1, 2, 3])
    assert sorted(i.article_id for i in out.items) == [2, 3] and out.new_ids == [3]


def test_id_walk_skips_known_ids_and_extends_past_the_highest_hit():
    d = disc("full", known={801}, id_range=[800, 810], id_gap_tolerance=5)
    d.probe_ceiling = d.initial_probe_ceiling({801})
    assert d.probe_ceiling == 810
    probes = d.probes({801}, 800, d.probe_ceiling)
    assert [p.article_id for p in probes] == [800, *range(802, 811)]
    assert all(p.kind == WorkKind.PROBE for p in probes)
    assert d.after_hit(805, {801}) == []  # 805 + 5 is within the range
    more = d.after_hit(809, {801})
    assert [p.article_id for p in more] == [811, 812, 813, 814]
    assert d.probe_ceiling == 814
    assert disc("incremental").after_hit(5000, set()) == []


# ---- the lock -------------------------------------------------------------------------------------


def test_second_lock_fails_at_once_naming_the_holder(tmp_path):
    db = tmp_path / "x.db"
    with CrawlLock(db):
        with pytest.raises(LockHeld) as info:
            CrawlLock(db).acquire()
        assert info.value.pid is not None
        assert f"process {info.value.pid}" in str(info.value)
    with CrawlLock(db):  # free again
        pass


def test_lock_of_a_killed_process_is_free(tmp_path):
    db = tmp_path / "y.db"
    code = f"from ncgh.lock import CrawlLock; CrawlLock({str(db)!r}).acquire(); print('held', flush=True); input()"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld) as info:
            CrawlLock(db).acquire()
        assert info.value.pid == proc.pid
    finally:
        proc.kill()
        proc.wait()
    with CrawlLock(db):
        assert lock_path_for(db).exists()


# ---- reporters ------------------------------------------------------------------------------------


class FakeSummary:
    def one_line(self) -> str:
        return "crawl: summary"


def test_log_reporter_lines_and_quiet():
    out = io.StringIO()
    r = LogReporter(out)
    r.start(1, "incremental", False, 10)
    r.done("u", "ok")  # per page: nothing
    r.change("new article 5: x")
    r.error("http://x: timeout")
    r.finish(FakeSummary())
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert lines[1].endswith("new article 5: x") and "ERROR http://x: timeout" in lines[2]
    quiet = io.StringIO()
    q = LogReporter(quiet, quiet=True)
    q.start(1, "incremental", False, 10)
    q.change("new article")
    q.error("broken")
    q.finish(FakeSummary())
    assert quiet.getvalue().count("\n") == 1 and "ERROR broken" in quiet.getvalue()


def test_progress_bar_only_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert isinstance(make_reporter(io.StringIO()), LogReporter)
    assert not isinstance(make_reporter(io.StringIO()), ProgressReporter)
    tty = Tty()
    bar = make_reporter(tty)
    assert isinstance(bar, ProgressReporter)
    bar.start(1, "full", False, 3)
    bar.queued(2)
    bar.done("u", "ok")
    bar.change("edited article 3")
    bar.finish(FakeSummary())
    assert "edited article 3" in tty.getvalue() and "crawl: summary" in tty.getvalue()
    assert not isinstance(make_reporter(tty, quiet=True), ProgressReporter)


def test_next_page_stays_on_the_crawled_host():
    d = disc()
    out = d.after_page(WorkKind.LIST, d.list_url(3, 1), page([9], "http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=2"))
    assert out.items[-1].url == f"{BASE}/nczhghcms/category/3?pageNum=2"


@pytest.mark.parametrize("url", ["ftp://x", "www.ncgh.org.cn", "http://", ""])
def test_crawl_refuses_a_base_url_that_is_not_http(tmp_path, url):
    from click.testing import CliRunner

    from ncgh.cli import cli

    db = tmp_path / "never.db"
    result = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--base-url", url])
    assert result.exit_code == 2
    assert f"--base-url must be an http:// or https:// URL, got {url!r}" in result.output
    assert not db.exists()


def test_ids_another_page_showed_this_run_count_as_known_for_the_stop_rule():
    """A sidebar of today's newest articles on every page must not keep every list walking."""
    d = disc(known={1, 2, 3})
    first = d.after_page(WorkKind.LIST, d.list_url(3, 1), page([50, 51, 1], d.list_url(3, 2)))
    assert first.new_ids == [50, 51] and not first.stopped
    # page 2 shows one known article and the same two new ones (the sidebar): three in a row
    second = d.after_page(WorkKind.LIST, d.list_url(3, 2), page([2, 50, 51], d.list_url(3, 3)))
    assert second.stopped and second.new_ids == []
    # queued again only to hand the list's category to the item already queued (the queue keeps one)
    assert [(i.article_id, i.category_id) for i in second.items] == [(50, 3), (51, 3)]
    # a full crawl never stops on it
    f = disc("full", known={1, 2, 3})
    f.after_page(WorkKind.LIST, f.list_url(3, 1), page([50, 51, 1], f.list_url(3, 2)))
    assert not f.after_page(WorkKind.LIST, f.list_url(3, 2), page([2, 50, 51], f.list_url(3, 3))).stopped


def test_hub_walk_is_breadth_first_within_depth_and_budget_counting_each_page_once():
    d = disc(list_url_template="", hub_depth=2, hub_pages=3)
    seeds = d.seeds()
    home = next(i for i in seeds if i.url == f"{BASE}/")
    links = [f"{BASE}/a", f"{BASE}/b", f"{BASE}/a", f"{BASE}/nczhghcms/"]  # a duplicate and a root
    out = d.after_read(home, PageRead(page=page([7]), links=links))
    hubs = [i for i in out.items if i.kind == WorkKind.HUB]
    assert [i.url for i in hubs] == [f"{BASE}/a", f"{BASE}/b"] and {i.priority for i in hubs} == {home.priority - 1}
    assert out.hub is not None and (out.hub.url, out.hub.depth, out.hub.article_ids) == (f"{BASE}/", 0, 1)
    deeper = d.after_read(hubs[0], PageRead(page=page([], f"{BASE}/a?page=2"), links=[f"{BASE}/c", f"{BASE}/d"]))
    assert [i.url for i in deeper.items if i.kind == WorkKind.HUB] == [f"{BASE}/c"]  # the budget of 3 is spent
    assert [i.kind for i in deeper.items if i.url.endswith("page=2")] == [WorkKind.HUB_PAGE]
    assert deeper.hub is None  # it showed no article link: no hub
    next_page = next(i for i in deeper.items if i.kind == WorkKind.HUB_PAGE)
    last = d.after_read(next_page, PageRead(page=page([8]), links=[f"{BASE}/e"]))
    assert [i.kind for i in last.items] == [WorkKind.ARTICLE] and last.hub is None  # a next page: no links, no hub


def test_articles_found_on_a_list_carry_its_category_and_an_api_item_its_own():
    d = disc()
    listed = d.after_page(WorkKind.LIST, d.list_url(175, 1), page([9, 8]))
    assert [(i.article_id, i.category_id) for i in listed.items] == [(9, 175), (8, 175)]
    api = ListPage([ArticleLink(11, d.article_url(11), category_id=6), ArticleLink(12, d.article_url(12))], None)
    found = d.after_page(WorkKind.API, d.api_url(3, 1), api)
    assert [(i.article_id, i.category_id) for i in found.items] == [(11, 6), (12, 3)]
