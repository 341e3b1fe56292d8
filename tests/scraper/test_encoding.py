"""The charset chain: order, the traps it must not fall into, and hostile input."""

from __future__ import annotations

import codecs
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.encoding import Decoded, decode, normalise_charset
from scraper.records import EncodingSource

ARTICLE = "南昌市总工会举办职工运动会，全市职工踊跃参加。发布时间:2018-10-12 浏览量:49931"


def page(meta: str = "", body: str = ARTICLE) -> str:
    return f"<html><head>{meta}<title>测试</title></head><body><p>{body}</p></body></html>"


def test_bom_wins_over_everything() -> None:
    raw = codecs.BOM_UTF8 + page('<meta charset="gbk">').encode("utf-8")
    d = decode(raw, "text/html; charset=iso-8859-1")
    assert (d.encoding, d.source) == ("utf-8", "bom")
    assert ARTICLE in d.text and not d.text.startswith("\ufeff")


def test_utf16_bom() -> None:
    raw = codecs.BOM_UTF16_LE + page().encode("utf-16-le")
    d = decode(raw)
    assert (d.encoding, d.source) == ("utf-16-le", "bom")
    assert ARTICLE in d.text


@pytest.mark.parametrize("declared", ["utf-16", "utf-16be", "UTF-16LE", "utf-32"])
def test_a_wide_charset_header_on_a_utf8_page_is_not_believed(declared: str) -> None:
    raw = page('<meta charset="utf-8">').encode("utf-8")
    raw += b" " * (len(raw) % 4 and 4 - len(raw) % 4)  # pairs and quads up: decodes as UTF-16/32 strictly
    d = decode(raw, f"text/html; charset={declared}")
    assert d.encoding == "utf-8" and ARTICLE in d.text


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_read_by_its_header(codec: str) -> None:
    d = decode(page().encode(codec), f"text/html; charset={codec}")
    assert (d.encoding, d.source) == (codec, "http") and ARTICLE in d.text


def test_http_charset_before_meta() -> None:
    raw = page('<meta charset="utf-8">').encode("gb18030")
    d = decode(raw, "text/html; charset=GBK")
    assert (d.encoding, d.source) == ("gb18030", "http")
    assert ARTICLE in d.text


def test_meta_used_when_http_has_no_charset() -> None:
    raw = page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">').encode("gbk")
    d = decode(raw, "text/html")
    assert (d.encoding, d.source) == ("gb18030", "meta")
    assert ARTICLE in d.text


def test_http_charset_that_fails_strict_decode_is_skipped() -> None:
    raw = page('<meta charset="gbk">').encode("gbk")
    d = decode(raw, "text/html; charset=utf-8")
    assert (d.encoding, d.source) == ("gb18030", "meta")


def test_meta_gb2312_over_utf8_bytes_is_overruled() -> None:
    raw = page('<meta charset="gb2312">', "中文" * 50).encode("utf-8")
    d = decode(raw)
    assert d.encoding == "utf-8" and d.source == "utf-8"
    assert "中文" * 50 in d.text


def test_requests_latin1_trap_utf8() -> None:
    raw = page().encode("utf-8")
    d = decode(raw, "text/html; charset=ISO-8859-1")
    assert d.encoding == "utf-8" and ARTICLE in d.text


def test_requests_latin1_trap_gbk() -> None:
    raw = page().encode("gbk")
    d = decode(raw, "text/html; charset=ISO-8859-1")
    assert d.encoding == "gb18030" and ARTICLE in d.text


def test_genuine_latin1_page_is_trusted() -> None:
    text = "Le café est fermé. Ça va très bien, merci — à bientôt."
    raw = f"<html><head><title>Caf\u00e9</title></head><body><p>{text}</p></body></html>".encode("cp1252")
    d = decode(raw, "text/html; charset=iso-8859-1")
    assert d.source == "http" and d.encoding == "cp1252" and text in d.text


def test_no_declaration_utf8_then_gb18030() -> None:
    assert decode(page().encode("utf-8")).source == "utf-8"
    d = decode(page().encode("gbk"))
    assert (d.encoding, d.source) == ("gb18030", "gb18030") and ARTICLE in d.text


def test_script_charset_is_not_the_pages() -> None:
    html = '<html><head><script src="a.js" charset="utf-8"></script><title>x</title></head><body>'
    raw = (html + ARTICLE + "</body></html>").encode("gbk")
    d = decode(raw)
    assert d.source == "gb18030" and ARTICLE in d.text


def test_charset_in_comment_or_script_text_is_ignored() -> None:
    html = (
        '<html><head><!-- <meta charset="big5"> --><script>var s = "<meta charset=big5>";</script>'
        '<meta charset="gbk"></head><body>'
    )
    d = decode((html + ARTICLE).encode("gbk"))
    assert (d.encoding, d.source) == ("gb18030", "meta")


