"""Template learning over the simulator's template families: after calibration on 20 pages of a
family the learner has never seen, every field right on the rest of that family's pages (issue 16);
the cross-page boilerplate keeps a repeated block out of the fallback's title, body and images."""

from __future__ import annotations

import contextlib
import urllib.request

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.labelled_fixtures import FIELDS, label_from_truth
from scraper.learned_profile import Boilerplate, LearnedProfile, block_key, prune
from scraper.parse import parse_article, parser_version_for
from scraper.records import ParseError
from scraper.template_learn import SamplePage, learn_profile
from simulator import SimConfig
from simulator.families import FAMILIES
from simulator.site import SimSite

BASE = "http://www.ncgh.org.cn"
TRAIN = 20


def _pages(site: SimSite) -> tuple[dict, list[tuple[dict, SamplePage]]]:
    truth = site.truth(BASE, full=True)
    out = []
    for a in (a for a in truth["articles"] if a["status"] == "live"):
        resp = site.handle(f"/nczhghcms/article/{a['id']}", {})
        out.append((a, SamplePage(resp.body, f"{BASE}/nczhghcms/article/{a['id']}", resp.content_type)))
    return truth, out


def _wrong(truth: dict, a: dict, page: SamplePage, profile) -> dict:
    label = label_from_truth(a, BASE, BASE, truth["footer"], "utf-8", page.content_type)
    got = parse_article(page.body, page.url, page.content_type, profile).to_dict()
    return {k: (got[k], label[k]) for k in FIELDS if got[k] != label[k]}


@pytest.mark.slow
@pytest.mark.parametrize("family", FAMILIES)
def test_calibrated_on_20_pages_every_field_right_on_the_rest(family: str) -> None:
    truth, pages = _pages(SimSite(SimConfig(articles=70, seed=11, markup=family)))
    result = learn_profile([p for _, p in pages[:TRAIN]])
    assert result.profile is not None, result.reason
    rest = pages[TRAIN:]
    assert len(rest) >= 40
    for a, page in rest:
        assert _wrong(truth, a, page, result.profile) == {}, (family, a["id"], a["template"])


def test_without_calibration_a_new_family_loses_fields_the_learned_profile_gets() -> None:
    """The portal family puts a logo <h1> above the title and a prose-heavy picture-news sidebar
    beside a short article: the fallback alone gets fields wrong that calibration gets right."""
    truth, pages = _pages(SimSite(SimConfig(articles=24, seed=3, markup="portal")))
    result = learn_profile([p for _, p in pages[:12]])
    assert result.profile is not None
    wrong_before = sum(bool(_wrong(truth, a, p, _default())) for a, p in pages[12:])
    wrong_after = sum(bool(_wrong(truth, a, p, result.profile)) for a, p in pages[12:])
    assert wrong_before > 0 and wrong_after == 0


@pytest.mark.slow
def test_the_boilerplate_alone_keeps_a_repeated_sidebar_and_logo_out_of_the_fallback() -> None:
    """Cross-page boilerplate in the fallback: with the configured selectors (which do not fit) and
    only the learned model, the portal family's logo is not the title and its prose-heavy sidebar is
    neither the body nor its images."""
    truth, pages = _pages(SimSite(SimConfig(articles=30, seed=7, markup="portal")))
    learned = learn_profile([p for _, p in pages[:15]]).profile
    assert learned is not None and not learned.boilerplate.is_empty()
    model_only = LearnedProfile(boilerplate=learned.boilerplate)
    others = {t["title"].split("】")[-1] for t in truth["articles"]}
    for a, page in pages[15:]:
        got = parse_article(page.body, page.url, page.content_type, model_only)
        assert got.extractor == "fallback"
        assert got.title == a["title"].split("】")[-1], a["id"]  # never the logo
        mine = {i["src"] for i in a["images"]}
        assert {i.src for i in got.images} <= mine, a["id"]  # never the sidebar's pictures
        assert not any(t in got.body_text for t in others - {got.title}), a["id"]  # nor its teasers' titles
        assert got.body_text in a["body_text"], a["id"]


def _default():
    from scraper.profile import DEFAULT_PROFILE

    return DEFAULT_PROFILE


@pytest.mark.slow
@pytest.mark.parametrize(("one", "two", "share"), [("portal", "vue", 10), ("hanweb", "portal", 11), ("vue", "classic", 6)])
def test_a_sample_spanning_a_redesign_teaches_both_templates(one: str, two: str, share: int) -> None:
    """Pages of two families in one sample (an archive across a redesign): both are learned, each
    page of either family parses right with the one profile."""
    truth_a, pages_a = _pages(SimSite(SimConfig(articles=40, seed=8, markup=one)))
    truth_b, pages_b = _pages(SimSite(SimConfig(articles=40, seed=8, markup=two)))
    sample = [p for _, p in pages_a[:share]] + [p for _, p in pages_b[share:20]]
    result = learn_profile(sample)
    assert result.profile is not None, result.reason
    for truth, pages in ((truth_a, pages_a), (truth_b, pages_b)):
        for a, page in pages[20:]:
            assert _wrong(truth, a, page, result.profile) == {}, (one, two, a["id"])


