"""Migrations from a database written in the version 1 layout: nothing lost, everything still works."""

from __future__ import annotations

import json
from dataclasses import replace

from support_archive import SITE, at, capture, content

from archive.bodies import BodyStore
from archive.query import open_readonly
from archive.schema import MIGRATIONS, SCHEMA_VERSION, connect, current_version, migrate
from archive.store import Archive
from archive.verify import verify

REQ = [["User-Agent", "ncgh-archive/0.1"], ["Accept-Encoding", "gzip, deflate"]]
REQ_COND = [*REQ, ["If-None-Match", '"v1"']]


def _json(value: object) -> str:
    """JSON as version 1 wrote it (compact, real characters)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _write_v1(path) -> list[tuple[str, bytes, list]]:
    """A version 1 file as the version 1 program left it: bodies (a full frame and a patch), runs, captures."""
    conn = connect(path)
    assert migrate(conn, MIGRATIONS[:1]) == 1
    rows = []
    conn.execute("BEGIN IMMEDIATE")
    bodies = BodyStore(conn)
    conn.execute("INSERT INTO runs (id, mode, started_at) VALUES (1, 'full', ?)", (at(0),))
    base = None
    for day, req in ((0, REQ), (1, REQ_COND), (2, REQ)):
        c = capture(1, day, content(), views=100 + day)
        sha = bodies.put(c.body, base)
        base = sha
        conn.execute(
            "INSERT INTO captures (run_id, site, article_id, kind, url, final_url, fetched_at, status, headers_json,"
            " request_headers_json, body_sha256, body_size, outcome, views) VALUES (1, ?, 1, 'article', ?, ?, ?, 200,"
            " ?, ?, ?, ?, 'ok', ?)",
            (SITE, c.url, c.url, at(day).replace("+00:00", ".000000+00:00"), _json([["Content-Type", "text/html"]]),
             _json(req), sha, len(c.body), c.views),
        )
        rows.append((sha, c.body, req))
    conn.execute("COMMIT")
    assert conn.execute("SELECT codec FROM bodies ORDER BY depth").fetchall() == [("zstd",), ("patch",), ("patch",)]
    conn.close()
    return rows


def test_v1_archive_migrates_without_losing_anything(tmp_path):
    path = tmp_path / "v1.db"
    written = _write_v1(path)
    with Archive(path) as archive:
        conn = archive.conn
        assert current_version(conn) == SCHEMA_VERSION >= 2
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "captures_time" in indexes and "captures_identity" not in indexes
        columns = {r[1] for r in conn.execute("PRAGMA table_info(captures)")}
        assert "request_headers_id" in columns and "request_headers_json" not in columns
        assert conn.execute("SELECT count(*) FROM header_sets").fetchone()[0] == 2  # two distinct sets
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # back on after the rebuild
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        # version 3: final_url only where a redirect made it differ; readers still get the full URL
        assert conn.execute("SELECT count(*) FROM captures WHERE final_url IS NULL").fetchone()[0] == 3
        stored = archive.captures_of(SITE, 1)
        assert all(s.final_url == s.url for s in stored)
        assert [s.body_sha256 for s in stored] == [sha for sha, _, _ in written]
        for s, (sha, body, req) in zip(stored, written, strict=True):
            assert archive.read_body(sha) == body
            assert s.request_headers == [tuple(h) for h in req]
        # the old rows still count for identity: recording day 1 again is a duplicate
        again = capture(1, 1, content(), views=101, request_headers=[tuple(h) for h in REQ_COND])
        assert archive.record_capture(again).duplicate
        # a new capture deltas against the migrated bodies and reuses a header set
        new = archive.record_capture(capture(1, 3, content(), views=200, request_headers=[tuple(h) for h in REQ]))
        assert not new.duplicate
        assert conn.execute("SELECT count(*) FROM header_sets").fetchone()[0] == 2
        assert archive.bodies.info(archive.stored_capture(new.capture_id).body_sha256).codec == "patch"
        moved = "http://ncgh.org.cn/article/1"
        redirected = archive.record_capture(capture(1, 4, content(), views=201, final_url=moved))
        raw = conn.execute("SELECT url, final_url FROM captures WHERE id = ?", (redirected.capture_id,)).fetchone()
        assert raw == ("http://www.ncgh.org.cn/nczhghcms/article/1", moved)
        assert archive.stored_capture(redirected.capture_id).final_url == moved

        # re-deriving gives the migrated captures their versions and events
        def interpret(s, body):
            return replace(s.to_capture_in(body), outcome="ok", content=content())

        report = archive.rebuild(interpret)
        assert (report.captures, report.versions) == (5, 1)
    assert verify(path).ok, verify(path).problems


def test_a_reader_migrates_an_old_archive_before_reading(tmp_path):
    path = tmp_path / "v1.db"
    _write_v1(path)
    conn = open_readonly(path)
    try:
        assert current_version(conn) == SCHEMA_VERSION
        assert conn.execute("SELECT count(*) FROM captures WHERE request_headers_id IS NOT NULL").fetchone()[0] == 3
    finally:
        conn.close()
