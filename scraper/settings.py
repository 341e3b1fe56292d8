"""The [fetch], [parse] and [blocks] keys of config.toml: each key's default and check, written once, here.

`scraper.fetch.FetchPolicy` is FetchSettings plus the hosts a crawl may contact, and
`scraper.profile.SiteProfile` is ParseSettings with its selectors compiled; ncgh.config builds these
two from the file by their fields, so a value from config.toml and one from code pass the same check.
No requests, no lxml: loading a config (every `ncgh` command does) imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scraper.checks import (
    DAY,
    HOUR,
    boolean,
    check_fields,
    checked,
    int_list,
    integer,
    number,
    regex_list,
    str_list,
    string,
)

__all__ = ["DEFAULT_USER_AGENT", "BlockSettings", "FetchSettings", "ParseSettings"]

DEFAULT_USER_AGENT = "ncgh-archive/0.1 (+https://github.com/ncgh-archive/ncgh-archive; archive@ncgh-archive.invalid)"


@dataclass(frozen=True, kw_only=True)
class FetchSettings:
    """How politely and how persistently to fetch ([fetch], docs/fetching.md). Durations in seconds."""

    user_agent: str = field(default=DEFAULT_USER_AGENT, metadata=checked(string()))  # keep a contact in it
    delay: float = field(default=1.0, metadata=checked(number(0, maximum=HOUR)))
    concurrency_per_host: int = field(default=1, metadata=checked(integer(1, 64)))
    connect_timeout: float = field(default=10.0, metadata=checked(number(0, strict=True, maximum=HOUR)))
    read_timeout: float = field(default=30.0, metadata=checked(number(0, strict=True, maximum=HOUR)))
    max_attempts: int = field(default=4, metadata=checked(integer(1, 100)))
    backoff_base: float = field(default=1.0, metadata=checked(number(0, maximum=HOUR)))
    backoff_max: float = field(default=60.0, metadata=checked(number(0, maximum=DAY)))
    retry_after_max: float = field(default=300.0, metadata=checked(number(0, maximum=DAY)))
    max_body_bytes: int = field(default=10_000_000, metadata=checked(integer(1, 2**30)))
    max_redirects: int = field(default=5, metadata=checked(integer(0, 100)))
    obey_robots: bool = field(default=True, metadata=checked(boolean))

    def __post_init__(self) -> None:
        check_fields(self)  # FieldError (a ValueError) naming the field


def _selectors(*default: str, nonempty: bool = False) -> tuple[str, ...]:
    return field(default=default, metadata=checked(str_list(nonempty=nonempty)))


@dataclass(frozen=True)
class ParseSettings:
    """The site profile ([parse], docs/parsing.md): CSS selectors tried in order (the first that
    matches wins) and the texts of a page saying the article does not exist."""

    title_selectors: tuple[str, ...] = _selectors("h2.detail-title", "td.art-title", "h1.article-title", nonempty=True)
    info_selectors: tuple[str, ...] = _selectors(".detail-info", "td.art-info")
    body_selectors: tuple[str, ...] = _selectors("#zoom", ".detail-content", "td.art-body", nonempty=True)
    footer_selectors: tuple[str, ...] = _selectors(".footer", "#footer")
    strip_selectors: tuple[str, ...] = _selectors(".detail-font", ".detail-share", ".detail-prevnext")
    missing_patterns: tuple[str, ...] = _selectors("文章不存在", "信息不存在", "已被删除", "已删除", "内容不存在")

    def __post_init__(self) -> None:
        check_fields(self)  # FieldError (a ValueError) naming the field


# What WAFs and anti-bot CDNs in front of Chinese government sites answer instead of the page (captcha,
# rate-limit and deny pages of 安全狗, 云锁, 创宇盾/加速乐, Aliyun and Tencent WAF, Cloudflare ...).
DEFAULT_BLOCK_PATTERNS = (
    "滑动验证",
    "拖动滑块",
    "访问过于频繁",
    "请求过于频繁",
    "访问频率过高",
    "安全验证",
    "人机验证",
    "请输入验证码",
    "您的访问被拒绝",
    "访问被拒绝",
    "访问已被拦截",
    "已被网站管理员设置拦截",
    "网站防火墙",
    "Web应用防火墙",
    "疑似黑客攻击",
    "Access Denied",
    "Attention Required",
    "Checking your browser",
    "Just a moment...",
    "Request blocked",
    "Sorry, you have been blocked",
)


@dataclass(frozen=True, kw_only=True)
class BlockSettings:
    """What a WAF or anti-bot page looks like ([blocks], docs/fetching.md "Blocks"), so that it is
    recorded as `blocked`: never a deletion, never a version, never a parse error.

    An answer is a block when (a) its status is one of `statuses` and its page shows one of `patterns`
    or is a cookie challenge, or (b) it is a 2xx page whose visible text is at most `max_text_chars`
    long (the site's own pages, with their navigation and footer, are far longer) and shows one of
    `patterns`, or is a cookie challenge: its scripts match every one of `challenge_scripts` (set a
    cookie, then reload). Bodies over `max_bytes` are never block pages (and are not scanned).
    """

    statuses: tuple[int, ...] = field(
        default=(403, 405, 412, 418, 429, 503, 521), metadata=checked(int_list(100, 599, nonempty=False))
    )
    patterns: tuple[str, ...] = field(default=DEFAULT_BLOCK_PATTERNS, metadata=checked(str_list(nonempty=False)))
    challenge_scripts: tuple[str, ...] = field(
        default=(r"document\.cookie", r"location(?:\.href|\.replace|\.reload|\.assign|\s*=)"),
        metadata=checked(regex_list()),
    )
    max_text_chars: int = field(default=300, metadata=checked(integer(0, 100_000)))
    max_bytes: int = field(default=262_144, metadata=checked(integer(0, 2**30)))

    def __post_init__(self) -> None:
        check_fields(self)  # FieldError (a ValueError) naming the field
