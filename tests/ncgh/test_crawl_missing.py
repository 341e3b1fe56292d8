"""Live articles answering missing in a row (ncgh.crawl_missing): held, and never recorded when the
site as a whole says missing (a redesign, an outage); recorded when they come among live pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from archive.vocab import Outcome
from ncgh.crawl import run_crawl
from ncgh.crawl_missing import MissingWatch
from tests.support.crawl import crawl_config, rows


def test_a_short_streak_is_released_by_a_live_page_and_a_long_one_dropped() -> None:
    watch: MissingWatch[str] = MissingWatch(hold_after=3)
    assert watch.hold(1, "a", "http://h/1", "http_404") and watch.hold(2, "b", "http://h/2", "redirect_home")
    assert watch.held_ids() == {1, 2}
    assert watch.live() == ["a", "b"] and not watch.held_ids()  # deletions among live pages
    for n in range(3, 6):
        assert watch.hold(n, str(n), f"http://h/{n}", "redirect_home")
    assert watch.tripped and watch.release() == [] and watch.to_drop() == ["3", "4", "5"]
    assert watch.live() == []  # once the site said missing as a whole, nothing held is recorded
    assert watch.hold(6, "6", "http://h/6", "http_404") and watch.to_drop() == ["6"]
    assert watch.dropped == 4 and "3 redirect_home" in watch.warning() and "hold_missing_after = 0" in watch.warning()


def test_zero_never_holds() -> None:
    watch: MissingWatch[str] = MissingWatch(hold_after=0)
    assert not watch.hold(1, "a", "http://h/1", "http_404") and not watch.held_ids()


def _delete(srv, ids, kind: str) -> None:
    for article_id in ids:
        article = srv.site.state.articles[article_id]
        article.status, article.deletion_kind = "deleted", kind
    srv.site._reset_caches()


CONFIG = {"archive": {"gone_after": 1, "hold_missing_after": 10}}


def test_a_site_redirecting_every_article_home_marks_nothing_gone(sim_factory, tmp_path) -> None:
    """Found by review: a redesign that sends every old URL to the home page would have marked every
    article gone (gone_after = 1 here: the first missing answer recorded would)."""
    srv = sim_factory(articles=40, seed=5, edit_rate=0, delete_rate=0)
    cfg, db, t0 = crawl_config(**CONFIG), tmp_path / "a.db", datetime.now(UTC)
    run_crawl(cfg, db, base_url=srv.url, now=t0)
    known = rows(db, "SELECT count(*) FROM articles")[0][0]
    assert known >= 30
    _delete(srv, list(srv.site.state.articles), "redirect_home")
    summary = run_crawl(cfg, db, base_url=srv.url, mode="snapshot", now=t0 + timedelta(days=1))
    assert summary.exit_code == 1 and summary.missing_held == known and summary.gone == 0
    assert any("as a whole says missing" in w for w in summary.warnings)
    assert rows(db, "SELECT count(*) FROM captures WHERE outcome = ?", Outcome.MISSING) == [(0,)]
    assert rows(db, "SELECT count(*) FROM articles WHERE status = 'gone'") == [(0,)]
    assert rows(db, "SELECT count(*) FROM events WHERE event = 'gone'") == [(0,)]


def test_deletions_among_live_pages_are_recorded(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=40, seed=5, edit_rate=0, delete_rate=0)
    cfg, db, t0 = crawl_config(**CONFIG), tmp_path / "a.db", datetime.now(UTC)
    run_crawl(cfg, db, base_url=srv.url, now=t0)
    deleted = [r[0] for r in rows(db, "SELECT article_id FROM articles ORDER BY 1")][::8]  # spread out
    _delete(srv, deleted, "404")
    summary = run_crawl(cfg, db, base_url=srv.url, mode="snapshot", now=t0 + timedelta(days=1))
    assert summary.exit_code == 0 and summary.missing_held == 0 and summary.gone == len(deleted)
    assert [r[0] for r in rows(db, "SELECT article_id FROM articles WHERE status = 'gone' ORDER BY 1")] == deleted


def test_a_streak_still_short_at_the_end_of_the_run_is_recorded(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=40, seed=5, edit_rate=0, delete_rate=0)
    cfg, db, t0 = crawl_config(**CONFIG), tmp_path / "a.db", datetime.now(UTC)
    run_crawl(cfg, db, base_url=srv.url, now=t0)
    deleted = [r[0] for r in rows(db, "SELECT article_id FROM articles ORDER BY 1")][:3]
    _delete(srv, deleted, "not_exist_page")
    cfg1 = crawl_config(archive={"gone_after": 1, "hold_missing_after": 10}, fetch={"delay": 0, "concurrency_per_host": 1})
    summary = run_crawl(cfg1, db, base_url=srv.url, mode="snapshot", now=t0 + timedelta(days=1))
    assert summary.gone == 3 and summary.exit_code == 0


def test_confirmations_of_articles_missing_once_never_trip_the_hold(sim_factory, tmp_path) -> None:
    """The revisit plan confirms articles missing once first, in a row: many deletions one day must
    become gone the next, not be held for ever."""
    srv = sim_factory(articles=40, seed=5, edit_rate=0, delete_rate=0)
    cfg = crawl_config(archive={"gone_after": 2, "hold_missing_after": 5})
    db, t0 = tmp_path / "a.db", datetime.now(UTC)
    run_crawl(cfg, db, base_url=srv.url, now=t0)
    known = [r[0] for r in rows(db, "SELECT article_id FROM articles ORDER BY 1")]
    deleted = known[::3]  # a third, scattered: recorded missing once
    _delete(srv, deleted, "404")
    first = run_crawl(cfg, db, base_url=srv.url, mode="snapshot", now=t0 + timedelta(days=1))
    assert first.missing_held == 0 and first.gone == 0
    # The daily plan puts the confirmations first, one after the other.
    second = run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=2))
    assert second.missing_held == 0 and second.gone == len(deleted)
