"""The front page of `ncgh serve`, what the index hides, the view chart and the signature (issue 18)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html

from archive.store import Archive
from tests.support.archive import capture, content
from tests.support.webui import get
from webui.app import build_datasette
from webui.chart import MIN_SPAN, Reading, nice_ticks, view_chart, y_range
from webui.pages import DB_NAME, signature_in_body


def doc(ds, path: str) -> html.HtmlElement:
    response = get(ds, path)
    assert response.status_code == 200, (path, response.text[:500])
    return html.fromstring(response.text)


def texts(root: html.HtmlElement, css: str) -> list[str]:
    return [re.sub(r"\s+", " ", e.text_content()).strip() for e in root.cssselect(css)]


def test_front_page_answers_what_a_journalist_asks_first(ds) -> None:
    front = doc(ds, "/")
    form = front.cssselect("form.ncgh-front-search")[0]
    assert form.get("action") == "/-/search" and form.cssselect("input[name=q]")
    assert front.cssselect('link[rel=alternate][type="application/atom+xml"]')[0].get("href") == "/-/changes.atom"
    assert front.cssselect(".ncgh-changes a.ncgh-feed")[0].get("href") == "/-/changes.atom"
    changes = texts(front, ".ncgh-changes li")
    assert changes[0].startswith("2026-11-24 02:00 UTC gone 送温暖活动 (http_404)")
    assert "edited 南昌市总工会召开职工代表大会 (body_text)" in changes[1] and "{+第二届+}" in changes[1]
    assert [a.get("href") for a in front.cssselect(".ncgh-most-read li a")] == ["/-/article/1001", "/-/article/1002", "/-/article/1003"]
    assert texts(front, ".ncgh-most-read li")[0] == "南昌市总工会召开职工代表大会 1,500 views"
    assert texts(front, ".ncgh-growing li") == ["南昌市总工会召开职工代表大会 +1,100 views (400 → 1,500)"]
    assert texts(doc(ds, "/?days=1"), ".ncgh-growing li") == ["南昌市总工会召开职工代表大会 +600 views (900 → 1,500)"]
    assert texts(front, ".ncgh-deleted li") == ["送温暖活动 gone 2026-11-24 02:00 UTC"]
    counts = texts(front, ".ncgh-counts span")
    assert counts[:5] == ["3 articles", "2 live", "1 gone", "5 versions", "1 edited"]


@pytest.mark.slow
def test_every_link_of_the_front_page_answers(ds) -> None:
    front = doc(ds, "/")
    hrefs = {a.get("href") for a in front.cssselect("a[href]")} | {front.cssselect("link[rel=alternate]")[0].get("href")}
    local = sorted(h for h in hrefs if not urlsplit(h).netloc and not h.startswith("#"))
    assert len(local) > 10
    for href in local:
        assert get(ds, href if href.startswith("/") else "/" + href).status_code == 200, href


def test_the_index_hides_internal_tables_and_the_memory_database(ds) -> None:
    databases = json.loads(get(ds, "/-/databases.json").text)
    assert [d["name"] for d in databases] == [DB_NAME]
    tables = {t["name"]: t["hidden"] for t in json.loads(get(ds, f"/{DB_NAME}.json").text)["tables"]}
    for internal in ("work_items", "bodies", "header_sets", "notifications", "schema_version", "version_fts"):
        assert tables[internal] is True, internal
    for public in ("articles", "versions", "captures", "events", "footers", "runs"):
        assert tables[public] is False, public
    page = get(ds, f"/{DB_NAME}").text
    assert "/ncgh/work_items" not in page.split("hidden tables")[0]
    # The index (metadata's description) promises only queries and pages that exist.
    from webui.app import load_metadata

    meta = load_metadata()
    for href in re.findall(r'href="([^"]+)"', meta["description_html"] + meta["databases"][DB_NAME]["description_html"]):
        assert get(ds, href).status_code == 200, href


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # sqlite3 prints the bad since
def test_recently_edited_takes_a_changed_since(ds) -> None:
    def rows(qs: str) -> list[tuple[int, int]]:
        response = get(ds, f"/{DB_NAME}/recently_edited.json?_shape=array&{qs}")
        assert response.status_code == 200, response.text
        return [(r["article_id"], r["version"]) for r in json.loads(response.text)]

    assert rows("since=") == [(1001, 3), (1001, 2)]
    assert rows("since=2026-11-23T00:00:00Z") == [(1001, 3)]
    assert rows("since=2026-11-23") == [(1001, 3)]  # a date on the site's calendar (Asia/Shanghai)
    assert rows("since=3650d") == [(1001, 3), (1001, 2)]  # a period back from now
    bad = get(ds, f"/{DB_NAME}/recently_edited.json?_shape=array&since=lastweek")
    assert bad.status_code == 400  # SQLite reports the function's error without its words
    assert "since" in get(ds, f"/{DB_NAME}/recently_edited").text


def test_view_chart_has_axes_dates_and_values(ds) -> None:
    page = doc(ds, "/-/article/1001")
    svg = page.cssselect("figure.ncgh-views svg.ncgh-chart")[0]
    points = svg.cssselect("circle.ncgh-point")
    assert [int(p.get("data-views")) for p in points] == [400, 650, 900, 900, 1500]
    assert texts(svg, ".ncgh-x-axis text") == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"]
    y_labels = [int(t.replace(",", "")) for t in texts(svg, ".ncgh-y-axis text")]
    assert y_labels[0] <= 400 and y_labels[-1] >= 1500 and y_labels == sorted(y_labels)
    assert texts(points[-1], "title") == ["2026-11-24 02:00 UTC: 1,500 views"]
    # x is time: the 2026-11-23 and 2026-11-24 readings are as far apart as the first two days
    xs = [float(p.get("cx")) for p in points]
    assert abs((xs[1] - xs[0]) - (xs[4] - xs[3])) < 1.5


def test_a_small_change_draws_flat_and_one_reading_draws_a_dot() -> None:
    low, high = y_range([49931, 49933])
    assert high - low >= 0.02 * 49933 and low <= 49931 and high >= 49933
    assert y_range([3, 5])[1] - y_range([3, 5])[0] >= MIN_SPAN and y_range([3, 5])[0] >= 0
    svg = html.fromstring(view_chart([Reading("2026-11-20T02:00:00+00:00", 49931), Reading("2026-11-21T02:00:00+00:00", 49933)]))
    ys = [float(c.get("cy")) for c in svg.cssselect("circle")]
    assert abs(ys[0] - ys[1]) < 10  # +2 views of 49,931 is no climb across a 172-pixel plot
    one = html.fromstring(view_chart([Reading("2026-11-20T02:00:00+00:00", 7)]))
    assert len(one.cssselect("circle")) == 1 and not one.cssselect("polyline")
    assert view_chart([]) == ""
    assert nice_ticks(0, 1000) == [0, 250, 500, 750, 1000]
    assert nice_ticks(49431, 50433) == [49000, 49500, 50000, 50500]


def test_signature_shown_once(tmp_path: Path) -> None:
    """A signature of two lines (unit and name, then a date) is in the body as two paragraphs; the page
    showed it a second time below the body because the stored one joins the lines with a newline."""
    assert signature_in_body("青山湖区总工会 葛文利\n2012年5月21日", "<p>正文。</p><p>青山湖区总工会&nbsp;葛文利</p><p>2012年5月21日</p>")
    assert not signature_in_body("东湖区总工会", "<p>正文。</p>")
    path = tmp_path / "ncgh.db"
    signature = "青山湖区总工会 葛文利\n2012年5月21日"
    body = content(1, body="正文第一段。\n\n正文第二段。", signature=signature)
    body = replace(body, body_html=body.body_html + "<p>青山湖区总工会 葛文利</p><p>2012年5月21日</p>")
    with Archive(path) as archive:
        archive.record_capture(capture(7, 0, body))
        archive.record_capture(capture(8, 0, content(2, body="另一篇。", signature="东湖区总工会")))
    site = build_datasette(path)
    assert get(site, "/-/article/7").text.count("葛文利") == 1
    other = doc(site, "/-/article/8")
    assert texts(other, ".ncgh-signature") == ["东湖区总工会"]  # not in the body: shown below it, once


def test_the_chart_alone_as_svg(ds) -> None:
    response = get(ds, "/-/article/1001/views.svg")
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    svg = html.fromstring(response.text)
    assert len(svg.cssselect("circle.ncgh-point")) == 5
    assert get(ds, "/-/article/9999/views.svg").status_code == 404
    assert get(ds, "/-/article/x/views.svg").status_code == 404
