"""Group commits and captures prepared ahead (issue 19, throughput): several captures per
transaction and the database-free work done in another thread must leave exactly the archive that
one transaction per capture leaves, undo a failing capture alone, and lose only the open group."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from archive.group_commit import GroupCommit
from archive.prepare import prepare_capture
from archive.search import search
from archive.store import Archive
from tests.support.archive import capture, content, missing, snapshot


def _captures(n: int = 6):
    """New articles, an edit, a revisit and a missing page: every kind of derivation."""
    out = [capture(article_id=1000 + i, day=0, c=content(seed=i, title=f"职工之家 第{i}期")) for i in range(n)]
    out.append(capture(article_id=1000, day=1, c=content(seed=0, title="职工之家 第0期 修订")))
    out.append(capture(article_id=1001, day=1, c=content(seed=1, title="职工之家 第1期")))
    out.append(missing(1002, 1))
    return out


def _fts(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT rowid FROM version_fts ORDER BY rowid")]


def test_a_group_records_exactly_what_one_transaction_per_capture_records(tmp_path):
    with Archive(tmp_path / "one.db") as one:
        results_one = [one.record_capture(c) for c in _captures()]
        expected = snapshot(one.conn)
    with Archive(tmp_path / "group.db") as grouped:
        with grouped.group_commits(max_captures=4, max_seconds=60) as group:
            results = []
            for c in _captures():
                results.append(grouped.record_capture(c, prepare_capture(c)))
                if group.due():
                    group.commit()
        assert group.commits == 3
        assert results == results_one
        assert snapshot(grouped.conn) == expected
        assert [h.article_id for h in search(grouped.conn, "修订")] == [1000]


def test_a_prepared_capture_is_used_only_for_its_own_capture(tmp_path):
    first, other = capture(article_id=1, day=0), capture(article_id=2, day=0, c=content(seed=9))
    stale = prepare_capture(other)
    with Archive(tmp_path / "a.db") as a:
        a.record_capture(first, stale)  # made from another body: ignored
        body = a.conn.execute("SELECT body_sha256 FROM captures").fetchone()[0]
        assert a.read_body(body) == first.body
        assert [h.article_id for h in search(a.conn, "贯彻十九大")] == [1]
        edited = replace(first, content=replace(first.content, title="新标题"))
        prepared = prepare_capture(first)  # same body, but the content is another object now
        assert a.record_capture(edited, prepared).duplicate  # same moment, URL and body: a duplicate


def test_a_failing_capture_in_a_group_is_undone_alone(tmp_path, monkeypatch):
    import archive.store as store

    with Archive(tmp_path / "a.db") as a:
        with a.group_commits(max_captures=100, max_seconds=60):
            a.record_capture(capture(article_id=1, day=0))
            real = store.Archive._derive

            def boom(self, capture_id, c, at, ahead=None):
                real(self, capture_id, c, at, ahead)  # the version row and its index row are made first
                raise RuntimeError("disk on fire")

            monkeypatch.setattr(store.Archive, "_derive", boom)
            with pytest.raises(RuntimeError):
                a.record_capture(capture(article_id=2, day=0, c=content(seed=5, title="失败的一篇")))
            monkeypatch.undo()
            a.record_capture(capture(article_id=3, day=0, c=content(seed=6, title="第三篇")))
        ids = [r[0] for r in a.conn.execute("SELECT article_id FROM articles ORDER BY 1")]
        assert ids == [1, 3]
        versions = [r[0] for r in a.conn.execute("SELECT id FROM versions ORDER BY id")]
        assert _fts(a.conn) == versions, "no index row of the undone capture, none missing"
        assert search(a.conn, "失败的一篇") == []
        assert [h.article_id for h in search(a.conn, "第三篇")] == [3]


def test_a_block_rolled_back_inside_a_group_takes_its_index_rows_with_it(tmp_path):
    """The version id of an undone block is used again by the next version: the index must not keep
    the undone text under it."""
    with Archive(tmp_path / "a.db") as a:
        with a.group_commits(max_captures=100, max_seconds=60):
            with pytest.raises(KeyError), a.atomic():
                a.record_capture(capture(article_id=1, day=0, c=content(seed=1, title="撤回的标题")))
                raise KeyError("the caller's own reason")
            a.record_capture(capture(article_id=2, day=0, c=content(seed=2, title="留下的标题")))
        assert search(a.conn, "撤回") == []
        assert [h.article_id for h in search(a.conn, "留下")] == [2]


_CRASHING_WRITER = """
import os, sqlite3, sys
from archive.store import Archive
from tests.support.archive import capture
writer, reader = Archive(sys.argv[1]), sqlite3.connect(sys.argv[1])
seen = lambda: reader.execute("SELECT count(*) FROM captures").fetchone()[0]
with writer.group_commits(max_captures=2, max_seconds=60) as group:
    for i in range(2):
        writer.record_capture(capture(article_id=i, day=0))
    assert seen() == 0, "a reader does not see the open group"
    assert group.due()
    group.commit()
    assert seen() == 2, "a reader sees the group once it commits"
    writer.record_capture(capture(article_id=9, day=0))
    os._exit(9)  # killed with the group open
