"""Value checkers for config.toml: raw TOML value in, typed value out, or Bad(what was expected).

Each checker knows one kind of value (a positive integer, a URL path with placeholders, a revisit
schedule ...); ncgh.config maps every key to its checker and turns Bad into a ConfigError that names
the file and the key, so a typo in a cron job's config fails loudly at start.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

# Every integer ends up in SQLite (the run's config, ids, counters): nothing beyond its INTEGER.
INT_MAX = 2**63 - 1
DAYS_MAX = 36_500.0  # a century: the ceiling of every duration given in days


class Bad(Exception):
    """What the value should have been (the loader adds file, key and the value given)."""


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v: Any) -> bool:
    """A finite int or float: TOML's nan and inf are valid syntax but no setting (nan even passes
    every `<` test), and an int beyond INT_MAX would overflow SQLite."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    return math.isfinite(v) and abs(v) <= INT_MAX


def string(nonempty: bool = True) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str) or (nonempty and not v.strip()):
            raise Bad("a non-empty string" if nonempty else "a string")
        return v

    return check


def integer(minimum: int = 0, maximum: int = INT_MAX) -> Callable[[Any], int]:
    """An integer in [minimum, maximum] (every key has a ceiling; INT_MAX at most)."""

    def check(v: Any) -> int:
        if not is_int(v) or not minimum <= v <= maximum:
            raise Bad(f"an integer from {minimum} to {maximum}")
        return v

    return check


def number(minimum: float = 0.0, strict: bool = False, maximum: float = DAYS_MAX) -> Callable[[Any], float]:
    """A finite number above (strict) or at least `minimum` and at most `maximum`."""

    def check(v: Any) -> float:
        if not is_num(v) or (v <= minimum if strict else v < minimum) or v > maximum:
            raise Bad(f"a number {'>' if strict else '>='} {minimum:g} and <= {maximum:g}")
        return float(v)

    return check


def boolean(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Bad("true or false")
    return v


def str_list(nonempty: bool = True, choices: tuple[str, ...] | None = None) -> Callable[[Any], tuple]:
    def check(v: Any) -> tuple[str, ...]:
        what = "a list of " + (f"values from {list(choices)}" if choices else "non-empty strings")
        if not isinstance(v, list) or (nonempty and not v):
            raise Bad(what + (" (at least one)" if nonempty else ""))
        for item in v:
            if not isinstance(item, str) or not item.strip() or (choices and item not in choices):
                raise Bad(what)
        return tuple(v)

    return check


def enum_list(vocabulary: type[StrEnum], nonempty: bool = True) -> Callable[[Any], tuple]:
    """`str_list` of a vocabulary's values, returned as its members."""
    strings = str_list(nonempty, tuple(m.value for m in vocabulary))
    return lambda v: tuple(vocabulary(s) for s in strings(v))


def int_list(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not v or not all(is_int(i) and 0 <= i <= INT_MAX for i in v):
        raise Bad(f"a non-empty list of integers from 0 to {INT_MAX}")
    return tuple(v)


def article_paths(v: Any) -> tuple[str, ...]:
    paths = str_list()(v)
    for p in paths:
        if "{id}" not in p or not p.startswith("/"):
            raise Bad("a list of paths starting with / and containing {id}")
    return paths


def base_url(v: Any) -> str:
    url = string()(v)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
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
