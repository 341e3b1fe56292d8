"""Where an export may write (issue 13 item 11 and the `.part` point of item 13).

`-o -` is standard output for every format; a FIFO, /dev/null or a path naming one of the process's
descriptors (/dev/stdout) is written through, never replaced by a regular file; a symbolic link is
never replaced: refused without --force, written through to its target (the link kept) with it; a
name too long for the file system is one `Error:` line. An export killed with kill -9 leaves its
`.part` file, and the next export of the same output removes it (only parts of dead processes).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from archive import export as ex
from archive.output import ExportError, part_files
from tests.support.query import BuiltArchive, build_archive


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    return build_archive(tmp_path_factory.mktemp("targets") / "ncgh.db")


def ncgh(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.run([sys.executable, "-m", "ncgh.cli", *args], capture_output=True, timeout=120, cwd=cwd, env=env)


def one_error_line(result: subprocess.CompletedProcess[bytes]) -> str:
    err = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    errors = [line for line in err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, err
    return errors[0]


# ---- standard output --------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "warc", "parquet"])
def test_dash_is_standard_output_and_no_file_named_dash_appears(built, tmp_path, fmt):
    result = ncgh("export", fmt, "-o", "-", "--db", str(built.path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "-").exists()
    assert list(tmp_path.iterdir()) == []
    data = result.stdout
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
        assert rows[0][0] == "site" and len(rows) == 4
    elif fmt == "jsonl":
        assert [json.loads(line)["article_id"] for line in data.splitlines()] == [1001, 1002, 1003]
    elif fmt == "warc":
        kinds = [r.rec_type for r in ArchiveIterator(io.BytesIO(data))]
        assert kinds[0] == "warcinfo" and "response" in kinds
    else:
        assert pq.read_table(io.BytesIO(data)).num_rows == 3
    assert b"standard output" in result.stderr  # the summary goes to stderr, never into the data


@pytest.mark.slow
def test_a_path_naming_our_stdout_is_written_through(built, tmp_path):
    link = tmp_path / "stdout-link"  # what /dev/stdout is, without touching the real one
    link.symlink_to("/proc/self/fd/1")
    result = ncgh("export", "jsonl", "-o", str(link), "--force", "--db", str(built.path))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


@pytest.mark.slow
def test_dev_stdout_is_written_through_and_stays_a_link(built):
    result = ncgh("export", "csv", "-o", "/dev/stdout", "--db", str(built.path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"site,")
    assert os.path.islink("/dev/stdout")


# ---- devices and FIFOs ------------------------------------------------------------------------------


def test_dev_null_is_written_through_without_force(built):
    summary = ex.export("jsonl", built.path, "/dev/null")
    assert summary.rows == 3 and summary.bytes > 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_written_through_to_its_reader(built, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    guard = tmp_path.parent / f"{tmp_path.name}-guard"  # a second name of the FIFO, to free the reader
    os.link(fifo, guard)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as handle:
            received.append(handle.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        summary = ex.export("jsonl", built.path, fifo, force=True)
    finally:
        reader.join(timeout=60)
        if reader.is_alive():  # the export never opened the FIFO (it replaced it?): release the reader
            os.close(os.open(guard, os.O_WRONLY | os.O_NONBLOCK))
            reader.join()
        guard.unlink()
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO, not replaced by a regular file
    assert received and len(received[0].splitlines()) == 3 and summary.bytes == len(received[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


# ---- symbolic links ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_symlink_is_refused_without_force(built, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("precious\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = ncgh("export", "csv", "-o", str(link), "--db", str(built.path))
    assert result.returncode == 1
    assert "symbolic link" in one_error_line(result)
    assert link.is_symlink() and real.read_text() == "precious\n"


def test_with_force_a_symlink_is_written_through_and_kept(built, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    ex.export("csv", built.path, link, force=True)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("site,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_a_dangling_symlink_is_refused_without_force_and_created_through_with_it(built, tmp_path):
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "target.jsonl")
    with pytest.raises(ExportError, match="symbolic link"):
        ex.export("jsonl", built.path, link)
    assert not (tmp_path / "target.jsonl").exists()
    ex.export("jsonl", built.path, link, force=True)
    assert link.is_symlink() and len((tmp_path / "target.jsonl").read_text().splitlines()) == 3


# ---- names ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_name_too_long_for_the_file_system_is_one_error_line(built, tmp_path):
    result = ncgh("export", "csv", "-o", str(tmp_path / ("a" * 300 + ".csv")), "--db", str(built.path))
    assert result.returncode == 1
    assert "too long" in one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_a_long_name_the_file_system_allows_is_written(built, tmp_path):
    name = "长" * 80 + ".jsonl"  # 246 bytes: fits, though the old temporary name beside it did not
    assert len(name.encode()) <= 255
    ex.export("jsonl", built.path, tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


# ---- .part files of killed exports ------------------------------------------------------------------

_BLOCKED_EXPORT = """
import dataclasses, sys
from archive import export as ex
from archive.datasets import DatasetName
real = ex.DATASETS[DatasetName.VERSIONS]
def slow(*args, **kwargs):
    rows = real.rows(*args, **kwargs)
    yield next(rows)
    print("mid-way", flush=True)
    sys.stdin.readline()  # blocks: the parent kills this process here
    yield from rows