def test_too_few_pages_learn_nothing_and_say_why() -> None:
    _truth, pages = _pages(SimSite(SimConfig(articles=5, seed=1, markup="vue")))
    result = learn_profile([p for _, p in pages[:2]])
    assert result.profile is None and "at least" in (result.reason or "")
    assert learn_profile([SamplePage(b"<html><body><p>x</p></body></html>", None)] * 4).profile is None


def test_boilerplate_prunes_repeated_blocks_but_keeps_the_footer_and_the_article() -> None:
    from scraper.htmltree import build_tree

    html = ("<html><body><div class='logo'><h1>南昌市总工会网站</h1></div><div class='art'><p>本文的正文内容。</p></div>"
            "<div class='foot'><p>江西省南昌市总工会 赣ICP备18016234号-1</p></div></body></html>").encode()
    model = Boilerplate(blocks=(block_key("南昌市总工会网站"), block_key("江西省南昌市总工会 赣ICP备18016234号-1")))
    root = build_tree(html, html_elements=True)
    prune(root, model)
    text = root.text_content()
    assert "南昌市总工会网站" not in text and "本文的正文内容" in text and "赣ICP备" in text


def test_the_boilerplate_is_part_of_the_parser_version() -> None:
    one = LearnedProfile(boilerplate=Boilerplate(blocks=("a" * 16,)))
    two = LearnedProfile(boilerplate=Boilerplate(blocks=("b" * 16,)))
    assert parser_version_for(one) != parser_version_for(two) != parser_version_for(_default())
    assert Boilerplate(blocks=("b", "a")) == Boilerplate(blocks=("a", "b", "a"))


@pytest.mark.slow
@pytest.mark.parametrize("family", ["hanweb", "vue"])
def test_families_over_http_parse_right_after_calibration(sim_factory, family: str) -> None:
    """The simulator parse test on other families, over real HTTP (the first pages teach)."""
    server = sim_factory(articles=40, seed=5, markup=family, encoding="gbk")
    truth = server.truth(full=True)
    live = [a for a in truth["articles"] if a["status"] == "live"]
    pages = []
    for a in live:
        with urllib.request.urlopen(f"{server.url}/nczhghcms/article/{a['id']}", timeout=10) as resp:
            pages.append((a, SamplePage(resp.read(), f"{BASE}/nczhghcms/article/{a['id']}",
                                        resp.headers.get("Content-Type"))))
    learned = learn_profile([p for _, p in pages[:TRAIN]]).profile
    assert learned is not None
    for a, page in pages[TRAIN:]:
        label = label_from_truth(a, server.url, BASE, truth["footer"], "gb18030", page.content_type)
        got = parse_article(page.body, page.url, page.content_type, learned).to_dict()
        assert {k: (got[k], label[k]) for k in FIELDS if got[k] != label[k]} == {}, (family, a["id"])


_TAGS = st.sampled_from(["div", "p", "span", "td", "h1", "li", "a", "table", "b", "script"])
_CLASSES = st.sampled_from(["", "a", "b", "title", "c-1", "x12345", "detail-title", "foot"])
_TEXT = st.text(alphabet="南昌工会发布时间：2018-10-12浏览量12 。<>&", max_size=30)


@st.composite
def _page(draw) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 25))):
        tag, cls, text = draw(_TAGS), draw(_CLASSES), draw(_TEXT)
        close = draw(st.booleans())
        parts.append(f'<{tag} class="{cls}">{text}' + (f"</{tag}>" if close else ""))
    return ("<html><head><title>" + draw(_TEXT) + "</title></head><body>" + "".join(parts)).encode("utf-8", "replace")


@pytest.mark.slow
@settings(max_examples=60)
@given(st.lists(_page(), min_size=0, max_size=6))
def test_learning_never_raises_and_a_learned_profile_parses(pages: list[bytes]) -> None:
    """Whatever the pages, learning gives a profile or a reason, and parsing with it raises nothing
    but ParseError."""
    samples = [SamplePage(p, "http://www.ncgh.org.cn/nczhghcms/article/1") for p in pages]
    result = learn_profile(samples)
    assert (result.profile is None) == (result.reason is not None)
    if result.profile is not None:
        for p in samples:
            with contextlib.suppress(ParseError):
                parse_article(p.body, p.url, None, result.profile)
