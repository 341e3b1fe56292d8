"""Rebuild: replaying stored captures through the parser re-derives the archive exactly."""

from __future__ import annotations

from dataclasses import replace

import pytest

from archive.store import Archive
from archive.verify import verify
from tests.support.archive import (
    FOOTER,
    SITE,
    capture,
    content,
    fetch_error,
    make_interpret,
    missing,
    snapshot,
)


def plain(**changes):
    return content(images=(), signature=None, **changes)


def history(archive: Archive) -> None:
    """A month of a small site: new articles, view-only revisits, an encoding flip, edits, a footer
    change, a parse failure, a partial parse, every kind of deletion, fetch errors and a restore."""
    c1, c2, c3 = plain(seed=1), plain(seed=2, title="【基层工会动态】职工运动会"), plain(seed=3, title="劳模表彰")
    captures = []
    record = captures.append
    record(capture(1, 0, c1, views=10))
    record(capture(2, 0, c2, views=20))
    record(capture(3, 0, c3, views=30))
    record(capture(1, 1, c1, views=11, encoding="gbk"))
    record(capture(2, 1, replace(c2, body_text=c2.body_text + "\n\n补记。", body_html=c2.body_html + "<p>补记。</p>"), views=25))
    record(capture(3, 1, outcome="parse_error", body=b"<html><body>502 proxy page</body></html>", parse_error="no title or body element"))
    record(capture(1, 2, c1, views=12, footer=replace(FOOTER, icp="赣ICP备2025061944号-1")))
    record(capture(3, 2, replace(c3, title=None), views=31))  # partial parse after a full one
    record(missing(1, 3, "http_404"))
    record(fetch_error(1, 4, "timeout"))
    record(missing(1, 5, "not_exist_page"))  # gone
    record(missing(2, 3, "redirect_home"))
    record(missing(2, 4, "redirect_home"))  # gone
    record(capture(1, 6, c1, views=14))  # restored
    record(capture(3, 6, replace(c3, published_at="2018-10-13"), views=40))  # edited
    record(missing(4, 6, "http_410"))  # never seen
    record(fetch_error(2, 7, "http_status", 503))
    for c in sorted(captures, key=lambda c: c.fetched_at):  # a crawl records in time order
        archive.record_capture(c)


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "r.db") as a:
        history(a)
        yield a


def test_history_is_as_expected(archive):
    assert archive.queue.article_state(SITE, 1).status == "live"
    assert archive.queue.article_state(SITE, 2).status == "gone"
    assert archive.queue.article_state(SITE, 3).version == 2
    events = archive.conn.execute("SELECT article_id, event FROM events ORDER BY id").fetchall()
    assert events == [
        (1, "new"), (2, "new"), (3, "new"), (2, "edited"), (2, "gone"), (1, "gone"), (1, "restored"), (3, "edited"),
    ]  # fmt: skip
    assert verify(archive.path).ok


def test_rebuild_with_the_same_parser_is_identical(archive):
    before = snapshot(archive.conn)
    report = archive.rebuild(make_interpret())
    assert snapshot(archive.conn) == before
    assert report.captures == 17
    assert (report.versions, report.versions_before) == (5, 5)
    assert report.events == report.events_before == 8
    assert report.outcomes == {"ok": 8, "parse_error": 2, "missing": 5, "fetch_error": 2}
    assert verify(archive.path).ok


def test_rebuild_with_a_new_parser_rederives_versions(archive):
    raw_before = archive.conn.execute(
        "SELECT id, url, final_url, fetched_at, status, headers_json, body_sha256 FROM captures ORDER BY id"
    ).fetchall()
    archive.rebuild(make_interpret(parser_version="test-2", column_from_title=True))
    rows = archive.conn.execute(
        "SELECT title, column_name, parser_version, changed_fields FROM versions WHERE article_id = 2 ORDER BY version"
    ).fetchall()
    assert rows[0][:3] == ("职工运动会", "基层工会动态", "test-2")
    assert '"column"' in rows[0][3]
    raw_after = archive.conn.execute(
        "SELECT id, url, final_url, fetched_at, status, headers_json, body_sha256 FROM captures ORDER BY id"
    ).fetchall()
    assert raw_after == raw_before  # raw captures are never touched
    assert verify(archive.path).ok
    # and back: the old parser restores the original derivation
    archive.rebuild(make_interpret())
    assert archive.conn.execute("SELECT column_name FROM versions WHERE article_id = 2").fetchall() == [(None,), (None,)]


def test_failed_rebuild_leaves_the_archive_as_it_was(archive):
    before = snapshot(archive.conn)
    interpret = make_interpret()
    calls = []

    def flaky(stored, body):
        calls.append(stored.id)
        if len(calls) == 9:
            raise RuntimeError("parser crashed")
        return interpret(stored, body)

    with pytest.raises(RuntimeError, match="parser crashed"):
        archive.rebuild(flaky)
    assert snapshot(archive.conn) == before
    assert archive.rebuild(interpret).captures == 17


def test_rebuild_refuses_an_interpretation_it_cannot_store(archive):
    interpret = make_interpret()

    def bad(stored, body):
        c = interpret(stored, body)
        c.outcome = "maybe"
        return c

    with pytest.raises(ValueError, match="outcome 'maybe'"):
        archive.rebuild(bad)
    assert archive.conn.execute("SELECT count(*) FROM versions").fetchone()[0] == 5


def test_rebuild_replays_in_capture_time_order(tmp_path):
    """Captures recorded out of order (an import) are replayed by fetched_at."""
    with Archive(tmp_path / "o.db") as archive:
        c = plain()
        archive.record_capture(capture(1, 2, replace(c, title="后来的标题")))
        archive.record_capture(capture(1, 0, c))
        archive.rebuild(make_interpret())
        rows = archive.conn.execute("SELECT version, title FROM versions ORDER BY version").fetchall()
        assert rows == [(1, c.title), (2, "后来的标题")]
