"""The web UI's search page tells the true number of matches and pages through them (issue 18)."""

from __future__ import annotations

import asyncio
import re

import pytest
from lxml import html

from archive.store import Archive
from tests.support.archive import capture, content
from webui.app import build_datasette
from webui.pages import SEARCH_PAGE

MATCHING = 2 * SEARCH_PAGE + 12  # three pages: two full, one of 12


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("pages") / "ncgh.db"
    with Archive(path) as archive:
        for i in range(MATCHING):
            archive.record_capture(capture(2000 + i, 0, content(i, title=f"职工之家 第{i}期")))
        archive.record_capture(capture(5000, 0, content(title="走访慰问劳动模范", body="春节前夕,市领导走访慰问。")))
    return build_datasette(path)


def page(ds, path: str) -> html.HtmlElement:
    async def fetch():
        return await ds.client.get(path)

    response = asyncio.run(fetch())
    assert response.status_code == 200
    return html.fromstring(response.text)


def count_line(doc: html.HtmlElement) -> str:
    return re.sub(r"\s+", " ", doc.cssselect(".ncgh-count")[0].text_content()).strip()


def links(doc: html.HtmlElement) -> dict[str, str]:
    return {a.get("rel"): a.get("href") for a in doc.cssselect(".ncgh-pages a")}


def test_the_count_is_the_true_total_and_the_pages_link_each_other(ds) -> None:
    first = page(ds, "/-/search?q=职工之家")
    assert count_line(first) == f"1–{SEARCH_PAGE} of {MATCHING} results for 职工之家"
    assert len(first.cssselect(".ncgh-hit")) == SEARCH_PAGE
    assert set(links(first)) == {"next"}

    second = page(ds, links(first)["next"])
    assert count_line(second) == f"{SEARCH_PAGE + 1}–{2 * SEARCH_PAGE} of {MATCHING} results for 职工之家"
    assert set(links(second)) == {"prev", "next"}
    third = page(ds, links(second)["next"])
    assert count_line(third) == f"{2 * SEARCH_PAGE + 1}–{MATCHING} of {MATCHING} results for 职工之家"
    assert len(third.cssselect(".ncgh-hit")) == 12 and set(links(third)) == {"prev"}
    back = page(ds, links(third)["prev"])
    assert count_line(back) == count_line(second)

    seen = [a.get("href") for doc in (first, second, third) for a in doc.cssselect(".ncgh-hit-title")]
    assert len(seen) == len(set(seen)) == MATCHING  # every match once, none twice across the pages


def test_one_page_of_results_says_just_the_count_and_bad_offsets_start_at_the_top(ds) -> None:
    one = page(ds, "/-/search?q=劳动模范")
    assert count_line(one) == "1 result for 劳动模范" and links(one) == {}
    for bad in ("-5", "x", "１"):
        assert count_line(page(ds, f"/-/search?q=职工之家&offset={bad}")).startswith(f"1–{SEARCH_PAGE} of")
    past = page(ds, "/-/search?q=职工之家&offset=100000")
    assert count_line(past) == f"{MATCHING} results for 职工之家" and set(links(past)) == {"prev"}
    assert count_line(page(ds, links(past)["prev"])) == f"{2 * SEARCH_PAGE + 1}–{MATCHING} of {MATCHING} results for 职工之家"
