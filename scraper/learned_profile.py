"""A site profile learned from the site's own pages, and the cross-page boilerplate model it carries.

`LearnedProfile` is a `SiteProfile` (its selectors are tried like any configured ones) plus a
`Boilerplate`: what repeats across the site's article pages (navigation, sidebars, logo, picture-news
teasers). The generic fallback, when it has to run on a page the selectors do not fit, first prunes
that boilerplate from its tree, so a repeated block is never the body, never the body's images and
never the title (`prune`). Both are frozen and hashable, and their repr is deterministic, so the
parser version (a hash of the profile's repr) changes exactly when what was learned changes.
How they are learned: scraper.template_learn.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from scraper.htmltree import drop_element
from scraper.profile import SiteProfile, css_to_xpath

__all__ = ["Boilerplate", "LearnedProfile", "block_key", "prune"]

MIN_BLOCK_CHARS = 4  # shorter texts ("首页", "更多") say nothing about where the article is
MAX_BLOCK_CHARS = 4000


def block_key(text: str) -> str | None:
    """The key of an element's text in the model: a short hash of its whitespace-free text; None
    for a text too short or too long to be a repeated block."""
    squashed = "".join(text.split())
    if not MIN_BLOCK_CHARS <= len(squashed) <= MAX_BLOCK_CHARS:
        return None
    return hashlib.sha1(squashed.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Boilerplate:
    """Text blocks (by `block_key`) and template containers (CSS selectors) that repeat across most
    of the site's article pages; sorted tuples, so equal models have equal reprs."""

    blocks: tuple[str, ...] = ()
    chrome_selectors: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", tuple(sorted(set(self.blocks))))
        object.__setattr__(self, "chrome_selectors", tuple(sorted(set(self.chrome_selectors))))

    def is_empty(self) -> bool:
        return not self.blocks and not self.chrome_selectors


@dataclass(frozen=True)
class LearnedProfile(SiteProfile):
    """A SiteProfile found by `ncgh calibrate` (or the crawl's automatic calibration); the selectors
    are the learned ones first, then the configured ones."""

    boilerplate: Boilerplate = field(default_factory=Boilerplate)


_FOOTER_HINT = ("ICP", "备案", "版权", "Copyright", "CopyRight", "电话", "邮编", "地址")


@lru_cache(maxsize=256)
def _xpath(selector: str) -> etree.XPath:
    return etree.XPath(css_to_xpath(selector))


def _spared(text: str) -> bool:
    """The site footer: it repeats on every page, and its fields are read from it."""
    return any(hint in text for hint in _FOOTER_HINT)


def prune(root: etree._Element, model: Boilerplate) -> None:
    """Remove the model's boilerplate from a page tree (in place), before the fallback reads it.

    The chrome containers go first (one XPath each), then every remaining element whose whole text
    is a repeated block; the footer stays (`_spared`). The article's own text varies from page to
    page, so no repeated block is it, and the chrome containers were beside the article on every
    sample page.
    """
    if model.is_empty():
        return
    body = root.find(".//body")
    top = body if body is not None else root
    for sel in model.chrome_selectors:
        for el in _xpath(sel)(root):
            if el.getparent() is not None and not _spared(el.xpath("string()")):
                drop_element(el)
    if not model.blocks:
        return
    blocks = set(model.blocks)
    doomed = []
    for el in top.iter():
        if not isinstance(el.tag, str) or el is top:
            continue
        text = el.xpath("string()")
        key = block_key(text)
        if key is not None and key in blocks and not _spared(text):
            doomed.append(el)
    for el in doomed:
        drop_element(el)
