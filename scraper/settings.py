"""The [fetch] and [parse] keys of config.toml: each key's default and check, written once, here.

`scraper.fetch.FetchPolicy` is FetchSettings plus the hosts a crawl may contact, and
`scraper.profile.SiteProfile` is ParseSettings with its selectors compiled; ncgh.config builds these
two from the file by their fields, so a value from config.toml and one from code pass the same check.
No requests, no lxml: loading a config (every `ncgh` command does) imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scraper.checks import DAY, HOUR, boolean, check_fields, checked, integer, number, str_list, string

__all__ = ["DEFAULT_USER_AGENT", "FetchSettings", "ParseSettings"]

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
