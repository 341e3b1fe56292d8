"""config.toml -> typed, frozen dataclasses, with errors that name the file and the key.

The embedded default (`ncgh/default_config.toml`, the project's config.toml) holds every key; a user
file overrides it key by key, so a user file may hold only the keys it changes. Anything the crawl
cannot act on sensibly (an unknown key, a wrong type, a negative delay) is refused up front: a cron
job that silently ignores a typo would run for years with the wrong settings.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_NAME = "<embedded default config.toml>"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class SiteConfig:
    name: str
    base_url: str
    host_aliases: tuple[str, ...]
    article_paths: tuple[str, ...]
    timezone: str


@dataclass(frozen=True)
class DiscoveryConfig:
    list_url_template: str
    categories: tuple[int, ...]
    api_list_template: str
    api_ids_template: str
    api_page_size: int
    sources: tuple[str, ...]
    stop_after_known: int
    id_range: tuple[int, int]
    id_gap_tolerance: int
    max_list_pages: int


@dataclass(frozen=True)
class FetchConfig:
    user_agent: str
    delay: float
    concurrency_per_host: int
    connect_timeout: float
    read_timeout: float
    max_attempts: int
    backoff_base: float
    backoff_max: float
    retry_after_max: float
    max_body_bytes: int
    max_redirects: int
    obey_robots: bool


@dataclass(frozen=True)
class ParseConfig:
    title_selectors: tuple[str, ...]
    info_selectors: tuple[str, ...]
    body_selectors: tuple[str, ...]
    footer_selectors: tuple[str, ...]
    strip_selectors: tuple[str, ...]
    missing_patterns: tuple[str, ...]


@dataclass(frozen=True)
class ArchiveConfig:
    db_path: str
    gone_after: int


@dataclass(frozen=True)
class RevisitConfig:
    schedule: tuple[tuple[int, float], ...]  # (max_age_days, interval_days), ascending max_age_days
    recently_changed_days: float
    days_for_recently_changed: float
    gone_recheck_days: float
    budget: int
    fill_budget: bool
    fill_min_days: float
    conditional: bool
    unconditional_every_days: float


@dataclass(frozen=True)
class Config:
    site: SiteConfig
    discovery: DiscoveryConfig
    fetch: FetchConfig
    parse: ParseConfig
    archive: ArchiveConfig
    revisit: RevisitConfig
    source: str = DEFAULT_NAME  # which file the values came from (for messages)

    def to_json(self) -> str:
        """The effective settings as JSON (stored with each run, so a run says how it was made)."""
        data = asdict(self)
        data.pop("source")
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


# --- value checkers -------------------------------------------------------------------------------
# Each takes the raw TOML value and returns the typed value, or raises _Bad(description of what is
# expected); the caller turns that into a ConfigError naming file and key.


class _Bad(Exception):
    pass


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _string(nonempty: bool = True) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str) or (nonempty and not v.strip()):
            raise _Bad("a non-empty string" if nonempty else "a string")
        return v

    return check


def _integer(minimum: int | None = None) -> Callable[[Any], int]:
    def check(v: Any) -> int:
        if not _is_int(v) or (minimum is not None and v < minimum):
            raise _Bad("an integer" + (f" >= {minimum}" if minimum is not None else ""))
        return v

    return check


def _number(minimum: float = 0.0, strict: bool = False) -> Callable[[Any], float]:
    def check(v: Any) -> float:
        if not _is_num(v) or (v <= minimum if strict else v < minimum):
            raise _Bad(f"a number {'>' if strict else '>='} {minimum:g}")
        return float(v)

    return check


def _boolean(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _Bad("true or false")
    return v


def _str_list(nonempty: bool = True, choices: tuple[str, ...] | None = None) -> Callable[[Any], tuple]:
    def check(v: Any) -> tuple[str, ...]:
        what = "a list of " + (f"values from {list(choices)}" if choices else "non-empty strings")
        if not isinstance(v, list) or (nonempty and not v):
            raise _Bad(what + (" (at least one)" if nonempty else ""))
        for item in v:
            if not isinstance(item, str) or not item.strip() or (choices and item not in choices):
                raise _Bad(what)
        return tuple(v)

    return check


def _int_list(v: Any) -> tuple[int, ...]:
    if not isinstance(v, list) or not v or not all(_is_int(i) and i >= 0 for i in v):
        raise _Bad("a non-empty list of integers >= 0")
    return tuple(v)


def _article_paths(v: Any) -> tuple[str, ...]:
    paths = _str_list()(v)
    for p in paths:
        if "{id}" not in p or not p.startswith("/"):
            raise _Bad("a list of paths starting with / and containing {id}")
    return paths


def _base_url(v: Any) -> str:
    url = _string()(v)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Bad("an http:// or https:// URL")
    return url.rstrip("/")


def _template(*placeholders: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        s = _string()(v)
        missing = [p for p in placeholders if "{" + p + "}" not in s]
        if missing or not s.startswith("/"):
            raise _Bad("a path starting with / containing " + ", ".join("{" + p + "}" for p in placeholders))
        try:
            s.format(**{p: 1 for p in placeholders})
        except (KeyError, IndexError, ValueError) as exc:
            raise _Bad(f"a path whose only placeholders are {placeholders} ({exc})") from None
        return s

    return check


def _id_range(v: Any) -> tuple[int, int]:
    if not (isinstance(v, list) and len(v) == 2 and all(_is_int(i) and i >= 0 for i in v) and v[0] <= v[1]):
        raise _Bad("[low, high] with integers 0 <= low <= high")
    return (v[0], v[1])


def _schedule(v: Any) -> tuple[tuple[int, float], ...]:
    what = "a non-empty list of [max_age_days, interval_days] pairs with ascending max_age_days and interval_days > 0"
    if not isinstance(v, list) or not v:
        raise _Bad(what)
    out: list[tuple[int, float]] = []
    for pair in v:
        if not (isinstance(pair, list) and len(pair) == 2 and _is_int(pair[0]) and _is_num(pair[1])):
            raise _Bad(what)
        if pair[0] <= 0 or pair[1] <= 0 or (out and pair[0] <= out[-1][0]):
            raise _Bad(what)
        out.append((pair[0], float(pair[1])))
    return tuple(out)


def _timezone(v: Any) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _string()(v)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Bad("an IANA time zone name such as Asia/Shanghai") from None
    return name


# section -> (dataclass, {key: checker}); the keys are exactly the dataclass fields.
_SCHEMA: dict[str, tuple[type, dict[str, Callable[[Any], Any]]]] = {
    "site": (
        SiteConfig,
        {
            "name": _string(),
            "base_url": _base_url,
            "host_aliases": _str_list(nonempty=False),
            "article_paths": _article_paths,
            "timezone": _timezone,
        },
    ),
    "discovery": (
        DiscoveryConfig,
        {
            "list_url_template": _template("category", "page"),
            "categories": _int_list,
            "api_list_template": _template("category", "page", "page_size"),
            "api_ids_template": _template("category"),
            "api_page_size": _integer(1),
            "sources": _str_list(nonempty=False, choices=("list", "api")),
            "stop_after_known": _integer(1),
            "id_range": _id_range,
            "id_gap_tolerance": _integer(0),
            "max_list_pages": _integer(1),
        },
    ),
    "fetch": (
        FetchConfig,
        {
            "user_agent": _string(),
            "delay": _number(0),
            "concurrency_per_host": _integer(1),
            "connect_timeout": _number(0, strict=True),
            "read_timeout": _number(0, strict=True),
            "max_attempts": _integer(1),
            "backoff_base": _number(0),
            "backoff_max": _number(0),
            "retry_after_max": _number(0),
            "max_body_bytes": _integer(1),
            "max_redirects": _integer(0),
            "obey_robots": _boolean,
        },
    ),
    "parse": (
        ParseConfig,
        {
            "title_selectors": _str_list(),
            "info_selectors": _str_list(nonempty=False),
            "body_selectors": _str_list(),
            "footer_selectors": _str_list(nonempty=False),
            "strip_selectors": _str_list(nonempty=False),
            "missing_patterns": _str_list(nonempty=False),
        },
    ),
    "archive": (ArchiveConfig, {"db_path": _string(), "gone_after": _integer(1)}),
    "revisit": (
        RevisitConfig,
        {
            "schedule": _schedule,
            "recently_changed_days": _number(0),
            "days_for_recently_changed": _number(0, strict=True),
            "gone_recheck_days": _number(0, strict=True),
            "budget": _integer(0),
            "fill_budget": _boolean,
            "fill_min_days": _number(0),
            "conditional": _boolean,
            "unconditional_every_days": _number(0),
        },
    ),
}


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None


def _default_text() -> str:
    return resources.files("ncgh").joinpath("default_config.toml").read_text(encoding="utf-8")


def _merge(base: dict[str, Any], override: dict[str, Any], source: str) -> dict[str, Any]:
    """Override `base` key by key; unknown sections and keys are errors, not silently ignored."""
    merged = {section: dict(values) for section, values in base.items()}
    for section, values in override.items():
        if section not in _SCHEMA:
            raise ConfigError(f"{source}: unknown section [{section}] (known: {', '.join(_SCHEMA)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: {section} must be a table ([{section}]), got {values!r}")
        known = _SCHEMA[section][1]
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{source}: unknown key {section}.{key} (known: {', '.join(known)})")
            merged.setdefault(section, {})[key] = value
    return merged


def _build(data: dict[str, Any], source: str, user_keys: set[str]) -> Config:
    """Check every key; an error blames the user's file for keys it set, the default for the rest."""
    sections: dict[str, Any] = {}
    for section, (cls, checkers) in _SCHEMA.items():
        values = data.get(section, {})
        kwargs: dict[str, Any] = {}
        for key, check in checkers.items():
            where = source if f"{section}.{key}" in user_keys else DEFAULT_NAME
            if key not in values:
                raise ConfigError(f"{where}: missing key {section}.{key}")
            raw = values[key]
            try:
                kwargs[key] = check(raw)
            except _Bad as bad:
                raise ConfigError(f"{where}: {section}.{key} must be {bad}, got {raw!r}") from None
        assert set(kwargs) == {f.name for f in fields(cls)}
        sections[section] = cls(**kwargs)
    return Config(**sections, source=source)


