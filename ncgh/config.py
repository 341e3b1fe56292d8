"""config.toml -> typed, frozen dataclasses, with errors that name the file and the key.

Every key has one default and one check, beside its dataclass field: the [fetch] and [parse] keys'
are scraper.settings' (the scraper's own FetchPolicy and SiteProfile are built on them), the other
sections' defaults are the embedded config (`ncgh/default_config.toml`, the project's config.toml,
which shows the [fetch] and [parse] defaults as comments). A user file overrides the defaults key by
key, so it may hold only the keys it changes. Anything the crawl cannot act on sensibly (an unknown
key, a wrong type, a negative delay) is refused up front: a cron job that silently ignores a typo
would run for years with the wrong settings.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import ncgh.config_checks as c
from archive.vocab import ChangeKind, DiscoverySource
from scraper.checks import FieldError, boolean, check_fields, checked, integer, number, str_list, string
from scraper.ids import DEFAULT_ARTICLE_PATHS
from scraper.settings import BlockSettings, FetchSettings, ParseSettings

if TYPE_CHECKING:
    from scraper.blocks import BlockRules
    from scraper.fetch import FetchPolicy
    from scraper.profile import SiteProfile

DEFAULT_NAME = "<embedded default config.toml>"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""


def _key(check: Callable[[Any], Any]) -> Any:
    """A config key without a code default (config.toml holds it), checked by `check`."""
    return field(metadata=checked(check))


class _Section:
    """A config section of ncgh's own: its fields' checks run on construction (scraper.checks)."""

    def __post_init__(self) -> None:
        check_fields(self)


@dataclass(frozen=True, kw_only=True)
class SiteConfig(_Section):
    name: str = _key(string())
    base_url: str = _key(c.base_url)
    host_aliases: tuple[str, ...] = _key(str_list(nonempty=False))
    # the URL rule's own default (scraper.ids), shown in config.toml as a comment
    article_paths: tuple[str, ...] = field(default=DEFAULT_ARTICLE_PATHS, metadata=checked(c.article_paths))
    timezone: str = _key(c.timezone)


class NotifyMode(StrEnum):
    """How alerts are sent (`[notify] mode`)."""

    DIGEST = "digest"  # one message per destination for all of a run's changes
    EACH = "each"  # one message per change (a digest when there are more than ncgh.notify.MAX_EACH)


class RevisitPolicy(StrEnum):
    """How known articles are chosen for revisits (`[revisit] policy`)."""

    RATES = "rates"  # by expected unarchived changes, rates estimated from observations (ncgh.revisit_rates)
    SCHEDULE = "schedule"  # fixed intervals by age plus budget fill (ncgh.schedule)


class IdsAnswer(StrEnum):
    """What the API's getIdsList answers (`[discovery] api_ids_answer`)."""

    CATEGORIES = "categories"  # child categories of the category asked about: each is listed in turn
    ARTICLES = "articles"  # article ids of the category


# The sources a user chooses in `[discovery] sources`; the id walk is a full crawl's own.
CHOSEN_SOURCES = (
    DiscoverySource.HUBS, DiscoverySource.SITEMAP, DiscoverySource.LIST, DiscoverySource.API, DiscoverySource.FRONTIER,
)


@dataclass(frozen=True)
class DiscoveryConfig(_Section):
    roots: tuple[str, ...] = _key(c.site_paths)
    hub_depth: int = _key(integer(0, 100))
    hub_pages: int = _key(integer(0, 1_000_000))
    list_url_template: str = _key(c.optional_template("category", "page"))
    categories: tuple[int, ...] = _key(c.int_list)
    api_all_template: str = _key(c.optional_template("page", "page_size"))
    api_list_template: str = _key(c.template("category", "page", "page_size"))
    api_ids_template: str = _key(c.template("category"))
    api_ids_answer: IdsAnswer = _key(c.enum_choice(IdsAnswer))
    api_page_size: int = _key(integer(1, 1000))
    sources: tuple[DiscoverySource, ...] = _key(c.members(DiscoverySource, CHOSEN_SOURCES, nonempty=False))
    stop_after_known: int = _key(integer(1, 1_000_000))
    id_range: tuple[int, int] = _key(c.id_range)
    id_gap_tolerance: int = _key(integer(0, 10_000_000))
    frontier_window: int = _key(integer(0, 10_000_000))
    max_list_pages: int = _key(integer(1, 1_000_000))
    max_new_per_page: int = _key(integer(1, 1_000_000))
    source_warn_after: int = _key(integer(1, 1000))

    def __post_init__(self) -> None:
        super().__post_init__()
        if DiscoverySource.LIST in self.sources and not self.list_url_template:
            raise FieldError(
                "DiscoveryConfig", "sources", 'a list without "list" while list_url_template is "" (none)',
                [s.value for s in self.sources],
            )


