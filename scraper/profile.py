"""The site profile: CSS selectors for title, header line, body and footer, compiled once per profile.

`SiteProfile` mirrors `[parse]` in config.toml. Selectors of a group are tried in order and the first
that matches wins (its first match in document order). Matching is the hot path of every parse, so
simple selectors (tag, #id, .class) are answered from one prefilter pass over the page instead of an
XPath per selector; anything else goes through lxml.cssselect. Rules are in docs/parsing.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import NamedTuple

import cssselect
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

__all__ = [
    "DEFAULT_PROFILE",
    "Candidates",
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
class _Simple:
    """A compound selector of tag, #id and .classes only: matched in Python after one XPath prefilter."""

    tag: str | None
    id: str | None
    classes: frozenset[str]

    def matches(self, cand: _Candidate) -> bool:
        return ((self.tag is None or cand.tag == self.tag) and (self.id is None or cand.id == self.id)
                and self.classes <= cand.classes)


class _Candidate(NamedTuple):
    """An element the prefilter kept, with the tag, id and class tokens it read (read once).

    A named tuple, not a frozen dataclass: several are made on every page, and a frozen dataclass
    costs a guarded setattr per field to build."""

    el: etree._Element
    tag: str
    id: str | None
    classes: frozenset[str]


def _simple(selector: str) -> _Simple | None:
    """The _Simple form of a CSS selector, or None when it needs the general (slower) XPath."""
    try:
        parsed = cssselect.parse(selector)
    except SelectorError:
        return None
    if len(parsed) != 1 or parsed[0].pseudo_element is not None:
        return None
    node = parsed[0].parsed_tree
    classes: set[str] = set()
    ident = None
    while True:
        if isinstance(node, cssselect.parser.Class):
            classes.add(node.class_name)
            node = node.selector
        elif isinstance(node, cssselect.parser.Hash) and ident is None:
            ident = node.id
            node = node.selector
        elif isinstance(node, cssselect.parser.Element) and node.namespace is None:
            tag = None if node.element in (None, "*") else node.element.lower()
            break
        else:
            return None
    if tag is None and ident is None and not classes:
        return None
    if not re.fullmatch(r"[A-Za-z0-9_-]+", tag or "x"):
        return None
    return _Simple(tag, ident, frozenset(classes))


@dataclass
class Candidates:
    """Elements simple selectors could match, by how they were found (each list in document order)."""

    by_class: list[_Candidate]
    by_id: list[_Candidate]
    by_tag: list[_Candidate]

    def for_selector(self, sel: _Simple) -> list[_Candidate]:
        return self.by_id if sel.id is not None else self.by_class if sel.classes else self.by_tag


_CLASS_VALUES = etree.XPath("descendant-or-self::*/@class")
_UNSEEN = object()
_TOKEN_CACHE_SIZE = 4096  # distinct class attribute values remembered per prefilter
_CLASS_VALUES_BELOW = etree.XPath("descendant::*/@class")


