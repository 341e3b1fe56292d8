"""The scraper's vocabularies: what it produces is always a member of its enum (scraper/records.py)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from scraper.encoding import decode
from scraper.parse import parse_article
from scraper.records import EncodingSource, Extractor, ParseError, ParseWarning

PAGES = sorted((Path(__file__).parents[1] / "fixtures" / "pages").glob("*/*.html"))

GBK_TEXT = "南昌市总工会召开会议，全市职工代表参加。".encode("gb18030")


@pytest.mark.parametrize(
    ("body", "content_type", "source"),
    [
        (codecs.BOM_UTF8 + "工会".encode(), None, EncodingSource.BOM),
        (GBK_TEXT, "text/html; charset=gbk", EncodingSource.HTTP),
        (b'<meta charset="gbk">' + GBK_TEXT, "text/html", EncodingSource.META),
        ("工会新闻".encode(), None, EncodingSource.UTF8),
        (GBK_TEXT, None, EncodingSource.GB18030),
    ],
)
def test_each_decode_step_names_itself_with_an_encoding_source(body, content_type, source):
    decoded = decode(body, content_type)
    assert decoded.source is source


def test_undecodable_bytes_end_as_detector_or_replacement_never_fallback():
    """"fallback" is the extractor's word only; the charset chain's last step is "replacement"."""
    decoded = decode(bytes(range(0x80, 0x100)) * 40, None)
    assert decoded.source in (EncodingSource.DETECTOR, EncodingSource.REPLACEMENT)
    assert "fallback" not in set(EncodingSource)
    assert set(Extractor) & set(EncodingSource) == set()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_parsed_record_names_its_extractor_and_warnings_from_the_enums(page):
    try:
        record = parse_article(page.read_bytes(), f"http://www.ncgh.org.cn/nczhghcms/article/{1000 + len(page.name)}")
    except ParseError:
        return  # a page with no article (e.g. the 200 "does not exist" page)
    assert type(record.extractor) is Extractor
    assert all(type(w) is ParseWarning for w in record.warnings)
    assert (ParseWarning.FALLBACK_USED in record.warnings) == (record.extractor is Extractor.FALLBACK)
    # The JSON form carries the plain stored strings.
    data = record.to_dict()
    assert data["extractor"] in {e.value for e in Extractor}
