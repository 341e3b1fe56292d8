"""Damaged archives and files that are not archives (issue 13 item 9).

`verify --full` finds damage `quick_check` misses (a capture row whose text is no longer UTF-8, an
index page, the search index's own b-trees), and every command given a damaged file or a file that is
not an archive prints one `Error:` line and exits with the documented code, never a traceback:
2 not an archive, 65 damaged (README, "Exit codes").
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.fileinfo import FileState, inspect_file
from archive.store import Archive
from archive.verify import verify
from ncgh.cli import cli
from tests.support.archive import capture, content, damage, missing

EXIT_NOT_AN_ARCHIVE = 2
EXIT_DAMAGED = 65
PAGE = 4096


@pytest.fixture(scope="module")
def sound(tmp_path_factory) -> Path:
    """A small real archive: 12 articles, each captured twice (an edit), a missing page; one file, no WAL."""
    path = tmp_path_factory.mktemp("sound") / "a.db"
    with Archive(path) as a:
        for aid in range(1, 13):
            c = content(seed=aid)
            a.record_capture(capture(aid, 0, c, views=100))
            a.record_capture(capture(aid, 1, replace(c, title=f"新标题{aid}")))
        a.record_capture(missing(13, 1))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert conn.execute("PRAGMA page_size").fetchone()[0] == PAGE
    conn.close()
    assert verify(path, full=True).ok
    return path


def _copy(sound: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.db"
    shutil.copyfile(sound, target)
    return target


def _leaf_pages(path: Path, name: str) -> list[int]:
    """The leaf pages of table or index `name`, fullest first (dbstat)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [p for (p,) in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY payload DESC, pageno", (name,)
        )]
    finally:
        conn.close()


def _flip(path: Path, offsets: list[int]) -> None:
    data = bytearray(path.read_bytes())
    for offset in offsets:
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def _damage_capture_text(path: Path) -> None:
    """One byte of a capture's url turned into 0x..^0xFF: the page's structure is intact (quick_check
    passes, and no index covers an article's url), but the text is no longer UTF-8."""
    data = path.read_bytes()
    needle = b"http://www.ncgh.org.cn/nczhghcms/article/7"
    for page in _leaf_pages(path, "captures"):
        start = (page - 1) * PAGE
        at = data.find(needle, start, start + PAGE)
        if at >= 0:
            _flip(path, [at + 4])  # the ':' of http:// becomes 0xC5, an invalid UTF-8 sequence
            return
    raise AssertionError("no capture page holds the url")


def _damage_pages(path: Path, name: str, count: int = 2) -> None:
    """Flip bytes inside the cells (not the free space) of the fullest leaf page of `name`."""
    page = _leaf_pages(path, name)[0]
    start = (page - 1) * PAGE
    header = path.read_bytes()[start:start + 8]
    content_start = int.from_bytes(header[5:7], "big")  # b-tree page header: start of the cell content area
    middle = content_start + (PAGE - content_start) // 2
    _flip(path, [start + middle + i for i in range(count)])


def ncgh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ncgh.cli", *args], capture_output=True, text=True, timeout=120)


def assert_one_error_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    text = result.stdout + result.stderr
    assert "Traceback" not in text, text[-3000:]
    assert result.returncode == code, (result.returncode, text[-2000:])
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]


# ---- verify --full finds what quick_check misses ----------------------------------------------------


@pytest.mark.slow
def test_full_check_finds_a_damaged_capture_row_that_the_quick_check_misses(sound, tmp_path):
    db = _copy(sound, tmp_path)
    _damage_capture_text(db)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA quick_check").fetchall() == [("ok",)]  # the damage quick_check cannot see
    conn.close()
    full = verify(db, full=True)
    assert not full.ok
    assert any("captures row" in p and "column url" in p and "not valid UTF-8" in p for p in full.problems), full.problems
    result = ncgh("verify", "--full", "--db", str(db))
    assert result.returncode == 1 and "PROBLEMS" in result.stdout and "Traceback" not in result.stderr


