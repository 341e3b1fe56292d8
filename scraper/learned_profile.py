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


def prune(root: etree._Element, model: Boilerplate) -> None:
    """Remove the model's boilerplate from a page tree (in place), before the fallback reads it.

    An element goes when it matches a chrome selector or its whole text is a repeated block; the
    site footer stays (it repeats on every page, and its fields are read from it), and so does
    anything holding the page's varying text (the article), which no repeated block can be.
    """
    if model.is_empty():
        return
    blocks = set(model.blocks)
    doomed: list[etree._Element] = []
    for sel in model.chrome_selectors:
        doomed.extend(etree.XPath(css_to_xpath(sel))(root))
    body = root.find(".//body")
    for el in (body if body is not None else root).iter():
        if not isinstance(el.tag, str) or el.tag in ("body", "html"):
            continue
        text = el.xpath("string()")
        key = block_key(text)
        if key is not None and key in blocks:
            doomed.append(el)
    for el in doomed:
        text = el.xpath("string()")
        if any(hint in text for hint in _FOOTER_HINT):
            continue
        drop_element(el)
