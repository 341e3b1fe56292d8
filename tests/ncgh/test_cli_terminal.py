"""Small points of issue 13 item 13 on the command line: C1 controls and bidi controls in archived
text never reach the terminal (the archive and --json keep the text exact); the lock names what
holds it (crawl or reparse, pid, start time); `serve --host 999.1.1.1` says the address is bad,
not that the port is in use."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.model import CaptureIn
from archive.store import Archive
from archive.vocab import Outcome
from ncgh.cli import cli
from ncgh.commands._read import terminal_text
from ncgh.lock import CrawlLock, LockHeld
from tests.support.query import FOOTER, REQUEST_HEADERS, SITE, _headers, content, page

# C1 (with U+009B, the 8-bit CSI a terminal may act on), bidi embeddings/overrides/isolates, marks
HOSTILE = "\x85\x9b31m\x90\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
TITLE = f"标题{HOSTILE}末尾"
BODY = ["正文\u202e第一段\x9b2J。", "第二段。"]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("term") / "ncgh.db"
    with Archive(path) as archive:
        for n, (at, title, paras) in enumerate(
            [("2026-11-20T02:00:00+00:00", "旧标题\u2067", ["第一段。"]), ("2026-11-21T02:00:00+00:00", TITLE, BODY)]
        ):
            body = page(title, 10 + n, paras)
            url = "http://www.ncgh.org.cn/nczhghcms/article/1001"
            archive.record_capture(CaptureIn(
                site=SITE, url=url, final_url=url, fetched_at=at, status=200, outcome=Outcome.OK, article_id=1001,
                headers=_headers(body), request_headers=REQUEST_HEADERS, body=body, encoding="utf-8",
                encoding_source="http", parser_version="test-1", extractor="profile", content=content(title, paras),
                views=10 + n, footer=FOOTER,
            ))
    return path


CONTROLS = {ch for ch in HOSTILE if not ch.isalnum()}


def _bad(text: str) -> set[str]:
    return {ch for ch in text if ch in CONTROLS or 0x80 <= ord(ch) <= 0x9F}


@pytest.mark.parametrize("args", [["show", "1001"], ["show", "1001", "--version", "1"], ["history", "1001"],
                                  ["history", "1001", "--captures"], ["diff", "1001"], ["diff", "1001", "--color"],
                                  ["search", "标题"], ["search", "第一段"]])
def test_read_commands_strip_c1_and_bidi_controls_from_what_they_print(db: Path, args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--db", str(db)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not _bad(result.output), sorted(map(hex, map(ord, _bad(result.output))))
    assert "标题" in result.output or "旧标题" in result.output


def test_the_archive_and_json_keep_the_text_exact(db: Path) -> None:
    conn = sqlite3.connect(db)
    stored, body = conn.execute("SELECT title, body_text FROM versions WHERE version = 2").fetchone()
    conn.close()
    # (the store folds whitespace, U+0085 NEL included, as for any title; the rest is kept exactly)
    assert "\x9b31m\x90\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c末尾" in stored
    data = json.loads(CliRunner().invoke(cli, ["show", "1001", "--json", "--db", str(db)]).output)
    assert data["version"]["title"] == stored and data["version"]["body_text"] == body and "\u202e" in body


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_terminal_text_drops_exactly_the_controls_and_keeps_everything_else(text: str) -> None:
    out = terminal_text(text)
    for ch in out:
        code = ord(ch)
        assert ch in "\n\t" or not (code < 0x20 or 0x7F <= code <= 0x9F), hex(code)
        assert not (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or ch in "\u200e\u200f\u061c"), hex(code)
    kept = [ch for ch in text if ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F
            or ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")]
    assert out == "".join(kept)


# ---- the lock names its holder -----------------------------------------------------------------


def _hold(db: Path, purpose: str) -> subprocess.Popen[str]:
    code = (f"from ncgh.lock import CrawlLock; CrawlLock({str(db)!r}, {purpose!r}).acquire();"
            " print('held', flush=True); input()")
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.parametrize("purpose", ["crawl", "reparse"])
def test_lock_held_names_what_holds_it_with_pid_and_start(tmp_path: Path, purpose: str) -> None:
    proc = _hold(tmp_path / "a.db", purpose)
    try:
        with pytest.raises(LockHeld) as info:
            CrawlLock(tmp_path / "a.db").acquire()
        message = str(info.value)
        assert info.value.pid == proc.pid and f"process {proc.pid}" in message
        assert message.startswith(f"another {purpose} ") and "started 20" in message
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.slow
def test_reparse_during_a_crawl_and_crawl_during_a_reparse_say_which(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()
    proc = _hold(db, "crawl")
    try:
        result = CliRunner().invoke(cli, ["reparse", "--db", str(db)])
        assert result.exit_code == 75 and "another crawl (process" in result.output, result.output  # EX_TEMPFAIL, as crawl
    finally:
        proc.kill()
        proc.wait()
    proc = _hold(db, "reparse")
    try:
        done = subprocess.run([sys.executable, "-m", "ncgh.cli", "crawl", "--db", str(db), "--base-url", "http://127.0.0.1:9"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 75 and "another reparse (process" in done.stderr, done.stderr
    finally:
        proc.kill()
        proc.wait()


def test_reparse_interrupted_exits_130_with_the_archive_as_it_was(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "a.db"
    Archive(db).close()

    def interrupted(self, interpret, progress=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(Archive, "rebuild", interrupted)
    result = CliRunner().invoke(cli, ["reparse", "--db", str(db)])
    assert result.exit_code == 130 and "interrupted" in result.output, result.output


# ---- serve --host --------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["999.1.1.1", "no-such-host.invalid", "192.0.2.1"])
def test_serve_on_an_address_it_cannot_bind_says_so_with_the_reason(db: Path, host: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(db), "--host", host, "--port", "8765"])
    assert result.exit_code != 0 and "already in use" not in result.output, result.output
    assert result.output.startswith("Error: ") and host in result.output and "cannot listen on" in result.output
    assert len(result.output.strip().splitlines()) == 1