def test_full_check_finds_a_damaged_index_page(sound, tmp_path):
    db = _copy(sound, tmp_path)
    _damage_pages(db, "captures_time")
    assert verify(db).ok  # quick_check does not compare an index with its table
    full = verify(db, full=True)
    assert any("SQLite integrity_check" in p for p in full.problems), full.problems


@pytest.mark.slow
def test_full_check_runs_the_search_index_own_integrity_check(sound, tmp_path):
    db = _copy(sound, tmp_path)
    _damage_pages(db, "version_fts_data")
    assert verify(db).ok
    full = verify(db, full=True)
    assert any("FTS5 integrity-check failed" in p for p in full.problems), full.problems
    before = db.read_bytes()
    verify(db, full=True)
    assert db.read_bytes() == before  # the FTS check's transaction is rolled back: nothing written


@pytest.mark.slow
def test_full_check_of_a_sound_archive_is_ok_and_says_so(sound):
    result = ncgh("verify", "--full", "--db", str(sound))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "full check" in result.stdout


def test_full_check_finds_a_value_of_the_wrong_type(sound, tmp_path):
    db = _copy(sound, tmp_path)
    damage(db, "UPDATE captures SET status = 'two hundred' WHERE id = 3")
    problems = verify(db, full=True).problems
    assert any("captures row 3: column status holds a text value" in p for p in problems), problems


def test_verify_reports_two_captures_of_one_work_item(sound, tmp_path):
    db = _copy(sound, tmp_path)
    damage(db, "UPDATE captures SET work_item_id = 41 WHERE id IN (2, 5)")
    report = verify(db)
    assert report.duplicate_captures == 1
    assert any("work item 41: recorded 2 times (captures 2, 5)" in p for p in report.problems), report.problems


# ---- every command on a damaged archive: one Error line, exit 65 ------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["reparse"],
    ["export", "warc", "-o", "{out}.warc"],
    ["history", "7"],
])
def test_commands_on_a_damaged_capture_row_print_one_error_line_and_exit_65(sound, tmp_path, argv):
    db = _copy(sound, tmp_path)
    _damage_capture_text(db)
    argv = [a.format(out=tmp_path / "out") for a in argv]
    result = ncgh(*argv, "--db", str(db))
    assert_one_error_line(result, EXIT_DAMAGED, "damaged", "verify --full")
    assert not list(tmp_path.glob("out*"))  # a failed export leaves nothing behind


@pytest.mark.parametrize("to", ["file", "stdout"])
def test_export_warc_of_a_damaged_body_is_exit_65_and_says_what_was_written(sound, tmp_path, to):
    db = _copy(sound, tmp_path)
    damage(db, "UPDATE bodies SET data = zeroblob(16) WHERE sha256 = (SELECT body_sha256 FROM captures WHERE id = 3)")
    out = tmp_path / "out.warc"
    result = ncgh("export", "warc", "-o", str(out) if to == "file" else "-", "--db", str(db))
    assert_one_error_line(result, EXIT_DAMAGED, "capture 3", "verify --full")  # exit 1, "nothing was written", before
    if to == "file":
        assert "nothing was written to" in result.stderr and not out.exists()
    else:
        assert "the output has what was written before it" in result.stderr and result.stdout


# ---- every command on a file that is not an archive: one Error line, exit 2 -------------------------


def _not_an_archive(kind: str, path: Path) -> None:
    if kind == "text file":
        path.write_text("这不是档案\nnot an archive\n" * 40, encoding="utf-8")
    elif kind == "zero-byte file":
        path.write_bytes(b"")
    elif kind == "SQLite of another program":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE notes (x TEXT)")
        conn.commit()
        conn.close()
    elif kind == "empty SQLite":
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA user_version = 1")  # a valid SQLite file with no table at all
        conn.commit()
        conn.close()


