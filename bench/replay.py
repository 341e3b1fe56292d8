"""Replay an exported WARC in pywb over loopback and check every article capture replays complete.

Shared by tests/ncgh/test_replay.py and bench/bench_assets.py. A capture "replays fully" when pywb,
asked for the page at the capture's moment (`id_` mode: the archived bytes untouched), answers 200
with the bytes the capture holds (a 304 capture: those of the 200 it repeats), and every image,
stylesheet, script and attachment the page references on its own host, and every image those
stylesheets name, answers 200 there with bytes the archive holds for that URL.

pywb is a test dependency (the `[test]` extra); `pywb_available()` says whether it can run here.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests

from archive.bodies import read_body, sha256_hex
from scraper.requisites import css_requisites, page_requisites

COLLECTION = "ncgh"


def pywb_available() -> str | None:
    """None when pywb can run here, else why not (a test's skip reason)."""
    try:
        import pywb  # noqa: F401
    except ImportError:
        return "pywb is not installed (python3 -m pip install -e '.[test]')"
    if shutil.which("wb-manager") is None and not _module_runs("pywb.manager.manager"):
        return "pywb's wb-manager is not on PATH"
    return None


def _module_runs(name: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True).returncode == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pywb:
    """A pywb server on 127.0.0.1 replaying one WARC file (a context manager; `url` is the collection)."""

    def __init__(self, warc: Path, workdir: Path):
        self.warc = Path(warc)
        self.workdir = Path(workdir)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def __enter__(self) -> Pywb:
        self.workdir.mkdir(parents=True, exist_ok=True)
        manager = [sys.executable, "-c", "from pywb.manager.manager import main; main()"]
        for args in (["init", COLLECTION], ["add", COLLECTION, str(self.warc)]):
            done = subprocess.run(manager + args, cwd=self.workdir, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                raise RuntimeError(f"wb-manager {' '.join(args)} failed: {done.stderr[-2000:]}")
        self.port = _free_port()
        # Its log goes to a file: pywb logs every request, and an unread pipe would stall it once full.
        self.log = self.workdir / "pywb.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", "from pywb.apps.cli import wayback; wayback()", "-p", str(self.port),
                 "-b", "127.0.0.1", "-d", str(self.workdir)],
                cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pywb exited: {self.log.read_text(errors='replace')[-2000:]}")
            try:
                requests.get(f"http://127.0.0.1:{self.port}/", timeout=2)
                return self
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError("pywb did not start within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{COLLECTION}"

    def get(self, timestamp: str, url: str) -> requests.Response:
        """The archived answer for `url` nearest `timestamp`, unrewritten (`id_` mode)."""
        return requests.get(f"{self.url}/{timestamp}id_/{url}", timeout=120, allow_redirects=False)


@dataclass
class ReplayReport:
    captures: int = 0
    full: int = 0
    failures: list[str] = field(default_factory=list)  # one line per capture that did not replay fully
    requisites_checked: int = 0

    @property
    def share(self) -> float:
        return self.full / self.captures if self.captures else 0.0


def _timestamp(fetched_at: str) -> str:
    return datetime.fromisoformat(fetched_at).strftime("%Y%m%d%H%M%S")


def _held(conn: sqlite3.Connection, url: str) -> set[str]:
    """Every body digest the archive holds for `url` (as an asset or page capture)."""
    return {r[0] for r in conn.execute("SELECT body_sha256 FROM captures WHERE url = ? AND body_sha256 IS NOT NULL", (url,))}


def check_replay(pywb: Pywb, db: Path, limit: int | None = None) -> ReplayReport:
    """Ask pywb for every capture that shows an article (200 or 304) of the archive at `db`; see the
    module doc. A 200 that was no article (an article URL redirected to the home page when deleted)
    is left out: it is a capture of the home page, whose requisites are not fetched."""
    conn = sqlite3.connect(db)
    report = ReplayReport()
    try:
        rows = conn.execute(
            "SELECT id, ifnull(final_url, url), fetched_at, status, body_sha256 FROM captures"
            " WHERE kind = 'article' AND status IN (200, 304) AND outcome IN ('ok', 'not_modified')"
            " ORDER BY fetched_at, id"
            + (f" LIMIT {int(limit)}" if limit else "")
        ).fetchall()
        for capture_id, uri, fetched_at, status, sha in rows:
            report.captures += 1
            if status == 304:
                before = conn.execute(
                    "SELECT body_sha256 FROM captures WHERE ifnull(final_url, url) = ? AND status = 200"
                    " AND fetched_at <= ? ORDER BY fetched_at DESC, id DESC LIMIT 1",
                    (uri, fetched_at),
                ).fetchone()
                sha = before[0] if before else None
            problem = _check_one(pywb, conn, uri, _timestamp(fetched_at), sha, report)
            if problem is None:
                report.full += 1
            else:
                report.failures.append(f"capture {capture_id} {uri} at {fetched_at}: {problem}")
    finally:
        conn.close()
    return report


def _check_one(pywb: Pywb, conn: sqlite3.Connection, uri: str, ts: str, sha: str | None, report: ReplayReport) -> str | None:
    page = pywb.get(ts, uri)
    if page.status_code != 200:
        return f"page answered {page.status_code}"
    if sha is None or sha256_hex(page.content) != sha:
        return "page bytes differ from the capture's"
    host = urlsplit(uri).netloc
    pending = [r for r in page_requisites(page.content, uri, page.headers.get("Content-Type")) if urlsplit(r.url).netloc == host]
    seen: set[str] = set()
    while pending:
        req = pending.pop()
        if req.url in seen or req.role.value == "video":
            continue
        seen.add(req.url)
        report.requisites_checked += 1
        answer = pywb.get(ts, req.url)
        if answer.status_code != 200:
            return f"{req.role.value} {req.url} answered {answer.status_code}"
        digest = sha256_hex(answer.content)
        if digest not in _held(conn, req.url):
            return f"{req.role.value} {req.url}: bytes not those archived"
        if req.role.value == "stylesheet":
            pending += [r for r in css_requisites(answer.content, req.url) if urlsplit(r.url).netloc == host]
    return None


def exact_bytes(pywb: Pywb, conn: sqlite3.Connection, url: str, ts: str) -> bool:
    """pywb serves `url` at `ts` with exactly the bytes of the archive's latest capture of it."""
    row = conn.execute(
        "SELECT body_sha256 FROM captures WHERE url = ? AND status = 200 ORDER BY fetched_at DESC LIMIT 1", (url,)
    ).fetchone()
    answer = pywb.get(ts, url)
    return row is not None and answer.status_code == 200 and answer.content == read_body(conn, row[0])
