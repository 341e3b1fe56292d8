"""The site profile: CSS selectors for title, header line, body and footer, compiled once per profile.

`SiteProfile` is the `[parse]` settings of config.toml (scraper.settings). Selectors of a group are tried in order and the first
that matches wins (its first match in document order); each is compiled once per profile to an XPath
by lxml.cssselect's HTML translator, with one change of route that keeps the matches (`_Translator`).
Rules are in docs/parsing.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cssselect import SelectorError
from cssselect.parser import Class, CombinedSelector, Element, Hash, Selector, Tree
from lxml import etree
from lxml.cssselect import LxmlHTMLTranslator

from scraper.settings import ParseSettings

__all__ = [
    "DEFAULT_PROFILE",
    "BadSelector",
    "CompiledProfile",
    "SelectorGroup",
    "SiteProfile",
    "compile_profile",
    "css_to_xpath",
    "select_all",
    "select_first",
]


class BadSelector(ValueError):
    """A [parse] selector that does not compile; `key` names its setting (`title_selectors` ...)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class SiteProfile(ParseSettings):
    """The [parse] settings (scraper.settings: their defaults and checks), selectors compiled on
    construction so that a bad one fails naming its key, not at the first page parsed."""

    def __post_init__(self) -> None:
        super().__post_init__()
        compile_profile(self)


class _Translator(LxmlHTMLTranslator):
    """lxml.cssselect's HTML translator, except that a selector with no element type but a class or
    an id (`.footer`, `#zoom`) reaches its elements through that attribute:

        descendant-or-self::*/@class[contains(., 'footer')]/parent::*[<the translator's own test>]

    The translator's own test still decides, and it requires that attribute, so the matches are the
    same, in the same (document) order: tests/scraper/test_parse_profile.py compares both translations on random
    markup. Only the route changes: libxml2 evaluates a predicate on every element of the page for
    `descendant-or-self::*[...]`, and only on the elements holding the attribute this way, which
    makes such a selector about 40% cheaper (docs/parsing.md, "Where the time goes"). A selector with
    an element type (`td.art-body`) is cheaper as it is: libxml2 tests the name before any predicate.
    """

    def selector_to_xpath(
        self, selector: Selector, prefix: str = "descendant-or-self::", translate_pseudo_elements: bool = False
    ) -> str:
        path = super().selector_to_xpath(selector, prefix, translate_pseudo_elements)
        step = self._attribute_step(selector.parsed_tree)
        if step is None or prefix != "descendant-or-self::" or not path.startswith(prefix + "*["):
            return path
        return f"{prefix}*/{step}/parent::{path[len(prefix):]}"

    def _attribute_step(self, tree: Tree) -> str | None:
        """`@class[...]` or `@id[...]` for a class or id the selector requires, None for a selector
        with a combinator (its subject is not the whole chain) or with neither."""
        node = tree
        while not isinstance(node, Element):
            if isinstance(node, CombinedSelector):
                return None
            if isinstance(node, Class):
                return f"@class[contains(., {self.xpath_literal(node.class_name)})]"
            if isinstance(node, Hash):
                return f"@id[. = {self.xpath_literal(node.id)}]"
            node = node.selector
        return None


_TRANSLATOR = _Translator()


@dataclass(frozen=True)
class SelectorGroup:
    """One profile key's selectors, in priority order: the first selector that matches wins."""

    selectors: tuple[etree.XPath, ...]


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
        out: list[etree.XPath] = []
        for sel in getattr(profile, key):
            try:
                out.append(etree.XPath(css_to_xpath(sel)))
            except SelectorError as exc:
                raise BadSelector(key, f"[parse] {key}: invalid CSS selector {sel!r}: {exc}") from exc
        return SelectorGroup(tuple(out))

    return CompiledProfile(**{k: group(f"{k}_selectors") for k in ("title", "info", "body", "footer", "strip")})


def css_to_xpath(css: str) -> str:
    """The XPath `compile_profile` evaluates for the CSS selector `css` (relative to the node it is
    evaluated on, as lxml's CSSSelector)."""
    return _TRANSLATOR.css_to_xpath(css)


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
