"""`ncgh crawl` end to end, over real HTTP against the simulator.

Small sites with a compact id range keep the id walk of full mode short (the whole file runs in
well under a minute).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.verify import verify
from ncgh.cli import cli
from ncgh.config import config_from_dict
from ncgh.crawl import run_crawl
from ncgh.crawl_summary import EXIT_LOCKED, EXIT_UNREACHABLE
from ncgh.lock import lock_path_for
from simulator.faults import FaultPlan, parse_faults

ROOT = Path(__file__).resolve().parents[2]
ID_RANGE = (800, 1200)
MISSING_REASON = {"404": "http_404", "not_exist_page": "not_exist_page", "redirect_home": "redirect_home"}


def crawl_config(**sections):
    data = {
        "fetch": {"delay": 0, "concurrency_per_host": 2},
        "discovery": {"id_range": list(ID_RANGE), "id_gap_tolerance": 30},
    }
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return config_from_dict(data)


def write_config(path: Path, fetch_extra: str = "") -> Path:
    path.write_text(
        "[fetch]\ndelay = 0\nconcurrency_per_host = 2\n" + fetch_extra +
        f"[discovery]\nid_range = [{ID_RANGE[0]}, {ID_RANGE[1]}]\nid_gap_tolerance = 30\n",
        encoding="utf-8",
    )
    return path


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def shown_title(column: str | None, title: str | None) -> str | None:
    return f"【{column}】{title}" if column else title


def snapshot(db: Path) -> dict:
    """Everything an archive knows about the site, without capture times and ids."""
    return {
        "articles": rows(db, "SELECT article_id, status, version, title, published_at FROM articles ORDER BY 1"),
        "versions": rows(db, "SELECT article_id, version, content_hash FROM versions ORDER BY 1, 2"),
        "events": rows(db, "SELECT article_id, event, version FROM events ORDER BY 1, 2, 3"),
        "footers": rows(db, "SELECT version, content_hash FROM footers ORDER BY 1"),
        "captures": rows(
            db, "SELECT kind, outcome, count(*) FROM captures WHERE kind = 'article' GROUP BY 1, 2 ORDER BY 1, 2"
        ),
    }


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
    # recently_changed_days = 0: an edited article is not revisited daily, so the fill alone is measured.
    cfg = crawl_config(revisit={"budget": budget, "recently_changed_days": 0})
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
    assert linked < 40  # the unlinked ones need --mode full
    cfg = crawl_config()
    db = tmp_path / "a.db"
    first = run_crawl(cfg, db, base_url=srv.url)
    second = run_crawl(cfg, db, base_url=srv.url)
    assert first.new_articles == linked
    assert second.new_articles == 0 and second.new_versions == 0
    assert second.requests * 4 < first.requests, (first.requests, second.requests)
    # Revisiting everything a day later: conditional requests answer 304, still no version.
    cfg_all = crawl_config(revisit={"schedule": [[100000, 1]], "unconditional_every_days": 0})
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


def test_site_unreachable_exits_3(tmp_path):
    cfg = crawl_config(fetch={"max_attempts": 1, "connect_timeout": 0.5})
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    summary = run_crawl(cfg, tmp_path / "u.db", base_url=f"http://127.0.0.1:{port}")
    assert summary.status == "unreachable"
    assert summary.exit_code == EXIT_UNREACHABLE
    result = CliRunner().invoke(
        cli, ["crawl", "--db", str(tmp_path / "u2.db"), "--base-url", f"http://127.0.0.1:{port}", "--json",
              "--config", str(write_config(tmp_path / "c.toml", "max_attempts = 1\n"))]
    )
    assert result.exit_code == EXIT_UNREACHABLE, result.output
    assert json.loads(result.stdout.strip().splitlines()[-1])["status"] == "unreachable"


@pytest.mark.slow
def test_max_requests_pauses_and_the_next_crawl_resumes(sim_factory, tmp_path):
    srv = sim_factory(articles=30, seed=4, id_range=ID_RANGE)
    cfg = crawl_config()
    paused = run_crawl(cfg, tmp_path / "p.db", base_url=srv.url, max_requests=10)
    assert paused.status == "paused" and paused.requests == 10 and paused.pending > 0
    assert paused.exit_code == 0
    done = run_crawl(cfg, tmp_path / "p.db", base_url=srv.url)
    assert done.resumed and done.run_id == paused.run_id and done.status == "finished"
    ref = run_crawl(cfg, tmp_path / "ref.db", base_url=srv.url)
    assert snapshot(tmp_path / "p.db")["articles"] == snapshot(tmp_path / "ref.db")["articles"]
    assert done.requests == ref.requests  # counters cover both parts of the run


@pytest.mark.slow
def test_run_killed_while_planning_is_planned_on_resume(sim_factory, tmp_path):
    from archive.store import Archive

    srv = sim_factory(articles=30, seed=4, id_range=ID_RANGE)
    db = tmp_path / "k.db"
    with Archive(db) as archive:
        archive.queue.start_run("incremental", datetime.now(UTC).isoformat(), "{}")
    summary = run_crawl(crawl_config(), db, base_url=srv.url)
    assert summary.resumed and summary.status == "finished"
    assert summary.new_articles == len([a for a in srv.truth()["articles"] if a["linked"]])


def _crawl_process(db: Path, config: Path, url: str, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ncgh.cli", "crawl", "--db", str(db), "--config", str(config), "--base-url", url,
         "--mode", "full", "--quiet", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_kill_9_at_several_points_then_resume_equals_uninterrupted(sim_factory, tmp_path):
    srv = sim_factory(articles=40, seed=2, id_range=ID_RANGE)
    config = write_config(tmp_path / "c.toml")
    ref_db = tmp_path / "ref.db"
    reference = run_crawl(crawl_config(), ref_db, base_url=srv.url, mode="full")
    assert reference.exit_code == 0

    db = tmp_path / "killed.db"
    kill_points = [
        "SELECT count(*) FROM captures WHERE kind = 'article'",  # early: just after the first articles
        "SELECT count(*) - 14 FROM captures WHERE kind = 'article'",
        "SELECT count(*) - 29 FROM captures WHERE kind = 'article'",
        "SELECT count(*) - 150 FROM work_items WHERE state = 'missing'",  # in the id walk
    ]
    for sql in kill_points:
        proc = _crawl_process(db, config, srv.url, "--delay", "0.002")
        deadline = time.monotonic() + 30
        while _count(db, sql) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.003)
        assert proc.poll() is None, f"crawl ended before the kill point: {proc.communicate()}"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert rows(db, "SELECT status FROM runs") == [("running",)]
    proc = _crawl_process(db, config, srv.url, "--json")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    summary = json.loads(out)
    assert summary["resumed"] and summary["status"] == "finished"
    assert rows(db, "SELECT status FROM runs") == [("finished",)]
    assert snapshot(db) == snapshot(ref_db)
    assert verify(str(db)).ok


@pytest.mark.slow
def test_second_concurrent_crawl_exits_75(sim_factory, tmp_path):
    srv = sim_factory(articles=30, seed=6, id_range=ID_RANGE)
    config = write_config(tmp_path / "c.toml")
    db = tmp_path / "lock.db"
    first = _crawl_process(db, config, srv.url, "--delay", "0.004")
    lock = lock_path_for(db)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.01)
    result = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--config", str(config), "--base-url", srv.url])
    assert result.exit_code == EXIT_LOCKED
    assert f"process {first.pid}" in result.output
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert rows(db, "SELECT count(*), min(status) FROM runs") == [(1, "finished")]
    assert verify(str(db)).ok
    # The lock is free again once the first crawl is over.
    again = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--config", str(config), "--base-url", srv.url, "-q"])
    assert again.exit_code == 0, again.output


@pytest.mark.slow
@pytest.mark.parametrize("flag", ["--quiet", "--json"])
def test_cli_output_modes(sim_factory, tmp_path, flag):
    srv = sim_factory(articles=20, seed=7, id_range=ID_RANGE)
    config = write_config(tmp_path / "c.toml")
    result = CliRunner().invoke(
        cli, ["crawl", "--db", str(tmp_path / "o.db"), "--config", str(config), "--base-url", srv.url, flag]
    )
    assert result.exit_code == 0, result.output
    if flag == "--quiet":
        assert result.output == ""
    else:
        data = json.loads(result.stdout.strip().splitlines()[-1])
        for key in ("run_id", "requests", "fetched", "not_modified", "new_articles", "new_versions", "unchanged",
                    "gone", "restored", "errors", "status"):
            assert key in data
        assert data["new_articles"] == len([a for a in srv.truth()["articles"] if a["linked"]])
        stored = rows(tmp_path / "o.db", "SELECT summary_json, new_articles FROM runs")[0]
        assert json.loads(stored[0])["new_articles"] == stored[1] == data["new_articles"]


def test_an_internal_error_fails_one_item_not_the_crawl(sim_factory, tmp_path, monkeypatch):
    import ncgh.crawl as crawl_module

    srv = sim_factory(articles=20, seed=8, id_range=ID_RANGE)
    victim = next(a["id"] for a in srv.truth()["articles"] if a["linked"])
    real = crawl_module.interpret

    def flaky(site, url, *args, **kwargs):
        if url.endswith(f"/article/{victim}"):
            raise RuntimeError("boom")
        return real(site, url, *args, **kwargs)

    monkeypatch.setattr(crawl_module, "interpret", flaky)
    db = tmp_path / "i.db"
    first = run_crawl(crawl_config(), db, base_url=srv.url)
    assert first.status == "finished" and first.exit_code == 1 and first.errors == 1
    assert rows(db, f"SELECT count(*) FROM articles WHERE article_id = {victim}") == [(0,)]
    monkeypatch.setattr(crawl_module, "interpret", real)
    second = run_crawl(crawl_config(), db, base_url=srv.url)  # the failed item is carried over
    assert second.exit_code == 0 and second.new_articles == 1
    assert rows(db, f"SELECT version FROM articles WHERE article_id = {victim}") == [(1,)]


@pytest.mark.slow
def test_site_that_stops_answering_ends_the_run_and_the_next_crawl_fills_in(sim_factory, tmp_path):
    from ncgh.report import Reporter

    srv = sim_factory(articles=40, seed=9, id_range=ID_RANGE)

    class StopSiteAfter(Reporter):
        def __init__(self) -> None:
            self.count = 0

        def done(self, url: str, outcome: str) -> None:
            self.count += 1
            if self.count == 15:
                srv.stop()

    cfg = crawl_config(fetch={"max_attempts": 1, "connect_timeout": 0.5})
    db = tmp_path / "lost.db"
    lost = run_crawl(cfg, db, base_url=srv.url, reporter=StopSiteAfter())
    assert lost.status == "lost" and lost.exit_code == 1
    assert "stopped answering" in lost.message
    assert rows(db, "SELECT status FROM runs") == [("lost",)]
    # The site is back (on another port): the next crawl fetches what the lost run could not.
    again = sim_factory(articles=40, seed=9, id_range=ID_RANGE)
    done = run_crawl(cfg, db, base_url=again.url)
    assert done.exit_code == 0
    linked = {a["id"] for a in again.truth()["articles"] if a["linked"]}
    assert {r[0] for r in rows(db, "SELECT article_id FROM articles WHERE version = 1")} == linked
