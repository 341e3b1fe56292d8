"""Checked settings: each field of a settings dataclass carries its own check, run on construction.

`FetchSettings` / `FetchPolicy` ([fetch]) and `SiteProfile` ([parse]) own their keys' defaults and
checks, and ncgh.config builds them from config.toml through `dataclasses.fields`, so a key's default
and its check are written once, beside the field, whether the value comes from a file or from code.
A check takes the raw value (a TOML value, or a Python one) and returns the typed value, or raises
Bad(what was expected); `check_fields` turns that into a FieldError naming the field. Pure (the
standard library only) so that ncgh's checks of its own sections build on the same ones.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any

__all__ = [
    "DAYS_MAX",
    "DAY",
    "HOUR",
    "INT_MAX",
    "Bad",
    "FieldError",
    "boolean",
    "check_fields",
    "checked",
    "int_list",
    "integer",
    "is_int",
    "is_num",
    "number",
    "regex_list",
    "str_list",
    "string",
]

# Every integer ends up in SQLite (the run's config, ids, counters): nothing beyond its INTEGER.
INT_MAX = 2**63 - 1
DAYS_MAX = 36_500.0  # a century: the ceiling of every duration given in days
# Ceilings of durations in seconds ([fetch]).
HOUR = 3600.0
DAY = 86_400.0


class Bad(Exception):
    """What the value should have been (the caller adds where it came from and the value given)."""


class FieldError(ValueError):
    """A settings field whose value fails its check: `Owner.key must be <expected>, got <value>`."""

    def __init__(self, owner: str, key: str, expected: str, value: object) -> None:
        super().__init__(f"{owner}.{key} must be {expected}, got {value!r}")
        self.key = key
        self.expected = expected


def checked(check: Callable[[Any], Any]) -> Mapping[str, Any]:
    """Field metadata holding the field's check: `field(default=..., metadata=checked(number(0)))`."""
    return {"check": check}


def check_fields(obj: Any) -> None:
    """Run every field's check on a (frozen) dataclass instance, storing the typed values; the first
    failing field, in field order, raises FieldError."""
    for f in fields(obj):
        check = f.metadata.get("check")
        if check is None:
            continue
        value = getattr(obj, f.name)
        try:
            object.__setattr__(obj, f.name, check(value))
        except Bad as bad:
            raise FieldError(type(obj).__name__, f.name, str(bad), value) from None


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
    """A finite number above (strict) or at least `minimum` and at most `maximum`, as a float."""

    def check(v: Any) -> float:
        if not is_num(v) or (v <= minimum if strict else v < minimum) or v > maximum:
            raise Bad(f"a number {'>' if strict else '>='} {minimum:g} and <= {maximum:g}")
        return float(v)

    return check


def boolean(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Bad("true or false")
    return v


def str_list(nonempty: bool = True, choices: tuple[str, ...] | None = None) -> Callable[[Any], tuple[str, ...]]:
    """A list (a TOML array, or a list or tuple from code) of non-empty strings, as a tuple."""

    def check(v: Any) -> tuple[str, ...]:
        what = "a list of " + (f"values from {list(choices)}" if choices else "non-empty strings")
        if not isinstance(v, list | tuple) or (nonempty and not v):
            raise Bad(what + (" (at least one)" if nonempty else ""))
        for item in v:
            if not isinstance(item, str) or not item.strip() or (choices and item not in choices):
                raise Bad(what)
        return tuple(v)

    return check


def int_list(minimum: int, maximum: int, nonempty: bool = True) -> Callable[[Any], tuple[int, ...]]:
    """A list of integers in [minimum, maximum] (HTTP statuses ...), as a tuple."""

    def check(v: Any) -> tuple[int, ...]:
        what = f"a list of integers from {minimum} to {maximum}" + (" (at least one)" if nonempty else "")
        if not isinstance(v, list | tuple) or (nonempty and not v):
            raise Bad(what)
        if not all(is_int(i) and minimum <= i <= maximum for i in v):
            raise Bad(what)
        return tuple(v)

    return check


def regex_list(nonempty: bool = True) -> Callable[[Any], tuple[str, ...]]:
    """A list of non-empty strings that are each a valid regular expression (Python `re` syntax)."""
    strings = str_list(nonempty=nonempty)

    def check(v: Any) -> tuple[str, ...]:
        patterns = strings(v)
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise Bad(f"a list of regular expressions ({pattern!r}: {exc})") from None
        return patterns

    return check
