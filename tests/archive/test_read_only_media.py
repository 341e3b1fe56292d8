"""An archive on read-only media (a mounted backup, a read-only bind mount) is read, not called damaged.

A WAL archive read with mode=ro needs SQLite to create its -shm file beside it; where it cannot, every
read failed with "unable to open database file", which the commands reported as a damaged archive
(exit 65, "restore it from a backup") although the bytes were intact."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive import schema
from archive.fileinfo import FileState, inspect_file
from archive.sql import open_readonly
from archive.store import Archive
from tests.support.archive import capture


@pytest.fixture
def db(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "a.db"  # a folder of its own: mounted elsewhere, never onto itself
    with Archive(path) as archive:
        archive.record_capture(capture(1001, 0))
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{path}{suffix}").exists()  # closed cleanly: everything is in the file
    return path


def test_mode_ro_is_kept_wherever_it_opens(db: Path, monkeypatch) -> None:
    """immutable=1 only where mode=ro cannot open the file at all: a reader that could see a writer's
    commits must never be made blind to them (a read-only bind mount may have a writer elsewhere)."""
    import sqlite3

    uris: list[str] = []
    real = sqlite3.connect

    def recording(database, *args, **kwargs):
        uris.append(str(database))
        return real(database, *args, **kwargs)

    monkeypatch.setattr(schema, "_read_only_file_system", lambda folder: True)
    monkeypatch.setattr(sqlite3, "connect", recording)
    conn = open_readonly(db)
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    conn.close()
    assert uris and not any("immutable" in u for u in uris)


def _mount_read_only(source: Path, target: Path) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    target.mkdir()
    if subprocess.run(["mount", "--bind", str(source), str(target)], capture_output=True).returncode != 0:
        return False
    if subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], capture_output=True).returncode != 0:
        subprocess.run(["umount", str(target)], capture_output=True)
        return False
    return True


def test_commands_read_an_archive_on_a_read_only_mount(db: Path, tmp_path: Path) -> None:
    """The real thing, where this machine lets the test mount (root): read commands work, a crawl
    says the file system is read-only (74), nothing says damaged."""
    mounted = tmp_path / "ro"
    if not _mount_read_only(db.parent, mounted):
        pytest.skip("cannot make a read-only bind mount here (needs root and mount)")
    try:
        ro = mounted / db.name
        assert inspect_file(ro).state is FileState.ARCHIVE
        ncgh = [sys.executable, "-m", "ncgh.cli"]
        stats = subprocess.run([*ncgh, "stats", "--db", str(ro)], capture_output=True, text=True)
        assert stats.returncode == 0 and "articles: 1" in stats.stdout, stats.stderr
        crawl = subprocess.run([*ncgh, "crawl", "--db", str(ro), "--base-url", "http://127.0.0.1:9", "--max-requests", "1"],
                               capture_output=True, text=True)
        assert crawl.returncode == 74 and "Read-only file system" in crawl.stderr and "damaged" not in crawl.stderr
        # A writer through the writable path: a reader through the read-only mount sees its commits
        # (read as immutable, it saw the file as it was, and torn pages mid-checkpoint).
        with Archive(db) as writer:
            reader = open_readonly(ro)  # the writer is open: its -shm is there, mode=ro can read live
            try:
                writer.record_capture(capture(1002, 1))
                assert reader.execute("SELECT count(*) FROM articles").fetchone() == (2,)
                writer.record_capture(capture(1003, 2))
                assert reader.execute("SELECT count(*) FROM articles").fetchone() == (3,)
            finally:
                reader.close()
    finally:
        subprocess.run(["umount", "-l", str(mounted)], capture_output=True)  # lazy: even with a reader left open


def test_a_folder_that_refuses_the_shm_file_is_a_storage_problem_not_damage(db: Path, tmp_path: Path) -> None:
    """A -wal beside the archive on read-only media (copied from a live archive): SQLite must build
    its -shm there and cannot. The bytes are intact: exit 74 with what to do, not 65 "damaged"."""
    Path(f"{db}-wal").write_bytes(b"x" * 32)
    mounted = tmp_path / "ro"
    if not _mount_read_only(db.parent, mounted):
        pytest.skip("cannot make a read-only bind mount here (needs root and mount)")
    try:
        ro = mounted / db.name
        check = inspect_file(ro)
        assert check.state is FileState.NO_ACCESS and "a.db-shm" in check.detail, check
        stats = subprocess.run([sys.executable, "-m", "ncgh.cli", "stats", "--db", str(ro)], capture_output=True, text=True)
        assert stats.returncode == 74 and "not writable" in stats.stderr and "damaged" not in stats.stderr, stats.stderr
        assert stats.stderr.count("\n") == 1
        verify = subprocess.run([sys.executable, "-m", "ncgh.cli", "verify", "--db", str(ro)], capture_output=True, text=True)
        assert verify.returncode == 74 and verify.stdout == "" and verify.stderr.count("\n") == 1, verify.stdout
    finally:
        subprocess.run(["umount", "-l", str(mounted)], capture_output=True)  # lazy: even with a reader left open
