"""Shared by the reliability tests and bench/chaos.py: crawls as real `ncgh crawl` processes against
the simulator, kill points, the kill-and-resume scenario, and a digest of what an archive derived
from its captures.

Crawls run as child processes (never in-process) so a test can kill one with SIGKILL exactly as the
kernel or an operator would, and so its exit code and stderr are what a cron job would see.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from simulator import SimConfig, SimServer

ROOT = Path(__file__).resolve().parents[1]
ID_LOW = 800


def small_site(articles: int, **kwargs) -> SimConfig:
    """A simulator config whose id range is just wide enough, so a full crawl's id walk stays short."""
    return SimConfig(articles=articles, id_range=(ID_LOW, id_high(articles)), **kwargs)


def id_high(articles: int) -> int:
    return ID_LOW + 10 * articles + 50


def write_config(path: Path, articles: int, fetch: dict[str, object] | None = None, **sections: dict) -> Path:
    """A config.toml for crawling a small simulated site fast: no delay, the site's id range."""
    values: dict[str, dict[str, object]] = {
        "fetch": {"delay": 0, **(fetch or {})},
        "discovery": {"id_range": [ID_LOW, id_high(articles)], "id_gap_tolerance": 50},
    }
    for name, extra in sections.items():
        values.setdefault(name, {}).update(extra)
    lines: list[str] = []
    for section, keys in values.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawl_argv(config: Path, db: Path, base_url: str, mode: str = "full", *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "ncgh.cli", "crawl", "--config", str(config), "--db", str(db),
        "--base-url", base_url, "--mode", mode, "--quiet", *extra,
    ]


def ncgh(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `ncgh ARGS` to completion in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "ncgh.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def start(argv: list[str]) -> subprocess.Popen[str]:
    """A child in its own session, so a signal meant for it never reaches the test runner."""
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT
    )


def progress(db: Path) -> int:
    """Work items of all runs no longer pending (-1 while the archive or its schema does not exist yet)."""
    row = _first_row(db, "SELECT count(*) FROM work_items WHERE state != 'pending'")
    return -1 if row is None else int(row[0])


@dataclass
class Kill:
    target: int  # progress (work items done) at which the kill was aimed; 0 = as early as possible
    at_progress: int  # progress seen when SIGKILL was sent (-1: the archive did not exist yet)
    after_seconds: float
    finished_first: bool = False  # the crawl ended before the kill point was reached


def kill_targets(rng: random.Random, kills: int, total: int) -> list[int]:
    """One kill as early as possible (while the run is planned), the rest spread at random over the first
    85%: a group commit makes progress visible in steps, and the run's last step is committed with the
    run's end, so a kill aimed at the last few percent would land after the run finished."""
    targets = [0] + sorted(rng.randint(1, max(1, int(total * 0.85))) for _ in range(kills - 1))
    return targets[:kills]


def crawl_with_kills(argv: list[str], db: Path, targets: list[int], timeout: float = 300) -> list[Kill]:
    """Start the crawl once per target and SIGKILL it when progress reaches the target."""
    kills: list[Kill] = []
    for target in targets:
        if target > 0:
            target = max(target, progress(db) + 1)  # this process must do some work before it dies
        proc = start(argv)
        began = time.monotonic()
        seen = -1
        while proc.poll() is None and time.monotonic() - began < timeout:
            seen = progress(db)
            if seen >= target and (target > 0 or _has_run(db)):
                break
            time.sleep(0.005)
        # A kill that lands after the run was recorded finished (the process still tidying up) is no
        # kill of a crawl: it counts as the crawl having ended first.
        finished = proc.poll() is not None or _run_finished(db)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        kills.append(Kill(target, seen, round(time.monotonic() - began, 3), finished))
    return kills


@dataclass
class KillRun:
    """An uninterrupted reference crawl and a crawl of the same simulated day killed and resumed."""

    reference: Path
    chaos: Path
    reference_done: subprocess.CompletedProcess[str]
    reference_seconds: float
    total: int = 0  # requests of the reference crawl
    kills: list[Kill] = field(default_factory=list)
    final: subprocess.CompletedProcess[str] | None = None  # the last, uninterrupted run of the chaos crawl
    chaos_seconds: float = 0.0