"""


def test_readers_see_a_group_when_it_commits_and_a_crash_loses_only_the_open_group(tmp_path):
    db = tmp_path / "a.db"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", _CRASHING_WRITER, str(db)], cwd=root, capture_output=True, text=True)
    assert done.returncode == 9, done.stderr
    with Archive(db) as again:
        assert [r[0] for r in again.conn.execute("SELECT article_id FROM captures ORDER BY 1")] == [0, 1]
        assert _fts(again.conn) == [r[0] for r in again.conn.execute("SELECT id FROM versions ORDER BY id")]


def test_an_error_inside_the_group_still_commits_the_whole_captures_before_it(tmp_path):
    with Archive(tmp_path / "a.db") as a:
        with pytest.raises(ZeroDivisionError), a.group_commits(max_captures=100, max_seconds=60):
            a.record_capture(capture(article_id=1, day=0))
            1 / 0  # noqa: B018 - the crawl's own bug, after a recorded capture
        assert not a.conn.in_transaction
        assert [h.article_id for h in search(a.conn, "贯彻十九大")] == [1]


def test_a_group_is_due_by_count_or_by_age_and_opens_only_when_written():
    now = [0.0]
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    group = GroupCommit(conn, max_captures=3, max_seconds=0.5, on_rollback=lambda: None, clock=lambda: now[0])
    assert not group.open and group.remaining() is None and not group.due()
    group.begin_if_idle()
    conn.execute("INSERT INTO t VALUES (1)")
    group.counted()
    now[0] = 0.2
    assert not group.due() and group.remaining() == pytest.approx(0.3)
    now[0] = 0.5
    assert group.due()
    group.commit()
    assert not conn.in_transaction and group.commits == 1
    group.begin_if_idle()
    for _ in range(3):
        group.counted()
    assert group.due() and group.remaining() == 0.0
    with pytest.raises(ValueError):
        GroupCommit(conn, max_captures=0, max_seconds=1, on_rollback=lambda: None)


def test_group_commits_cannot_nest(tmp_path):
    with Archive(tmp_path / "a.db") as a, a.group_commits(10, 1), pytest.raises(RuntimeError), a.group_commits(10, 1):
        pass


def test_prepare_capture_is_thread_safe_and_equal_to_the_writer_s_own_work(tmp_path):
    caps = [capture(article_id=i, day=0, c=content(seed=i)) for i in range(40)]
    prepared: dict[int, object] = {}

    def work(part: list) -> None:
        for c in part:
            prepared[c.article_id] = prepare_capture(c)

    threads = [threading.Thread(target=work, args=(caps[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Archive(tmp_path / "plain.db") as plain, Archive(tmp_path / "prepared.db") as ahead:
        for c in caps:
            plain.record_capture(c)
            ahead.record_capture(c, prepared[c.article_id])
        full = "SELECT sha256, codec, stored_size, data FROM bodies ORDER BY sha256"
        assert ahead.conn.execute(full).fetchall() == plain.conn.execute(full).fetchall()
        assert snapshot(ahead.conn) == snapshot(plain.conn)
