"""What a page and a stylesheet reference (scraper/requisites.py), and attachment text
(scraper/attachment_text.py), on ordinary and hostile input."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.attachment_text import extract_text
from scraper.records import RequisiteRole as R
from scraper.requisites import css_requisites, page_requisites

PAGE = b"""<html><head><base href="http://h.example/base/">
<link rel="stylesheet" href="/static/a.css"><link rel="shortcut icon" href="fav.ico">
<script src="js/app.js"></script><script>var x = "<img src=no.png>";</script>
<style>.b{background:url('img/bg.png')}</style></head>
<body><img src="p1.jpg" data-src="lazy.jpg" srcset="s1.jpg 1x, s2.jpg 2x"><img src="data:image/png;base64,AA">
<a href="files/notice.PDF?v=2#top">notice</a><a href="mailto:x@y">m</a><a href="/article/12">next</a>
<video poster="poster.jpg"><source src="v.mp4"></video><div style="background:url(&quot;d.gif&quot;)"></div>
<img src="p1.jpg"></body></html>"""


def test_page_requisites_in_document_order_once_each() -> None:
    found = page_requisites(PAGE, "http://h.example/nczhghcms/article/7", "text/html; charset=utf-8",
                            attachments=["http://h.example/upload/x.docx"])
    got = [(r.url.removeprefix("http://h.example"), r.role) for r in found]
    assert got == [
        ("/upload/x.docx", R.ATTACHMENT),
        ("/static/a.css", R.STYLESHEET),
        ("/base/fav.ico", R.IMAGE),
        ("/base/js/app.js", R.SCRIPT),
        ("/base/img/bg.png", R.IMAGE),
        ("/base/p1.jpg", R.IMAGE), ("/base/lazy.jpg", R.IMAGE), ("/base/s1.jpg", R.IMAGE), ("/base/s2.jpg", R.IMAGE),
        ("/base/files/notice.PDF?v=2", R.ATTACHMENT),
        ("/base/poster.jpg", R.IMAGE),
        ("/base/v.mp4", R.VIDEO),
        ("/base/d.gif", R.IMAGE),
    ]


def test_css_requisites_resolve_against_the_stylesheet() -> None:
    css = b"""@import "print.css"; /* url(commented.png) */
    .a{background:url(../images/a.png)} .b{background:url( "b.jpg" )} @font-face{src:url(f.woff2)}
    .c{background:url(data:image/png;base64,AAAA)}"""
    found = css_requisites(css, "http://h.example/static/css/site.css")
    assert [(r.url, r.role) for r in found] == [
        ("http://h.example/static/css/print.css", R.STYLESHEET),
        ("http://h.example/static/images/a.png", R.IMAGE),
        ("http://h.example/static/css/b.jpg", R.IMAGE),
        ("http://h.example/static/css/f.woff2", R.OTHER),
    ]


@pytest.mark.slow
@settings(max_examples=150)
@given(st.binary(max_size=3000))
def test_hostile_bytes_never_raise(data: bytes) -> None:
    for found in (page_requisites(data, "http://h.example/a/1"), css_requisites(data, "http://h.example/s.css")):
        assert all(r.url.startswith(("http://", "https://")) for r in found)
    result = extract_text(data)
    assert result is None or result.text is not None or result.error


@settings(max_examples=60)
@given(st.text(max_size=400))
def test_hostile_markup_and_urls(text: str) -> None:
    page = f'<img src="{text}"><a href="{text}.pdf">x</a><link rel=stylesheet href="{text}"><style>{text}</style>'
    for r in page_requisites(page.encode("utf-8", "replace"), "http://h.example/a/1"):
        assert r.url.startswith(("http://", "https://")) and "#" not in r.url


@pytest.mark.slow  # the three readers' first import
def test_office_and_pdf_text_and_broken_files() -> None:
    from simulator import assets as sim

    text = sim.attachment_text("/f/1_2.docx", "关于开展活动的通知", 3)
    docx = extract_text(sim.docx_bytes(text))
    assert docx.kind == "docx" and "ncghatt1x2" in docx.text and "关于开展活动的通知" in docx.text
    xlsx = extract_text(sim.xlsx_bytes(text))
    assert xlsx.kind == "xlsx" and "ncghatt1x2" in xlsx.text
    pdf = extract_text(sim.pdf_text_bytes("/f/1_2.pdf", "标题", text))
    assert pdf.kind == "pdf" and "ncghatt1x2" in pdf.text
    broken = extract_text(b"%PDF-1.4\n garbage")
    assert broken.text is None and broken.error.startswith("pdf")
    assert extract_text(b"\x89PNG\r\n\x1a\n") is None and extract_text(sim.doc_bytes("/f/1.doc", "x")) is None
    truncated = extract_text(sim.docx_bytes(text)[:200])
    assert truncated is None or truncated.text is None


def test_zip_bomb_is_not_unpacked(monkeypatch) -> None:
    from scraper import attachment_text

    monkeypatch.setattr(attachment_text, "MAX_UNZIPPED", 100_000)  # the real cap is 200 MB
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<" + b"a" * 200_000)  # compresses to a few hundred bytes
    assert len(out.getvalue()) < 2000 and extract_text(out.getvalue()) is None


@pytest.mark.slow  # child processes
def test_the_crawl_reads_documents_in_a_child_with_limits() -> None:
    """The same text as in-process; a reader that takes too long is cut off and said so; and the readers'
    libraries (about 30 MiB, which had taken a crawl's peak RSS over 100 MiB) never enter the caller."""
    import subprocess
    import sys

    from scraper.attachment_text import extract_text_isolated
    from simulator import assets as sim

    text = sim.attachment_text("/f/1_2.docx", "关于开展活动的通知", 3)
    for data in (sim.docx_bytes(text), sim.xlsx_bytes(text), sim.pdf_text_bytes("/f/1_2.pdf", "标题", text)):
        assert extract_text_isolated(data) == extract_text(data)
    assert extract_text_isolated(b"\x89PNG\r\n\x1a\n") is None  # no child for what is no document
    from scraper import attachment_text

    attachment_text._READER.kill()  # a new child cannot start, import and answer within a millisecond
    slow = extract_text_isolated(sim.docx_bytes(text), timeout=0.001)
    assert slow.text is None and "took over" in slow.error
    assert extract_text_isolated(sim.docx_bytes(text)) == extract_text(sim.docx_bytes(text))  # a new child
    probe = (
        "import sys; from simulator import assets as sim; from scraper.attachment_text import extract_text_isolated;"
        "r = extract_text_isolated(sim.xlsx_bytes('x')); assert r.kind == 'xlsx', r;"
        "print(sorted({'pypdf', 'openpyxl', 'docx'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow  # a child process
def test_a_reader_library_that_prints_cannot_give_a_document_the_wrong_text(monkeypatch) -> None:
    # A printed line once stood in for the first document's answer, and that answer was then read
    # as the second document's text.
    from scraper import attachment_text
    from simulator import assets as sim
    from tests.support import chatty_reader

    reader = attachment_text._Reader(chatty_reader.COMMAND)
    monkeypatch.setattr(attachment_text, "_READER", reader)
    try:
        for path in ("/f/1_1.pdf", "/f/1_2.pdf", "/f/1_3.pdf"):
            data = sim.pdf_bytes(path, "标题")
            assert attachment_text.extract_text_isolated(data, timeout=30) == extract_text(data)
            assert path in extract_text(data).text
    finally:
        reader.kill()