@dataclass(frozen=True)
class ArchiveConfig(_Section):
    db_path: str = _key(string())
    gone_after: int = _key(integer(1, 1000))
    hold_missing_after: int = _key(integer(0, 1_000_000))  # live articles missing in a row: held (0: never)
    commit_captures: int = _key(integer(1, 100_000))  # captures per group transaction at most
    commit_seconds: float = _key(number(0, maximum=3600))  # age of a group transaction at most


@dataclass(frozen=True)
class RevisitConfig(_Section):
    policy: RevisitPolicy = _key(c.enum_choice(RevisitPolicy))
    schedule: tuple[tuple[int, float], ...] = _key(c.schedule)  # (max_age_days, interval_days), ascending
    recently_changed_days: float = _key(number(0))
    days_for_recently_changed: float = _key(number(0, strict=True))
    gone_recheck_days: float = _key(number(0, strict=True))
    budget: int = _key(integer(0, 10_000_000))
    fill_budget: bool = _key(boolean)
    fill_min_days: float = _key(number(0))
    conditional: bool = _key(boolean)
    unconditional_every_days: float = _key(number(0))
    rate_prior_days: float = _key(number(0))


@dataclass(frozen=True)
class NotifyConfig(_Section):
    urls: tuple[str, ...] = _key(c.apprise_urls)  # Apprise URLs; none = no alerts
    kinds: tuple[ChangeKind, ...] = _key(c.enum_list(ChangeKind))  # the changes sent
    mode: NotifyMode = _key(c.enum_choice(NotifyMode))
    web_url: str = _key(c.web_url)  # where `ncgh serve` is reached, for links in messages; "" = no links


@dataclass(frozen=True, kw_only=True)
class BlocksConfig(BlockSettings):
    """[blocks]: what a WAF's block page looks like (scraper.settings.BlockSettings, whose defaults are
    shown in config.toml as comments) and when a crawl stops for the run because of them."""

    stop_after: int = _key(integer(1, 1_000_000))  # block pages in a row that stop the run (exit 69)


@dataclass(frozen=True)
class CalibrateConfig(_Section):
    sample: int = _key(integer(3, 100_000))  # article pages `ncgh calibrate` learns from
    auto_after: int = _key(integer(0, 100_000))  # a crawl calibrates after this many article pages; 0 = never
    drift_drop: float = _key(number(0, maximum=1))  # profile share this far below the previous runs' warns


@dataclass(frozen=True)
class AssetsConfig(_Section):
    enabled: bool = _key(boolean)  # fetch what new versions reference (ncgh/assets.py)
    max_bytes: int = _key(integer(1, 2**31))  # an asset larger than this is not kept (fetch_error too_large)
    recheck_days: float = _key(number(0, strict=True))  # held assets are asked again (conditionally) this often
    download_videos: bool = _key(boolean)  # videos are recorded always, fetched only when true
    video_max_bytes: int = _key(integer(1, 2**40))  # the cap for a video (its own: videos are large)


@dataclass(frozen=True)
class CrawlConfig(_Section):
    parser_processes: int = _key(integer(0, 64))  # article pages interpreted in child processes; 0 = in the threads


@dataclass(frozen=True)
class Config:
    site: SiteConfig
    discovery: DiscoveryConfig
    fetch: FetchSettings  # [fetch]: scraper.settings holds its defaults and checks
    parse: ParseSettings  # [parse]: likewise
    archive: ArchiveConfig
    revisit: RevisitConfig
    notify: NotifyConfig
    assets: AssetsConfig
    blocks: BlocksConfig
    calibrate: CalibrateConfig
    crawl: CrawlConfig
    source: str = DEFAULT_NAME  # which file the values came from (for messages)

    def to_json(self) -> str:
        """The effective settings as JSON (stored with each run, so a run says how it was made)."""
        data = asdict(self)
        data.pop("source")
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


