"""The site profile: CSS selectors for title, header line, body and footer, compiled once per profile.

`SiteProfile` is the `[parse]` settings of config.toml (scraper.settings). Selectors of a group are tried in order and the first
that matches wins (its first match in document order); each is compiled once per profile to an XPath
by lxml.cssselect. Rules are in docs/parsing.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from scraper.settings import ParseSettings

__all__ = [
    "DEFAULT_PROFILE",
    "CompiledProfile",
    "SelectorGroup",
    "SiteProfile",
    "compile_profile",
    "select_all",
    "select_first",
]


@dataclass(frozen=True)
class SiteProfile(ParseSettings):
    """The [parse] settings (scraper.settings: their defaults and checks), selectors compiled on
    construction so that a bad one fails naming its key, not at the first page parsed."""

    def __post_init__(self) -> None:
        super().__post_init__()
        compile_profile(self)


@dataclass(frozen=True)
class SelectorGroup:
    """One profile key's selectors, in priority order: the first selector that matches wins."""

    selectors: tuple[CSSSelector, ...]


@dataclass(frozen=True)
class CompiledProfile:
    title: SelectorGroup
    info: SelectorGroup
    body: SelectorGroup
    footer: SelectorGroup
    strip: SelectorGroup


@lru_cache(maxsize=16)
def compile_profile(profile: SiteProfile) -> CompiledProfile:
    """CSS -> compiled XPath once per profile; a bad selector is an error naming its key."""

    def group(key: str) -> SelectorGroup:
        out: list[CSSSelector] = []
        for sel in getattr(profile, key):
            try:
                out.append(CSSSelector(sel, translator="html"))
            except SelectorError as exc:
                raise ValueError(f"[parse] {key}: invalid CSS selector {sel!r}: {exc}") from exc
        return SelectorGroup(tuple(out))

    return CompiledProfile(**{k: group(f"{k}_selectors") for k in ("title", "info", "body", "footer", "strip")})


def select_first(group: SelectorGroup, root: etree._Element) -> etree._Element | None:
    """The first match, in document order, of the first selector of `group` that matches."""
    for sel in group.selectors:
        found = sel(root)
        if found:
            return found[0]
    return None


def select_all(group: SelectorGroup, root: etree._Element) -> list[etree._Element]:
    """Every match of every selector of `group` (the strip selectors: all of them go)."""
    out: list[etree._Element] = []
    for sel in group.selectors:
        out.extend(sel(root))
    return out


DEFAULT_PROFILE = SiteProfile()
