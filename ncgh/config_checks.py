"""Value checkers for config.toml: raw TOML value in, typed value out, or Bad(what was expected).

Each checker knows one kind of value (a positive integer, a URL path with placeholders, a revisit
schedule ...); ncgh.config maps every key to its checker and turns Bad into a ConfigError that names
the file and the key, so a typo in a cron job's config fails loudly at start.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit


class Bad(Exception):
    """What the value should have been (the loader adds file, key and the value given)."""


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def string(nonempty: bool = True) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str) or (nonempty and not v.strip()):
            raise Bad("a non-empty string" if nonempty else "a string")
        return v

    return check


def integer(minimum: int | None = None) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if not is_int(v) or (minimum is not None and v < minimum):
            raise Bad("an integer" + (f" >= {minimum}" if minimum is not None else ""))
        return v

    return check


def number(minimum: float = 0.0, strict: bool = False) -> Callable[[Any], float]:
    def check(v: Any) -> float:
        if not is_num(v) or (v <= minimum if strict else v < minimum):
            raise Bad(f"a number {'>' if strict else '>='} {minimum:g}")
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


def int_list(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not v or not all(is_int(i) and i >= 0 for i in v):
        raise Bad("a non-empty list of integers >= 0")
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
    if not (isinstance(v, list) and len(v) == 2 and all(is_int(i) and i >= 0 for i in v) and v[0] <= v[1]):
        raise Bad("[low, high] with integers 0 <= low <= high")
    return (v[0], v[1])


def schedule(v: Any) -> tuple[tuple[int, float], ...]:
    what = "a non-empty list of [max_age_days, interval_days] pairs with ascending max_age_days and interval_days > 0"
    if not isinstance(v, list) or not v:
        raise Bad(what)
    out: list[tuple[int, float]] = []
    for pair in v:
        if not (isinstance(pair, list) and len(pair) == 2 and is_int(pair[0]) and is_num(pair[1])):
            raise Bad(what)
        if pair[0] <= 0 or pair[1] <= 0 or (out and pair[0] <= out[-1][0]):
            raise Bad(what)
        out.append((pair[0], float(pair[1])))
    return tuple(out)


def timezone(v: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = string()(v)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise Bad("an IANA time zone name such as Asia/Shanghai") from None
    return name
