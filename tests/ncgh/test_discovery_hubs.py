"""Discovery with no list template: the hub walk, the frontier probe, the API as it behaves, and
each source's health, over real HTTP against the simulator."""

from __future__ import annotations

import pytest

from archive.store import Archive
from archive.vocab import DiscoverySource, SourceStatus
from ncgh.crawl import run_crawl
from ncgh.report import Reporter
from tests.support.crawl import ID_RANGE, crawl_config, rows


class Lines(Reporter):
    """A reporter keeping its warning and error lines."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.errors: list[str] = []

    def warning(self, message: str) -> None:
        self.warnings.append(message)

    def error(self, message: str) -> None:
        self.errors.append(message)


def _linked(truth: dict) -> set[int]:
    return {a["id"] for a in truth["articles"] if a["linked"] and a["status"] == "live"}


def _archived(db) -> set[int]:
    return {r[0] for r in rows(db, "SELECT article_id FROM articles")}


def _sources(summary) -> dict[str, object]:
    return {r.source: r for r in summary.sources}


HUBS_ONLY = {"sources": ["hubs"]}


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["query", "path"])
def test_with_no_list_template_hubs_find_every_linked_article(sim_factory, tmp_path, shape) -> None:
    srv = sim_factory(articles=40, seed=3, id_range=ID_RANGE, list_shape=shape)
    cfg = crawl_config(discovery=HUBS_ONLY)
    assert cfg.discovery.list_url_template == ""
    db = tmp_path / "a.db"
    summary = run_crawl(cfg, db, base_url=srv.url)  # incremental on an empty archive: hubs only
    assert summary.exit_code == 0, summary.one_line()
    assert _linked(srv.truth()) <= _archived(db)
    hubs = rows(db, "SELECT url, depth, article_ids, new_ids FROM hubs")
    marker = "/nczhghcms/list/" if shape == "path" else "/nczhghcms/category/"
    assert any(marker in url and depth == 1 for url, depth, _, _ in hubs), hubs
    assert any(url == srv.url + "/" and depth == 0 for url, depth, _, _ in hubs)
    # later pages of a list are walked, never remembered as hubs of their own
    assert not any(("_2.html" in url or "pageNum=2" in url) and depth > 1 for url, depth, _, _ in hubs)
    report = _sources(summary)["hubs"]
    assert report.status == SourceStatus.OK and report.new_ids == len(_linked(srv.truth()))


@pytest.mark.slow
def test_daily_crawl_reads_stored_hubs_and_probes_the_frontier(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=40, seed=2, id_range=ID_RANGE, new_per_day=(8, 12))
    cfg = crawl_config(discovery={"sources": ["hubs", "frontier"]})
    db = tmp_path / "a.db"
    first = run_crawl(cfg, db, base_url=srv.url, mode="full")
    assert first.exit_code == 0, first.one_line()
    srv.advance(2)
    truth = srv.truth()
    new = [a for a in truth["articles"] if a["first_day"] > 0 and a["status"] == "live"]
    assert any(not a["linked"] for a in new) or len(new) > 10
    daily = run_crawl(cfg, db, base_url=srv.url)
    have = _archived(db)
    assert {a["id"] for a in new if a["linked"]} <= have  # every new linked article, through the hubs
    assert {a["id"] for a in new if not a["linked"]} <= have  # unlinked ones, through the frontier
    sources = _sources(daily)
    assert sources["frontier"].status == SourceStatus.OK
    # the probe stops frontier_window ids past the highest id it (or a hub) found
    highest = max(a["id"] for a in new)
    probed = rows(db, f"SELECT max(article_id) FROM work_items WHERE run_id = {daily.run_id} AND kind = 'probe'")[0][0]
    assert highest < probed <= highest + cfg.discovery.frontier_window
    hub_items = rows(db, f"SELECT count(*) FROM work_items WHERE run_id = {daily.run_id} AND kind = 'hub'")[0][0]
    stored = rows(db, "SELECT count(*) FROM hubs")[0][0]
    assert hub_items <= stored + 4  # the stored hubs and the seeds, not a new walk of the site


@pytest.mark.slow
def test_login_gated_api_is_one_needs_login_line_and_the_crawl_completes(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=40, seed=1, id_range=ID_RANGE, api_login=True)
    cfg = crawl_config(discovery={"sources": ["hubs", "api"]})
    db = tmp_path / "a.db"
    lines = Lines()
    summary = run_crawl(cfg, db, base_url=srv.url, reporter=lines)
    assert summary.exit_code == 0 and summary.errors == 0, summary.one_line()
    assert len(lines.warnings) == 1 and "needs a login" in lines.warnings[0] and "请先登录" in lines.warnings[0]
    assert lines.errors == []
    api = _sources(summary)["api"]
    assert api.status == SourceStatus.NEEDS_LOGIN
    assert api.requests <= 2 * cfg.fetch.concurrency_per_host  # what was in flight; the rest not asked
    assert _linked(srv.truth()) <= _archived(db)  # the hubs carried on
    assert "api needs_login" in summary.one_line()
    with Archive(db) as archive:
        assert archive.hubs.sources_of_run(summary.run_id)[0].source in set(DiscoverySource)


@pytest.mark.slow
def test_api_lists_every_category_first_and_children_from_get_ids_list(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=40, seed=1, id_range=ID_RANGE)
    cfg = crawl_config(discovery={"sources": ["api"], "categories": [174]})
    db = tmp_path / "a.db"
    summary = run_crawl(cfg, db, base_url=srv.url, mode="full")
    assert summary.exit_code == 0, summary.one_line()
    urls = [r[0] for r in rows(db, f"SELECT url FROM work_items WHERE run_id = {summary.run_id} AND kind = 'api'")]
    assert any("categoryId" not in u for u in urls)  # article/list without categoryId
    assert any("categoryId=175" in u for u in urls) and any("categoryId=176" in u for u in urls)  # children of 174
    # category ids are never probed as article ids
    assert not rows(db, "SELECT 1 FROM work_items WHERE kind IN ('article', 'probe') AND article_id IN (174, 175, 176)")
    assert _linked(srv.truth()) <= _archived(db)


@pytest.mark.slow
def test_a_list_template_failing_runs_in_a_row_warns_and_stops_failing_the_run(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=30, seed=1, id_range=ID_RANGE)
    cfg = crawl_config(discovery={
        "sources": ["hubs", "list"], "list_url_template": "/guessed/{category}/{page}.html", "categories": [3],
        "source_warn_after": 2,
    })
    db = tmp_path / "a.db"
    first_lines, second_lines = Lines(), Lines()
    first = run_crawl(cfg, db, base_url=srv.url, reporter=first_lines)
    assert first.exit_code == 1 and _sources(first)["list"].status == SourceStatus.FAILING
    assert first_lines.warnings == []
    second = run_crawl(cfg, db, base_url=srv.url, reporter=second_lines)
    assert second.exit_code == 0, second.one_line()
    assert len(second_lines.warnings) == 1 and "list_url_template" in second_lines.warnings[0]
    assert second.source_errors_ignored == second.errors == 1
    assert second.to_dict()["sources"][0]["source"] in {"hubs", "list"}


@pytest.mark.slow
def test_a_waf_in_front_makes_sources_blocked_not_failing_or_needs_login(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=30, seed=1, id_range=ID_RANGE, waf_limit=1, waf_window_seconds=600,
                      waf_block_seconds=600, waf_forms="deny")
    cfg = crawl_config(discovery={"sources": ["hubs", "api"]}, blocks={"stop_after": 6})
    summary = run_crawl(cfg, tmp_path / "a.db", base_url=srv.url, reporter=Lines())
    statuses = {r.source: r.status for r in summary.sources}
    assert statuses.get("api") == SourceStatus.BLOCKED or statuses.get("hubs") == SourceStatus.BLOCKED, statuses
    assert SourceStatus.NEEDS_LOGIN not in statuses.values()  # a 403 block page is no login prompt
    assert summary.exit_code == 69
