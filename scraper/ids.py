"""What an article id is, and where a URL holds one: the one place for both rules.

An id reaches the archive from API answers, list-page links, probed URLs, command-line arguments and
the web UI's query strings; all of them go through `article_id` here, and every URL (a crawled link,
a fetched page, a URL a reader types) goes through `article_id_from_url`. The range is what SQLite's
INTEGER (a signed 64-bit value) can hold, from 1: the real site's ids are 868..26481, but nothing
about the site promises a ceiling, and an id SQLite cannot store is the only kind that breaks the
archive (an OverflowError on insert). Text is plain ASCII decimal only: `str.isdigit` and `int()`
also accept `²`, `١` and `１`, which no URL of the site holds. Pure (the standard library only): no
HTTP, no SQLite, so both `scraper` and `archive` may import it, and it is the one module of one layer
the other imports (docs/architecture.md).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

__all__ = [
    "DEFAULT_ARTICLE_PATHS",
    "MAX_ARTICLE_ID",
    "MIN_ARTICLE_ID",
    "article_id",
    "article_id_from_url",
    "id_text_of_url",
    "is_article_id",
]

MIN_ARTICLE_ID = 1
MAX_ARTICLE_ID = 2**63 - 1  # SQLite INTEGER maximum
_DECIMAL = re.compile(r"[0-9]+", re.ASCII)
_MAX_DIGITS = len(str(MAX_ARTICLE_ID))


def article_id(value: object) -> int | None:
    """`value` as an article id, or None when it is not one.

    An int (not a bool) in MIN_ARTICLE_ID..MAX_ARTICLE_ID, or a str of ASCII digits only (no sign, no
    spaces, no other scripts' digits; leading zeros allowed) whose value is in that range.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if MIN_ARTICLE_ID <= value <= MAX_ARTICLE_ID else None
    if isinstance(value, str) and _DECIMAL.fullmatch(value):
        digits = value.lstrip("0")
        if not digits or len(digits) > _MAX_DIGITS:  # never int() a huge string (and 0 is no id)
            return None
        return article_id(int(digits))
    return None


def is_article_id(value: object) -> bool:
    """Whether `value` names an article (see `article_id`)."""
    return article_id(value) is not None


# ---- where a URL holds the id ------------------------------------------------------------------

# The site's two path forms ([site] article_paths in config.toml says the same for a crawl).
DEFAULT_ARTICLE_PATHS: tuple[str, ...] = ("/nczhghcms/article/{id}", "/article/{id}")
# The vendor (aoyacms) front end of the same organisation: /plugin/gh/ghzx/pc_detail.php?erid=34&id=N&yiid=32
_VENDOR_PAGE = "/pc_detail.php"
_DIGITS = re.compile(r"\d+")  # any script's digits: what looks like an id, valid or not
_PATH_PARAMS = re.compile(r";[^/]*")  # RFC 3986 path-segment parameters, before any %-decoding
_SESSION = re.compile(r";jsessionid=[^/?#]*", re.IGNORECASE)


def without_session(path: str) -> str:
    """`path` without a Java CMS's `;jsessionid=...`, which it writes into every link and redirect for
    a client that keeps no cookies (as this crawler does): each visit's own, never another page."""
    return _SESSION.sub("", path)


@lru_cache(maxsize=32)
def _path_regex(pattern: str) -> re.Pattern[str]:
    if pattern.count("{id}") != 1:
        raise ValueError(f"article path pattern needs exactly one {{id}}: {pattern!r}")
    head, tail = pattern.split("{id}")
    # Any run of digits (Unicode ones too) is captured, so that a URL of an article form with a bad
    # id is told apart from a URL of no article form; article_id decides which are ids.
    return re.compile(re.escape(head) + r"(\d+)" + re.escape(tail) + r"/?")


def id_text_of_url(url: str, article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS) -> str | None:
    """The text standing where an article URL holds its id, or None for a URL of no article form.

    Only the path (and, on the vendor's pc_detail.php, the `id` query value) matters: identity is the
    id, so every host, scheme, port, other query value and fragment maps the same. The path is read
    with its %-escapes decoded (`/article/%35` is `/article/5`, RFC 3986 6.2.2.2) and without path
    parameters (`/article/5;jsessionid=AB12` is `/article/5`); an optional trailing slash is allowed. The path forms are tried in order, then the vendor's.
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # urlsplit refuses some hosts ("http://[::1")
        return None
    # Path parameters (`;jsessionid=8F3A...`, which a Java CMS writes into every link for a client that
    # keeps no cookies, as this crawler does) name a session, never an article: read without them.
    path = unquote(_PATH_PARAMS.sub("", parts.path))
    for pattern in article_paths:
        match = _path_regex(pattern).fullmatch(path)
        if match:
            return match.group(1)
    if path.endswith(_VENDOR_PAGE):
        ids = parse_qs(parts.query).get("id")
        if ids and _DIGITS.fullmatch(ids[0]):
            return ids[0]
    return None


def article_id_from_url(url: str, article_paths: tuple[str, ...] = DEFAULT_ARTICLE_PATHS) -> int | None:
    """The article id in a URL of any host and path form, or None: no article form, or an id that
    `article_id` refuses (0, out of SQLite's range, other scripts' digits)."""
    text = id_text_of_url(url, article_paths)
    return article_id(text) if text is not None else None