READ_COMMANDS = [
    ["verify"], ["verify", "--full"], ["reparse"], ["stats"], ["search", "职工"], ["show", "1"], ["history", "1"],
    ["diff", "1"], ["sql", "SELECT 1"], ["export", "csv", "-o", "{out}.csv"], ["export", "warc", "-o", "{out}.warc"],
]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["text file", "zero-byte file", "SQLite of another program", "empty SQLite"])
def test_every_command_on_a_file_that_is_not_an_archive_prints_one_error_line_and_exits_2(tmp_path, kind):
    db = tmp_path / "x.db"
    _not_an_archive(kind, db)
    before = db.read_bytes()
    commands = list(READ_COMMANDS)
    if kind in ("text file", "SQLite of another program"):  # crawl may start an archive in an empty file
        commands.append(["crawl", "--base-url", "http://127.0.0.1:9/", "--max-requests", "0"])
    for argv in commands:
        argv = [a.format(out=tmp_path / "out") for a in argv]
        result = ncgh(*argv, "--db", str(db))
        assert_one_error_line(result, EXIT_NOT_AN_ARCHIVE, "not an ncgh archive")
        assert db.read_bytes() == before, argv  # nothing written into someone else's file
    assert not list(tmp_path.glob("out*"))


@pytest.mark.slow
def test_crawl_on_a_text_file_no_longer_claims_the_archive_is_intact(tmp_path):
    db = tmp_path / "x.db"
    _not_an_archive("text file", db)
    result = ncgh("crawl", "--db", str(db), "--base-url", "http://127.0.0.1:9/")
    assert_one_error_line(result, EXIT_NOT_AN_ARCHIVE, "not an ncgh archive")
    assert "intact" not in result.stderr


def test_inspect_file_tells_the_kinds_apart(sound, tmp_path):
    assert inspect_file(sound).state is FileState.ARCHIVE
    assert inspect_file(tmp_path / "none.db").state is FileState.MISSING
    for kind, state in [("text file", FileState.NOT_SQLITE), ("zero-byte file", FileState.EMPTY),
                        ("SQLite of another program", FileState.NOT_AN_ARCHIVE), ("empty SQLite", FileState.EMPTY)]:
        path = tmp_path / f"{kind}.db"
        _not_an_archive(kind, path)
        assert inspect_file(path).state is state, kind


# ---- any byte flip: no command shows a traceback ----------------------------------------------------

FLIP_COMMANDS = [
    ["verify", "--full"], ["reparse"], ["stats"], ["search", "职工"], ["history", "3"], ["show", "3"],
    ["sql", "SELECT count(*), max(url) FROM captures"], ["export", "jsonl", "-o", "{out}", "--force"],
    ["export", "warc", "-o", "{out}", "--force"],
]
DOCUMENTED = {0, 1, 2, 65, 74, 75}


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_command_shows_a_traceback_whatever_bytes_are_flipped(sound, tmp_path, data):
    """In-process (CliRunner runs the same `cli` entry point, the error mapping included), so that a
    dozen damaged files times nine commands take seconds, not minutes."""
    db = tmp_path / "flip.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(sound, db)
    size = db.stat().st_size
    offsets = data.draw(st.lists(st.integers(0, size - 1), min_size=1, max_size=24), label="offsets")
    _flip(db, offsets)
    runner = CliRunner()
    for argv in FLIP_COMMANDS:
        argv = [a.format(out=tmp_path / "out") for a in argv]
        result = runner.invoke(cli, [*argv, "--db", str(db)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            argv, offsets, repr(result.exception))
        assert result.exit_code in DOCUMENTED, (argv, offsets, result.exit_code, result.output[-500:])
        if result.exit_code in (2, 65, 74, 75):
            assert sum(line.startswith("Error:") for line in result.output.splitlines()) == 1, result.output


def test_the_damage_helpers_really_damage(sound, tmp_path):
    """The fixtures above would prove nothing if the copy were left sound."""
    db = _copy(sound, tmp_path)
    _damage_capture_text(db)
    assert db.read_bytes() != sound.read_bytes()
    assert os.path.getsize(db) == os.path.getsize(sound)
