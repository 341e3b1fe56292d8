"""Every way a crawl invocation ends stores its summary in the run's row (README: "the same summary is
stored in the run's row"): an ended run for good, a paused or interrupted one so far, left open.

Real child processes of `ncgh crawl` against the simulator: SIGTERM and --max-requests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bench.reliability import ROOT, crawl_argv, progress, small_site, start, write_config
from simulator import SimServer


def run_row(db: Path) -> dict:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]
    finally:
        conn.close()
    assert len(rows) == 1, rows  # one run, resumed, never a second one
    return rows[0]


@pytest.mark.slow
def test_max_requests_stores_a_paused_summary_and_the_resumed_run_counts_on(tmp_path):
    with SimServer(small_site(12)) as sim:
        config = write_config(tmp_path / "config.toml", 12)
        db = tmp_path / "a.db"
        first = subprocess.run(crawl_argv(config, db, sim.url, "full", "--max-requests", "10", "--json"),
                               capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert first.returncode == 0, first.stderr
        row = run_row(db)
        assert row["status"] == "paused" and row["finished_at"] is None
        assert row["requests"] == 10
        stored = json.loads(row["summary_json"])
        assert stored == json.loads(first.stdout)  # the summary printed is the summary stored
        assert stored["status"] == "paused" and stored["pending"] > 0

        again = subprocess.run(crawl_argv(config, db, sim.url, "full", "--json"),
                               capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert again.returncode == 0, again.stderr
        row = run_row(db)
        summary = json.loads(again.stdout)
        assert summary["resumed"] is True and row["status"] == "finished" and row["finished_at"]
        assert row["requests"] == summary["requests"] > 10  # counted over both parts of the run
        assert row["new_articles"] == 12


@pytest.mark.slow
def test_sigterm_stores_an_interrupted_summary_and_the_next_crawl_resumes(tmp_path):
    with SimServer(small_site(12)) as sim:
        # A delay between requests, so the crawl is still working when the signal comes.
        config = write_config(tmp_path / "config.toml", 12)
        db = tmp_path / "a.db"
        argv = crawl_argv(config, db, sim.url, "full", "--json")
        proc = start([*argv, "--delay", "0.2"])
        try:
            deadline = time.monotonic() + 60
            while progress(db) < 3 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert proc.poll() is None, "the crawl ended before it could be stopped"
            os.kill(proc.pid, signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        assert proc.returncode == 130, err
        row = run_row(db)
        assert row["status"] == "interrupted" and row["finished_at"] is None
        stored = json.loads(row["summary_json"])
        assert stored == json.loads(out)
        assert stored["status"] == "interrupted" and row["requests"] == stored["requests"] >= 3
        assert row["fetched"] is not None and row["errors"] == 0

        again = subprocess.run(argv, capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert again.returncode == 0, again.stderr
        summary = json.loads(again.stdout)
        row = run_row(db)
        assert summary["resumed"] is True and row["status"] == "finished"
        assert row["new_articles"] == summary["new_articles"] == 12


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_site_that_does_not_answer_is_one_unreachable_line_and_exit_3(tmp_path):
    """Nothing listens on the port: robots.txt gets no answer, so nothing is fetched (RFC 9309:
    unreachable means try later), and that is said once as what it is, not N robots_disallowed lines."""
    config = write_config(tmp_path / "config.toml", 12, fetch={"max_attempts": 1})
    db = tmp_path / "a.db"
    url = f"http://127.0.0.1:{_unused_port()}"
    done = subprocess.run(crawl_argv(config, db, url, "incremental"), capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "ERROR the site could not be reached" in lines[0], lines
    assert "robots_disallowed" not in done.stderr and "(last: connection)" in lines[0]
    row = run_row(db)
    assert row["status"] == "unreachable" and json.loads(row["summary_json"])["exit_code"] == 3
    conn = sqlite3.connect(db)
    try:
        errors = {e for (e,) in conn.execute("SELECT DISTINCT error FROM captures")}
    finally:
        conn.close()
    assert errors == {"connection"}
