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
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ncgh.config_checks as c
from archive.vocab import ChangeKind

DEFAULT_NAME = "<embedded default config.toml>"
# Ceilings of durations in seconds ([fetch]); durations in days ([revisit]) stop at a century.
HOUR = 3600.0
DAY = 86_400.0


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class SiteConfig:
    name: str
    base_url: str
    host_aliases: tuple[str, ...]
    article_paths: tuple[str, ...]
    timezone: str


class DiscoverySource(StrEnum):
    """Where an incremental crawl looks for new articles (`[discovery] sources`); full mode always walks lists."""

    LIST = "list"  # the HTML list pages of each category
    API = "api"  # the JSON API list of each category (and, in full mode, its id list)


class NotifyMode(StrEnum):
    """How alerts are sent (`[notify] mode`)."""

    DIGEST = "digest"  # one message per destination for all of a run's changes
    EACH = "each"  # one message per change (a digest when there are more than ncgh.notify.MAX_EACH)


@dataclass(frozen=True)
class DiscoveryConfig:
    list_url_template: str
    categories: tuple[int, ...]
    api_list_template: str
    api_ids_template: str
    api_page_size: int
    sources: tuple[DiscoverySource, ...]
    stop_after_known: int
    id_range: tuple[int, int]
    id_gap_tolerance: int
    max_list_pages: int
    max_new_per_page: int


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
class NotifyConfig:
    urls: tuple[str, ...]  # Apprise URLs; none = no alerts
    kinds: tuple[ChangeKind, ...]  # the changes sent
    mode: NotifyMode
    web_url: str  # where `ncgh serve` is reached, for links in messages; "" = no links


@dataclass(frozen=True)
class Config:
    site: SiteConfig
    discovery: DiscoveryConfig
    fetch: FetchConfig
    parse: ParseConfig
    archive: ArchiveConfig
    revisit: RevisitConfig
    notify: NotifyConfig
    source: str = DEFAULT_NAME  # which file the values came from (for messages)

    def to_json(self) -> str:
        """The effective settings as JSON (stored with each run, so a run says how it was made)."""
        data = asdict(self)
        data.pop("source")
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


# section -> (dataclass, {key: checker}); the keys are exactly the dataclass fields.
_SCHEMA: dict[str, tuple[type, dict[str, Callable[[Any], Any]]]] = {
    "site": (
        SiteConfig,
        {
            "name": c.string(),
            "base_url": c.base_url,
            "host_aliases": c.str_list(nonempty=False),
            "article_paths": c.article_paths,
            "timezone": c.timezone,
        },
    ),
    "discovery": (
        DiscoveryConfig,
        {
            "list_url_template": c.template("category", "page"),
            "categories": c.int_list,
            "api_list_template": c.template("category", "page", "page_size"),
            "api_ids_template": c.template("category"),
            "api_page_size": c.integer(1, 1000),
            "sources": c.enum_list(DiscoverySource, nonempty=False),
            "stop_after_known": c.integer(1, 1_000_000),
            "id_range": c.id_range,
            "id_gap_tolerance": c.integer(0, 10_000_000),
            "max_list_pages": c.integer(1, 1_000_000),
            "max_new_per_page": c.integer(1, 1_000_000),
        },
    ),
    "fetch": (
        FetchConfig,
        {
            "user_agent": c.string(),
            "delay": c.number(0, maximum=HOUR),
            "concurrency_per_host": c.integer(1, 64),
            "connect_timeout": c.number(0, strict=True, maximum=HOUR),
            "read_timeout": c.number(0, strict=True, maximum=HOUR),
            "max_attempts": c.integer(1, 100),
            "backoff_base": c.number(0, maximum=HOUR),
            "backoff_max": c.number(0, maximum=DAY),
            "retry_after_max": c.number(0, maximum=DAY),
            "max_body_bytes": c.integer(1, 2**30),
            "max_redirects": c.integer(0, 100),
            "obey_robots": c.boolean,
        },
    ),
    "parse": (
        ParseConfig,
        {
            "title_selectors": c.str_list(),
            "info_selectors": c.str_list(nonempty=False),
            "body_selectors": c.str_list(),
            "footer_selectors": c.str_list(nonempty=False),
            "strip_selectors": c.str_list(nonempty=False),
            "missing_patterns": c.str_list(nonempty=False),
        },
    ),
    "archive": (ArchiveConfig, {"db_path": c.string(), "gone_after": c.integer(1, 1000)}),
    "revisit": (
        RevisitConfig,
        {
            "schedule": c.schedule,
            "recently_changed_days": c.number(0),
            "days_for_recently_changed": c.number(0, strict=True),
            "gone_recheck_days": c.number(0, strict=True),
            "budget": c.integer(0, 10_000_000),
            "fill_budget": c.boolean,
            "fill_min_days": c.number(0),
            "conditional": c.boolean,
            "unconditional_every_days": c.number(0),
        },
    ),
    "notify": (
        NotifyConfig,
        {
            "urls": c.apprise_urls,
            "kinds": c.enum_list(ChangeKind),
            "mode": c.enum_choice(NotifyMode),
            "web_url": c.web_url,
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
            except c.Bad as bad:
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
    """scraper.profile.SiteProfile from [parse]."""
    from scraper.profile import SiteProfile

    return SiteProfile(**{f.name: tuple(getattr(cfg.parse, f.name)) for f in fields(cfg.parse)})
