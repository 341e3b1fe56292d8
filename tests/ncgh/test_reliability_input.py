"""Bad input and a hostile disk: a malformed config.toml, a read-only archive, a full disk.

Each gives one clear line (no traceback) and leaves the archive as it was: `ncgh verify` clean, the
earlier captures still there, and the next crawl with the problem gone completes.

The disk tests mount small tmpfs file systems (root only); they skip, saying why, where mount is not
permitted.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.reliability import crawl_argv, digest, ncgh, small_site, write_config
from simulator import SimServer

ARTICLES = 20
EXIT_STORAGE = 74  # EX_IOERR: the archive cannot be written (read-only, disk full)


# ---- config.toml -------------------------------------------------------------------------------

BAD_CONFIGS = {
    "invalid TOML": ("[fetch\ndelay = 1\n", ["not valid TOML", "line 1"]),
    "wrong type": ('[fetch]\ndelay = "fast"\n', ["fetch.delay", "a number"]),
    "unknown key": ("[fetch]\ndelya = 1\n", ["unknown key fetch.delya"]),
    "unknown section": ("[fecth]\ndelay = 1\n", ["unknown section [fecth]"]),
    "bad value": ("[fetch]\nconcurrency_per_host = 0\n", ["fetch.concurrency_per_host", "from 1 to 64"]),
    "bad URL": ('[site]\nbase_url = "ftp://example.org"\n', ["site.base_url", "http://"]),
    "bad list": ('[discovery]\nsources = ["rss"]\n', ["discovery.sources"]),
    "not a table": ("archive = 3\n", ["archive must be a table"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BAD_CONFIGS))
def test_malformed_config_names_the_key_exits_2_and_touches_nothing(tmp_path, case):
    text, expected = BAD_CONFIGS[case]
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    db = tmp_path / "archive.db"
    result = ncgh("crawl", "--config", str(config), "--db", str(db), "--base-url", "http://127.0.0.1:9")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert str(config) in result.stderr
    for part in expected:
        assert part in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not db.exists()


@pytest.mark.slow
def test_missing_config_file_is_named(tmp_path):
    result = ncgh("crawl", "--config", str(tmp_path / "nope.toml"), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "nope.toml: no such file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_read_commands_name_the_bad_key_too(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text("[archive]\ngone_after = 0\n", encoding="utf-8")
    for command in (["verify"], ["stats"], ["search", "工会"]):
        result = ncgh(*command, "--config", str(config))
        assert result.returncode != 0
        assert "archive.gone_after" in result.stderr and "Traceback" not in result.stderr, command


# ---- the disk ----------------------------------------------------------------------------------


@contextlib.contextmanager
def tiny_fs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {mount.stderr.strip() or mount.returncode}")
    try:
        yield path
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(path)], capture_output=True)
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def checkpoint(db: Path) -> None:
    """Move the WAL into the main file and truncate it, so the next write needs new disk space."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def fill(directory: Path, leave: int) -> Path:
    """Take all free space of the file system but `leave` bytes."""
    filler = directory / "filler"
    st = os.statvfs(directory)
    free = st.f_bavail * st.f_frsize
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


def captures_and_versions(db: Path) -> tuple[set, set]:
    d = digest(db)
    return set(d.captures), {v[:4] for v in d.versions}


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == EXIT_STORAGE, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert any(w in result.stderr for w in words), result.stderr


@pytest.mark.slow
def test_full_disk_stops_the_crawl_clearly_and_loses_nothing(tmp_path):
    with tiny_fs(tmp_path / "disk", "8m") as disk, SimServer(small_site(ARTICLES, new_per_day=(6, 6))) as srv:
        config = write_config(tmp_path / "config.toml", ARTICLES)
        db = disk / "archive.db"
        first = ncgh(*crawl_argv(config, db, srv.url)[3:])
        assert first.returncode == 0, first.stderr
        before_captures, before_versions = captures_and_versions(db)
        checkpoint(db)
        filler = fill(disk, leave=96 * 1024)  # room for the run's plan and a capture or two, not more
        srv.advance(2)
        full = ncgh(*crawl_argv(config, db, srv.url, "incremental")[3:])
        assert_clean_failure(full, "disk is full", "No space left")
        verify = ncgh("verify", "--db", str(db))
        assert verify.returncode == 0, verify.stdout + verify.stderr
        after_captures, after_versions = captures_and_versions(db)
        assert before_captures <= after_captures and before_versions <= after_versions

        filler.unlink()
        again = ncgh(*crawl_argv(config, db, srv.url, "incremental")[3:])
        assert again.returncode == 0, again.stderr
        assert len(captures_and_versions(db)[1]) >= len(before_versions) + 12, "the new articles of two days"
        assert ncgh("verify", "--db", str(db)).returncode == 0


@pytest.mark.slow
def test_read_only_file_system_gives_a_clear_error_and_reads_still_work(tmp_path):
    with tiny_fs(tmp_path / "disk", "8m") as disk, SimServer(small_site(ARTICLES, new_per_day=(6, 6))) as srv:
        config = write_config(tmp_path / "config.toml", ARTICLES)
        db = disk / "archive.db"
        assert ncgh(*crawl_argv(config, db, srv.url)[3:]).returncode == 0
        before = captures_and_versions(db)
        srv.advance(1)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        result = ncgh(*crawl_argv(config, db, srv.url, "incremental")[3:])
        assert_clean_failure(result, "Read-only file system", "read-only", "readonly")
        assert ncgh("verify", "--db", str(db)).returncode == 0
        assert ncgh("search", "--db", str(db), "工会").returncode == 0
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        assert captures_and_versions(db) == before
        assert ncgh(*crawl_argv(config, db, srv.url, "incremental")[3:]).returncode == 0
        assert ncgh("verify", "--db", str(db)).returncode == 0


@pytest.mark.slow
def test_read_only_archive_file_gives_a_clear_error(tmp_path, sim):
    config = write_config(tmp_path / "config.toml", 60, discovery={"id_range": [800, 26500]})
    db = tmp_path / "archive.db"
    assert ncgh(*crawl_argv(config, db, sim.url, "incremental")[3:]).returncode == 0
    checkpoint(db)
    before = captures_and_versions(db)
    db.chmod(0o444)
    immutable = False
    if os.geteuid() == 0:  # root writes through file modes; the immutable flag stops it too
        immutable = subprocess.run(["chattr", "+i", str(db)], capture_output=True).returncode == 0
        if not immutable:
            pytest.skip("running as root and chattr +i is not supported here, so the file cannot be made read-only")
    try:
        sim.advance(1)
        result = ncgh(*crawl_argv(config, db, sim.url, "incremental")[3:])
        assert_clean_failure(result, "readonly", "read-only", "Permission denied", "not permitted")
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(db)], check=True)
        db.chmod(0o644)
    assert captures_and_versions(db) == before
    assert ncgh("verify", "--db", str(db)).returncode == 0
