"""Schema version, migrations, and concurrent access without "database is locked"."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from support_archive import capture, content

from archive.schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Migration,
    SchemaError,
    connect,
    current_version,
    migrate,
)
from archive.search import search
from archive.store import Archive


def test_new_archive_gets_the_current_schema_in_wal_mode(tmp_path):
    path = tmp_path / "new.db"
    with Archive(path) as archive:
        assert current_version(archive.conn) == SCHEMA_VERSION == MIGRATIONS[-1].version
        assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert archive.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 30000
        rows = archive.conn.execute("SELECT version, description FROM schema_version").fetchall()
        assert rows == [(m.version, m.description) for m in MIGRATIONS]
        assert rows[0] == (1, "initial schema")
    with Archive(path) as archive:  # reopening migrates nothing
        assert archive.conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


def test_every_table_and_column_is_documented(tmp_path):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "schema.md").read_text(encoding="utf-8")
    conn = connect(tmp_path / "d.db")
    migrate(conn)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'version_fts_%'")]
    for table in tables:
        assert f"`{table}`" in doc, f"table {table} is not documented"
        if table == "version_fts":
            continue
        for (column,) in conn.execute(f"SELECT name FROM pragma_table_info('{table}')"):
            assert column in doc, f"column {table}.{column} is not documented"


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    Archive(path).close()
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (?, '2030-01-01', 'from the future')", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="newer than this program"):
        Archive(path)


def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaError, match="not an ncgh archive"):
        Archive(path)


def test_concurrent_openers_migrate_once(tmp_path):
    path = tmp_path / "race.db"
    errors: list[BaseException] = []

    def open_it():
        try:
            Archive(path).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def test_readers_and_a_second_writer_wait_instead_of_failing(tmp_path):
    path = tmp_path / "busy.db"
    with Archive(path) as writer:
        writer.record_capture(capture(1, 0, content(title="职工之家")))
        writer.conn.execute("BEGIN IMMEDIATE")  # the crawler is in the middle of a capture
        writer.conn.execute("UPDATE articles SET views = 5")
        # a reader (serve / export / search) reads the last committed state at once
        reader = connect(path, readonly=True)
        assert [h.article_id for h in search(reader, "职工")] == [1]
        reader.close()
        # a second writer waits for the lock and then succeeds
        done: list[object] = []

        def second_writer():
            with Archive(path) as other:
                done.append(other.record_capture(capture(2, 0, content(seed=2))))

        thread = threading.Thread(target=second_writer)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive() and not done  # waiting, not failed
        writer.conn.execute("COMMIT")
        thread.join(30)
        assert len(done) == 1 and done[0].event == "new"


def test_a_later_migration_applies_once_on_an_existing_archive(tmp_path):
    path = tmp_path / "old.db"
    with Archive(path) as archive:
        archive.record_capture(capture(1, 0))
    nxt = SCHEMA_VERSION + 1
    later = Migration(nxt, "test: a note per article", ("ALTER TABLE articles ADD COLUMN note TEXT",))
    conn = connect(path)
    assert migrate(conn, (*MIGRATIONS, later)) == nxt
    assert migrate(conn, (*MIGRATIONS, later)) == nxt
    assert conn.execute("SELECT article_id, note FROM articles").fetchall() == [(1, None)]
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, nxt + 1))
    conn.close()
    with pytest.raises(SchemaError, match="newer"):
        Archive(path)  # this program only knows up to SCHEMA_VERSION


def test_a_failing_migration_leaves_the_previous_version(tmp_path):
    path = tmp_path / "fail.db"
    Archive(path).close()
    bad = Migration(SCHEMA_VERSION + 1, "test: broken", ("ALTER TABLE articles ADD COLUMN note TEXT", "THIS IS NOT SQL"))
    conn = connect(path)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, (*MIGRATIONS, bad))
    assert current_version(conn) == SCHEMA_VERSION
    assert "note" not in [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
    conn.close()
