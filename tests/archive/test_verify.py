"""Integrity check: a sound archive passes; each kind of damage is reported; the CLI exits 1."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest
from click.testing import CliRunner

from archive.store import Archive
from archive.verify import format_report, verify
from ncgh.cli import cli
from tests.support.archive import capture, content, damage, missing


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "v.db"
    with Archive(path) as a:
        c = content()
        for day in range(4):
            a.record_capture(capture(1, day, c, views=100 + day))
        a.record_capture(capture(1, 4, replace(c, title="新标题")))
        a.record_capture(capture(2, 0, content(seed=9, title="职工之家")))
        a.record_capture(missing(2, 1))
        a.record_capture(missing(2, 2))
    return path


def test_sound_archive_passes(db):
    report = verify(db)
    assert report.ok, report.problems
    assert (report.bodies, report.captures, report.articles, report.versions, report.fts_rows) == (6, 8, 2, 3, 3)
    assert report.events == 4 and report.footer_versions == 1
    assert report.stored_bytes < report.body_bytes
    assert "OK" in format_report(report, db)


def test_a_lost_edit_event_is_reported(db):
    damage(db, "DELETE FROM events WHERE event = 'edited'")
    report = verify(db)
    assert "article ncgh/1 version 2: no edited event from its capture 5" in report.problems, report.problems


def test_a_deleted_capture_that_events_or_work_items_refer_to_is_reported(db):
    conn = sqlite3.connect(db)
    cid = conn.execute("SELECT capture_id FROM events WHERE event = 'gone'").fetchone()[0]
    conn.close()
    damage(db, f"DELETE FROM captures WHERE id = {cid}")
    report = verify(db)
    assert any(p.startswith("event ") and f"refers to capture {cid}, which does not exist" in p for p in report.problems), report.problems


def test_corrupt_body_is_reported(db):
    damage(db, "UPDATE bodies SET data = x'00112233' WHERE depth = 0 AND sha256 = (SELECT body_sha256 FROM captures WHERE body_sha256 IS NOT NULL ORDER BY id LIMIT 1)")
    report = verify(db)
    assert not report.ok
    assert any("cannot decompress" in p for p in report.problems)


def test_tampered_patch_fails_its_hash(db):
    conn = sqlite3.connect(db)
    patches = [r[0] for r in conn.execute("SELECT sha256 FROM bodies WHERE codec = 'patch'")]
    conn.close()
    assert patches
    # CAST: `||` makes text, and a text `data` column is not a tampered patch but an unreadable row.
    damage(db, "UPDATE bodies SET data = CAST(x'0102' || substr(data, 3) AS BLOB) WHERE codec = 'patch'")
    report = verify(db)
    assert any("do not match the stored SHA-256" in p for p in report.problems), report.problems
    for sha in patches:
        assert any(p.startswith(f"body {sha}: ") for p in report.problems), (sha, report.problems)


def test_missing_body_is_reported_for_the_capture(db):
    damage(db, "DELETE FROM bodies WHERE sha256 = (SELECT body_sha256 FROM captures WHERE id = 6)")
    report = verify(db)
    assert any(p.startswith("capture 6: body") and "not stored" in p for p in report.problems)


def test_version_gap_and_false_changed_fields_are_reported(db):
    damage(db, "UPDATE versions SET changed_fields = '[\"body_text\"]' WHERE article_id = 1 AND version = 2")
    report = verify(db)
    assert any("changed_fields" in p and "['title']" in p for p in report.problems)
    damage(db, "UPDATE versions SET version = 3 WHERE article_id = 1 AND version = 2")
    report = verify(db)
    assert any("expected version 2" in p for p in report.problems)
    assert any("current version 2 but its newest version is 3" in p for p in report.problems)


def test_changed_content_without_hash_update_is_reported(db):
    damage(db, "UPDATE versions SET body_text = body_text || '篡改' WHERE article_id = 2")
    report = verify(db)
    assert any("content_hash" in p for p in report.problems)


def test_status_contradicting_events_is_reported(db):
    damage(db, "UPDATE articles SET status = 'live' WHERE article_id = 2")
    assert any("status live" in p for p in verify(db).problems)


def test_fts_out_of_sync_is_reported(db):
    with Archive(db) as a:
        a.conn.execute("INSERT INTO version_fts (rowid, title, body) VALUES (99, 'x', 'y')")
        title, body, vid = a.conn.execute("SELECT title, body_text, id FROM versions WHERE article_id = 2").fetchone()
        from archive.search import index_text

        a.conn.execute(
            "INSERT INTO version_fts (version_fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
            (vid, index_text(title), index_text(body)),
        )
        a.conn.execute("INSERT INTO version_fts (rowid, title, body) VALUES (?, '', '')", (vid,))
    problems = verify(db).problems
    assert any("row 99 indexes no version" in p for p in problems)
    assert any("not found by its own text" in p for p in problems)


def test_missing_file_and_non_archive(tmp_path):
    assert not verify(tmp_path / "none.db").ok
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    report = verify(other)
    assert not report.ok and "not an ncgh archive" in report.problems[0]


def test_cli_exit_codes(db):
    runner = CliRunner()
    result = runner.invoke(cli, ["verify", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "versions: 3" in result.output
    damage(db, "UPDATE bodies SET data = x'00' WHERE sha256 = (SELECT body_sha256 FROM captures WHERE body_sha256 IS NOT NULL ORDER BY id LIMIT 1)")
    result = runner.invoke(cli, ["verify", "--db", str(db)])
    assert result.exit_code == 1
    assert "PROBLEMS:" in result.output and "cannot decompress" in result.output
    assert "cannot be rebuilt from its delta chain" in result.output  # the bodies coded against it


def test_dangling_version_references_are_reported(db):
    damage(db, "UPDATE captures SET version = 9 WHERE id = 1", "UPDATE captures SET footer_version = 4 WHERE id = 2")
    problems = verify(db).problems
    assert any(p.startswith("capture 1: shows version 9") for p in problems)
    assert any(p.startswith("capture 2: shows footer version 4") for p in problems)


def test_verify_reads_one_snapshot_while_a_crawl_writes(db, monkeypatch):
    import archive.verify as verify_module

    original = verify_module._check_fts
    writer = Archive(db)

    def write_in_between(conn, report):
        # a crawl commits a new version between the version checks and the index check
        writer.record_capture(capture(3, 5, content(seed=33, title="新文章")))
        original(conn, report)

    monkeypatch.setattr(verify_module, "_check_fts", write_in_between)
    report = verify(db)
    writer.close()
    assert report.ok, report.problems
    assert report.versions == report.fts_rows == 3
