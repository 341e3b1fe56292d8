"""Blocks are not deletions: a WAF's page becomes a `blocked` capture, never missing, never a version,
never a parse error, and no step toward `gone_after`; the site's own pages are never blocked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archive.model import CaptureIn
from archive.store import Archive
from archive.vocab import EventKind, MissingReason, Outcome
from ncgh.config import config_from_dict, load_config, to_block_rules, to_site_profile
from ncgh.pipeline import interpret, interpret_stored
from scraper.records import FetchErrorKind, FetchResult
from scraper.settings import DEFAULT_BLOCK_PATTERNS
from simulator import SimConfig
from simulator.site import SimSite
from simulator.waf import Waf
from tests.support.archive import SITE, at, capture, missing

CFG = load_config()
PROFILE = to_site_profile(CFG)
PATHS = CFG.site.article_paths
URL = "http://www.ncgh.org.cn/nczhghcms/article/1001"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "blocks"


def fetched(status: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> FetchResult:
    return FetchResult(
        url=URL, final_url=URL, status=status, headers=[("Content-Type", content_type)], body=body,
        fetched_at=datetime(2026, 12, 4, 12, tzinfo=UTC), elapsed=0.01, attempts=1,
        error=None if 200 <= status < 400 else FetchErrorKind.HTTP_STATUS,
        error_detail=None if 200 <= status < 400 else f"HTTP {status}",
    )


def judge(status: int, body: bytes, kind: str = "article", **kw) -> CaptureIn:
    return interpret(SITE, URL, fetched(status, body), PROFILE, PATHS, kind=kind, **kw)


@pytest.mark.parametrize("kind", ["article", "list", "api"])
def test_every_simulator_waf_form_is_blocked_for_every_kind_of_page(kind):
    waf = Waf(limit=0, window=60, block=60)
    for _ in range(4):
        page = waf.answer("client")
        got = judge(page.status, page.body, kind)
        assert got.outcome == Outcome.BLOCKED, (page.status, got.outcome)
        assert got.content is None and got.missing_reason is None and got.parse_error is None
        assert f"HTTP {page.status}" in got.error_detail
        assert got.body == page.body  # the evidence is kept


def test_the_sites_own_pages_are_not_blocked():
    site = SimSite(SimConfig(articles=20))
    article_id = min(site.state.articles)
    page = site.handle(f"/nczhghcms/article/{article_id}", {})
    assert judge(page.status, page.body).outcome == Outcome.OK
    assert judge(404, site.not_found().body).outcome == Outcome.MISSING
    not_exist = (FIXTURES / "not_exist_200.html").read_bytes()
    assert judge(200, not_exist).missing_reason == MissingReason.NOT_EXIST_PAGE
    assert judge(503, (FIXTURES / "nginx_503.html").read_bytes()).outcome == Outcome.FETCH_ERROR


def test_a_short_page_the_profile_recognises_is_an_article_even_if_it_reads_like_a_captcha():
    """The profile's title and body selectors found the article: the site's page, whatever it says."""
    notice = (FIXTURES / "short_notice_200.html").read_bytes()
    tight = to_block_rules(config_from_dict({"blocks": {"max_text_chars": 100_000}}))
    got = interpret(SITE, URL, fetched(200, notice), PROFILE, PATHS, blocks=tight)
    assert got.outcome == Outcome.OK and got.content.title == "关于开展网络安全验证工作的通知"


def test_block_patterns_come_from_the_config():
    body = "<html><head><title>请稍候</title></head><body><p>正在检测您的浏览器环境</p></body></html>".encode()
    assert judge(200, body).outcome == Outcome.PARSE_ERROR  # not a pattern by default
    own = to_block_rules(config_from_dict({"blocks": {"patterns": ["正在检测您的浏览器"]}}))
    assert judge(200, body, blocks=own).outcome == Outcome.BLOCKED


def blocked_capture(day: int, minute: int = 0) -> CaptureIn:
    body = (FIXTURES / "safedog_403.html").read_bytes()
    return CaptureIn(
        site=SITE, url=URL, final_url=URL, fetched_at=at(day, minute), status=403, outcome=Outcome.BLOCKED,
        article_id=1001, body=body, error=FetchErrorKind.HTTP_STATUS, error_detail="block_page (HTTP 403): 网站防火墙",
    )


def test_blocked_captures_never_make_an_article_a_version_or_a_deletion(tmp_path):
    with Archive(tmp_path / "a.db", gone_after=2) as archive:
        first = archive.record_capture(blocked_capture(0))
        assert first.event is None and first.version is None
        assert archive.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 0  # an unseen id stays unseen
        archive.record_capture(capture(1001, day=1))
        archive.record_capture(missing(1001, day=2))
        for day in (3, 4, 5):  # blocked in between: not missing, and the streak stays where it was
            assert archive.record_capture(blocked_capture(day)).event is None
        status, streak, version = archive.conn.execute(
            "SELECT status, missing_streak, version FROM articles WHERE article_id = 1001"
        ).fetchone()
        assert (status, streak, version) == ("live", 1, 1)
        assert archive.record_capture(missing(1001, day=6)).event == EventKind.GONE  # two real misses: gone
        events = [e for (e,) in archive.conn.execute("SELECT event FROM events ORDER BY id")]
        assert events == [EventKind.NEW, EventKind.GONE]
        outcomes = dict(archive.conn.execute("SELECT outcome, count(*) FROM captures GROUP BY 1").fetchall())
        assert outcomes[Outcome.BLOCKED] == 4


def test_reparse_judges_a_stored_block_page_the_same_way(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        archive.record_capture(blocked_capture(0))
        (stored,) = archive.captures_of(SITE, 1001)
        body = archive.read_body(stored.body_sha256)
        again = interpret_stored(stored, body, PROFILE, PATHS)
        assert again.outcome == Outcome.BLOCKED


SITE_PAGES = SimSite(SimConfig(articles=40, seed=7))
LIVE_IDS = sorted(i for i, a in SITE_PAGES.state.articles.items() if a.status == "live")


@pytest.mark.slow
@given(st.sampled_from(LIVE_IDS), st.sampled_from(DEFAULT_BLOCK_PATTERNS), st.booleans())
@settings(max_examples=30)
def test_an_article_quoting_a_block_page_is_archived_as_the_article(article_id, pattern, loose):
    """Whatever an article's body says (滑动验证, 您的访问被拒绝 ...), the site's page is no block page,
    even when max_text_chars would let any page through: the site profile recognises it."""
    page = SITE_PAGES.handle(f"/nczhghcms/article/{article_id}", {})
    text = page.body.decode("utf-8")
    start = text.index('id="zoom"')
    inside = text.index(">", start) + 1  # the body element's first child
    quoted = (text[:inside] + f"<p>{pattern}，document.cookie location.href</p>" + text[inside:]).encode("utf-8")
    rules = to_block_rules(config_from_dict({"blocks": {"max_text_chars": 100_000}})) if loose else to_block_rules(CFG)
    got = interpret(SITE, URL, fetched(200, quoted), PROFILE, PATHS, blocks=rules)
    assert got.outcome == Outcome.OK and pattern in got.content.body_text


def test_a_waf_page_answering_for_an_asset_is_blocked_whatever_its_label_says():
    waf = Waf(limit=0, window=60, block=60)
    page = waf.answer("client")
    for label in ("text/html", "image/png", "application/octet-stream", ""):
        got = interpret(SITE, URL + ".png", fetched(page.status, page.body, label), PROFILE, PATHS, kind="asset")
        assert got.outcome == Outcome.BLOCKED, label


def test_binary_assets_are_not_decoded_to_be_searched_for_challenge_phrases(monkeypatch):
    import ncgh.pipeline as pipeline

    decoded: list[bytes] = []
    real = pipeline.decode
    monkeypatch.setattr(pipeline, "decode", lambda body, ctype: decoded.append(body) or real(body, ctype))
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    got = interpret(SITE, URL + ".png", fetched(200, png, "image/png"), PROFILE, PATHS, kind="asset")
    assert got.outcome == Outcome.OK and decoded == []
    # The same bytes with a textual label (or none) are checked: only the label and the first bytes
    # decide, never a guess that skips a page.
    interpret(SITE, URL + ".png", fetched(200, png, "text/plain"), PROFILE, PATHS, kind="asset")
    assert decoded == [png]


@pytest.mark.parametrize("label", [
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",  # "xml" in "openxmlformats"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/pdf", "application/msword", "image/svg+xml",  # an SVG is markup: checked
])
def test_office_documents_are_not_decoded_either(monkeypatch, label):
    import ncgh.pipeline as pipeline

    decoded: list[bytes] = []
    real = pipeline.decode
    monkeypatch.setattr(pipeline, "decode", lambda body, ctype: decoded.append(body) or real(body, ctype))
    zipped = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4
    interpret(SITE, URL + ".docx", fetched(200, zipped, label), PROFILE, PATHS, kind="asset")
    assert decoded == ([zipped] if "+xml" in label else [])


@pytest.mark.parametrize("label", ["text/html; charset=gbk", "application/xhtml+xml", "application/json",
                                   "application/javascript", "text/plain", "application/problem+json", ""])
def test_every_textual_label_is_checked(monkeypatch, label):
    import ncgh.pipeline as pipeline

    decoded: list[bytes] = []
    real = pipeline.decode
    monkeypatch.setattr(pipeline, "decode", lambda body, ctype: decoded.append(body) or real(body, ctype))
    interpret(SITE, URL + ".js", fetched(200, b"var x = 1;", label), PROFILE, PATHS, kind="asset")
    assert decoded == [b"var x = 1;"]
