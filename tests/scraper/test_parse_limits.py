"""Pathological pages (issue 13, item 5): refused before a tree is built, as a parse error naming the
limit and the value measured, never minutes of CPU, a gigabyte of tree or a silently short version."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.reliability import crawl_argv, ncgh, small_site, write_config
from scraper.encoding import decode
from scraper.page_limits import (
    DEFAULT_LIMITS,
    LIBXML2_MAX_DEPTH,
    Limit,
    PageLimits,
    PageTooComplex,
    check_page,
    page_shape,
)
from scraper.parse import parse_article
from scraper.records import ParseError
from simulator import SimServer
from simulator.site import Response

URL = "http://www.ncgh.org.cn/nczhghcms/article/3081"
HEAD = '<html><head><title>t</title></head><body><div class="detail"><h2 class="detail-title">工会新闻</h2><div id="zoom">'
TAIL = "<p>正文在这里：全市工会工作会议召开。</p></div></div></body></html>"


def page(middle: str) -> bytes:
    return (HEAD + middle + TAIL).encode("utf-8")


def refused(body: bytes) -> PageTooComplex:
    with pytest.raises(PageTooComplex) as info:
        parse_article(body, URL, "text/html; charset=utf-8")
    return info.value


def test_one_element_with_80000_attributes_is_refused_at_once():
    exc = refused(page("<p " + " ".join(f'a{i}="x"' for i in range(80_000)) + ">x</p>"))
    assert exc.limit is Limit.ATTRIBUTES and exc.measured == 80_000
    assert exc.reason == "page too complex to parse: attributes on one element 80,000 > max_attributes 256"


def test_attributes_hidden_behind_a_quoted_gt_are_still_counted():
    # A ">" inside a quoted value does not end the tag: the cheap test must not stop there.
    exc = refused(page('<p title=">" ' + " ".join(f"a{i}" for i in range(5_000)) + ">x</p>"))
    assert exc.limit is Limit.ATTRIBUTES and exc.measured == 5_001


def test_100000_nested_elements_are_refused_not_cut_short():
    exc = refused(page("<div>" * 100_000 + "深处" + "</div>" * 100_000))
    assert exc.limit is Limit.ELEMENTS


def test_nesting_past_libxml2s_limit_is_refused_not_cut_short():
    # 3,000 levels: few enough elements, but libxml2 stops at 2,048 and the body after is lost.
    exc = refused(page("<div>" * 3_000 + "深处" + "</div>" * 3_000))
    assert exc.limit is Limit.DEPTH and exc.measured > LIBXML2_MAX_DEPTH
    assert exc.reason == f"page too complex to parse: nesting depth {exc.measured:,} > max_depth 2,048"


@pytest.mark.parametrize("levels", [2_043, 2_044, 2_045])
def test_the_depth_limit_is_exactly_where_libxml2_cuts_the_tree(levels):
    # html, body, div.detail and div#zoom wrap the levels: 2,044 levels are 2,048 deep, the most kept.
    middle = "<div>" * levels + "深处" + "</div>" * levels
    if levels + 4 > LIBXML2_MAX_DEPTH:
        assert refused(page(middle)).limit is Limit.DEPTH
    else:
        record = parse_article(page(middle), URL, "text/html; charset=utf-8")
        assert "深处" in record.body_text and record.body_text.endswith("全市工会工作会议召开。")


@pytest.mark.slow
def test_9_8_megabytes_of_br_are_refused_without_building_a_tree():
    exc = refused(page("<br>" * 2_450_000))
    assert exc.limit is Limit.ELEMENTS and exc.measured == 2_450_000 + 8  # and the page's own tags
    assert exc.reason.endswith("> max_elements 100,000")


def test_page_too_complex_is_a_parse_error():
    assert issubclass(PageTooComplex, ParseError)


def test_limits_refuse_a_depth_libxml2_would_cut_and_nonsense():
    with pytest.raises(ValueError, match="max_depth"):
        PageLimits(max_depth=LIBXML2_MAX_DEPTH + 1)
    with pytest.raises(ValueError, match="max_elements"):
        PageLimits(max_elements=0)


def test_a_page_over_the_character_limit_is_refused():
    with pytest.raises(PageTooComplex) as info:
        check_page("<p>" + "x" * 200 + "</p>", PageLimits(max_characters=100))
    assert info.value.limit is Limit.CHARACTERS


# ---- under the limits nothing changes ----------------------------------------------------------

TAGS = ["div", "p", "span", "b", "td", "tr", "table", "li", "ul", "a", "br", "img", "font", "strong"]


@st.composite
def structures(draw, depth: int = 0) -> str:
    """Random markup: nesting, attributes (quoted, with ">" and "<" inside), unclosed tags, text."""
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        tag = draw(st.sampled_from(TAGS))
        attrs = draw(st.lists(st.tuples(st.sampled_from(["class", "id", "style", "title", "data-x", "x"]),
                                        st.sampled_from(['"a"', "'b > c'", '"d < e"', "f", '""'])), max_size=5))
        attr_text = "".join(f" {name}={value}" for name, value in attrs)
        inner = draw(structures(depth + 1))
        close = draw(st.sampled_from([f"</{tag}>", f"</{tag}>", ""]))
        parts.append(f"<{tag}{attr_text}>{draw(st.sampled_from(['', '文字', 'a < b', '&amp;']))}{inner}{close}")
    return "".join(parts)


def _parsed(body: bytes) -> object:
    """The record `parse_article` gives, or the ParseError's reason (both compared as they are)."""
    try:
        return parse_article(body, URL, "text/html; charset=utf-8").to_dict()
    except ParseError as exc:
        return ("ParseError", type(exc).__name__, exc.reason)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(structures(), st.integers(0, 300))
