"""robots.txt rules for one origin, decided from how the robots.txt fetch went (RFC 9309).

The rules themselves are parsed by Protego (Scrapy's parser: longest-match Allow/Disallow, `*` and
`$` patterns, user-agent groups), which follows RFC 9309 more closely than urllib.robotparser (the
standard library applies the first matching line, not the most specific one).

How a fetch outcome maps to rules (RFC 9309 section 2.3.1):
- 2xx: parse the body (at most ROBOTS_MAX_BYTES are read; rules past that are ignored, RFC 2.5).
- 4xx other than 429 ("unavailable"): allow everything, including 401/403 (the RFC, not old Google).
- 5xx, 429, connection failure, timeout, broken body ("unreachable"): disallow everything. The RFC
  says MUST; we keep that decision for the rest of the Fetcher's life and a new run asks again. When
  robots.txt got no answer at all, the refusals carry that failure's kind (`no_answer`: connection,
  timeout), not robots_disallowed: the site is down, it has not disallowed anything.
- too many redirects: "unavailable", allow everything (RFC 2.3.1.2).
- a redirect to a host we are not allowed to contact: disallow everything. We never contact such a
  host, so the real rules are unknown; the error detail names the host to add to the allowed hosts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from protego import Protego

from scraper.records import FetchErrorKind, FetchResult

# RFC 9309 2.5: crawlers must parse at least 500 KiB; we read exactly that much.
ROBOTS_MAX_BYTES = 500 * 1024


class RobotsMode(StrEnum):
    """How an origin's robots.txt is applied."""

    PARSED = "parsed"  # its rules, as parsed
    ALLOW_ALL = "allow_all"  # unavailable (4xx, too many redirects): everything may be fetched
    DISALLOW_ALL = "disallow_all"  # unreachable or too large: nothing may be fetched


@dataclass(frozen=True)
class RobotsRules:
    """What one origin's robots.txt lets us fetch, and why (the reason goes into error details)."""

    robots_url: str
    mode: RobotsMode
    reason: str
    _parser: Protego | None = None
    # Set when robots.txt got no answer at all (connection refused, timeout): nothing may be fetched,
    # but the site is unreachable rather than disallowing, so the fetcher reports this kind instead.
    no_answer: FetchErrorKind | None = None

    def allows(self, url: str, user_agent: str) -> bool:
        """True when `user_agent` may fetch `url` (path and query are matched, as RFC 9309 says)."""
        if self.mode == RobotsMode.ALLOW_ALL:
            return True
        if self.mode == RobotsMode.DISALLOW_ALL or self._parser is None:
            return False
        parts = urlsplit(url)
        if parts.path in ("/robots.txt",):
            return True  # RFC 9309 2.2.2: /robots.txt itself is always allowed
        return bool(self._parser.can_fetch(url, user_agent))

    def sitemaps(self) -> list[str]:
        """The file's `Sitemap:` lines (any group; RFC 9309 leaves them to the sitemaps protocol)."""
        return [str(u).strip() for u in self._parser.sitemaps] if self._parser is not None else []

    def crawl_delay(self, user_agent: str) -> float | None:
        """The Crawl-delay for our user agent, if the file gives one (not part of RFC 9309)."""
        if self._parser is None:
            return None
        delay = self._parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


def parse_robots(robots_url: str, body: bytes) -> RobotsRules:
    """Rules from a robots.txt body; UTF-8 per the RFC, undecodable bytes replaced, a BOM ignored."""
    text = body[:ROBOTS_MAX_BYTES].decode("utf-8", errors="replace").lstrip("\ufeff")
    return RobotsRules(robots_url, RobotsMode.PARSED, "robots.txt parsed", Protego.parse(text))


def rules_from_fetch(result: FetchResult) -> RobotsRules:
    """Rules from the outcome of fetching robots.txt (see the module docstring for the mapping)."""
    url = result.url
    status = result.status
    if result.error is None and status is not None and 200 <= status < 300:
        return parse_robots(url, result.body)
    if result.error == FetchErrorKind.TOO_LARGE and status is not None and 200 <= status < 300:
        # Only reachable when the caller did not keep the first ROBOTS_MAX_BYTES; stay safe.
        return RobotsRules(url, RobotsMode.DISALLOW_ALL, f"robots.txt larger than the body cap (status {status})")
    if result.error == FetchErrorKind.TOO_MANY_REDIRECTS:
        return RobotsRules(url, RobotsMode.ALLOW_ALL, "robots.txt behind too many redirects: unavailable, allow all")
    if result.error == FetchErrorKind.OFF_SITE_REDIRECT:
        return RobotsRules(
            url,
            RobotsMode.DISALLOW_ALL,
            f"robots.txt redirects to a host we may not contact ({result.final_url}); "
            "add that host to the allowed hosts to read its rules",
        )
    if result.error in (FetchErrorKind.HTTP_STATUS, None) and status is not None:
        if 400 <= status < 500 and status != 429:
            return RobotsRules(url, RobotsMode.ALLOW_ALL, f"robots.txt answered {status}: unavailable, allow all")
        return RobotsRules(url, RobotsMode.DISALLOW_ALL, f"robots.txt answered {status}: unreachable, disallow all")
    kind = result.error.value if result.error else "no response"
    detail = f": {result.error_detail}" if result.error_detail else ""
    no_answer = (result.error or FetchErrorKind.CONNECTION) if status is None else None
    return RobotsRules(
        url, RobotsMode.DISALLOW_ALL, f"robots.txt unreachable ({kind}{detail}): disallow all", no_answer=no_answer
    )
