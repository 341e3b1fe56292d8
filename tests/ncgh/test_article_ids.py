"""Article ids outside what the archive can store (issue 13 item 4): one function decides
(scraper.ids.article_id), and every way an id comes in uses it: API answers, list pages, article
URLs, the read commands' arguments and the web UI's query strings. An id that is not one is skipped
and counted (discovery) or refused with one `Error:` line / a 404 (readers), never a traceback.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.resolve import QueryError, resolve_article
from ncgh.cli import cli
from scraper.discover import (
    parse_api_id_page,
    parse_api_ids,
    parse_api_list,
)
from scraper.hubs import parse_list_page
from scraper.ids import MAX_ARTICLE_ID, article_id, article_id_from_url
from tests.support.fetch import LocalServer, send
from tests.support.query import BuiltArchive, build_archive, page
from webui.app import build_datasette

BAD_IDS = [0, -1, 2**63, 10**40, MAX_ARTICLE_ID + 1]
BAD_TEXT = ["²", "١", "١٢", "１", "５", "+5", "-5", " 5", "5 ", "5.0", "", "0", "00", "1e3", "9" * 20, "9" * 5000]


# ---- the one function ---------------------------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.integers())
def test_an_int_is_an_id_exactly_when_sqlite_can_store_it_and_it_is_positive(value: int) -> None:
    expected = value if 1 <= value <= 2**63 - 1 else None
    assert article_id(value) == expected
    assert article_id(str(value)) == expected  # its decimal text means the same


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(categories=["Nd", "No", "Nl", "Zs", "Pd", "Sm"]) | st.sampled_from("0123456789+- "),
               max_size=25))
def test_text_is_an_id_only_as_plain_ascii_decimal(text: str) -> None:
    value = article_id(text)
    if value is None:
        return
    assert text.isascii() and text.isdecimal() and int(text) == value and 1 <= value <= MAX_ARTICLE_ID
    # the same value, once stored, round-trips through SQLite
    assert sqlite3.connect(":memory:").execute("SELECT ?", (value,)).fetchone()[0] == value


@pytest.mark.parametrize("text", BAD_TEXT)
def test_unicode_digits_signs_spaces_and_huge_numbers_are_no_id(text: str) -> None:
    assert article_id(text) is None


@pytest.mark.parametrize("value", BAD_IDS)
def test_numbers_outside_one_to_sqlites_largest_integer_are_no_id(value: int) -> None:
    assert article_id(value) is None and article_id(str(value)) is None


def test_leading_zeros_and_bools() -> None:
    assert article_id("05") == 5 and article_id("0868") == 868
    assert article_id(True) is None and article_id(1.0) is None and article_id(None) is None


# ---- discovery ----------------------------------------------------------------------------------

API = "http://www.ncgh.org.cn/nczhgh.interface/api/cms/article/list?pageNum=1&pageSize=12&categoryId=3"
IDS = "http://www.ncgh.org.cn/nczhgh.interface/api/cms/article/getIdsList?categoryId=3"


def _api(ids: list[object]) -> bytes:
    return json.dumps({"code": 200, "data": {"list": [{"id": i, "title": f"t{i}"} for i in ids]}}).encode()


def test_api_list_skips_and_counts_ids_out_of_range() -> None:
    listed = parse_api_list(_api([2**63, 868, 10**40, "99999999999999999999", "١٢", 869]), API)
    assert [r.article_id for r in listed.links] == [868, 869]
    assert listed.skipped_ids == 4


def test_api_id_list_skips_and_counts_ids_out_of_range() -> None:
    body = json.dumps({"code": 200, "data": [{"id": 2**63}, {"id": 868}, 10**40, {"id": "２"}, 869]}).encode()
    assert parse_api_ids(body, IDS) == [868, 869]
    answer = parse_api_id_page(body, IDS)
    assert answer.ids == [868, 869] and answer.skipped_ids == 3


def test_list_page_skips_and_counts_links_out_of_range() -> None:
    body = (
        '<html><body><ul class="news-list">'
        '<li><a href="/nczhghcms/article/99999999999999999999999">huge</a></li>'
        f'<li><a href="/nczhghcms/article/{2**63}">just too big</a></li>'
        '<li><a href="/nczhghcms/article/868">ok</a></li>'
        "</ul></body></html>"
    ).encode()
    listed = parse_list_page(body, "http://www.ncgh.org.cn/nczhghcms/category/3?pageNum=1")
    assert [r.article_id for r in listed.links] == [868]
    assert listed.skipped_ids == 2


@pytest.mark.parametrize("tail", [str(2**63 - 1), "868"])
def test_article_urls_up_to_sqlites_limit_are_ids(tail: str) -> None:
    assert article_id_from_url(f"http://www.ncgh.org.cn/nczhghcms/article/{tail}") == int(tail)


@pytest.mark.parametrize("tail", [str(2**63), "99999999999999999999999", "١٢", "１２", "0"])
def test_article_urls_out_of_range_are_no_article(tail: str) -> None:
    assert article_id_from_url(f"http://www.ncgh.org.cn/nczhghcms/article/{tail}") is None
    assert article_id_from_url(f"http://www.ncgh.org.cn/plugin/gh/ghzx/pc_detail.php?erid=34&id={tail}") is None


# ---- a crawl over real HTTP -----------------------------------------------------------------------

ARTICLE = page("范围内的文章", 10, ["正文。"])


@pytest.mark.slow
def test_crawl_archives_the_valid_ids_of_an_answer_that_also_holds_huge_ones(tmp_path: Path) -> None:
    server = LocalServer()
    try:
        api_path = "/nczhgh.interface/api/cms/article/list"
        server.route(api_path)(lambda h: send(h, 200, _api([2**63, 868, 10**40, 869]), [("Content-Type", "application/json")]))
        for aid in (868, 869):
            server.route(f"/nczhghcms/article/{aid}")(lambda h: send(h, 200, ARTICLE, [("Content-Type", "text/html; charset=utf-8")]))
        config = tmp_path / "c.toml"
        config.write_text('[fetch]\ndelay = 0\nmax_attempts = 1\n[discovery]\nsources = ["api"]\ncategories = [3]\napi_all_template = ""\n', encoding="utf-8")
        db = tmp_path / "a.db"
        argv = [sys.executable, "-m", "ncgh.cli", "crawl", "--config", str(config), "--db", str(db),
                "--base-url", server.base, "--mode", "incremental", "--json"]
        first = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in first.stderr and first.returncode == 0, first.stderr
        summary = json.loads(first.stdout.strip().splitlines()[-1])
        assert summary["new_articles"] == 2 and summary["skipped_ids"] == 2
        conn = sqlite3.connect(db)
        assert sorted(r[0] for r in conn.execute("SELECT article_id FROM articles")) == [868, 869]
        assert conn.execute("SELECT count(*) FROM work_items WHERE state = 'pending'").fetchone()[0] == 0
        conn.close()
        second = subprocess.run(argv, capture_output=True, text=True, timeout=120)  # does not crash the same way
        assert "Traceback" not in second.stderr and second.returncode == 0, second.stderr
    finally:
        server.close()


# ---- the read side -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    return build_archive(tmp_path_factory.mktemp("ids") / "ncgh.db")


READ_BAD = ["99999999999999999999", str(2**63), "١٢", "１", "²", "+5",
            "http://www.ncgh.org.cn/nczhghcms/article/99999999999999999999999",
            "/article/99999999999999999999", "http://www.ncgh.org.cn/article/١٠٠١"]


@pytest.mark.parametrize("ref", READ_BAD)
def test_resolve_refuses_what_is_no_id_with_a_query_error(built: BuiltArchive, ref: str) -> None:
    conn = sqlite3.connect(built.path)
    try:
        with pytest.raises(QueryError):
            resolve_article(conn, ref, "ncgh")
    finally:
        conn.close()


@pytest.mark.parametrize("command", ["show", "history", "diff"])
@pytest.mark.parametrize("ref", READ_BAD[:2] + READ_BAD[6:7])
def test_read_commands_refuse_ids_out_of_range_in_one_line(built: BuiltArchive, command: str, ref: str) -> None:
    result = CliRunner().invoke(cli, [command, ref, "--db", str(built.path)])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.output.startswith("Error: ") and len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize("args", [["show", "1001", "--version", "99999999999999999999"],
                                  ["diff", "1001", "1", "99999999999999999999"],
                                  ["diff", "1001", "99999999999999999999", "1"]])
def test_version_numbers_out_of_range_are_a_usage_error(built: BuiltArchive, args: list[str]) -> None:
    result = CliRunner().invoke(cli, [*args, "--db", str(built.path)])
    assert isinstance(result.exception, SystemExit) and result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "Error: " in result.output


def _get(ds, path: str):
    async def fetch():
        return await ds.client.get(path)

    return asyncio.run(fetch())


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    ["/-/article/99999999999999999999", f"/-/article/{2**63}", "/-/article/%D9%A1%D9%A2",
     "/-/article/1001?version=%C2%B2", "/-/article/1001?version=99999999999999999999",
     "/-/article/1001?compare=99999999999999999999", "/-/article/1001?compare=%EF%BC%91",
     "/-/article/1001?version=%2B1", "/-/article/1001?version=%201"],
)
def test_web_ui_answers_404_for_what_is_no_article_or_version(built: BuiltArchive, path: str) -> None:
    assert _get(build_datasette(built.path), path).status_code == 404


@pytest.mark.parametrize("field", ["pageNum", "pageSize", "total"])
def test_api_paging_numbers_in_other_scripts_are_ignored_not_a_crash(field: str) -> None:
    body = json.dumps({"code": 200, "data": {"list": [{"id": 868}], field: "²", "pageSize": 1}}).encode()
    listed = parse_api_list(body, API)
    assert [r.article_id for r in listed.links] == [868]