@dataclass(frozen=True)
class _Prefilter:
    """Finds the elements a set of simple selectors could match, without testing every element.

    libxml2 evaluates XPath predicates slowly (`//*[contains(@class,'a') or ...]` with ten terms costs
    ~0.5 ms on a 10 KB page) and reading class and id of every element from Python ~50 us; fetching
    only the class attribute values (`//@class`) is ~3x cheaper, ids come from `id()` lookups.
    """

    classes: frozenset[str]
    ids: tuple[str, ...]
    tags: tuple[str, ...]
    _tokens: dict[str, frozenset[str] | None] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def _class_candidates(self, nodes: list) -> tuple[list[_Candidate], list[etree._Element]]:
        """The candidates among class attribute values of an XPath result, and the elements in it
        (the `id()` hits, when the XPath also asked for them) apart."""
        by_class: list[_Candidate] = []
        elements: list[etree._Element] = []
        known = self._tokens  # the site's few class values repeat on every page: split each once
        for node in nodes:
            if not isinstance(node, str):
                elements.append(node)
                continue
            tokens = known.get(node, _UNSEEN)
            if tokens is _UNSEEN:
                tokens = self._interesting(str(node))  # a plain str key: a smart string holds its tree
            if tokens is not None:
                el = node.getparent()
                by_class.append(_Candidate(el, el.tag, None, tokens))
        return by_class, elements

    def _interesting(self, value: str) -> frozenset[str] | None:
        """The class tokens of `value` if one is a class this prefilter looks for, else None; remembered."""
        tokens = value.split()
        found = None if self.classes.isdisjoint(tokens) else frozenset(tokens)
        if len(self._tokens) >= _TOKEN_CACHE_SIZE:
            self._tokens.clear()
        self._tokens[value] = found
        return found

    def __call__(self, root: etree._Element, include_root: bool = True, page: Candidates | None = None) -> Candidates:
        """Candidates at or below `root`; `page`: the page-wide candidates, when they were found with
        this prefilter's classes included (`CompiledProfile.prefilter`), spares a second class scan."""
        if not self.classes:
            by_class: list[_Candidate] = []
        elif page is not None:
            isdisjoint = self.classes.isdisjoint
            # iterancestors(tag) filters in C: only ancestors that could be `root` become Python objects.
            by_class = [
                c for c in page.by_class
                if not isdisjoint(c.classes) and ((include_root and c.el is root) or root in c.el.iterancestors(root.tag))
            ]
        else:
            by_class = self._class_candidates((_CLASS_VALUES if include_root else _CLASS_VALUES_BELOW)(root))[0]
        by_id: list[_Candidate] = []
        for ident in self.ids:
            for el in root.iter():  # only when a profile uses an id selector below the body (rare)
                if el.get("id") == ident and (include_root or el is not root):
                    by_id.append(_Candidate(el, el.tag, ident, frozenset((el.get("class") or "").split())))
                    break
        by_tag = [
            _Candidate(el, el.tag, None, frozenset())
            for el in (root.iter(*self.tags) if self.tags else ())
            if include_root or el is not root
        ]
        return Candidates(by_class, by_id, by_tag)


class _PagePrefilter(_Prefilter):
    """The page-wide prefilter: ids through libxml2's id index (the HTML parser registers `id`s)."""

    def __call__(self, root: etree._Element, include_root: bool = True, page: Candidates | None = None) -> Candidates:
        by_tag = [_Candidate(el, el.tag, None, frozenset()) for el in root.iter(*self.tags)] if self.tags else []
        both = _classes_and_ids_lookup(self.ids) if self.classes else None
        if both is not None:
            # One XPath for class values and id hits: each libxml2 XPath call costs a few us of setup.
            by_class, elements = self._class_candidates(both(root))
            hits = _checked_id_hits(elements, self.ids)
        else:
            by_class = self._class_candidates(_CLASS_VALUES(root))[0] if self.classes else []
            hits = _id_hits(root, self.ids) if self.ids else None
        found = Candidates(by_class, [], by_tag)
        if not self.ids:
            return found
        for ident in self.ids:
            el = hits.get(ident) if hits is not None else next(iter(_ID_LOOKUP(root, ident=ident)), None)
            if el is not None:
                found.by_id.append(_Candidate(el, el.tag, ident, frozenset((el.get("class") or "").split())))
        return found


def _id_hits(root: etree._Element, ids: tuple[str, ...]) -> dict[str, etree._Element] | None:
    """{id: element} from one lookup of all ids, or None when that could differ from one lookup per
    id: libxml2 also indexes `<a name=...>` in HTML, so an element found for one id may hold another."""
    lookup = _ids_lookup(ids)
    if lookup is None:
        return None
    return _checked_id_hits(lookup(root), ids)


def _checked_id_hits(found: list[etree._Element], ids: tuple[str, ...]) -> dict[str, etree._Element] | None:
    hits: dict[str, etree._Element] = {}
    for el in found:
        ident = el.get("id")
        if ident not in ids or (el.tag == "a" and el.get("name") is not None):
            return None
        hits[ident] = el
    return hits


