"""Calibration and drift end to end, over real HTTP against the simulator in several template
families: a crawl of a site whose template the configured profile does not know calibrates itself
after its first pages; `ncgh calibrate` writes and checks the profile beside the archive; a redesign
mid-timeline warns once and flags the versions it makes `extractor_changed`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from ncgh.calibrate import profile_path
from ncgh.cli import cli
from ncgh.crawl import run_crawl
from ncgh.drift import drift_warning
from tests.support.crawl import ID_RANGE, crawl_config, rows, shown_title

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def _archived_matches_truth(db, truth) -> None:
    got = {r[0]: r[1:] for r in rows(db, "SELECT v.article_id, v.title, v.column_name, v.published_at FROM versions v"
                                         " JOIN articles a USING (site, article_id) WHERE v.version = a.version")}
    live = [a for a in truth["articles"] if a["status"] == "live" and a["id"] in got]
    assert len(live) >= 30
    for a in live:
        title, column, published = got[a["id"]]
        assert shown_title(column, title) == a["title"], a["id"]
        assert published == (a["published"] if a["header_line"] else None), a["id"]


@pytest.mark.slow
@pytest.mark.parametrize("family", ["classic", "vue", "portal"])
def test_first_crawl_calibrates_itself_and_reparse_uses_the_profile(sim_factory, tmp_path, family) -> None:
    srv = sim_factory(articles=40, seed=4, id_range=ID_RANGE, markup=family)
    db = tmp_path / "a.db"
    summary = run_crawl(crawl_config(calibrate={"auto_after": 10}), db, base_url=srv.url, mode="full", now=T0)
    assert summary.exit_code == 0
    learned = profile_path(db)
    if family == "classic":  # the configured profile knows the simulator's own markup
        assert not learned.exists() and summary.by_extractor.get("fallback", 0) == 0
        return
    assert learned.exists()
    assert summary.by_extractor["profile"] >= 25  # the pages after the first ten
    # A first crawl re-derives its first pages with what they taught: right fields, one version each.
    _archived_matches_truth(db, srv.truth())
    assert rows(db, "SELECT count(*) FROM versions WHERE version > 1") == [(0,)]
    later = run_crawl(crawl_config(revisit={"schedule": [[100000, 0.5]], "budget": 1000}), db, base_url=srv.url,
                      now=T0 + timedelta(days=1))
    assert later.new_versions == 0 and later.by_extractor.get("fallback", 0) == 0  # no false edit on revisit
    runner = CliRunner()
    out = runner.invoke(cli, ["reparse", "--db", str(db)])
    assert out.exit_code == 0, out.output
    _archived_matches_truth(db, srv.truth())
    check = runner.invoke(cli, ["calibrate", "--db", str(db), "--check"])
    assert check.exit_code == 0 and "pages compared:" in check.output, check.output
    again = runner.invoke(cli, ["calibrate", "--db", str(db), "--sample", "30"])
    assert again.exit_code == 0 and "written to" in again.output, again.output


@pytest.mark.slow
def test_a_redesign_warns_once_and_flags_its_versions(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=30, seed=6, id_range=ID_RANGE, redesign_day=1, redesign_markup="hanweb",
                      edit_rate=0.3, delete_rate=0.0)
    cfg = crawl_config(calibrate={"auto_after": 0}, revisit={"schedule": [[100000, 0.5]], "budget": 10000})
    db = tmp_path / "r.db"
    first = run_crawl(cfg, db, base_url=srv.url, mode="full", now=T0)
    assert first.drift_warning is None and first.profile_share == 1.0
    srv.advance()
    second = run_crawl(cfg, db, base_url=srv.url, now=T0 + timedelta(days=1))
    assert second.drift_warning is not None and "ncgh calibrate" in second.drift_warning
    assert second.by_extractor.get("fallback", 0) >= 25
    new_versions = rows(db, "SELECT count(*), sum(extractor_changed) FROM versions WHERE version > 1")[0]
    edited = {a["id"] for a in srv.truth()["articles"] if 1 in a["edited_days"]}
    # Every real edit of the day makes a version; each new version went through another extractor than
    # its version 1, and says so. (The fallback also makes a few false ones: on a one-paragraph page,
    # a video lesson's lead and byline, it takes the paragraph alone and loses the signature.)
    assert edited <= {r[0] for r in rows(db, "SELECT article_id FROM versions WHERE version > 1")}
    assert new_versions[0] > 0 and new_versions[0] == new_versions[1]
    out = CliRunner().invoke(cli, ["history", "--db", str(db), str(rows(db, "SELECT article_id FROM versions"
                                                                          " WHERE version = 2 LIMIT 1")[0][0])])
    assert "extractor_changed" in out.output, out.output
    import asyncio

    from webui.app import build_datasette

    ds = build_datasette(db)
    aid = rows(db, "SELECT article_id FROM versions WHERE version = 2 LIMIT 1")[0][0]
    page = asyncio.run(ds.client.get(f"/-/article/{aid}")).text
    assert 'class="flag"' in page and "extractor_changed" in page
    # What the warning advises: calibrate (on the newest pages: the redesigned ones), reparse.
    runner = CliRunner()
    assert runner.invoke(cli, ["calibrate", "--db", str(db)]).exit_code == 0
    assert runner.invoke(cli, ["reparse", "--db", str(db)]).exit_code == 0
    # ... keeps the real edits and invents none: the false versions are gone, the real ones stay.
    assert {r[0] for r in rows(db, "SELECT article_id FROM versions WHERE version > 1")} == edited


@pytest.mark.slow
def test_a_redesign_calibrates_itself_from_the_new_pages(sim_factory, tmp_path) -> None:
    """The crawl that meets a redesign learns from the pages it just fetched, not from the archive's
    oldest captures (the old template: the learned profile matched nothing new, and every later
    page stayed on the fallback for good, found by a year-long review)."""
    srv = sim_factory(articles=30, seed=6, id_range=ID_RANGE, redesign_day=1, redesign_markup="vue",
                      edit_rate=0.0, delete_rate=0.0)
    cfg = crawl_config(calibrate={"auto_after": 10}, revisit={"schedule": [[100000, 0.5]], "budget": 10000})
    db = tmp_path / "v.db"
    first = run_crawl(cfg, db, base_url=srv.url, mode="full", now=T0)
    assert first.by_extractor.get("fallback", 0) == 0 and not profile_path(db).exists()
    srv.advance()
    second = run_crawl(cfg, db, base_url=srv.url, now=T0 + timedelta(days=1))
    assert profile_path(db).exists()
    assert second.by_extractor.get("profile", 0) >= 15, second.by_extractor  # the pages after the first ten


def test_drift_warning_needs_a_real_drop_and_enough_pages() -> None:
    assert drift_warning(0.1, 50, [1.0, 0.95], 0.3) is not None
    assert drift_warning(0.8, 50, [1.0, 0.95], 0.3) is None
    assert drift_warning(0.0, 3, [1.0], 0.3) is None  # too few pages to say
    assert drift_warning(0.0, 50, [], 0.3) is None  # no earlier run to compare with
    assert drift_warning(0.0, 50, [1.0], 0.0) is None  # 0 turns the warning off


@pytest.mark.slow
def test_calibrate_on_an_archive_without_pages_says_why_and_exits_1(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=3, seed=1, id_range=ID_RANGE)
    db = tmp_path / "few.db"
    run_crawl(crawl_config(calibrate={"auto_after": 0}), db, base_url=srv.url, mode="full", now=T0)
    out = CliRunner().invoke(cli, ["calibrate", "--db", str(db)])
    assert out.exit_code == 1 and "nothing learned from 3 pages" in out.output, out.output
    assert not profile_path(db).exists()


@pytest.mark.slow
def test_a_damaged_profile_file_is_one_line_and_exit_2(sim_factory, tmp_path) -> None:
    srv = sim_factory(articles=3, seed=1, id_range=ID_RANGE)
    db = tmp_path / "bad.db"
    run_crawl(crawl_config(calibrate={"auto_after": 0}), db, base_url=srv.url, mode="full", now=T0)
    profile_path(db).write_text("[parse]\ntitle_selectors = [\"h1[\"]\n", encoding="utf-8")
    for args in (["calibrate", "--check"], ["reparse"]):
        out = CliRunner().invoke(cli, [*args, "--db", str(db)])
        assert out.exit_code == 2 and "not a usable learned profile" in out.output, (args, out.output)
        assert "Traceback" not in out.output
