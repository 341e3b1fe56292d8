"""`ncgh crawl` end to end, over real HTTP against the simulator: what the archive learns of the
site over days (edits, deletions, faults) against the simulator's truth; how runs end and resume is
in test_crawl_runs.py.

Small sites with a compact id range keep the id walk of full mode short (the whole file runs in
well under a minute).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archive.verify import verify
from ncgh.crawl import run_crawl
from simulator.faults import FaultPlan, parse_faults
from tests.support.crawl import ID_RANGE, MISSING_REASON, crawl_config, rows, shown_title


@pytest.mark.slow
def test_multi_day_timeline_matches_truth(sim_factory, tmp_path):
    """Daily crawls over seven simulated days: every edit one version, every deletion gone, every
    restoration recorded, the footer changes once each, views never make a version."""
    srv = sim_factory(articles=40, seed=3, id_range=ID_RANGE, edit_rate=0.05, delete_rate=0.03, restore_rate=0.3)
    cfg = crawl_config(
        archive={"gone_after": 1},
        revisit={"schedule": [[100000, 1]], "budget": 10000, "gone_recheck_days": 1},
    )
    db = tmp_path / "timeline.db"
    t0 = datetime.now(UTC)
    first = run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0)
    assert first.exit_code == 0 and first.new_articles == 40
    days = 7
    for day in range(1, days + 1):
        srv.advance()
        summary = run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=day))
        assert summary.exit_code == 0, summary
        assert summary.status == "finished"
    # A last full crawl finds the articles published unlinked since day 0.
    run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0 + timedelta(days=days, hours=12))
    truth = srv.truth()

    archived = {r[0]: r[1:] for r in rows(db, "SELECT article_id, status, version, title FROM articles")}
    columns = dict(rows(db, "SELECT article_id, column_name FROM versions v WHERE version ="
                            " (SELECT max(version) FROM versions w WHERE w.article_id = v.article_id)"))
    events: dict[int, list[tuple[str, str | None]]] = {}
    for article_id, event, detail in rows(db, "SELECT article_id, event, detail FROM events ORDER BY id"):
        events.setdefault(article_id, []).append((event, detail))
    kinds_seen = set()
    assert any(a["edited_days"] for a in truth["articles"])
    assert any(a["restored_days"] for a in truth["articles"])
    for art in truth["articles"]:
        got = archived.get(art["id"])
        if got is None:
            # Only an unlinked article deleted before any full crawl could see it may be absent.
            assert not art["linked"] and art["status"] == "deleted", art
            continue
        status, version, title = got
        names = [e for e, _ in events.get(art["id"], [])]
        assert version == 1 + len(art["edited_days"]), (art["id"], art["edits"], version)
        assert names.count("edited") == len(art["edited_days"]), art["id"]
        assert names.count("gone") == len(art["deleted_days"]), (art["id"], art["deleted_days"], names)
        assert names.count("restored") == len(art["restored_days"]), (art["id"], art["restored_days"], names)
        if art["status"] == "live":
            assert status == "live", art["id"]
            assert shown_title(columns.get(art["id"]), title) == art["title"], art["id"]
        else:
            assert status == "gone", art["id"]
            last_gone = [d for e, d in events[art["id"]] if e == "gone"][-1]
            assert MISSING_REASON[art["deletion_kind"]] in last_gone
            kinds_seen.add(art["deletion_kind"])
    assert len(archived) == len([a for a in truth["articles"] if a["id"] in archived])  # nothing invented
    assert kinds_seen, "the timeline should leave some articles deleted"

    # Footer: initial, ICP switch (day 2 + seed % 3 = 2 for seed 3), police record two days later.
    footers = rows(db, "SELECT version, icp, police_record FROM footers ORDER BY version")
    assert len(footers) == 3
    assert footers[-1][1] == truth["footer"]["icp"]
    assert footers[-1][2] == truth["footer"]["police_record"]
    # Views grew and were recorded, yet no version came from them.
    growth = rows(db, "SELECT article_id, max(views) - min(views) FROM views GROUP BY 1 HAVING count(*) > 1")
    assert growth and all(g >= 0 for _, g in growth) and any(g > 0 for _, g in growth)
    assert verify(str(db)).ok


@pytest.mark.slow
def test_budget_fill_catches_edits_of_old_articles_within_size_over_budget_runs(sim_factory, tmp_path):
    """Every simulated article is years old (revisit interval 60 days), so only the budget fill can
    catch their edits: 24 live articles and a budget of 8 revisit each one every 3 daily runs, so an
    edit made on day d is archived by the run of day d + 2 at the latest."""
    live, budget, days = 24, 8, 7
    srv = sim_factory(articles=live, seed=4, id_range=ID_RANGE, edit_rate=0.06, delete_rate=0.0,
                      restore_rate=0.0, new_per_day=(0, 0))
    # The schedule policy's fill (the rates policy: tests/ncgh/test_crawl_freshness.py, on a simulated
    # calendar; here capture times are real time, so every article looks captured the same moment).
    # recently_changed_days = 0: an edited article is not revisited daily, so the fill alone is measured.
    cfg = crawl_config(revisit={"policy": "schedule", "budget": budget, "recently_changed_days": 0})
    db = tmp_path / "fill.db"
    t0 = datetime.now(UTC)
    run_day = {run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0).run_id: 0}
    for day in range(1, days + 1):
        srv.advance()
        summary = run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=day))
        assert summary.exit_code == 0, summary
        assert summary.revisits == budget  # the budget caps the run, and the fill uses all of it
        run_day[summary.run_id] = day
    caught: dict[int, list[int]] = {}
    for article_id, run_id in rows(db, "SELECT e.article_id, c.run_id FROM events e JOIN captures c"
                                       " ON c.id = e.capture_id WHERE e.event = 'edited'"):
        caught.setdefault(article_id, []).append(run_day[run_id])
    window = -(-live // budget) - 1  # ceil(live / budget) runs, the edit's own day included
    checked = 0
    for art in srv.truth()["articles"]:
        for edit_day in art["edited_days"]:
            if edit_day + window > days:
                continue  # the last runs cannot have reached it yet
            checked += 1
            assert any(edit_day <= d <= edit_day + window for d in caught.get(art["id"], [])), (
                art["id"], edit_day, caught.get(art["id"]))
    assert checked >= 3, "the seed should edit a few articles early enough to check"


@pytest.mark.slow
def test_deletion_kinds_each_become_gone(sim_factory, tmp_path):
    """Each of the site's three ways to delete (404, 'does not exist' page, redirect home) is gone."""
    srv = sim_factory(articles=40, seed=11, id_range=ID_RANGE, edit_rate=0.0, delete_rate=0.25, restore_rate=0.0)
    cfg = crawl_config(revisit={"schedule": [[100000, 1]], "budget": 10000})  # gone_after = 2 (default)
    db = tmp_path / "del.db"
    t0 = datetime.now(UTC)
    run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0)
    srv.advance()
    for day in (1, 2):
        run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=day))
    deleted = {a["id"]: a["deletion_kind"] for a in srv.truth()["articles"] if a["status"] == "deleted"}
    assert set(deleted.values()) == set(MISSING_REASON), deleted
    gone = {aid: detail for aid, detail in rows(db, "SELECT article_id, detail FROM events WHERE event = 'gone'")}
    assert set(gone) == set(deleted)
    for aid, kind in deleted.items():
        assert MISSING_REASON[kind] in gone[aid]
    assert rows(db, "SELECT count(*) FROM articles WHERE status = 'gone'")[0][0] == len(deleted)


