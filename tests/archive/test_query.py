"""archive.query over an archive written through the store: resolve, show, history, diff, stats, SQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive import diff as diffs
from archive import query as q
from archive import resolve, stats
from archive.sql import ArchiveNotFound, ReadOnlyRefused, open_readonly, run_sql
from tests.support.query import SITE, BuiltArchive, build_archive


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    return build_archive(tmp_path_factory.mktemp("query") / "ncgh.db")


@pytest.fixture
def conn(built: BuiltArchive):
    c = open_readonly(built.path)
    yield c
    c.close()


@pytest.mark.parametrize(
    "ref",
    [
        "1001",
        1001,
        "http://www.ncgh.org.cn/nczhghcms/article/1001",
        "https://ncgh.org.cn/article/1001",
        "http://171.34.90.220:8081/nczhghcms/article/1001/",
        "12351.ncszgh.gov.cn/article/1001",
        "/article/1001",
    ],
)
def test_resolve_by_id_or_any_url(conn, ref) -> None:
    assert resolve.resolve_article(conn, ref, SITE) == resolve.ArticleRef(SITE, 1001)


def test_resolve_checks_the_host_when_aliases_are_given(conn) -> None:
    aliases = ("www.ncgh.org.cn", "ncgh.org.cn", "171.34.90.220:8081", "12351.ncszgh.gov.cn")
    ref = resolve.ArticleRef(SITE, 1001)
    assert resolve.resolve_article(conn, "https://12351.ncszgh.gov.cn/nczhghcms/article/1001", SITE, host_aliases=aliases) == ref
    assert resolve.resolve_article(conn, "/article/1001", SITE, host_aliases=aliases) == ref
    # A host the archive fetched articles from counts too (the simulator is not an alias).
    assert resolve.resolve_article(conn, "http://ncgh.org.cn/article/1001", SITE, host_aliases=()) == ref
    with pytest.raises(resolve.QueryError, match="example.com is not a host of this site"):
        resolve.resolve_article(conn, "http://example.com/article/1001", SITE, host_aliases=aliases)


def test_resolve_errors_say_why(conn) -> None:
    with pytest.raises(resolve.QueryError, match="not in the archive"):
        resolve.resolve_article(conn, "99999", SITE)
    with pytest.raises(resolve.QueryError, match="never found on the site"):
        resolve.resolve_article(conn, "1004", SITE)  # only a fetch error was recorded for it
    with pytest.raises(resolve.QueryError, match="neither an article id nor an article URL"):
        resolve.resolve_article(conn, "http://www.ncgh.org.cn/about.html", SITE)


def test_show_latest_version_and_as_of(conn) -> None:
    ref = resolve.ArticleRef(SITE, 1001)
    now = q.show(conn, ref)
    assert now.version is not None and now.version.version == 3
    assert now.version.body_text.endswith("会后举行了表彰仪式。")
    assert now.views_then == 1500 and now.status_then == "live"
    then = q.show(conn, ref, as_of=resolve.parse_moment("2026-11-21"))
    assert then.version is not None and then.version.version == 1
    assert then.version.title == "市总工会召开职工代表大会"
    assert then.views_then == 650
    before = q.show(conn, ref, as_of=resolve.parse_moment("2026-11-19"))
    assert before.version is None and before.status_then == "unseen"
    v2 = q.show(conn, ref, version=2)
    assert v2.version is not None and v2.version.changed_fields == ("title",)
    with pytest.raises(resolve.QueryError, match="no version 7"):
        q.show(conn, ref, version=7)


def test_show_gone_article_status_at_a_time(conn) -> None:
    ref = resolve.ArticleRef(SITE, 1002)
    assert q.show(conn, ref).status_then == "gone"
    assert q.show(conn, ref, as_of=resolve.parse_moment("2026-11-22")).status_then == "live"


def test_history_lists_versions_views_events(conn) -> None:
    h = q.history(conn, resolve.ArticleRef(SITE, 1001))
    assert [v.version for v in h.versions] == [1, 2, 3]
    assert [v.changed_fields for v in h.versions][1:] == [("title",), ("body_text",)]
    assert [p.views for p in h.views] == [400, 650, 900, 900, 1500]
    assert [e.event for e in h.events] == ["new", "edited", "edited"]
    assert set(h.article.urls) == {"http://www.ncgh.org.cn/nczhghcms/article/1001", "http://ncgh.org.cn/article/1001"}
    gone = q.history(conn, resolve.ArticleRef(SITE, 1002))
    assert [e.event for e in gone.events] == ["new", "gone"]
    assert [c.status for c in gone.captures] == [200, 404, 404]


def test_diff_defaults_to_last_two_and_is_paragraph_aware(conn) -> None:
    d = diffs.diff(conn, resolve.ArticleRef(SITE, 1001))
    assert (d.old.version, d.new.version) == (2, 3)
    assert [c.field for c in d.changes] == ["body_text"]
    assert "-南昌市总工会召开职工代表大会。" in d.unified
    assert "+南昌市总工会召开第二届职工代表大会。" in d.unified
    assert "+会后举行了表彰仪式。" in d.unified
    assert [op.tag for op in d.body_ops] == ["replace", "equal", "insert"]
    d13 = diffs.diff(conn, resolve.ArticleRef(SITE, 1001), 1, 3)
    assert [c.field for c in d13.changes] == ["title", "body_text"]
    with pytest.raises(resolve.QueryError, match="two version numbers"):
        diffs.diff(conn, resolve.ArticleRef(SITE, 1001), 1, None)


def test_char_diff_marks_inserted_characters() -> None:
    assert diffs.char_diff("召开职工代表大会", "召开第二届职工代表大会") == [
        ("equal", "召开"),
        ("insert", "第二届"),
        ("equal", "职工代表大会"),
    ]


def test_stats_counts(conn, built: BuiltArchive) -> None:
    s = stats.stats(conn, built.path)
    assert (s.articles, s.live, s.gone, s.versions, s.edited_articles) == (3, 2, 1, 5, 1)
    assert s.captures == len(built.capture_ids) == 13
    assert dict((c.name, c.count) for c in s.captures_by_outcome) == {
        "ok": 9,
        "missing": 2,
        "not_modified": 1,
        "fetch_error": 1,
    }
    assert s.bodies == len(set(built.bodies.values()))
    assert s.body_bytes == sum(len(b) for b in set(built.bodies.values()))
    assert s.stored_bytes > 0 and s.file_bytes > 0
    # Called from Python with the connection alone (the documented API): the file it has open.
    assert stats.stats(conn).file_bytes == s.file_bytes


def test_parse_moment_reads_a_date_as_the_sites_local_day() -> None:
    # A bare date is a day on the site's calendar (Asia/Shanghai), as `ncgh changes --since` reads it.
    assert resolve.parse_moment("2026-11-21") == "2026-11-21T15:59:59.999999+00:00"
    assert resolve.parse_moment("2026-11-21", end_of_day=False) == "2026-11-20T16:00:00.000000+00:00"
    assert resolve.parse_moment("2026-11-21", tz="UTC") == "2026-11-21T23:59:59.999999+00:00"
    assert resolve.parse_moment("9999-12-31") == "9999-12-31T23:59:59.999999+00:00"
    assert resolve.parse_moment("2026-11-21T10:00:00+08:00") == "2026-11-21T02:00:00.000000+00:00"
    with pytest.raises(resolve.QueryError, match="not a date"):
        resolve.parse_moment("yesterday")


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM articles",
        "UPDATE versions SET title = 'x'",
        "CREATE TABLE t (a)",
        "PRAGMA query_only = 0",
        "ATTACH DATABASE 'elsewhere.db' AS e",
        "VACUUM INTO 'copy.db'",
    ],
)
def test_run_sql_refuses_writes(conn, built: BuiltArchive, sql: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ReadOnlyRefused, match="refused"):
        run_sql(conn, sql)
    assert list(tmp_path.iterdir()) == []  # nothing created beside
    check = sqlite3.connect(built.path)
    assert check.execute("SELECT count(*) FROM articles").fetchone()[0] == 3
    check.close()


def test_run_sql_reads(conn) -> None:
    result = run_sql(conn, "SELECT article_id, title FROM articles WHERE article_id = :a", {"a": 1003})
    assert result.columns == ("article_id", "title")
    assert result.rows == ((1003, "Python workshop 培训"),)
    assert run_sql(conn, "PRAGMA table_info(articles)").rows


def test_open_readonly_errors(tmp_path: Path) -> None:
    with pytest.raises(ArchiveNotFound, match="no archive at"):
        open_readonly(tmp_path / "missing.db")
    (tmp_path / "junk.db").write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(resolve.QueryError, match="not a readable SQLite archive"):
        open_readonly(tmp_path / "junk.db")


def test_diff_versions_counts_changes_as_the_store_does(conn) -> None:
    from dataclasses import replace

    v1 = q.get_version(conn, resolve.ArticleRef(SITE, 1003), 1)
    moved = replace(
        v1,
        version=2,
        images=tuple((src.replace("www.ncgh.org.cn", "12351.ncszgh.gov.cn"), cap) for src, cap in v1.images),
        body_text=v1.body_text.replace("。", "。 "),  # whitespace only
        body_html="<div>" + v1.body_html + "</div>",  # layout only
    )
    assert diffs.diff_versions(v1, moved)[0] == ()
    retitled = replace(v1, version=2, title="新标题")
    changes, ops, unified = diffs.diff_versions(v1, retitled)
    assert [c.field for c in changes] == ["title"] and unified[-2:] == ("-Python workshop 培训", "+新标题")
    assert {op.tag for op in ops} == {"equal"}