def _defaults() -> dict[str, Any]:
    return _merge({}, _parse_toml(_default_text(), DEFAULT_NAME), DEFAULT_NAME)


def _overridden(override: dict[str, Any], source: str) -> Config:
    merged = _merge(_defaults(), override, source)
    user_keys = {f"{s}.{k}" for s, values in override.items() if isinstance(values, dict) for k in values}
    return _build(merged, source, user_keys)


def load_config(path: str | Path | None = None) -> Config:
    """The embedded defaults, overridden key by key by the file at `path` when given.

    Raises ConfigError (never a bare KeyError or TOMLDecodeError) for anything unusable.
    """
    if path is None:
        return _build(_defaults(), DEFAULT_NAME, set())
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot be read: {exc}") from None
    return _overridden(_parse_toml(text, source), source)


def config_from_dict(data: dict[str, Any], source: str = "<dict>") -> Config:
    """Defaults overridden by a dict shaped like the TOML file (for the demo and tests)."""
    return _overridden(data, source)


def base_host(base_url: str) -> str:
    """host[:port] of a base URL, lower-cased: how hosts are compared everywhere."""
    return urlsplit(base_url).netloc.rsplit("@", 1)[-1].lower()


def to_fetch_policy(cfg: Config, base_url: str | None = None, delay: float | None = None):
    """scraper.fetch.FetchPolicy from [fetch], allowing the site's aliases and the base URL's host."""
    from scraper.fetch import FetchPolicy

    hosts = [h.lower() for h in cfg.site.host_aliases]
    host = base_host(base_url or cfg.site.base_url)
    if host not in hosts:
        hosts.append(host)
    values = asdict(cfg.fetch)
    if delay is not None:
        values["delay"] = float(delay)
    return FetchPolicy(**values, allowed_hosts=tuple(hosts))


def to_site_profile(cfg: Config):
    """scraper.parse.SiteProfile from [parse]."""
    from scraper.parse import SiteProfile

    return SiteProfile(**{f.name: tuple(getattr(cfg.parse, f.name)) for f in fields(cfg.parse)})
