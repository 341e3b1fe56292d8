"""A close-delimited HTML answer cut mid-page is a truncated fetch, never a short capture (issue 13
item 8): with no Content-Length the connection closing half-way looks like the end of the page; such
a capture became version 1 and the full page next time an edit that never happened."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from archive.store import Archive
from archive.vocab import Outcome
from ncgh.config import load_config, to_site_profile
from ncgh.pipeline import interpret
from scraper.fetch import Fetcher, FetchPolicy
from scraper.records import FetchErrorKind
from tests.support.fetch import UA, FakeClock, MidRng

PAGE = (Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "sim" / "current-1915.html").read_bytes()
CONFIG = load_config()
PROFILE = to_site_profile(CONFIG)


def _close_delimited(h, body: bytes, ctype: str | None = "text/html; charset=utf-8") -> None:
    """HTTP/1.1 200 without Content-Length or chunking: the body ends where the connection closes."""
    h.send_response(200)
    if ctype is not None:
        h.send_header("Content-Type", ctype)
    h.send_header("Connection", "close")
    h.end_headers()
    h.wfile.write(body)
    h.wfile.flush()
    h.close_connection = True


def _fetcher(**kw) -> Fetcher:
    clock = FakeClock()
    values = dict(user_agent=UA, allowed_hosts=("127.0.0.1",), delay=0, max_attempts=1, obey_robots=False)
    values.update(kw)
    return Fetcher(FetchPolicy(**values), clock=clock, sleep=clock.sleep, rng=MidRng())


def test_a_page_cut_mid_way_is_a_retryable_error_and_the_full_page_becomes_version_1(server):
    cut = {"left": 1}

    @server.route("/nczhghcms/article/1915")
    def _(h):
        if cut["left"]:
            cut["left"] -= 1
            _close_delimited(h, PAGE[: len(PAGE) * 7 // 10])  # the article is there, the footer is not
        else:
            _close_delimited(h, PAGE)

    url = server.base + "/nczhghcms/article/1915"
    with tempfile.TemporaryDirectory() as tmp, Archive(Path(tmp) / "a.db") as archive, _fetcher() as f:
        first = f.fetch(url)
        assert first.error == FetchErrorKind.TRUNCATED and first.body == b""
        assert "cut short" in (first.error_detail or "")
        capture = interpret(CONFIG.site.name, url, first, PROFILE, CONFIG.site.article_paths)
        assert capture.outcome == Outcome.FETCH_ERROR
        recorded = archive.record_capture(capture)
        assert recorded.version is None and recorded.event is None  # no version from a cut page

        second = f.fetch(url)
        assert second.ok and second.body == PAGE
        capture = interpret(CONFIG.site.name, url, second, PROFILE, CONFIG.site.article_paths)
        assert capture.outcome == Outcome.OK
        recorded = archive.record_capture(capture)
        assert (recorded.event, recorded.version) == ("new", 1)  # not an edit of a short version 1


@pytest.mark.parametrize("ctype", [None, "", "text/plain", "application/octet-stream"])
def test_an_unlabelled_page_cut_mid_way_is_truncated_too(server, ctype):
    @server.route("/u")
    def _(h):
        _close_delimited(h, PAGE[: len(PAGE) * 7 // 10], ctype)

    with _fetcher() as f:
        r = f.fetch(server.base + "/u")
    assert r.error == FetchErrorKind.TRUNCATED and r.body == b""


def test_a_cut_page_is_retried_within_the_fetch(server):
    cut = {"left": 2}

    @server.route("/p")
    def _(h):
        if cut["left"]:
            cut["left"] -= 1
            _close_delimited(h, PAGE[:5000])
        else:
            _close_delimited(h, PAGE)

    with _fetcher(max_attempts=3) as f:
        r = f.fetch(server.base + "/p")
    assert r.ok and r.body == PAGE and r.attempts == 3


@pytest.mark.parametrize(
    ("body", "ctype"),
    [
        (b"<html><body><p>complete</p></body></html>", "text/html"),
        (b"<html><body><p>no closing html but a closing body</body>", "text/html"),
        (b"<p>a fragment without an html element", "text/html"),
        (b"<html><body><p>cut", "application/json"),  # not HTML by its type: not judged
        (b"<HTML><BODY>upper case</BODY></HTML>", "text/html; charset=gbk"),
        # No Content-Type: judged by the first bytes, so whole documents and non-HTML are kept.
        (b"\xef\xbb\xbf\n<!-- generated -->\n<!DOCTYPE html><html><body><p>whole</p></body></html>", None),
        (b"plain text that mentions <html> in passing", None),
        (b"%PDF-1.4 <html> inside a document", None),
    ],
)
def test_close_delimited_bodies_that_end_their_document_or_are_not_html_are_kept(server, body, ctype):
    @server.route("/k")
    def _(h):
        _close_delimited(h, body, ctype)

    with _fetcher() as f:
        r = f.fetch(server.base + "/k")
    assert r.ok and r.body == body


def test_a_page_without_closing_tags_is_believed_when_its_length_says_it_is_complete(server):
    body = b"<html><body><p>the server's template never closes"

    @server.route("/len")
    def _(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    with _fetcher() as f:
        r = f.fetch(server.base + "/len")
    assert r.ok and r.body == body