def test_random_structure_under_the_limits_parses_as_without_the_check(markup, nest):
    body = page(markup + "<div>" * nest + "内容" + "</div>" * nest)
    check_page(body.decode("utf-8"))  # under every limit: passes
    with_check = _parsed(body)
    with patch("scraper.parse.check_page", lambda text: None):
        without_check = _parsed(body)
    assert with_check == without_check


REALPAGES = Path(__file__).resolve().parents[3] / "shared" / "realpages"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def _assert_wide_margin(paths: list[Path], factor: int) -> None:
    for path in paths:
        text = decode(path.read_bytes(), None).text
        check_page(text)
        shape = page_shape(text)
        assert shape.attributes * factor < DEFAULT_LIMITS.max_attributes, path
        assert shape.depth * factor < DEFAULT_LIMITS.max_depth, path
        assert (text.count("<") - text.count("</")) * factor < DEFAULT_LIMITS.max_elements, path
        assert len(text) * factor < DEFAULT_LIMITS.max_characters, path


def test_the_simulators_and_hand_made_pages_pass_with_a_wide_margin():
    pages = sorted(FIXTURES.rglob("*.html"))
    assert len(pages) > 50
    _assert_wide_margin(pages, 20)


@pytest.mark.skipif(not REALPAGES.is_dir(), reason=f"real pages not available at {REALPAGES}")
def test_real_chinese_pages_pass_with_a_wide_margin():
    pages = sorted(REALPAGES.rglob("*.html"))
    assert len(pages) > 100
    _assert_wide_margin(pages, 10)


# ---- end to end: crawled over real HTTP --------------------------------------------------------

ARTICLES = 10