# section -> its dataclass; a section's keys are exactly its fields.
_SECTIONS: dict[str, type] = {
    "site": SiteConfig,
    "discovery": DiscoveryConfig,
    "fetch": FetchSettings,
    "parse": ParseSettings,
    "archive": ArchiveConfig,
    "revisit": RevisitConfig,
    "notify": NotifyConfig,
    "assets": AssetsConfig,
    "blocks": BlocksConfig,
    "calibrate": CalibrateConfig,
    "crawl": CrawlConfig,
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
        if section not in _SECTIONS:
            raise ConfigError(f"{source}: unknown section [{section}] (known: {', '.join(_SECTIONS)})")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: {section} must be a table ([{section}]), got {values!r}")
        known = [f.name for f in fields(_SECTIONS[section])]
        for key, value in values.items():
            if key not in known:
                raise ConfigError(f"{source}: unknown key {section}.{key} (known: {', '.join(known)})")
            merged.setdefault(section, {})[key] = value
    return merged


def _build(data: dict[str, Any], source: str, user_keys: set[str]) -> Config:
    """Check every key; an error blames the user's file for keys it set, the default for the rest."""
    sections: dict[str, Any] = {}
    for section, cls in _SECTIONS.items():
        values = data.get(section, {})
        for f in fields(cls):
            if f.name not in values and f.default is MISSING:
                where = source if f"{section}.{f.name}" in user_keys else DEFAULT_NAME
                raise ConfigError(f"{where}: missing key {section}.{f.name}")
        try:
            sections[section] = cls(**values)
        except FieldError as bad:
            where = source if f"{section}.{bad.key}" in user_keys else DEFAULT_NAME
            raise ConfigError(f"{where}: {section}.{bad.key} must be {bad.expected}, got {values[bad.key]!r}") from None
    return Config(**sections, source=source)


def _defaults() -> dict[str, Any]:
    return _merge({}, _parse_toml(_default_text(), DEFAULT_NAME), DEFAULT_NAME)


def _overridden(override: dict[str, Any], source: str) -> Config:
    merged = _merge(_defaults(), override, source)
    user_keys = {f"{s}.{k}" for s, values in override.items() if isinstance(values, dict) for k in values}
    cfg = _build(merged, source, user_keys)
    _check_selectors(cfg, source, user_keys)
    return cfg


def _check_selectors(cfg: Config, source: str, user_keys: set[str]) -> None:
    """Compile [parse]'s selectors now (a SiteProfile compiles them as it is made): a typo must fail
    the config check (exit 2) naming the file, not every crawl later with a traceback."""
    from scraper.profile import BadSelector

    try:
        to_site_profile(cfg)
    except BadSelector as exc:
        where = source if f"parse.{exc.key}" in user_keys else DEFAULT_NAME
        raise ConfigError(f"{where}: {exc}") from None


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


def to_fetch_policy(cfg: Config, base_url: str | None = None, delay: float | None = None) -> FetchPolicy:
    """scraper.fetch.FetchPolicy from [fetch], allowing the site's aliases and the base URL's host."""
    from scraper.fetch import FetchPolicy

    hosts = [h.lower() for h in cfg.site.host_aliases]
    host = base_host(base_url or cfg.site.base_url)
    if host not in hosts:
        hosts.append(host)
    settings = cfg.fetch if delay is None else replace(cfg.fetch, delay=delay)
    return FetchPolicy(**asdict(settings), allowed_hosts=tuple(hosts))


def to_site_profile(cfg: Config) -> SiteProfile:
    """scraper.profile.SiteProfile (the [parse] settings with their selectors compiled) from [parse]."""
    from scraper.profile import SiteProfile

    return SiteProfile(**asdict(cfg.parse))


def to_block_rules(cfg: Config) -> BlockRules:
    """scraper.blocks.BlockRules (the [blocks] patterns compiled) from [blocks]."""
    from scraper.blocks import BlockRules

    return BlockRules(cfg.blocks)
