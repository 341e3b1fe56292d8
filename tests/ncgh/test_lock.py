"""The crawl lock keys on the archive file's identity, not on the path as typed (issue 13 item 7).

Every spelling of one archive (symlink, hard link, symlinked directory, `..`, relative path) must
find the lock held; the lock file itself is never followed through a link nor truncated when it is
not ncgh's.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from ncgh.cli import cli
from ncgh.crawl_summary import EXIT_LOCKED
from ncgh.lock import CrawlLock, LockFileRefused, LockHeld, lock_path_for


def _spellings(tmp_path):
    """(name, path) pairs that all name tmp_path/real/a.db."""
    real = tmp_path / "real"
    real.mkdir()
    db = real / "a.db"
    db.write_bytes(b"")
    (tmp_path / "sym.db").symlink_to(db)
    os.link(db, tmp_path / "hard.db")
    (tmp_path / "dirlink").symlink_to(real, target_is_directory=True)
    (tmp_path / "other").mkdir()
    return db, {
        "symlink": tmp_path / "sym.db",
        "hard link": tmp_path / "hard.db",
        "symlinked directory": tmp_path / "dirlink" / "a.db",
        "dot-dot": tmp_path / "other" / ".." / "real" / "a.db",
        "relative": os.path.relpath(db),
    }


@pytest.mark.parametrize("name", ["symlink", "hard link", "symlinked directory", "dot-dot", "relative"])
def test_every_spelling_of_one_archive_shares_its_lock(tmp_path, name):
    db, spellings = _spellings(tmp_path)
    other = spellings[name]
    with CrawlLock(db):
        with pytest.raises(LockHeld) as info:
            CrawlLock(other).acquire()
        assert info.value.pid == os.getpid()
    with CrawlLock(other), pytest.raises(LockHeld):  # and the other way round
        CrawlLock(db).acquire()
    with CrawlLock(db):  # free again
        pass


def test_two_different_archives_do_not_share_a_lock(tmp_path):
    with CrawlLock(tmp_path / "a.db"), CrawlLock(tmp_path / "b.db"):
        pass


def test_a_crawl_through_a_link_exits_75_while_another_holds_the_real_file(tmp_path):
    db, spellings = _spellings(tmp_path)
    code = f"from ncgh.lock import CrawlLock; CrawlLock({str(db)!r}).acquire(); print('held', flush=True); input()"
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for other in (spellings["symlink"], spellings["hard link"]):
            result = CliRunner().invoke(
                cli, ["crawl", "--db", str(other), "--base-url", "http://127.0.0.1:9/", "--max-requests", "0"]
            )
            assert result.exit_code == EXIT_LOCKED, result.output
            assert f"process {holder.pid}" in result.output
    finally:
        holder.kill()
        holder.wait()


def test_a_symlinked_lock_file_is_not_followed_nor_its_target_truncated(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    db = tmp_path / "a.db"
    lock_path_for(db).symlink_to(victim)
    with pytest.raises(LockFileRefused) as info:
        CrawlLock(db).acquire()
    assert "symbolic link" in str(info.value)
    assert victim.read_text() == "precious\n"
    assert lock_path_for(db).is_symlink()


def test_a_dangling_symlinked_lock_file_creates_nothing(tmp_path):
    db = tmp_path / "a.db"
    target = tmp_path / "elsewhere.txt"
    lock_path_for(db).symlink_to(target)
    with pytest.raises(LockFileRefused):
        CrawlLock(db).acquire()
    assert not target.exists()


def test_a_hard_linked_lock_file_is_not_truncated(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    db = tmp_path / "a.db"
    os.link(victim, lock_path_for(db))
    with pytest.raises(LockFileRefused):
        CrawlLock(db).acquire()
    assert victim.read_text() == "precious\n"


def test_a_lock_file_with_foreign_content_is_not_truncated(tmp_path):
    db = tmp_path / "a.db"
    lock_path_for(db).write_text("not a pid, somebody's notes\n")
    with pytest.raises(LockFileRefused):
        CrawlLock(db).acquire()
    assert lock_path_for(db).read_text() == "not a pid, somebody's notes\n"


def test_a_stale_lock_file_of_ours_is_reused(tmp_path):
    db = tmp_path / "a.db"
    lock_path_for(db).write_text("999999999\n")  # left by a kill -9
    with CrawlLock(db):
        assert lock_path_for(db).read_text().split()[:2] == [str(os.getpid()), "crawl"]


def test_crawl_refuses_a_symlinked_lock_file_with_one_line(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    db = tmp_path / "a.db"
    lock_path_for(db).symlink_to(victim)
    result = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--base-url", "http://127.0.0.1:9/"])
    assert result.exit_code == 74, result.output
    assert "symbolic link" in result.output and "Traceback" not in result.output
    assert victim.read_text() == "precious\n"
