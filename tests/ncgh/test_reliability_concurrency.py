"""Concurrency: a second crawl of the same archive is refused (exit 75) without harm, and readers
(`ncgh serve`, `ncgh export`, plain SQL and search) work throughout a crawl: no "database is locked",
no torn reads, and the archive verifies clean afterwards."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import urllib.request

import pytest

from archive.schema import connect
from archive.search import search
from archive.store import Archive
from bench.reliability import (
    crawl_argv,
    digest,
    duplicates,
    ncgh,
    progress,
    small_site,
    start,
    write_config,
)
from simulator import SimServer


def _wait_for_progress(db, proc, at_least: int = 1) -> None:
    deadline = time.monotonic() + 30
    while progress(db) < at_least and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)


@pytest.mark.slow
def test_second_crawl_exits_75_and_the_first_completes(tmp_path):
    articles = 60
    # The first crawl's progress is read from outside, and a group commit shows its captures only when
    # it commits: small groups let the second crawl start while the first is surely still running.
    config = write_config(tmp_path / "config.toml", articles, archive={"commit_captures": 5})
    with SimServer(small_site(articles)) as srv:
        reference = tmp_path / "reference.db"
        assert ncgh(*crawl_argv(config, reference, srv.url)[3:]).returncode == 0
        db = tmp_path / "archive.db"
        first = start(crawl_argv(config, db, srv.url))
        _wait_for_progress(db, first)
        assert first.poll() is None, "the first crawl ended before the second could start"
        second = ncgh(*crawl_argv(config, db, srv.url, "incremental")[3:])
        still_running = first.poll() is None
        _, err = first.communicate(timeout=120)
    assert second.returncode == 75, second.stderr
    assert "another crawl" in second.stderr and "Traceback" not in second.stderr
    assert still_running, "the refused crawl did not disturb the running one"
    assert first.returncode == 0, err
    assert digest(db).differences(digest(reference)) == []
    assert duplicates(db) == []
    assert ncgh("verify", "--db", str(db)).returncode == 0


def _wait_for_server(port: int, proc) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("ncgh serve did not answer within 60 s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Readers:
    """Reader loops in threads; every failure is kept with what was doing it."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}
        self.threads: list[threading.Thread] = []

    def run(self, name: str, once) -> None:
        def loop() -> None:
            while not self.stop.is_set():
                try:
                    once()
                    self.counts[name] = self.counts.get(name, 0) + 1
                except Exception as exc:  # noqa: BLE001 - every failure is the finding
                    self.errors.append(f"{name}: {type(exc).__name__}: {exc}")
                    time.sleep(0.05)

        thread = threading.Thread(target=loop, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def join(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)


@pytest.mark.slow
def test_readers_during_a_crawl_never_fail_or_see_a_locked_database(tmp_path):
    articles = 90
    config = write_config(tmp_path / "config.toml", articles, fetch={"concurrency_per_host": 2})
    db = tmp_path / "archive.db"
    out = tmp_path / "export.jsonl"
    port = _free_port()
    Archive(db).close()  # an empty archive, so the server is up before the crawl starts
    serve = start([sys.executable, "-m", "ncgh.cli", "serve", "--db", str(db), "--port", str(port)])
    readers = Readers()
    with SimServer(small_site(articles)) as srv:
        try:
            _wait_for_server(port, serve)
            crawl = start(crawl_argv(config, db, srv.url))

            def sql() -> None:
                conn = connect(db, readonly=True)
                try:
                    conn.execute("BEGIN")  # one snapshot for both counts
                    with_versions = conn.execute("SELECT count(*) FROM articles WHERE version IS NOT NULL").fetchone()[0]
                    versions = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
                    assert versions == with_versions, (versions, with_versions)  # one version each, read consistently
                    conn.execute("COMMIT")
                    search(conn, "工会", limit=5)
                finally:
                    conn.close()

            def export() -> None:
                result = ncgh("export", "jsonl", "--db", str(db), "-o", str(out), "--force")
                assert result.returncode == 0, result.stderr
                rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
                assert all(row["article_id"] for row in rows)

            def page() -> None:
                for path in ("/", "/ncgh/articles.json?_size=5", "/-/search?q=%E5%B7%A5%E4%BC%9A"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as resp:
                        assert resp.status == 200

            readers.run("sql", sql)
            readers.run("export", export)
            readers.run("serve", page)
            _, crawl_err = crawl.communicate(timeout=120)
        finally:
            readers.join()
            serve.terminate()
            _, serve_err = serve.communicate(timeout=30)
    assert crawl.returncode == 0, crawl_err
    assert readers.errors == [], readers.errors[:5]
    assert "locked" not in serve_err and "Traceback" not in serve_err, serve_err[-2000:]
    assert readers.counts.get("sql", 0) >= 5 and readers.counts.get("export", 0) >= 1, readers.counts
    assert readers.counts.get("serve", 0) >= 3, (readers.counts, serve_err[-2000:])
    assert duplicates(db) == []
    assert ncgh("verify", "--db", str(db)).returncode == 0
