"""Normalisation and comparison: what is, and is not, an edit."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.model import FooterContent
from archive.versions import (
    changed_fields,
    content_hash,
    footer_changed_fields,
    footer_is_empty,
    normalize_body,
    normalize_content,
    normalize_text,
    present_fields,
)
from tests.support.archive import content

text = st.text(alphabet=st.sampled_from("工会职工 abc\u3000\n\t,。é\u0301\u00a0"), max_size=60)


def test_normalize_text_examples():
    assert normalize_text("  工会\u3000 职工\n") == "工会 职工"
    assert normalize_text(" \u200b ") is None
    assert normalize_text(None) is None
    assert normalize_text(unicodedata.normalize("NFD", "é")) == "é"


def test_normalize_body_keeps_paragraphs_not_layout():
    old_layout = "    第一段。\n \n    第二段。\n\n\n"
    assert normalize_body(old_layout) == "第一段。\n\n第二段。"
    assert normalize_body("第一段。\n第二段。") == "第一段。\n\n第二段。"


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(title=text, body=text)
def test_normalisation_is_idempotent_and_hash_stable(title, body):
    c = content(title=title, body=body)
    n = normalize_content(c)
    assert normalize_content(n) == n
    assert content_hash(n) == content_hash(c)
    assert changed_fields(c, n) == ()


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(body=text.filter(lambda t: normalize_body(t)), extra=st.sampled_from(["工", "a", "。"]))
def test_a_visible_character_is_always_an_edit(body, extra):
    c = content(body=body)
    assert changed_fields(c, replace(c, body_text=c.body_text + extra)) == ("body_text",)


def test_image_host_aliases_compare_equal_but_paths_do_not():
    c = content()
    same = replace(c, images=(("https://12351.ncszgh.gov.cn/upload/1.jpg", None),))
    other = replace(c, images=(("http://www.ncgh.org.cn/upload/2.jpg", None),))
    captioned = replace(c, images=(("http://www.ncgh.org.cn/upload/1.jpg", "图为会场"),))
    assert changed_fields(c, same) == ()
    assert changed_fields(c, other) == ("images",)
    assert changed_fields(c, captioned) == ("images",)


def test_body_html_is_never_compared():
    c = content()
    assert changed_fields(c, replace(c, body_html="<div>" + c.body_html + "</div>")) == ()


def test_present_fields_of_a_first_version():
    assert present_fields(content(images=(), signature=None)) == ("title", "published_at", "body_text")


def test_footer_comparison():
    a = FooterContent(org="江西省南昌市总工会", icp="赣ICP备18016234号-1")
    assert footer_changed_fields(a, replace(a, icp=" 赣ICP备18016234号-1 ")) == ()
    assert footer_changed_fields(a, replace(a, icp="赣ICP备2025061944号-1")) == ("icp",)
    assert footer_is_empty(FooterContent(org=" "))