@pytest.mark.slow
@pytest.mark.parametrize(
    ("middle", "reason"),
    [
        ("<br>" * 2_450_000, "elements 2,450,008 > max_elements 100,000"),
        ("<p " + " ".join(f"a{i}" for i in range(80_000)) + ">x</p>", "attributes on one element 80,000"),
        ("<div>" * 3_000 + "深处" + "</div>" * 3_000, "nesting depth"),
    ],
    ids=["br", "attributes", "depth"],
)
def test_a_crawl_records_the_pathological_page_as_a_parse_error_and_finishes(tmp_path, middle, reason):
    body = page(middle)
    with SimServer(small_site(ARTICLES)) as srv:
        target = next(a for a in srv.truth()["articles"] if a["linked"] and a["status"] == "live")
        path = f"/nczhghcms/article/{target['id']}"
        handle = srv.site.handle
        served: list[str] = []

        def hostile(p: str, headers: dict[str, str]) -> Response:
            if p == path:
                served.append(p)
                return Response(200, body, "text/html; charset=utf-8")
            return handle(p, headers)

        srv.site.handle = hostile
        config = write_config(tmp_path / "config.toml", ARTICLES)
        db = tmp_path / "a.db"
        first = ncgh(*crawl_argv(config, db, srv.url, "incremental", "--json")[3:])
        assert first.returncode == 1, first.stderr  # finished, one page failed
        summary = json.loads(first.stdout)
        assert summary["status"] == "finished" and summary["parse_errors"] == 1
        assert "Traceback" not in first.stderr and reason in first.stderr
        fetched_first = len(served)
        second = ncgh(*crawl_argv(config, db, srv.url, "incremental", "--json")[3:])
        assert second.returncode in (0, 1), second.stderr
        assert json.loads(second.stdout)["status"] == "finished"
        assert len(served) - fetched_first <= 1  # retried at most once a run, never in a loop
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT outcome, parse_error, body_size FROM captures WHERE url LIKE ?", (f"%{path}",)
        ).fetchall()
        versions = conn.execute("SELECT count(*) FROM versions WHERE article_id = ?", (target["id"],)).fetchone()[0]
        states = {
            state for (state,) in conn.execute("SELECT state FROM work_items WHERE url LIKE ?", (f"%{path}",))
        }
    finally:
        conn.close()
    assert rows and all(o == "parse_error" and reason in (e or "") and size == len(body) for o, e, size in rows)
    assert versions == 0 and states == {"done"}  # done: no resumed run picks it up again
    assert ncgh("verify", "--db", str(db)).returncode == 0


def test_reparse_turns_a_short_version_from_before_the_limits_into_a_parse_error(tmp_path):
    """An archive crawled before the limits holds a version whose body libxml2 cut at 2,048 levels;
    `ncgh reparse` replaces it with the parse error it should have been."""
    from datetime import UTC, datetime

    from click.testing import CliRunner

    from archive.store import Archive
    from ncgh.cli import cli
    from ncgh.config import load_config, to_site_profile
    from ncgh.pipeline import interpret
    from scraper.records import FetchResult

    cfg = load_config()
    body = page("<div>" * 3_000 + "深处" + "</div>" * 3_000)
    fetched = FetchResult(
        url=URL, final_url=URL, status=200, headers=[("Content-Type", "text/html; charset=utf-8")], body=body,
        fetched_at=datetime(2026, 1, 1, tzinfo=UTC), elapsed=0.01, attempts=1,
    )
    db = tmp_path / "a.db"
    with patch("scraper.parse.check_page", lambda text: None), Archive(db) as archive:  # the parser before
        capture = interpret(cfg.site.name, URL, fetched, to_site_profile(cfg), cfg.site.article_paths)
        assert capture.outcome == "ok" and "深处" not in capture.content.body_text  # the short version
        archive.record_capture(capture)
    result = CliRunner().invoke(cli, ["reparse", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "versions: 1 -> 0" in result.output
    with Archive(db) as archive:
        row = archive.conn.execute("SELECT outcome, parse_error, body_size FROM captures").fetchone()
    assert row == ("parse_error", "page too complex to parse: nesting depth 3,004 > max_depth 2,048", len(body))
    assert CliRunner().invoke(cli, ["verify", "--db", str(db)]).exit_code == 0
