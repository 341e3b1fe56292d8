"""What an article id is: the one place that decides whether a number or a string names an article.

An id reaches the archive from API answers, list-page links, probed URLs, command-line arguments and
the web UI's query strings; all of them go through `article_id` here. The range is what SQLite's
INTEGER (a signed 64-bit value) can hold, from 1: the real site's ids are 868..26481, but nothing
about the site promises a ceiling, and an id SQLite cannot store is the only kind that breaks the
archive (an OverflowError on insert). Text is plain ASCII decimal only: `str.isdigit` and `int()`
also accept `²`, `١` and `１`, which no URL of the site holds. Pure: no HTTP, no SQLite, so both
`scraper` and `archive` may import it.
"""

from __future__ import annotations

import re

__all__ = ["MAX_ARTICLE_ID", "MIN_ARTICLE_ID", "article_id", "is_article_id"]

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
