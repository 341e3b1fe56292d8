"""The site profile: CSS selectors for title, header line, body and footer, compiled once per profile.

`SiteProfile` mirrors `[parse]` in config.toml. Selectors of a group are tried in order and the first
that matches wins (its first match in document order); each is compiled once per profile to an XPath
by lxml.cssselect. Rules are in docs/parsing.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

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
class SiteProfile:
    """CSS selectors (tried in order, first match wins) and texts; field names = `[parse]` keys."""

    title_selectors: tuple[str, ...] = ("h2.detail-title", "td.art-title", "h1.article-title")
    info_selectors: tuple[str, ...] = (".detail-info", "td.art-info")
    body_selectors: tuple[str, ...] = ("#zoom", ".detail-content", "td.art-body")
    footer_selectors: tuple[str, ...] = (".footer", "#footer")
    strip_selectors: tuple[str, ...] = (".detail-font", ".detail-share", ".detail-prevnext")
    missing_patterns: tuple[str, ...] = ("文章不存在", "信息不存在", "已被删除", "已删除", "内容不存在")

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"[parse] {f.name} must be a list of strings, got {value!r}")
            object.__setattr__(self, f.name, tuple(value))
        compile_profile(self)  # a bad selector fails here, naming its key, not at the first page parsed


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
