"""How `ncgh crawl` runs end and resume, end to end over real HTTP against the simulator: an
unreachable or silent site, a request budget, kill -9 at any point, a second crawl at once, the CLI's
output modes, an internal error in one item.

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
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.verify import verify
from ncgh.cli import cli
from ncgh.crawl import run_crawl
from ncgh.crawl_summary import EXIT_LOCKED, EXIT_UNREACHABLE
from ncgh.lock import lock_path_for
from tests.support.crawl import ID_RANGE, ROOT, crawl_config, rows, snapshot, write_config


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
    # The kill points are read from outside, and a group commit shows its captures only when it
    # commits: small groups keep the points inside the run (each kill still lands with a group open).
    config.write_text(config.read_text(encoding="utf-8") + "[archive]\ncommit_captures = 5\ncommit_seconds = 0.05\n", encoding="utf-8")
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
    import ncgh.crawl_fetch as crawl_module  # where the fetch threads interpret

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
