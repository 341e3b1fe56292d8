"""Every live article of a running simulator parses to exactly what its truth says the page shows.

The saved fixtures (tests/fixtures/pages/sim) pin one page per template and feature; this runs the
parser over whole simulated corpora, so a simulator change that the parser does not follow shows up.
"""

from __future__ import annotations

import urllib.request

import pytest

from bench.labelled_fixtures import FIELDS, label_from_truth
from scraper.parse import parse_article
from scraper.records import ArticleMissing

BASE = "http://www.ncgh.org.cn"


def _get(url: str) -> tuple[bytes, str | None]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.read(), resp.headers.get("Content-Type")


def _check_corpus(server, encoding: str, vendor_every: int) -> int:
    truth = server.truth(full=True)
    checked = 0
    for i, a in enumerate(a for a in truth["articles"] if a["status"] == "live"):
        for vendor in (False, True) if i % vendor_every == 0 else (False,):
            path = (f"/plugin/gh/ghzx/pc_detail.php?erid=34&id={a['id']}&yiid=32" if vendor
                    else f"/nczhghcms/article/{a['id']}")
            body, ctype = _get(server.url + path)
            label = label_from_truth(a, server.url, BASE, truth["footer"], encoding, ctype, vendor)
            got = parse_article(body, label["url"], ctype).to_dict()
            wrong = {k: (got[k], label[k]) for k in FIELDS if got[k] != label[k]}
            assert wrong == {}, f"{path} ({a['template']}, vendor={vendor}): {wrong}"
            checked += 1
    return checked


@pytest.mark.slow
def test_utf8_corpus_with_vendor_pages(sim) -> None:
    assert _check_corpus(sim, "utf-8", vendor_every=4) >= 60


@pytest.mark.slow
def test_gbk_corpus_without_charset_declarations_after_footer_changes(sim_factory) -> None:
    server = sim_factory(articles=40, seed=5, encoding="gbk", charset_header=False, meta_charset=False)
    server.advance(6)  # new ICP number and the police record line
    assert server.truth()["footer"]["police_record"] is not None
    assert _check_corpus(server, "gb18030", vendor_every=10) >= 40


def test_deleted_articles_served_as_200_are_missing(sim_factory) -> None:
    server = sim_factory(articles=40, seed=2, delete_rate=0.3, restore_rate=0.0)
    server.advance(2)
    gone = [a for a in server.truth()["articles"] if a["status"] == "deleted" and a["deletion_kind"] == "not_exist_page"]
    assert gone
    for a in gone:
        body, ctype = _get(f"{server.url}/nczhghcms/article/{a['id']}")
        try:
            parse_article(body, f"{BASE}/nczhghcms/article/{a['id']}", ctype)
        except ArticleMissing as exc:
            assert "不存在" in exc.reason
        else:
            raise AssertionError(f"article {a['id']} is deleted but parsed as an article")
