"""An unknown command is a usage error (exit 2) that names the close matches, as git does."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from bench.reliability import ROOT
from ncgh.cli import cli


def test_a_mistyped_command_gets_a_suggestion_and_exit_2() -> None:
    done = subprocess.run([sys.executable, "-m", "ncgh.cli", "serach", "工会"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "Error: No such command 'serach'. Did you mean 'search'?"
    assert CliRunner().invoke(cli, ["shwo", "3081"]).output.strip().endswith("Did you mean 'show'?")


def test_a_command_like_no_other_gets_no_guess() -> None:
    result = CliRunner().invoke(cli, ["xyzzy"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == "Error: No such command 'xyzzy'."


def test_a_mistyped_archive_folder_is_exit_2_and_creates_nothing(tmp_path) -> None:
    db = tmp_path / "no-such-folder" / "ncgh.db"
    result = CliRunner().invoke(cli, ["crawl", "--db", str(db), "--base-url", "http://127.0.0.1:9"])
    assert result.exit_code == 2 and "does not exist" in result.output, result.output
    assert not db.parent.exists()


def test_a_reader_that_stops_reading_ends_the_command_quietly(tmp_path) -> None:
    from archive.store import Archive

    db = tmp_path / "a.db"
    Archive(db).close()
    query = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) SELECT i FROM n"
    done = subprocess.run(f"{sys.executable} -m ncgh.cli sql --db {db} '{query}' | head -1", shell=True,
                          capture_output=True, text=True, timeout=120, cwd=ROOT, executable="/bin/bash")
    assert done.stdout.strip() != "" and done.stderr == "", done.stderr
    status = subprocess.run(f"set -o pipefail; {sys.executable} -m ncgh.cli sql --db {db} '{query}' | head -1 >/dev/null",
                            shell=True, timeout=120, cwd=ROOT, executable="/bin/bash")
    assert status.returncode == 141
