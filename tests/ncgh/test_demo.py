"""`ncgh demo`: offline, fast, and everything it claims is checked against the simulator's truth."""

from __future__ import annotations

import io
import json
import re
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from ncgh.cli import cli
from ncgh.demo import run_demo


@pytest.mark.slow
def test_demo_crawls_several_days_and_reports_what_it_learned(tmp_path):
    out = io.StringIO()
    db = tmp_path / "demo.db"
    result = run_demo(db, articles=60, days=5, out=out)
    text = out.getvalue()
    assert result.checks and all(result.checks.values()), result.checks
    assert [s.mode for s in result.summaries] == ["full"] + ["incremental"] * 5
    assert all(s.exit_code == 0 for s in result.summaries)
    assert result.summaries[0].new_articles == 60
    for heading in ("articles archived:", "found only by the id walk", "new since the first crawl:", "edits:",
                    "deleted (marked gone):", "restored:", "view counts:", "site footer: 3 version(s)"):
        assert heading in text, heading
    assert f"ncgh search 工会 --db {db}" in text
    assert f"--db {db}" in text and "ncgh sql" in text
    conn = sqlite3.connect(db)
    edited = conn.execute("SELECT count(*) FROM events WHERE event = 'edited'").fetchone()[0]
    truth_edits = sum(len(a["edited_days"]) for a in result.truth["articles"])
    assert edited == truth_edits > 0
    assert f"edits: {edited} " in text
    # The archive lives on the simulated calendar: the last run started five days after the first.
    starts = [r[0] for r in conn.execute("SELECT started_at FROM runs ORDER BY id")]
    assert starts[-1][:10] > starts[0][:10]
    # One calendar: every capture of day N's crawl is dated day N of the simulated site (site time).
    shanghai = ZoneInfo("Asia/Shanghai")
    for run_id, day in conn.execute("SELECT id, id - 1 FROM runs"):
        dates = {datetime.fromisoformat(at).astimezone(shanghai).date()
                 for (at,) in conn.execute("SELECT fetched_at FROM captures WHERE run_id = ?", (run_id,))}
        assert dates == {date(2024, 10, 28) + timedelta(days=day)}, (run_id, dates)
    conn.close()


@pytest.mark.slow
def test_the_readmes_as_of_example_finds_its_article_after_the_demo(tmp_path):
    # The README's `ncgh show ID --as-of DATE` is tried against the default demo's archive.
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    article, day = re.search(r"^ncgh show (\d+) --as-of (\d{4}-\d{2}-\d{2})", readme, re.M).groups()
    db = tmp_path / "demo.db"
    run_demo(db, out=io.StringIO())
    result = CliRunner().invoke(cli, ["show", article, "--as-of", day, "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    view = json.loads(result.output)
    assert view["version"] is not None and view["version"]["version"] == 1
    assert view["as_of"].startswith(f"{day}T15:59:59")  # the end of that day in Asia/Shanghai


def test_demo_refuses_an_existing_archive(tmp_path):
    db = tmp_path / "taken.db"
    db.write_bytes(b"precious")
    result = CliRunner().invoke(cli, ["demo", "--db", str(db), "--articles", "5"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert db.read_bytes() == b"precious"


def test_demo_refuses_a_folder_that_does_not_exist(tmp_path):
    """As `ncgh crawl`: a typo in --db creates no folder (the demo made /nonexistent-dir as root)."""
    db = tmp_path / "no-such-folder" / "d.db"
    result = CliRunner().invoke(cli, ["demo", "--db", str(db), "--articles", "5"])
    assert result.exit_code == 2 and "does not exist" in result.output and result.output.count("\n") == 1
    assert not db.parent.exists()


def test_demo_reads_back_an_archive_whose_path_is_no_plain_uri(tmp_path):
    # '#' and '?' end the path of a SQLite file: URI; the read-back must open this very file.
    db = tmp_path / "odd#name?.db"
    result = run_demo(db, articles=5, days=1, out=io.StringIO())
    assert result.checks and all(result.checks.values()), result.checks
    assert db.is_file()
