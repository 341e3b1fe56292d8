"""scraper.blocks: WAF challenge, captcha and deny pages told apart from the site's own pages, both ways.

Fixture pages (tests/fixtures/blocks/) are the real kinds: 加速乐's 521 cookie challenge, a 云锁-style
200 cookie-and-reload page, 安全狗's 403 firewall page, an Aliyun slider captcha, a GBK rate-limit
page, Cloudflare's "Just a moment..."; and the site's own pages that must never be called blocked:
nginx's 404 and 503, the 200 "文章不存在" page, a short notice about 安全验证 with the site's chrome.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scraper.blocks import DEFAULT_BLOCK_RULES, BlockRules, block_of, visible_text
from scraper.encoding import decode
from scraper.records import BlockKind
from scraper.settings import DEFAULT_BLOCK_PATTERNS, BlockSettings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "blocks"
BLOCK_STATUSES = BlockSettings().statuses


def page(name: str) -> tuple[bytes, str]:
    body = (FIXTURES / name).read_bytes()
    return body, decode(body, None).text


@pytest.mark.parametrize(
    ("name", "status", "kind"),
    [
        ("jsl_521.html", 521, BlockKind.COOKIE_CHALLENGE),
        ("cookie_reload_200.html", 200, BlockKind.COOKIE_CHALLENGE),
        ("safedog_403.html", 403, BlockKind.BLOCK_PAGE),
        ("slider_captcha_200.html", 200, BlockKind.BLOCK_PAGE),
        ("freq_429.gbk.html", 429, BlockKind.BLOCK_PAGE),
        ("cloudflare_403.html", 403, BlockKind.BLOCK_PAGE),
        ("cloudflare_403.html", 503, BlockKind.BLOCK_PAGE),
    ],
)
def test_block_pages_are_blocks(name, status, kind):
    body, text = page(name)
    block = block_of(status, body, text)
    assert block is not None and block.kind == kind and block.status == status
    assert f"HTTP {status}" in block.describe()


@pytest.mark.parametrize("name", ["site_404.html", "nginx_503.html", "not_exist_200.html", "short_notice_200.html"])
@pytest.mark.parametrize("status", [200, 403, 404, 429, 503, 521])
def test_the_sites_own_pages_are_not_blocks(name, status):
    body, text = page(name)
    if name == "short_notice_200.html" and status != 200:
        return  # an error status with a page that says 访问过于频繁 is a block: not the case here
    assert block_of(status, body, text) is None


def test_a_status_outside_the_list_is_never_a_block():
    body, text = page("safedog_403.html")
    assert block_of(404, body, text) is None and block_of(302, body, text) is None and block_of(None, body, text) is None


def test_a_long_2xx_page_is_never_a_block_whatever_it_says():
    """The site's pages carry navigation and a footer: an article quoting a captcha page is an article."""
    body, text = page("slider_captcha_200.html")
    long = text.replace("</body>", "<p>" + "南昌市总工会组织开展职工技能竞赛活动。" * 20 + "</p></body>")
    assert block_of(200, long.encode(), long) is None
    assert block_of(403, long.encode(), long) is not None  # a 403 says it whatever its length


def test_oversized_bodies_are_not_scanned():
    body, text = page("safedog_403.html")
    rules = BlockRules(BlockSettings(max_bytes=len(body) - 1))
    assert block_of(403, body, text, rules) is None


def test_patterns_and_statuses_come_from_settings():
    body, text = page("freq_429.gbk.html")
    assert block_of(429, body, text, BlockRules(BlockSettings(patterns=()))) is None
    assert block_of(429, body, text, BlockRules(BlockSettings(statuses=(403,)))) is None
    own = BlockRules(BlockSettings(patterns=("访问受限",)))
    assert block_of(429, body, text, own).matched == "访问受限"


def test_a_cookie_script_without_a_reload_is_no_challenge():
    """Font-size controls and analytics set cookies too; only set-a-cookie-and-reload is a challenge."""
    text = "<html><head><script>document.cookie='fontsize=16; path=/';</script></head><body></body></html>"
    assert block_of(200, text.encode(), text) is None
    reload = text.replace("path=/';", "path=/';location.reload();")
    assert block_of(200, reload.encode(), reload).kind == BlockKind.COOKIE_CHALLENGE


def test_visible_text_leaves_out_scripts_styles_and_comments():
    text = "<title>T</title><style>p{}</style><!-- 安全验证 --><script>var a='访问过于频繁'</script><p>正文&amp;</p>"
    assert visible_text(text) == "T 正文&"
    assert block_of(200, text.encode(), text) is None  # the pattern is only in a comment and a script


def test_unclosed_and_lookalike_tags():
    assert visible_text("<p>a</p><script>document.cookie=1; location='/'") == "a"
    assert visible_text("<scripts>安全验证</scripts>") == "安全验证"
    assert visible_text("<!-- never closed 安全验证") == ""
    assert visible_text("<script") == ""


def test_many_unclosed_scripts_are_scanned_in_linear_time():
    """A lazy regex would rescan the rest of the page at each unclosed tag: 20,000 of them must not hang."""
    text = "<script " * 20_000
    assert block_of(403, text.encode(), text) is None


ARTICLE_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=0, max_size=400
).filter(lambda t: DEFAULT_BLOCK_RULES.pattern_in(t) is None)


@given(ARTICLE_TEXT, st.sampled_from((200, *BLOCK_STATUSES)))
def test_a_page_without_a_pattern_or_a_challenge_is_never_blocked(body_text, status):
    """Short or long, 2xx or 403: without a block pattern or a cookie-and-reload script, no block."""
    html = f"<html><head><title>通知</title></head><body><p>{body_text}</p></body></html>"
    assert block_of(status, html.encode(), html) is None


@given(st.sampled_from(DEFAULT_BLOCK_PATTERNS), st.integers(0, 3000), ARTICLE_TEXT)
def test_a_pattern_in_a_page_as_long_as_the_sites_is_never_a_2xx_block(pattern, pad, before):
    """Whatever an article says, a 2xx page with more text than max_text_chars is the site's."""
    filler = "职工" * (DEFAULT_BLOCK_RULES.settings.max_text_chars // 2 + 1 + pad)
    html = f"<html><body><div class='nav'>{filler}</div><p>{before}{pattern}</p></body></html>"
    assert block_of(200, html.encode(), html) is None


@given(st.text(max_size=2000), st.sampled_from((200, 403, 429, 521, 404)))
def test_hostile_text_never_raises(text, status):
    block = block_of(status, text.encode("utf-8", "surrogatepass"), text)
    assert block is None or block.status == status
