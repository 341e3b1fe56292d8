"""Checkers of the values only ncgh's own config sections hold: raw TOML value in, typed value out.

Each checker knows one kind of value (a URL path with placeholders, a revisit schedule ...); the
generic ones (numbers, integers, strings, lists) are scraper.checks', which the [fetch] and [parse]
dataclasses use too. ncgh.config puts every key's checker on its dataclass field and turns Bad into
a ConfigError that names the file and the key, so a typo in a cron job's config fails loudly at start.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from scraper.checks import DAYS_MAX, INT_MAX, Bad, is_int, is_num, str_list, string


def enum_list(vocabulary: type[StrEnum], nonempty: bool = True) -> Callable[[Any], tuple[StrEnum, ...]]:
    """`str_list` of a vocabulary's values, returned as its members."""
    strings = str_list(nonempty, tuple(m.value for m in vocabulary))
    return lambda v: tuple(vocabulary(s) for s in strings(v))


def members(vocabulary: type[StrEnum], allowed: tuple[StrEnum, ...], nonempty: bool = True) -> Callable[[Any], tuple[StrEnum, ...]]:
    """`enum_list` restricted to some of a vocabulary's members (the rest are not a user's choice)."""
    strings = str_list(nonempty, tuple(m.value for m in allowed))
    return lambda v: tuple(vocabulary(s) for s in strings(v))


def int_list(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not v or not all(is_int(i) and 0 <= i <= INT_MAX for i in v):
        raise Bad(f"a non-empty list of integers from 0 to {INT_MAX}")
    return tuple(v)


def article_paths(v: Any) -> tuple[str, ...]:
    paths = str_list()(v)
    for p in paths:
        if p.count("{id}") != 1 or not p.startswith("/"):  # scraper.ids reads exactly one id
            raise Bad("a list of paths starting with / and containing {id}")
    return paths


def base_url(v: Any) -> str:
    url = string()(v)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (read for its check: a port that is not a number raises)
    except ValueError:  # "http://[::1": an unclosed IPv6 literal
        raise Bad("an http:// or https:// URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Bad("an http:// or https:// URL")
    return url.rstrip("/")


def template(*placeholders: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        s = string()(v)
        missing = [p for p in placeholders if "{" + p + "}" not in s]
        if missing or not s.startswith("/"):
            raise Bad("a path starting with / containing " + ", ".join("{" + p + "}" for p in placeholders))
        try:
            s.format(**{p: 1 for p in placeholders})
        except (KeyError, IndexError, ValueError) as exc:
            raise Bad(f"a path whose only placeholders are {placeholders} ({exc})") from None
        return s

    return check


def optional_template(*placeholders: str) -> Callable[[Any], str]:
    """`template`, or "" for none (a source whose URL shape the site has not shown)."""
    full = template(*placeholders)

    def check(v: Any) -> str:
        if v == "":
            return ""
        try:
            return full(v)
        except Bad as bad:
            raise Bad(f'"" (none) or {bad}') from None

    return check


def site_paths(v: Any) -> tuple[str, ...]:
    """A list of paths on the site (each starting with /), possibly empty."""
    paths = str_list(nonempty=False)(v)
    if not all(p.startswith("/") for p in paths):
        raise Bad("a list of paths starting with /")
    return paths


def id_range(v: Any) -> tuple[int, int]:
    if not (isinstance(v, list) and len(v) == 2 and all(is_int(i) and 0 <= i <= INT_MAX for i in v) and v[0] <= v[1]):
        raise Bad(f"[low, high] with integers 0 <= low <= high <= {INT_MAX}")
    return (v[0], v[1])


def schedule(v: Any) -> tuple[tuple[int, float], ...]:
    what = (
        "a non-empty list of [max_age_days, interval_days] pairs with ascending max_age_days"
        f" (at most {SCHEDULE_AGE_MAX}) and 0 < interval_days <= {DAYS_MAX:g}"
    )
    if not isinstance(v, list) or not v:
        raise Bad(what)
    out: list[tuple[int, float]] = []
    for pair in v:
        if not (isinstance(pair, list) and len(pair) == 2 and is_int(pair[0]) and is_num(pair[1])):
            raise Bad(what)
        if not 0 < pair[0] <= SCHEDULE_AGE_MAX or not 0 < pair[1] <= DAYS_MAX or (out and pair[0] <= out[-1][0]):
            raise Bad(what)
        out.append((pair[0], float(pair[1])))
    return tuple(out)


SCHEDULE_AGE_MAX = 1_000_000  # days (the default's catch-all row is 100000)


def timezone(v: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = string()(v)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Bad("an IANA time zone name such as Asia/Shanghai") from None
    return name


def choice(*values: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if v not in values:
            raise Bad("one of " + ", ".join(f'"{x}"' for x in values))
        return v

    return check


def enum_choice(vocabulary: type[StrEnum]) -> Callable[[Any], StrEnum]:
    """One of a vocabulary's values, returned as its member."""
    values = choice(*(m.value for m in vocabulary))
    return lambda v: vocabulary(values(v))


def web_url(v: Any) -> str:
    """"" (no links) or an http(s) URL."""
    if v == "":
        return ""
    return base_url(v)


def apprise_urls(v: Any) -> tuple[str, ...]:
    """A list of Apprise URLs, each one Apprise can use (checked only when the list is not empty)."""
    urls = str_list(nonempty=False)(v)
    if urls:
        from ncgh.notify import url_problem

        for i, url in enumerate(urls, 1):
            problem = url_problem(url)
            if problem is not None:
                scheme = url.split("://", 1)[0] if "://" in url else url[:20]
                raise Bad(f"a list of Apprise URLs (entry {i}, {scheme}://…, is not usable: {problem})")
    return urls
