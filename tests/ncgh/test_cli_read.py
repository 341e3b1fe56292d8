"""The read commands end to end through the `ncgh` CLI on an archive written through the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ncgh.cli import cli
from tests.support.query import BuiltArchive, build_archive


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    return build_archive(tmp_path_factory.mktemp("cli") / "ncgh.db")


def run(*args: str, ok: bool = True):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_search_text_and_json(built: BuiltArchive) -> None:
    out = run("search", "职工代表", "--db", str(built.path)).output
    assert "1001" in out and "南昌市总工会召开职工代表大会" in out and "[职工代表]" in out
    assert "\x1b[" not in out  # not a terminal: no colour
    hits = json.loads(run("search", "职工", "--db", str(built.path), "--json", "--limit", "2").output)
    assert len(hits) == 2 and {"article_id", "version", "title", "snippet", "url", "rank"} <= set(hits[0])
    every = json.loads(run("search", "职工代表", "--all-versions", "--db", str(built.path), "--json").output)
    assert sorted(h["version"] for h in every) == [1, 2, 3]
    latin = json.loads(run("search", "python", "--db", str(built.path), "--json").output)
    assert [h["article_id"] for h in latin] == [1003]


def test_search_says_how_many_of_the_true_total_and_pages_with_offset(built: BuiltArchive) -> None:
    every = json.loads(run("search", "职工", "--db", str(built.path), "--json", "--limit", "10000").output)
    total = len(every)
    assert total >= 2
    first = CliRunner().invoke(cli, ["search", "职工", "--db", str(built.path), "--limit", "1"])
    assert first.exit_code == 0
    assert first.stderr.strip() == f"1 of {total} (next page: --offset 1)"
    second = json.loads(run("search", "职工", "--db", str(built.path), "--json", "--limit", "1", "--offset", "1").output)
    assert [h["article_id"] for h in second] == [every[1]["article_id"]]
    last = CliRunner().invoke(cli, ["search", "职工", "--db", str(built.path), "--offset", str(total - 1)])
    assert last.stderr.strip() == f"{total}-{total} of {total}"


def test_search_nothing_found_and_empty_query(built: BuiltArchive) -> None:
    result = run("search", "不存在的词语", "--db", str(built.path))
    assert "no matches" in result.output
    bad = run("search", "  ", "--db", str(built.path), ok=False)
    assert bad.exit_code == 1 and "no searchable characters" in bad.output


def test_show_by_url_version_and_date(built: BuiltArchive) -> None:
    out = run("show", "https://12351.ncszgh.gov.cn/article/1001", "--db", str(built.path)).output
    assert out.splitlines()[0] == "南昌市总工会召开职工代表大会"
    assert "version 3 of 3" in out and "会后举行了表彰仪式。" in out
    old = run("show", "1001", "--as-of", "2026-11-21", "--db", str(built.path)).output
    assert old.splitlines()[0] == "市总工会召开职工代表大会" and "会后举行了表彰仪式" not in old
    data = json.loads(run("show", "1001", "--version", "2", "--json", "--db", str(built.path)).output)
    assert data["version"]["version"] == 2 and data["version"]["changed_fields"] == ["title"]
    assert data["article"]["article_id"] == 1001
    gone = run("show", "1002", "--db", str(built.path)).output
    assert "status: gone" in gone


def test_show_errors_exit_1(built: BuiltArchive, tmp_path: Path) -> None:
    missing = run("show", "424242", "--db", str(built.path), ok=False)
    assert missing.exit_code == 1 and "article 424242 is not in the archive" in missing.output
    foreign = run("show", "http://example.com/article/1001", "--db", str(built.path), ok=False)
    assert foreign.exit_code == 1 and "example.com is not a host of this site" in foreign.output
    nodb = run("show", "1001", "--db", str(tmp_path / "none.db"), ok=False)
    assert nodb.exit_code == 1 and "no archive at" in nodb.output
    assert not (tmp_path / "none.db").exists()  # reading never creates an archive


def test_history(built: BuiltArchive) -> None:
    out = run("history", "http://ncgh.org.cn/nczhghcms/article/1001", "--db", str(built.path), "--captures").output
    assert "versions" in out and "views" in out and "events" in out and "captures" in out
    assert "edited" in out and "1500" in out
    data = json.loads(run("history", "1001", "--json", "--db", str(built.path)).output)
    assert [v["version"] for v in data["versions"]] == [1, 2, 3]
    assert [p["views"] for p in data["views"]] == [400, 650, 900, 900, 1500]
    assert [e["event"] for e in data["events"]] == ["new", "edited", "edited"]


def test_diff_default_and_explicit(built: BuiltArchive) -> None:
    out = run("diff", "1001", "--db", str(built.path)).output
    assert "version 2" in out and "version 3" in out
    assert "+南昌市总工会召开第二届职工代表大会。" in out and "\x1b[" not in out
    colored = run("diff", "1001", "1", "2", "--color", "--db", str(built.path)).output
    assert "\x1b[31m-市总工会召开职工代表大会" in colored and "\x1b[32m+南昌市总工会召开职工代表大会" in colored
    data = json.loads(run("diff", "1001", "1", "3", "--json", "--db", str(built.path)).output)
    assert [c["field"] for c in data["changes"]] == ["title", "body_text"]
    single = run("diff", "1003", "--db", str(built.path)).output
    assert "has a single version" in single
    one = run("diff", "1001", "2", "--db", str(built.path), ok=False)
    assert one.exit_code != 0 and "two version numbers" in one.output


def test_stats(built: BuiltArchive) -> None:
    out = run("stats", "--db", str(built.path)).output
    assert "articles: 3  (2 live, 1 gone, 1 edited)" in out and "captures: 13" in out
    data = json.loads(run("stats", "--json", "--db", str(built.path)).output)
    assert data["versions"] == 5 and data["gone"] == 1 and data["runs"] == 0


def test_sql_table_csv_json(built: BuiltArchive) -> None:
    out = run("sql", "SELECT article_id, title FROM articles ORDER BY article_id", "--db", str(built.path)).output
    assert "送温暖活动" in out and "article_id" in out
    csv_out = run("sql", "SELECT article_id, status FROM articles ORDER BY article_id", "--csv", "--db", str(built.path)).output
    assert csv_out.splitlines() == ["article_id,status", "1001,live", "1002,gone", "1003,live"]
    rows = json.loads(run("sql", "SELECT title FROM articles WHERE article_id = :a", "-p", "a=1002", "--json", "--db", str(built.path)).output)
    assert rows == [{"title": "送温暖活动"}]


@pytest.mark.parametrize(
    "statement",
    ["DELETE FROM articles", "DROP TABLE versions", "INSERT INTO runs (mode, started_at) VALUES ('x', 'y')", "PRAGMA query_only = 0"],
)
def test_sql_write_refused(built: BuiltArchive, statement: str) -> None:
    result = run("sql", statement, "--db", str(built.path), ok=False)
    assert result.exit_code == 1
    assert "refused: the archive is opened read-only" in result.output
    conn = sqlite3.connect(built.path)
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0
    conn.close()


def test_sql_error_is_clear(built: BuiltArchive) -> None:
    result = run("sql", "SELEC 1", "--db", str(built.path), ok=False)
    assert result.exit_code == 1 and "SQL error" in result.output


def test_export_each_format_and_force(built: BuiltArchive, tmp_path: Path) -> None:
    for fmt, name in (("csv", "a.csv"), ("jsonl", "a.jsonl"), ("parquet", "a.parquet"), ("warc", "a.warc.gz")):
        out = tmp_path / name
        result = run("export", fmt, "-o", str(out), "--db", str(built.path))
        assert out.is_file() and out.stat().st_size > 0 and "wrote" in result.output
    again = run("export", "jsonl", "-o", str(tmp_path / "a.jsonl"), "--db", str(built.path), ok=False)
    assert again.exit_code == 1 and "--force" in again.output
    summary = json.loads(
        run("export", "jsonl", "-o", str(tmp_path / "a.jsonl"), "--versions", "all", "--force", "--json", "--db", str(built.path)).output
    )
    assert summary["rows"] == 5
    since = json.loads(
        run("export", "csv", "-o", str(tmp_path / "s.csv"), "--versions", "all", "--since", "2026-11-24", "--bom", "--json", "--db", str(built.path)).output
    )
    assert since["rows"] == 1
    assert (tmp_path / "s.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    bad = run("export", "jsonl", "-o", str(tmp_path / "b.jsonl"), "--bom", "--db", str(built.path), ok=False)
    assert bad.exit_code == 1 and "only applies to csv" in bad.output


def test_export_datasets(built: BuiltArchive, tmp_path: Path) -> None:
    counts = {}
    for dataset in ("events", "views", "footers"):
        out = tmp_path / f"{dataset}.jsonl"
        counts[dataset] = json.loads(run("export", "jsonl", "-o", str(out), "--dataset", dataset, "--json",
                                         "--db", str(built.path)).output)["rows"]
    assert counts == {"events": 6, "views": 7, "footers": 1}
    since = json.loads(run("export", "csv", "-o", str(tmp_path / "w.csv"), "--dataset", "views", "--since", "2026-11-23",
                           "--json", "--db", str(built.path)).output)
    assert since["rows"] == 2  # the readings of 2026-11-23 and 2026-11-24
    mixed = run("export", "csv", "-o", str(tmp_path / "x.csv"), "--dataset", "events", "--versions", "all",
                "--db", str(built.path), ok=False)
    assert mixed.exit_code == 1 and mixed.output.strip() == "Error: --versions only applies to the versions dataset, not events"
    warc = run("export", "warc", "-o", str(tmp_path / "x.warc"), "--dataset", "views", "--db", str(built.path), ok=False)
    assert warc.exit_code == 1 and "warc holds the raw captures" in warc.output
    unknown = run("export", "csv", "-o", str(tmp_path / "x.csv"), "--dataset", "nope", "--db", str(built.path), ok=False)
    assert unknown.exit_code == 2 and "'nope' is not one of" in unknown.output
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "x.warc").exists()


def test_db_defaults_to_config(built: BuiltArchive, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'[archive]\ndb_path = "{built.path}"\n', encoding="utf-8")
    out = run("stats", "--config", str(config)).output
    assert "articles: 3" in out


@pytest.mark.parametrize("command", [["stats"], ["search", "工会"], ["verify"], ["history", "1"]])
def test_bad_config_is_a_usage_error_naming_the_key(built: BuiltArchive, tmp_path: Path, command: list[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[fetch]\ndelay = "fast"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, [*command, "--db", str(built.path), "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "fetch.delay" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["stats"], ["search", "工会"], ["verify"], ["verify", "--full"], ["history", "1"]])
def test_no_archive_there_is_one_error_line_from_every_reader(tmp_path: Path, command: list[str]) -> None:
    """verify used to print a report of zeros for a typo'd path, which reads like an empty archive."""
    missing = tmp_path / "typo.db"
    result = CliRunner().invoke(cli, [*command, "--db", str(missing)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"Error: no archive at {missing} (run `ncgh crawl` first, or pass --db PATH)"]
    assert not missing.exists()


@pytest.mark.parametrize(("command", "option"), [(["show", "1001", "--as-of", "2026-13-01"], "--as-of"),
                                                 (["export", "csv", "-o", "-", "--since", "garbage"], "--since"),
                                                 (["changes", "--since", "garbage"], None)])
def test_a_bad_date_is_a_usage_error_in_every_command(built: BuiltArchive, command: list[str], option: str | None) -> None:
    """show and export used to exit 1 (export after opening the archive), changes 2: one rule now."""
    result = CliRunner().invoke(cli, [*command, "--db", str(built.path)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1
    if option:
        assert option in result.output


@pytest.mark.parametrize("command", [["show", "1001", "--version", "1", "--as-of", "2026-11-22"],
                                     ["sql", "SELECT 1", "--csv", "--json"], ["changes", "--json", "--atom"]])
def test_two_options_that_clash_are_a_usage_error(built: BuiltArchive, command: list[str]) -> None:
    """show --version with --as-of exited 1 after opening the archive; the others 2."""
    result = CliRunner().invoke(cli, [*command, "--db", str(built.path)])
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines()[-1].endswith("not both")


def test_changes_help_names_every_kind_it_accepts() -> None:
    from archive.vocab import ChangeKind

    text = " ".join(CliRunner().invoke(cli, ["changes", "--help"]).output.split())
    assert all(kind.value in text for kind in ChangeKind)