@pytest.mark.slow
def test_second_crawl_of_unchanged_site_is_cheap_and_adds_nothing(sim_factory, tmp_path):
    srv = sim_factory(articles=40, seed=1, id_range=ID_RANGE)
    linked = len([a for a in srv.truth()["articles"] if a["linked"]])
    assert linked < 40  # the unlinked ones need --mode full (or the frontier probe, left out here)
    cfg = crawl_config(discovery={"sources": ["hubs", "sitemap", "api"]})
    db = tmp_path / "a.db"
    first = run_crawl(cfg, db, base_url=srv.url)
    second = run_crawl(cfg, db, base_url=srv.url)
    assert first.new_articles == linked
    assert second.new_articles == 0 and second.new_versions == 0
    assert second.requests * 3 < first.requests, (first.requests, second.requests)
    # nothing but discovery pages: no article is fetched again the same day
    assert rows(db, f"SELECT count(*) FROM work_items WHERE run_id = {second.run_id}"
                    " AND kind IN ('article', 'revisit', 'probe')")[0][0] == 0
    # Revisiting everything a day later: conditional requests answer 304, still no version.
    cfg_all = crawl_config(revisit={"schedule": [[100000, 1]], "unconditional_every_days": 0},
                           discovery={"sources": ["hubs", "sitemap", "api"]})
    third = run_crawl(cfg_all, db, base_url=srv.url, now=datetime.now(UTC) + timedelta(days=1))
    assert third.revisits == linked
    assert third.not_modified == linked
    assert third.new_versions == 0 and third.errors == 0
    assert rows(db, "SELECT count(*) FROM versions")[0][0] == linked


@pytest.mark.slow
def test_faults_then_a_later_crawl_fills_every_gap(sim_factory, tmp_path):
    srv = sim_factory(
        articles=40,
        seed=5,
        id_range=ID_RANGE,
        faults="500=0.08,503=0.03,429=0.03,timeout=0.01,reset=0.02,truncate=0.04,garbage=0.04",
        fault_timeout_seconds=0.6,
        retry_after_seconds=0,
    )
    cfg = crawl_config(fetch={"read_timeout": 0.25, "max_attempts": 2, "backoff_base": 0.01, "backoff_max": 0.05})
    db = tmp_path / "f.db"
    first = run_crawl(cfg, db, base_url=srv.url, mode="full")
    assert first.status == "finished"
    assert first.errors > 0 and first.exit_code == 1
    assert {f for _, _, f in srv.fault_log} >= {"500", "garbage", "truncate"}
    srv.faults = FaultPlan(parse_faults(None), 5)
    second = run_crawl(cfg, db, base_url=srv.url)
    assert second.exit_code == 0 and second.errors == 0
    truth = srv.truth()
    archived = {r[0]: r[1:] for r in rows(db, "SELECT article_id, status, version, title FROM articles")}
    columns = dict(rows(db, "SELECT article_id, column_name FROM versions"))
    assert set(archived) == {a["id"] for a in truth["articles"]}  # no phantom from garbage, no gap
    for art in truth["articles"]:
        status, version, title = archived[art["id"]]
        assert (status, version) == ("live", 1), art["id"]  # a fault never made a version or a deletion
        assert shown_title(columns[art["id"]], title) == art["title"]
    assert verify(str(db)).ok


