"""`ncgh serve`: Datasette pages in-process, then the real server in headless Chromium
(tests/webui/test_browser.py has the front page, search paging, the feed link and the chart)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.support.browser import dump_dom, serving
from tests.support.query import BuiltArchive
from tests.support.webui import get
from webui.app import build_datasette, load_metadata
from webui.pages import DB_NAME
from webui.plugin import sql_match

CANNED = ("search", "latest_articles", "recently_edited", "gone", "most_viewed", "fastest_growing")


def test_metadata_documents_tables_and_queries(built: BuiltArchive) -> None:
    import sqlite3

    meta = load_metadata()
    db = meta["databases"][DB_NAME]
    for name in CANNED:
        assert db["queries"][name]["sql"].strip().lower().startswith(("select", "with"))
        assert db["queries"][name]["title"]
    conn = sqlite3.connect(built.path)
    try:
        for table, doc in db["tables"].items():
            real = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            assert real, f"metadata names {table}, which the schema does not have"
            assert set(doc.get("columns", {})) <= set(real), f"{table}: documented columns that do not exist"
        for table in ("articles", "versions", "captures", "events", "views", "bodies", "footers"):
            real = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            undocumented = set(real) - set(db["tables"][table]["columns"]) - {"site", "article_id", "first_seen", "last_seen"}
            assert not undocumented, f"{table}: columns without a description: {sorted(undocumented)}"
    finally:
        conn.close()
    assert db["tables"]["version_fts"]["hidden"] is True


@pytest.mark.slow
def test_index_and_tables_render(ds) -> None:
    index = get(ds, "/")
    assert index.status_code == 200 and "ncgh-archive" in index.text
    assert '<a href="/-/search">Search the archive</a>' in index.text  # in the navigation menu
    db = get(ds, f"/{DB_NAME}")
    assert db.status_code == 200
    for name in ("Latest articles", "Recently edited", "Gone articles", "Most viewed", "Fastest-growing view counts"):
        assert name in db.text
    table = get(ds, f"/{DB_NAME}/articles")
    assert table.status_code == 200 and "last view count" in table.text.lower()
    assert 'href="/-/article/1001"' in table.text  # article ids link to the article page


def test_canned_queries_answer(ds) -> None:
    def rows(name: str, qs: str = "") -> list[dict]:
        response = get(ds, f"/{DB_NAME}/{name}.json?_shape=array{qs}")
        assert response.status_code == 200, response.text
        return json.loads(response.text)

    assert [r["article_id"] for r in rows("gone")] == [1002]
    assert [(r["article_id"], r["version"]) for r in rows("recently_edited")] == [(1001, 3), (1001, 2)]
    assert [r["article_id"] for r in rows("most_viewed")] == [1001, 1002, 1003]
    growth = rows("fastest_growing")
    assert growth[0]["article_id"] == 1001 and growth[0]["views_per_day"] == 275.0
    assert {r["article_id"] for r in rows("latest_articles")} == {1001, 1002, 1003}
    found = rows("search", "&q=职工代表&all_versions=")
    assert [(r["article_id"], r["version"]) for r in found] == [(1001, 3)]
    assert "【职工代表】" in found[0]["snippet"]
    every = rows("search", "&q=职工代表&all_versions=1")
    assert {(r["article_id"], r["version"]) for r in every} == {(1001, 1), (1001, 2), (1001, 3)}
    assert rows("search", "&q=&all_versions=") == []


def test_sql_match_function() -> None:
    assert sql_match("职工代表") == '"职工 工代 代表"'
    assert sql_match("") == '""'


def test_arbitrary_sql_cannot_write(ds, built: BuiltArchive) -> None:
    response = get(ds, f"/{DB_NAME}.json?sql=delete+from+articles")
    assert response.status_code == 400
    assert get(ds, f"/{DB_NAME}.json?sql=select+count(*)+as+n+from+articles&_shape=array").json() == [{"n": 3}]


def test_article_page_shows_body_versions_and_diff(ds) -> None:
    response = get(ds, "/-/article/1001")
    assert response.status_code == 200
    text = response.text
    assert "<p>会后举行了表彰仪式。</p>" in text  # rendered from the sanitised body_html
    assert "version 3 of 3" in text
    assert text.count('?version=') >= 3  # the version list links every version
    assert "Changes from version 2 to version 3" in text
    assert "<ins>第二届</ins>" in text
    assert "script-src 'self'" in response.headers["content-security-policy"]
    older = get(ds, "/-/article/1001?version=2&compare=1").text
    assert "Changes from version 1 to version 2" in older and "南昌市总工会召开职工代表大会" in older
    gone = get(ds, "/-/article/1002").text
    assert "Gone from the site since 2026-11-24 02:00 UTC (http_404)" in gone and "送温暖活动" in gone
    assert get(ds, "/-/article/9999").status_code == 404
    assert get(ds, "/-/article/1001?version=x").status_code == 404


def test_search_page(ds) -> None:
    text = get(ds, "/-/search?q=职工代表").text
    assert "1 result for" in text and "<mark>职工代表</mark>" in text and 'href="/-/article/1001"' in text
    assert "3 results" in get(ds, "/-/search?q=职工代表&all=1").text


def test_build_refuses_missing_archive(tmp_path: Path) -> None:
    from archive.resolve import QueryError

    with pytest.raises(QueryError, match="no archive at"):
        build_datasette(tmp_path / "nothing.db")


# --- the real server in a real browser --------------------------------------------------------------


@pytest.fixture(scope="module")
def server(built: BuiltArchive):
    with serving(built.path) as base:
        yield base


@pytest.mark.browser
@pytest.mark.slow
def test_serve_serves_article_page_in_browser(server: str, tmp_path: Path) -> None:
    from lxml import html

    dom = html.fromstring(dump_dom(server + "/-/article/1001", tmp_path))
    assert dom.findtext(".//h1").strip() == "南昌市总工会召开职工代表大会"
    body = [p.text_content() for p in dom.cssselect("article.ncgh-body p")]
    assert body == ["南昌市总工会召开第二届职工代表大会。", "会议审议通过了工作报告。", "与会代表一致表示要做好职工服务工作。", "会后举行了表彰仪式。"]
    versions = [a.text_content() for a in dom.cssselect("table.ncgh-versions td:first-child a")]
    assert versions == ["v1", "v2", "v3"]
    assert [e.text_content() for e in dom.cssselect(".ncgh-diff ins")] == ["第二届"]
    assert [e.text_content() for e in dom.cssselect(".ncgh-diff .ncgh-insert .ncgh-new p")] == ["会后举行了表彰仪式。"]
    assert dom.cssselect("svg.ncgh-chart polyline")


@pytest.mark.browser
@pytest.mark.slow
def test_serve_search_and_canned_query_in_browser(server: str, tmp_path: Path) -> None:
    from lxml import html

    search = html.fromstring(dump_dom(server + "/-/search?q=%E8%81%8C%E5%B7%A5%E4%BB%A3%E8%A1%A8", tmp_path))
    assert [m.text_content() for m in search.cssselect(".ncgh-hit mark")] == ["职工代表"]
    assert search.cssselect(".ncgh-hit a")[0].get("href") == "/-/article/1001"
    gone = html.fromstring(dump_dom(server + f"/{DB_NAME}/gone", tmp_path))
    cells = [td.text_content().strip() for td in gone.cssselect("table.rows-and-columns td")]
    assert "1002" in cells and "送温暖活动" in cells


def test_serve_command_errors_are_one_line(built: BuiltArchive, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ncgh.cli import cli

    missing = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no archive at" in missing.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        taken = CliRunner().invoke(cli, ["serve", "--db", str(built.path), "--port", str(port)])
    assert taken.exit_code == 1 and f"port {port} on 127.0.0.1 is already in use" in taken.output


def test_plain_datasette_finds_the_plugins_templates() -> None:
    """Plain `datasette ncgh.db` (the entry point, no --template-dir) must find the plugin's templates:
    Datasette looks for templates/ only in a plugin that is a package. A module plugin had none, and
    the front, article and search pages answered 500."""
    from datasette.plugins import get_plugins

    from webui.app import TEMPLATE_DIR, register_plugin

    register_plugin()
    ours = [p for p in get_plugins() if "render_cell" in p["hooks"] and "register_routes" in p["hooks"]
            and p["templates_path"] and Path(p["templates_path"]).resolve() == TEMPLATE_DIR.resolve()]
    assert len(ours) == 1 and (TEMPLATE_DIR / "ncgh_front.html").is_file()