def kill_and_resume(tmp: Path, articles: int, kills: int, seed: int, timeout: float = 300) -> KillRun:
    """The chaos scenario of tests/ncgh/test_reliability_chaos.py and bench/chaos.py: a reference full crawl
    of a small simulated site, then the same crawl SIGKILLed at `kills` points (kill_targets with
    `seed`) and resumed each time, then run to the end. Stops after the reference crawl if that fails."""
    # Kills are aimed at progress seen from outside, which a group commit shows only when it commits:
    # groups of 5 captures or 50 ms (the id walk's misses are no captures) let the kills land all
    # through the crawl, each one with a group open (lost, and fetched again by the resumed run).
    config = write_config(
        tmp / "kills.toml", articles, fetch={"concurrency_per_host": 2},
        archive={"commit_captures": 5, "commit_seconds": 0.05},
    )
    with SimServer(small_site(articles)) as srv:
        reference = tmp / "reference.db"
        started = time.monotonic()
        done = ncgh(*crawl_argv(config, reference, srv.url)[3:], timeout=timeout)
        out = KillRun(reference, tmp / "chaos.db", done, time.monotonic() - started)
        if done.returncode != 0:
            return out
        out.total = runs(reference)[0][3]
        argv = crawl_argv(config, out.chaos, srv.url)
        started = time.monotonic()
        out.kills = crawl_with_kills(argv, out.chaos, kill_targets(random.Random(seed), kills, out.total), timeout)
        out.final = ncgh(*argv[3:], timeout=timeout)
        out.chaos_seconds = time.monotonic() - started
    return out


def _first_row(db: Path, sql: str) -> tuple | None:
    """One row of a query on the crawl's archive while it runs (read-only; None while unreadable)."""
    if not db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute(sql).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _run_finished(db: Path) -> bool:
    row = _first_row(db, "SELECT status FROM runs ORDER BY id DESC LIMIT 1")
    return row is not None and row[0] == "finished"


def _has_run(db: Path) -> bool:
    row = _first_row(db, "SELECT count(*) FROM runs")
    return row is not None and row[0] > 0


@dataclass
class Digest:
    """What an archive derived, without times or row ids: two crawls of one simulated day must agree."""

    articles: list[tuple] = field(default_factory=list)
    versions: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    footers: list[tuple] = field(default_factory=list)
    captures: Counter = field(default_factory=Counter)  # (kind, url, status, outcome, body sha256) -> count

    def differences(self, other: Digest) -> list[str]:
        out = []
        for name in ("articles", "versions", "events", "footers"):
            mine, theirs = set(getattr(self, name)), set(getattr(other, name))
            if mine != theirs:
                out.append(f"{name}: only here {sorted(mine - theirs)[:5]}, only there {sorted(theirs - mine)[:5]}")
        if self.captures != other.captures:
            here, there = self.captures - other.captures, other.captures - self.captures
            out.append(f"captures: extra here {list(here.items())[:5]}, extra there {list(there.items())[:5]}")
        return out


def digest(db: Path) -> Digest:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        d = Digest()
        d.articles = conn.execute(
            "SELECT site, article_id, status, version, missing_streak, title, published_at, views FROM articles"
        ).fetchall()
        d.versions = conn.execute(
            "SELECT site, article_id, version, content_hash, changed_fields FROM versions"
        ).fetchall()
        d.events = conn.execute("SELECT site, article_id, event, version, detail FROM events").fetchall()
        d.footers = conn.execute(
            "SELECT site, version, content_hash, org, icp, police_record, phone, email, address, postcode FROM footers"
        ).fetchall()
        d.captures = Counter(
            conn.execute("SELECT kind, url, status, outcome, body_sha256 FROM captures").fetchall()
        )
        return d
    finally:
        conn.close()


def duplicates(db: Path) -> list[str]:
    """Anything recorded twice: a work item with two captures, two 'new' events, repeated versions."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    checks = {
        "work items with more than one capture": "SELECT work_item_id, count(*) FROM captures"
        " WHERE work_item_id IS NOT NULL GROUP BY work_item_id HAVING count(*) > 1",
        "URLs queued twice in one run": "SELECT run_id, url, count(*) FROM work_items GROUP BY run_id, url"
        " HAVING count(*) > 1",
        "articles with more than one 'new' event": "SELECT site, article_id, count(*) FROM events"
        " WHERE event = 'new' GROUP BY site, article_id HAVING count(*) > 1",
        "consecutive versions with the same content": "SELECT a.site, a.article_id, a.version FROM versions a"
        " JOIN versions b ON b.site = a.site AND b.article_id = a.article_id AND b.version = a.version + 1"
        " WHERE a.content_hash = b.content_hash",
        "identical captures": "SELECT fetched_at, url, count(*) FROM captures GROUP BY fetched_at, url,"
        " status, body_sha256 HAVING count(*) > 1",
    }
    try:
        out = []
        for what, sql in checks.items():
            rows = conn.execute(sql).fetchall()
            if rows:
                out.append(f"{what}: {rows[:5]}")
        return out
    finally:
        conn.close()


def runs(db: Path) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT id, mode, status, requests, errors FROM runs ORDER BY id").fetchall()
    finally:
        conn.close()
