"""One discovery answer cannot queue unbounded work (issue 13 item 12): a list page with 50,000
links or an API answer with 60,000 ids adds at most `[discovery] max_new_per_page` articles, stops
that category's walk for the run, and says so (a counter in the summary, one line per capped page);
a far id on a page moves a full crawl's id walk by a bounded step, not to the far id."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from archive.vocab import WorkKind
from ncgh.config import config_from_dict, load_config
from ncgh.discovery import Discovery
from scraper.discover import IdList
from scraper.records import ArticleLink, ListPage
from tests.support.fetch import LocalServer, send

BASE = "http://127.0.0.1:8000"


def disc(mode: str = "incremental", known=(), **discovery) -> Discovery:
    cfg = config_from_dict({"discovery": discovery})
    return Discovery(cfg, BASE, mode, set(known))


def page(ids, next_url=None) -> ListPage:
    return ListPage([ArticleLink(i, f"{BASE}/nczhghcms/article/{i}") for i in ids], next_url)


def test_the_default_cap_is_documented_and_sane() -> None:
    cap = load_config().discovery.max_new_per_page
    assert 100 <= cap <= 1000  # several real list/API pages' worth, minutes of fetching, not hours
    text = (Path(__file__).resolve().parents[2] / "docs" / "crawling.md").read_text(encoding="utf-8")
    assert "max_new_per_page" in text


def test_a_list_page_with_50000_links_adds_at_most_the_cap_and_stops_the_walk() -> None:
    d = disc(max_new_per_page=100)
    out = d.after_page(WorkKind.LIST, d.list_url(3, 1), page(range(100_000, 150_000), d.list_url(3, 2)))
    assert len(out.items) == 100 and all(i.kind == WorkKind.ARTICLE for i in out.items)
    assert out.new_ids == list(range(100_000, 100_100))
    assert out.stopped and "max_new_per_page" in out.reason and out.capped == 49_900
    assert d.capped_ids == 49_900 and d.capped_pages == 1


def test_known_articles_do_not_count_against_the_cap() -> None:
    d = disc(known=set(range(1, 11)), max_new_per_page=5, stop_after_known=100)
    out = d.after_page(WorkKind.API, d.api_url(3, 1), page([*range(1, 11), *range(20, 25)], d.api_url(3, 2)))
    assert out.new_ids == list(range(20, 25)) and out.capped == 0 and not out.stopped


def test_an_api_id_list_with_60000_ids_adds_at_most_the_cap() -> None:
    d = disc("full", max_new_per_page=100)
    out = d.after_page(WorkKind.API_IDS, d.ids_url(3), None, IdList(list(range(200_000, 260_000))))
    assert len(out.items) == 100 and out.capped == 59_900 and d.capped_ids == 59_900


def test_a_far_id_moves_the_id_walk_by_a_bounded_step() -> None:
    d = disc("full", id_range=[800, 810], id_gap_tolerance=5, max_new_per_page=100)
    d.probe_ceiling = d.initial_probe_ceiling(set())
    probes = d.after_hits([10**6, 10**15, 2**63 - 1], set())
    assert 0 < len(probes) <= 100 and all(p.kind == WorkKind.PROBE for p in probes)
    assert d.probe_ceiling == 810 + 100
    # a hit within the walk's reach still extends it by id_gap_tolerance, as before
    assert [p.article_id for p in d.after_hits([d.probe_ceiling], set())] == list(range(911, 916))


def _list_html(ids: range) -> bytes:
    links = "".join(f'<li><a href="/nczhghcms/article/{i}">标题{i}</a><span class="date">2026-11-20</span></li>' for i in ids)
    return f'<html><body><ul class="news-list">{links}</ul></body></html>'.encode()


def _api(ids: range) -> bytes:
    return json.dumps({"code": 200, "data": {"list": [{"id": i} for i in ids], "total": 10**6, "pageSize": 12}}).encode()


@pytest.mark.slow
def test_a_crawl_over_http_stays_bounded_and_says_so(tmp_path: Path) -> None:
    server = LocalServer()
    try:
        server.route("/nczhghcms/category/3")(lambda h: send(h, 200, _list_html(range(100_000, 150_000)), [("Content-Type", "text/html; charset=utf-8")]))
        server.route("/nczhgh.interface/api/cms/article/list")(lambda h: send(h, 200, _api(range(200_000, 260_000)), [("Content-Type", "application/json")]))
        server.route("/nczhgh.interface/api/cms/article/getIdsList")(lambda h: send(h, 200, _api(range(300_000, 360_000)), [("Content-Type", "application/json")]))
        config = tmp_path / "c.toml"
        config.write_text(
            "[fetch]\ndelay = 0\nmax_attempts = 1\n"
            '[discovery]\ncategories = [3]\nsources = ["list", "api"]\nid_range = [1, 1]\nid_gap_tolerance = 0\nmax_new_per_page = 20\n'
                'list_url_template = "/nczhghcms/category/{category}?pageNum={page}"\napi_all_template = ""\n'
                'api_ids_answer = "articles"\n',
            encoding="utf-8",
        )
        argv = [sys.executable, "-m", "ncgh.cli", "crawl", "--config", str(config), "--db", str(tmp_path / "a.db"),
                "--base-url", server.base, "--mode", "full"]
        done = subprocess.run([*argv, "--json"], capture_output=True, text=True, timeout=300)
        assert "Traceback" not in done.stderr, done.stderr
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        assert summary["capped_pages"] == 3 and summary["capped_ids"] == 3 * (60_000 - 20) - 10_000
        articles = [p for p in server.paths() if p.startswith("/nczhghcms/article/")]
        # per capped page its 20 articles and one bounded step (20 ids) of the id walk; id_range's 1 id
        assert len(articles) <= 3 * 20 + 3 * 20 + 1
        capped_lines = [line for line in done.stderr.splitlines() if "max_new_per_page (20) reached" in line]
        assert len(capped_lines) == 3, done.stderr  # one line per capped page, not one per id
        last = done.stderr.strip().splitlines()[-1]
        assert "169940 ids over max_new_per_page left for the next run (3 pages)" in last  # the summary line
    finally:
        server.close()


def test_the_id_walk_never_goes_past_the_largest_id_sqlite_stores() -> None:
    top = 2**63 - 1
    d = disc("full", id_range=[top - 3, top], id_gap_tolerance=50, max_new_per_page=100)
    d.probe_ceiling = d.initial_probe_ceiling({top - 1})
    assert d.probe_ceiling == top
    assert d.after_hits([top], {top - 1}) == [] and d.probe_ceiling == top
    assert [p.article_id for p in d.probes({top - 1}, top - 3, d.probe_ceiling)] == [top - 3, top - 2, top]