ex.DATASETS[DatasetName.VERSIONS] = dataclasses.replace(real, rows=slow)
ex.export("jsonl", sys.argv[1], sys.argv[2], force=True)
"""


def _export_killed_mid_way(db: Path, out: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen([sys.executable, "-c", _BLOCKED_EXPORT, str(db), str(out)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout.readline().strip() == "mid-way"
    return proc


@pytest.mark.slow
def test_the_next_export_removes_the_part_file_of_an_export_killed_mid_way(built, tmp_path):
    out = tmp_path / "out.jsonl"
    proc = _export_killed_mid_way(built.path, out)
    assert len(part_files(out)) == 1  # the half-written export, named after its process
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(part_files(out)) == 1 and not out.exists()  # kill -9 runs no cleanup
    summary = ex.export("jsonl", built.path, out)
    assert summary.removed_parts == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]
    result = ncgh("export", "jsonl", "-o", str(out), "--force", "--db", str(built.path))
    assert result.returncode == 0 and b"stale" not in result.stderr


@pytest.mark.slow
def test_a_part_file_of_a_running_export_or_of_another_output_is_left_alone(built, tmp_path):
    out = tmp_path / "out.jsonl"
    other = tmp_path / "other.jsonl"
    running = _export_killed_mid_way(built.path, out)
    try:
        killed = _export_killed_mid_way(built.path, other)
        os.kill(killed.pid, signal.SIGKILL)
        killed.wait()
        stranger = tmp_path / ".out.jsonl.notes.part"  # not our pattern: someone else's file
        stranger.write_text("keep me")
        summary = ex.export("jsonl", built.path, tmp_path / "third.jsonl")
        assert summary.removed_parts == 0
        assert len(part_files(out)) == 1 and len(part_files(other)) == 1 and stranger.exists()
        ex.export("jsonl", built.path, out, force=True)  # same output, but its writer is alive
        assert len(part_files(out)) == 1
    finally:
        running.kill()
        running.wait()


def test_a_file_that_appears_while_exporting_is_kept_without_force(tmp_path):
    from archive.output import atomic_output

    out = tmp_path / "a.csv"
    with pytest.raises(ExportError, match="appeared while exporting"), atomic_output(out) as handle:
        handle.write(b"second export\n")
        out.write_bytes(b"first export, finished meanwhile\n")  # os.replace overwrote it before
    assert out.read_bytes() == b"first export, finished meanwhile\n"
    assert part_files(out) == []
    with atomic_output(out, force=True) as handle:  # --force still replaces
        handle.write(b"forced\n")
    assert out.read_bytes() == b"forced\n" and part_files(out) == []


def test_a_file_system_without_hard_links_still_gets_its_file(tmp_path, monkeypatch):
    """sshfs and FUSE mounts answer link(2) with ENOSYS: the export failed there (found by review)."""
    import errno

    from archive.output import atomic_output

    def no_link(*args, **kwargs):
        raise OSError(errno.ENOSYS, "Function not implemented")

    monkeypatch.setattr(os, "link", no_link)
    out = tmp_path / "a.csv"
    with atomic_output(out) as handle:
        handle.write(b"rows\n")
    assert out.read_bytes() == b"rows\n" and part_files(out) == []


def test_a_disk_that_refuses_is_exit_74_as_for_every_other_refused_write(built, tmp_path, monkeypatch):
    """A read-only or full file system under the output is the disk refusing (74, as `export assets`
    and a crawl say); it was exit 1 for csv, jsonl, parquet, warc and `changes --atom -o`."""
    import errno

    from click.testing import CliRunner

    from ncgh.cli import cli

    real_open = os.open

    def read_only(path, *args, **kwargs):
        if str(path).startswith(str(tmp_path)):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only)
    runner = CliRunner()
    for args in (["export", "csv", "-o", str(tmp_path / "o.csv")], ["export", "warc", "-o", str(tmp_path / "o.warc")]):
        result = runner.invoke(cli, [*args, "--db", str(built.path)])
        assert result.exit_code == 74 and "Read-only file system" in result.output, result.output
    monkeypatch.setattr(os, "open", real_open)
    with pytest.raises(ExportError) as caught:  # a request that cannot be done is no storage problem
        ex.export("csv", built.path, tmp_path / "missing-folder" / "o.csv")
    assert not caught.value.storage


def test_changes_atom_to_a_refusing_disk_is_exit_74(built, tmp_path, monkeypatch):
    import errno

    from click.testing import CliRunner

    from ncgh.cli import cli

    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    result = CliRunner().invoke(cli, ["changes", "--db", str(built.path), "--since", "2000-01-01", "--atom",
                                      "-o", str(tmp_path / "c.atom")])
    assert result.exit_code == 74 and "No space left" in result.output, result.output