def test_few_broken_sequences_keep_declared_charset() -> None:
    good = page('<meta charset="gb2312">', ARTICLE * 20).encode("gbk")
    raw = good[:300] + b"\xc7" + good[300:]  # a lone lead byte followed by ASCII
    raw = raw.replace(b"</p>", b"\xb0</p>", 1)
    d = decode(raw)
    assert d.encoding == "gb18030" and d.text.count("\ufffd") <= 2
    assert "南昌市总工会" in d.text


def test_utf8_with_stray_bytes_under_lying_gb2312_meta() -> None:
    """Tolerant step: UTF-8 with two stray bytes stays UTF-8, whatever the meta says."""
    para = "南昌市总工会举办职工运动会，全市职工踊跃参加，场面热烈"
    html = '<html><head><meta charset="gb2312"></head><body>' + "".join(f"<p>{para}{i}</p>" for i in range(200))
    raw = html.encode("utf-8")
    raw = raw[:500] + b"\xff" + raw[500:2000] + b"\xfe" + raw[2000:]
    d = decode(raw)
    assert d.encoding == "utf-8" and 2 <= d.text.count("\ufffd") <= 6 and f"{para}199" in d.text


def _utf8_that_passes_as_gb18030_when_truncated() -> bytes:
    """UTF-8 Chinese text cut mid-character whose bytes also form valid GB18030 (the trap)."""
    rng = random.Random(7)
    pool = "南昌市总工会举办职工运动会全市踊跃参加场面热烈欢迎"
    for _ in range(10_000):
        text = "".join(rng.choice(pool) for _ in range(40))
        raw = ("<p>" + text + "</p>").encode("utf-8") + "中".encode()[:2]
        try:
            raw.decode("gb18030")
        except UnicodeDecodeError:
            continue
        return raw
    raise AssertionError("no example found")


def test_truncated_utf8_is_not_read_as_gb18030() -> None:
    raw = _utf8_that_passes_as_gb18030_when_truncated()
    d = decode(raw)
    assert d.encoding == "utf-8" and d.text.endswith("</p>\ufffd")
    d = decode(raw, "text/html; charset=gbk")
    assert d.encoding == "utf-8"


def test_too_many_broken_sequences_go_to_the_detector() -> None:
    raw = ("南昌市总工会举办职工运动会。" * 50).encode("gbk") + b"\xff" * 200
    d = decode(raw)
    assert d.source in (EncodingSource.DETECTOR, EncodingSource.REPLACEMENT)


def test_truncated_last_character() -> None:
    raw = page(body=ARTICLE).encode("utf-8")[:-1] + "中".encode()[:2]
    d = decode(raw)
    assert d.encoding == "utf-8" and d.text.endswith("\ufffd")


def test_unknown_or_non_text_charset_ignored() -> None:
    raw = page().encode("utf-8")
    for label in ("rot13", "base64", "unicode_escape", "no-such-thing", "x" * 200):
        d = decode(raw, f"text/html; charset={label}")
        assert d.encoding == "utf-8" and ARTICLE in d.text


@pytest.mark.parametrize(
    ("label", "codec"),
    [("gb2312", "gb18030"), ("GBK", "gb18030"), ("x-gbk", "gb18030"), ("cp936", "gb18030"),
     ("UTF8", "utf-8"), ("'utf-8'", "utf-8"), ("iso-8859-1", "cp1252"), ("big5", "big5"), ("", None)],
)
def test_normalise_charset(label: str, codec: str | None) -> None:
    assert normalise_charset(label) == codec


def test_detector_or_fallback_for_garbage() -> None:
    d = decode(bytes(range(256)) * 4)
    assert d.source in (EncodingSource.DETECTOR, EncodingSource.REPLACEMENT) and isinstance(d.text, str)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=4096), st.one_of(st.none(), st.text(max_size=60)))
def test_any_bytes_decode(body: bytes, content_type: str | None) -> None:
    d = decode(body, content_type)
    assert isinstance(d, Decoded) and isinstance(d.text, str)
    codecs.lookup(d.encoding)
    assert isinstance(d.source, EncodingSource)


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["utf-8", "gb18030", "gbk"]))
def test_roundtrip_without_declaration(text: str, codec: str) -> None:
    try:
        raw = text.encode(codec)
    except UnicodeEncodeError:
        return
    d = decode(raw)
    if d.source in ("utf-8", "gb18030"):
        # A strict decode in the chain is exact for the encoding it names.
        assert d.text == raw.decode(d.encoding)
