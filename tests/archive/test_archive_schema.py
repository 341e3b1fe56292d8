"""One schema and its version, the migration mechanism (on synthetic steps), refusing files that are
not archives or are damaged, `Archive.atomic`, and concurrent access without "database is locked"."""

from __future__ import annotations

import sqlite3
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive.ddl import SCHEMA, SCHEMA_VERSION, Step
from archive.resolve import QueryError
from archive.schema import (
    DamagedArchive,
    NotAnArchive,
    SchemaError,
    UnknownSchemaVersion,
    connect,
    current_version,
    migrate,
)
from archive.search import search
from archive.sql import ArchiveNotFound, open_readonly
from archive.store import Archive
from tests.support.archive import capture, content


def errors_of_four_at_once(open_it: Callable[[], None]) -> list[BaseException]:
    """Run `open_it` in four threads at once (openers racing on one file); what any of them raised."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            open_it()
        except BaseException as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_new_archive_gets_the_one_schema_in_wal_mode(tmp_path):
    path = tmp_path / "new.db"
    with Archive(path) as archive:
        assert current_version(archive.conn) == SCHEMA_VERSION
        assert archive.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert archive.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 30000
        rows = archive.conn.execute("SELECT version, description FROM schema_version").fetchall()
        assert rows == [(SCHEMA_VERSION, "initial schema")]
        objects = archive.conn.execute("SELECT count(*) FROM sqlite_master WHERE sql IS NOT NULL").fetchone()[0]
    with Archive(path) as archive:  # reopening creates and migrates nothing
        assert archive.conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1
        assert archive.conn.execute("SELECT count(*) FROM sqlite_master WHERE sql IS NOT NULL").fetchone()[0] == objects
    # the statements of SCHEMA are what the file holds (plus the 4 shadow tables SQLite adds per
    # contentless FTS5 table: version_fts, asset_fts)
    fts = sum("USING fts5" in statement for statement in SCHEMA)
    assert fts == 2 and objects == len(SCHEMA) + 4 * fts


def test_every_table_and_column_is_documented(tmp_path):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "schema.md").read_text(encoding="utf-8")
    conn = connect(tmp_path / "d.db")
    migrate(conn)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'version_fts_%' AND name NOT LIKE 'asset_fts_%'")]
    for table in tables:
        assert f"`{table}`" in doc, f"table {table} is not documented"
        if table in ("version_fts", "asset_fts"):
            continue
        for (column,) in conn.execute(f"SELECT name FROM pragma_table_info('{table}')"):
            assert column in doc, f"column {table}.{column} is not documented"


def _set_version(path: Path, version: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (?, '2030-01-01', 'test')", (version,))
    conn.commit()
    conn.close()


def test_newer_schema_is_refused_by_the_writer(tmp_path):
    path = tmp_path / "future.db"
    Archive(path).close()
    _set_version(path, SCHEMA_VERSION + 1)
    with pytest.raises(UnknownSchemaVersion, match=f"{path}: .*newer than this program") as caught:
        Archive(path)
    assert (caught.value.found, caught.value.known) == (SCHEMA_VERSION + 1, SCHEMA_VERSION)
    assert isinstance(caught.value, SchemaError)


def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAnArchive, match=f"{path}: .*not an ncgh archive"):
        Archive(path)
    with pytest.raises(NotAnArchive, match="not an ncgh archive") as caught:
        open_readonly(path)
    assert isinstance(caught.value, QueryError)


# ---- the migration mechanism, on synthetic steps ----
def _add_note(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE articles ADD COLUMN note TEXT")
    conn.execute("UPDATE articles SET note = 'migrated'")


NOTE_STEP = Step(SCHEMA_VERSION + 1, "test: a note per article", _add_note)


def test_a_step_applies_once_to_an_archive_at_the_previous_version(tmp_path):
    path = tmp_path / "old.db"
    with Archive(path) as archive:
        archive.record_capture(capture(1, 0))
    conn = connect(path)
    assert migrate(conn, (NOTE_STEP,)) == SCHEMA_VERSION + 1
    assert migrate(conn, (NOTE_STEP,)) == SCHEMA_VERSION + 1  # idempotent: the column is not added twice
    assert conn.execute("SELECT article_id, note FROM articles").fetchall() == [(1, "migrated")]
    rows = conn.execute("SELECT version, description FROM schema_version ORDER BY version").fetchall()
    assert rows == [(SCHEMA_VERSION, "initial schema"), (SCHEMA_VERSION + 1, "test: a note per article")]
    conn.close()
    with pytest.raises(UnknownSchemaVersion, match="newer"):
        Archive(path)  # this program only knows SCHEMA_VERSION


def test_a_new_file_is_created_at_schema_version_then_stepped(tmp_path):
    conn = connect(tmp_path / "fresh.db")
    assert migrate(conn, (NOTE_STEP,)) == SCHEMA_VERSION + 1
    assert "note" in [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
    conn.close()


def test_concurrent_openers_create_and_step_once(tmp_path):
    path = tmp_path / "race.db"
    applied: list[int] = []

    def counted(conn: sqlite3.Connection) -> None:
        applied.append(1)
        _add_note(conn)

    step = Step(SCHEMA_VERSION + 1, "test: counted", counted)

    def open_it():
        conn = connect(path)
        migrate(conn, (step,))
        conn.close()

    assert errors_of_four_at_once(open_it) == []
    assert applied == [1]
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")] == [
        SCHEMA_VERSION, SCHEMA_VERSION + 1
    ]
    conn.close()


def test_a_failing_step_leaves_the_previous_version(tmp_path):
    path = tmp_path / "fail.db"
    Archive(path).close()

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE articles ADD COLUMN note TEXT")
        conn.execute("THIS IS NOT SQL")

    conn = connect(path)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, (Step(SCHEMA_VERSION + 1, "test: broken", broken),))
    assert current_version(conn) == SCHEMA_VERSION
    assert "note" not in [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
    conn.close()


def test_a_step_that_rebuilds_a_referenced_table_keeps_references_checked(tmp_path):
    path = tmp_path / "fk.db"
    with Archive(path) as archive:
        archive.record_capture(capture(1, 0))

    def rebuild_captures_badly(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM captures")  # versions and events now point at nothing

    conn = connect(path)
    with pytest.raises(SchemaError, match="would break a reference"):
        migrate(conn, (Step(SCHEMA_VERSION + 1, "test: fk", rebuild_captures_badly, foreign_keys_off=True),))
    assert current_version(conn) == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 1
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()


def test_a_gap_in_the_steps_is_refused(tmp_path):
    conn = connect(tmp_path / "gap.db")
    with pytest.raises(UnknownSchemaVersion, match="no step to version"):
        migrate(conn, (Step(SCHEMA_VERSION + 2, "test: gap", _add_note),))
    conn.close()


# ---- readers never migrate, and say why they refuse ----
def test_the_reader_refuses_another_version_without_changing_the_file(tmp_path, monkeypatch):
    path = tmp_path / "older.db"
    with Archive(path) as archive:
        archive.record_capture(capture(1, 0))
    before = path.read_bytes()
    # A program one schema version ahead (it has a step to SCHEMA_VERSION + 1) reading this file:
    # the reader refuses and says how to migrate, and leaves the file as it was.
    monkeypatch.setattr("archive.sql.SCHEMA_VERSION", SCHEMA_VERSION + 1)
    newer = SCHEMA_VERSION + 1
    with pytest.raises(UnknownSchemaVersion, match=f"schema version {SCHEMA_VERSION}; this program reads version {newer}.*reparse"):
        open_readonly(path)
    assert path.read_bytes() == before
    monkeypatch.undo()
    _set_version(path, SCHEMA_VERSION + 7)
    with pytest.raises(QueryError, match=f"schema version {SCHEMA_VERSION + 7}.*upgrade ncgh-archive") as caught:
        open_readonly(path)
    assert isinstance(caught.value, UnknownSchemaVersion) and caught.value.found == SCHEMA_VERSION + 7


def _damage(path: Path) -> None:
    """Keep the SQLite header, overwrite everything after it: a damaged archive, not a foreign file."""
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\xff" * (len(data) - 100))


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda p: p.write_text("title,views\n职工之家,3\n" * 50, encoding="utf-8"), NotAnArchive),
        (lambda p: p.write_bytes(b"SQLite format 2\x00" + b"\x00" * 4080), NotAnArchive),
        (lambda p: (Archive(p).close(), _damage(p)), DamagedArchive),
    ],
    ids=["text file", "not sqlite 3", "damaged"],
)
def test_not_an_archive_and_damaged_are_told_apart_by_writer_and_reader(tmp_path, make, expected):
    path = tmp_path / "x.db"
    make(path)
    other = DamagedArchive if expected is NotAnArchive else NotAnArchive
    with pytest.raises(expected) as by_writer:
        Archive(path)
    assert not isinstance(by_writer.value, other) and str(path) in str(by_writer.value)
    with pytest.raises(expected) as by_reader:
        open_readonly(path)
    assert isinstance(by_reader.value, QueryError) and not isinstance(by_reader.value, other)
    assert str(path) in str(by_reader.value)


def test_an_empty_file_is_not_an_archive_to_a_reader_but_a_new_one_to_the_writer(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(NotAnArchive, match="empty file"):
        open_readonly(path)
    with pytest.raises(ArchiveNotFound):
        open_readonly(tmp_path / "missing.db")
    with Archive(path) as archive:  # SQLite's own reading: a zero-byte file is an empty database
        assert current_version(archive.conn) == SCHEMA_VERSION
    open_readonly(path).close()


def test_an_environment_error_is_not_called_damage(tmp_path):
    path = tmp_path / "locked.db"
    Archive(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        conn = sqlite3.connect(path, timeout=0)
        with pytest.raises(sqlite3.OperationalError) as caught:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.close()
        from archive.schema import unusable_file_error

        assert unusable_file_error(path, caught.value) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()


# ---- Archive.atomic ----
def test_atomic_commits_or_rolls_back_the_whole_block(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        with archive.atomic():
            archive.queue.start_run("test", "2026-12-01T00:00:00+00:00", "{}")
            archive.queue.start_run("test", "2026-12-01T00:00:01+00:00", "{}")
        assert not archive.conn.in_transaction
        with pytest.raises(RuntimeError), archive.atomic():
            archive.queue.start_run("test", "2026-12-01T00:00:02+00:00", "{}")
            raise RuntimeError("boom")
        assert not archive.conn.in_transaction
        assert archive.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 2


def test_atomic_nests_as_a_savepoint(tmp_path):
    with Archive(tmp_path / "n.db") as archive:
        with archive.atomic():
            archive.queue.start_run("outer", "2026-12-01T00:00:00+00:00", "{}")
            with pytest.raises(RuntimeError), archive.atomic():
                archive.queue.start_run("inner", "2026-12-01T00:00:01+00:00", "{}")
                raise RuntimeError("inner fails")
            with archive.atomic():
                archive.queue.start_run("inner ok", "2026-12-01T00:00:02+00:00", "{}")
            assert archive.conn.in_transaction  # still the outer transaction
        modes = [r[0] for r in archive.conn.execute("SELECT mode FROM runs ORDER BY id")]
        assert modes == ["outer", "inner ok"]


def test_a_capture_inside_an_outer_atomic_block_rolls_back_with_it(tmp_path):
    with Archive(tmp_path / "o.db") as archive:
        with pytest.raises(RuntimeError), archive.atomic():
            archive.record_capture(capture(1, 0, content(title="职工之家")))
            raise RuntimeError("the caller's block fails after the capture")
        assert archive.conn.execute("SELECT count(*) FROM captures").fetchone()[0] == 0
        # the header-set and body caches were cleared with the rollback: recording again works
        assert archive.record_capture(capture(1, 0, content(title="职工之家"))).event == "new"


# ---- concurrency ----
def test_concurrent_openers_of_a_new_file_create_it_once(tmp_path):
    path = tmp_path / "race.db"
    assert errors_of_four_at_once(lambda: Archive(path).close()) == []
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1
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


# ---- any bytes: a clear refusal, never a raw sqlite3 error ----
_HEADER = b"SQLite format 3\x00"


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(min_size=1, max_size=4096).filter(lambda b: not b.startswith(_HEADER)),
        st.binary(min_size=0, max_size=4096).map(lambda b: _HEADER + b),
    )
)
def test_any_file_opens_or_is_refused_with_a_schema_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.db"
        path.write_bytes(data)
        for opener in (open_readonly, Archive):
            try:
                opener(path).close()
            except SchemaError as exc:
                assert str(path) in str(exc)
                if not data.startswith(_HEADER):
                    assert isinstance(exc, NotAnArchive)
                if opener is open_readonly:
                    assert isinstance(exc, QueryError)
            except QueryError as exc:  # a reader's "not a readable SQLite archive" of any other kind
                assert opener is open_readonly and str(path) in str(exc)
