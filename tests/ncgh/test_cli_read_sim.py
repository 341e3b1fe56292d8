"""The read commands on an archive the crawler built from the simulator over several simulated days."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from archive.store import Archive
from ncgh.cli import cli
from ncgh.config import config_from_dict
from ncgh.crawl import run_crawl
from simulator import SimConfig, SimServer

DAYS = 4
SIM = SimConfig(articles=25, seed=2, edit_rate=0.3, delete_rate=0.1)

# Every test here reads the one archive a multi-day crawl of the simulator builds (seconds).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """(archive path, simulator base URL) after one crawl per simulated day, revisiting everything daily."""
    db = tmp_path_factory.mktemp("simcrawl") / "ncgh.db"
    cfg = config_from_dict({"fetch": {"delay": 0.0}, "revisit": {"schedule": [[100000, 1]], "budget": 1000}})
    with SimServer(SIM) as sim:
        start = datetime.now(UTC)
        for day in range(DAYS):
            summary = run_crawl(cfg, db, base_url=sim.url, now=start + timedelta(days=day))
            assert summary.errors == 0, summary.one_line()
            sim.advance(1)
        return db, sim.url


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def one(db: Path, sql: str):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchone()
    finally:
        conn.close()


def test_stats_match_the_archive(crawled) -> None:
    db, _ = crawled
    stats = json.loads(run("stats", "--db", str(db), "--json"))
    assert stats["runs"] == DAYS and stats["unfinished_runs"] == 0
    assert stats["articles"] == one(db, "SELECT count(*) FROM articles")[0] > 20
    assert stats["versions"] > stats["articles"]  # the simulator edited some articles
    assert stats["captures"] == one(db, "SELECT count(*) FROM captures")[0]


def test_show_history_diff_of_an_edited_article(crawled) -> None:
    db, base = crawled
    article_id, version = one(db, "SELECT article_id, version FROM articles WHERE version > 1 ORDER BY version DESC LIMIT 1")
    # The simulator URL in the other path form than the crawler used resolves to the same article.
    shown = json.loads(run("show", f"{base}/article/{article_id}", "--db", str(db), "--json"))
    assert shown["version"]["version"] == version and shown["article"]["article_id"] == article_id
    first = json.loads(run("show", str(article_id), "--version", "1", "--db", str(db), "--json"))
    assert first["version"]["version"] == 1
    history = json.loads(run("history", str(article_id), "--db", str(db), "--json"))
    assert [v["version"] for v in history["versions"]] == list(range(1, version + 1))
    assert [e["event"] for e in history["events"]].count("edited") == version - 1
    assert len(history["views"]) >= 2
    diff = json.loads(run("diff", str(article_id), "--db", str(db), "--json"))
    assert diff["changes"] and (diff["old"]["version"], diff["new"]["version"]) == (version - 1, version)
    changed = set(history["versions"][-1]["changed_fields"])
    assert {c["field"] for c in diff["changes"]} == {"column" if f == "column_name" else f for f in changed}
    text = run("diff", str(article_id), "--db", str(db))
    assert text.startswith(f"article {article_id}: version {version - 1}")


def test_search_finds_an_article_by_part_of_its_title(crawled) -> None:
    db, _ = crawled
    article_id, title = one(db, "SELECT article_id, title FROM articles WHERE length(title) >= 8 ORDER BY article_id LIMIT 1")
    word = title[2:6]
    hits = json.loads(run("search", word, "--db", str(db), "--json", "--limit", "100"))
    assert article_id in [h["article_id"] for h in hits]


def test_warc_of_the_crawl_passes_warcio_and_keeps_bytes(crawled, tmp_path: Path) -> None:
    db, _ = crawled
    out = tmp_path / "crawl.warc.gz"
    summary = json.loads(run("export", "warc", "-o", str(out), "--db", str(db), "--json"))
    with_response = one(db, "SELECT count(*) FROM captures WHERE status IS NOT NULL")[0]
    assert summary["requests"] == with_response == summary["responses"] + summary["revisits"]
    check = subprocess.run(
        [sys.executable, "-c", "from warcio.cli import main; main()", "check", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    with Archive(db) as archive, out.open("rb") as handle:
        compared = 0
        for record in ArchiveIterator(handle):
            if record.rec_type != "response":
                continue
            stored = archive.stored_capture(int(record.rec_headers.get_header("X-Ncgh-Capture-ID")))
            payload = record.content_stream().read()
            assert payload == (archive.read_body(stored.body_sha256) if stored.body_sha256 else b"")
            assert record.rec_headers.get_header("WARC-Target-URI") == stored.final_url
            compared += 1
    assert compared == summary["responses"]


def test_parquet_of_the_crawl_has_every_version(crawled, tmp_path: Path) -> None:
    db, _ = crawled
    out = tmp_path / "v.parquet"
    run("export", "parquet", "-o", str(out), "--versions", "all", "--db", str(db))
    table = pq.read_table(out)
    assert table.num_rows == one(db, "SELECT count(*) FROM versions")[0]
    assert set(table.column("article_id").to_pylist()) == {
        r[0] for r in sqlite3.connect(db).execute("SELECT article_id FROM articles WHERE version IS NOT NULL")
    }


def test_the_crawl_stores_each_article_s_section_and_the_exports_carry_it(crawled, tmp_path: Path) -> None:
    """category_id from the list/API page that revealed the article, category from its breadcrumb;
    the simulator's breadcrumb names the category its lists file the article under."""
    import duckdb

    from simulator.article import CATEGORIES
    from simulator.content import SiteState

    db, _ = crawled
    state = SiteState(25, 2, SIM.timeline)  # the simulator of the crawl, replayed to its last day
    for _ in range(DAYS - 1):
        state.step()
    found = sqlite3.connect(db).execute(
        "SELECT article_id, category_id, category FROM articles WHERE version IS NOT NULL").fetchall()
    # Every article a list links has the list's category; one only the id walk found has none.
    assert found and {aid for aid, cid, _ in found if cid is not None} == {
        aid for aid, _, _ in found if state.articles[aid].linked}
    rows = [(cid, name) for _, cid, name in found if cid is not None]
    assert rows and all(name == CATEGORIES[cid] for cid, name in rows), rows
    out = tmp_path / "views.parquet"
    run("export", "parquet", "-o", str(out), "--dataset", "views", "--db", str(db))
    by_section = dict(duckdb.sql(f"SELECT category, count(DISTINCT article_id) FROM '{out}' GROUP BY ALL").fetchall())
    read = one(db, "SELECT count(DISTINCT article_id) FROM views")[0]  # pages without a header show no count
    assert sum(by_section.values()) == read > 0 and set(by_section) <= set(CATEGORIES.values())


def test_article_page_of_the_crawl(crawled) -> None:
    from webui.app import build_datasette

    db, _ = crawled
    article_id, version = one(db, "SELECT article_id, version FROM articles WHERE version > 1 LIMIT 1")
    ds = build_datasette(db)

    async def fetch():
        return await ds.client.get(f"/-/article/{article_id}")

    page = asyncio.run(fetch())
    assert page.status_code == 200
    assert f"version {version} of {version}" in page.text
    assert f"Changes from version {version - 1} to version {version}" in page.text
