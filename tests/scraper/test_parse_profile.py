"""The profile's selectors: compiled by scraper.profile's translator, they match exactly what lxml's
own CSSSelector matches (the translator only changes the route to a class or id; see `_Translator`)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml.cssselect import CSSSelector

from scraper.profile import (
    DEFAULT_PROFILE,
    SiteProfile,
    compile_profile,
    css_to_xpath,
    select_all,
    select_first,
)

# Class and id values built from a few words, spaces of several kinds, and near misses of the words
# (a prefix, a suffix, another case), so that substring hits without a token hit are common.
WORDS = ["footer", "foot", "footers", "Footer", "detail-info", "info", "zoom", "zo", "a", "b", "x-y", ""]
SPACES = [" ", "  ", "\t", "\n", "\u00a0", "\f"]
SELECTORS = [
    ".footer", "#footer", "#zoom", ".detail-info", ".a.b", ".a#zoom", "#zoom.a", "div.footer", "p#zoom",
    ".footer, #zoom", "#zoom, .a", ".a:not(.b)", ".a .b", "div > .footer", ".a + .b", ".a ~ p", "*.footer",
    ".Footer", ".x-y", ":is(.a)", ".a[title]", ".a:first-child", "#zo", ".foot", "p:contains('q')", "#a\\ b",
    "td.art-body", "h2.detail-title",
]  # fmt: skip


@st.composite
def attribute_value(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(WORDS), max_size=4))
    return "".join(draw(st.sampled_from(SPACES)) + p for p in parts) + draw(st.sampled_from(["", " "]))


@st.composite
def markup(draw: st.DrawFn, depth: int = 0) -> str:
    out = []
    for _ in range(draw(st.integers(0, 4 if depth < 3 else 0))):
        tag = draw(st.sampled_from(["div", "p", "td", "h2", "span"]))
        attrs = ""
        for name in draw(st.lists(st.sampled_from(["class", "id", "title", "CLASS"]), max_size=3, unique=True)):
            value = draw(attribute_value()).replace('"', "")
            attrs += f' {name}="{value}"'
        out.append(f"<{tag}{attrs}>q{draw(markup(depth + 1))}</{tag}>")
    return "".join(out)


def _tree(body: str) -> etree._Element:
    return etree.fromstring(f"<html><body>{body}</body></html>", etree.HTMLParser())


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(markup(), st.sampled_from(SELECTORS))
def test_compiled_selector_matches_what_lxml_cssselect_matches(body: str, css: str) -> None:
    root = _tree(body)
    expected = CSSSelector(css, translator="html")(root)
    assert etree.XPath(css_to_xpath(css))(root) == expected
    inner = root.find("body")
    if inner is not None and len(inner):  # evaluated on an element below the root too (strip selectors)
        assert etree.XPath(css_to_xpath(css))(inner[0]) == CSSSelector(css, translator="html")(inner[0])


def test_class_or_id_selector_goes_through_its_attribute_and_the_rest_as_translated() -> None:
    assert css_to_xpath(".footer").startswith("descendant-or-self::*/@class[contains(., 'footer')]/parent::*[")
    assert css_to_xpath("#zoom") == "descendant-or-self::*/@id[. = 'zoom']/parent::*[@id = 'zoom']"
    for css in ("td.art-body", ".a .b", "div > .footer", ":is(.a)"):
        assert css_to_xpath(css) == CSSSelector(css, translator="html").path


def test_group_first_selector_wins_then_document_order() -> None:
    root = _tree('<p class="b">1</p><p id="a">2</p><p class="b">3</p>')
    compiled = compile_profile(SiteProfile(title_selectors=("#a", ".b"), strip_selectors=(".b", "#a")))
    assert select_first(compiled.title, root).text == "2"
    assert [e.text for e in select_all(compiled.strip, root)] == ["1", "3", "2"]
    assert select_first(compile_profile(DEFAULT_PROFILE).title, root) is None


def test_bad_selector_names_its_key() -> None:
    with pytest.raises(ValueError, match=r"\[parse\] body_selectors: invalid CSS selector"):
        SiteProfile(body_selectors=("div[",))
    with pytest.raises(ValueError, match=r"footer_selectors"):
        SiteProfile(footer_selectors=("p::first-line",))