@lru_cache(maxsize=16)
def _ids_lookup(ids: tuple[str, ...]) -> etree.XPath | None:
    """One `id('a b')` XPath for all ids (a literal argument: passing an XPath variable costs 3 us a
    call); None when an id cannot be written as an XPath literal token."""
    if any("'" in i or not i or any(c.isspace() for c in i) for i in ids):
        return None
    return etree.XPath("id('" + " ".join(ids) + "')")


@lru_cache(maxsize=16)
def _classes_and_ids_lookup(ids: tuple[str, ...]) -> etree.XPath | None:
    """Every class value on the page and the `id('a b')` hits in one XPath (None: see _ids_lookup)."""
    if not ids:
        return _CLASS_VALUES
    lookup = _ids_lookup(ids)
    if lookup is None:
        return None
    return etree.XPath("descendant-or-self::*/@class | " + lookup.path)


_ID_LOOKUP = etree.XPath("id($ident)")


def _prefilter(selectors, page: bool) -> _Prefilter:
    classes: set[str] = set()
    ids: list[str] = []
    tags: list[str] = []
    for sel in selectors:
        if not isinstance(sel, _Simple):
            continue
        if sel.id is not None:
            if sel.id not in ids:
                ids.append(sel.id)
        elif sel.classes:
            classes.update(sel.classes)
        elif sel.tag not in tags:
            tags.append(sel.tag)
    return (_PagePrefilter if page else _Prefilter)(frozenset(classes), tuple(ids), tuple(tags))


@dataclass(frozen=True)
class SelectorGroup:
    """One profile key's selectors, in priority order: the first selector that matches wins."""

    selectors: tuple[_Simple | CSSSelector, ...]


@dataclass(frozen=True)
class CompiledProfile:
    title: SelectorGroup
    info: SelectorGroup
    body: SelectorGroup
    footer: SelectorGroup
    strip: SelectorGroup
    # Elements any simple title/info/body/footer selector could match; its class scan also keeps the
    # elements a strip selector's classes could match, so stripping the body needs no second scan.
    prefilter: _Prefilter
    strip_prefilter: _Prefilter  # the same for strip selectors (used below the body element)


@lru_cache(maxsize=16)
def compile_profile(profile: SiteProfile) -> CompiledProfile:
    """CSS -> matchers once per profile; a bad selector is an error naming its key.

    Speed: an XPath per selector walks the whole page each time (~40 us each on a 10 KB page). Simple
    selectors (tag, #id, .class) are instead found by one prefilter pass whose few results are
    checked in Python; anything else goes through lxml.cssselect.
    """

    def group(key: str) -> SelectorGroup:
        out: list[_Simple | CSSSelector] = []
        for sel in getattr(profile, key):
            try:
                css = CSSSelector(sel, translator="html")
            except SelectorError as exc:
                raise ValueError(f"[parse] {key}: invalid CSS selector {sel!r}: {exc}") from exc
            out.append(_simple(sel) or css)
        return SelectorGroup(tuple(out))

    groups = {k: group(f"{k}_selectors") for k in ("title", "info", "body", "footer", "strip")}
    page = _prefilter((s for k in ("title", "info", "body", "footer") for s in groups[k].selectors), True)
    strip = _prefilter(groups["strip"].selectors, False)
    return CompiledProfile(
        **groups,
        prefilter=_PagePrefilter(page.classes | strip.classes, page.ids, page.tags),
        strip_prefilter=strip,
    )


def select_first(group: SelectorGroup, root: etree._Element, candidates: Candidates) -> etree._Element | None:
    """The first match, in document order, of the first selector of `group` that matches."""
    for sel in group.selectors:
        if isinstance(sel, _Simple):
            for cand in candidates.for_selector(sel):
                if sel.matches(cand):
                    return cand.el
        else:
            found = sel(root)
            if found:
                return found[0]
    return None


def select_all(group: SelectorGroup, root: etree._Element, candidates: Candidates) -> list[etree._Element]:
    """Every match of every selector of `group` (the strip selectors: all of them go)."""
    out: list[etree._Element] = []
    for sel in group.selectors:
        if isinstance(sel, _Simple):
            out.extend(cand.el for cand in candidates.for_selector(sel) if sel.matches(cand))
        else:
            out.extend(sel(root))
    return out


DEFAULT_PROFILE = SiteProfile()
