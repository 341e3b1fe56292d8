"""Is this page too pathological to build a tree of? Checked on the decoded text, before libxml2 sees it.

libxml2 is fast on real pages but not on every page a server can send: one element with 80,000
attributes costs it half a minute or more (building them into the tree grows faster than n²), 2.45 million
`<br>` in a 9.8 MB page cost 3 s and 330 MB of tree (and the crawl half a gigabyte), and past 2,048
levels of nesting it stops parsing without an error anyone sees, so the rest of the page (the
article's body) silently disappears. An archive must give the same answer every time it parses the
same bytes, on an idle machine or a loaded one, so these are deterministic limits on what the page
holds, never a wall-clock deadline: a page over one raises `PageTooComplex` (a `ParseError`), which
the crawl records as a parse error with the reason, the bytes kept, so a later parser can retry.

Every limit is far above what real article pages need (docs/parsing.md, "Pathological pages", has
the numbers measured on the simulator's pages and on 115 real Chinese pages), and a page of the site
costs two counts and two regex searches over its text: the exact measurements run only when a cheap
bound says a limit could be reached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from scraper.records import ParseError

__all__ = [
    "DEFAULT_LIMITS", "LIBXML2_MAX_DEPTH", "Limit", "PageLimits", "PageShape", "PageTooComplex", "check_page",
    "count_start_tags", "page_shape",
]

# libxml2's tree builder nests at most this deep with XML_PARSE_HUGE (lxml's huge_tree; 256 without
# it), counting <html> as 1, and halts the parse at the next level, dropping everything after: the
# depth limit may not be above it (tests/scraper/test_parse_limits.py checks both sides of the line).
LIBXML2_MAX_DEPTH = 2048
# Elements libxml2 may add to a page's own start tags (html, head, body, an implied p) and so to its depth.
_IMPLIED = 8


class Limit(StrEnum):
    """Which limit a page broke; the names are the `PageLimits` fields."""

    CHARACTERS = "max_characters"
    ELEMENTS = "max_elements"
    ATTRIBUTES = "max_attributes"
    DEPTH = "max_depth"


@dataclass(frozen=True)
class PageLimits:
    """What one page may hold before its tree is built. Defaults are 13x to 58x the largest real page."""

    max_characters: int = 12_000_000  # above the fetcher's 10 MB body cap even for ASCII text
    max_elements: int = 100_000  # start tags; a tree costs libxml2 about 130 bytes an element
    max_attributes: int = 256  # on one element
    max_depth: int = LIBXML2_MAX_DEPTH  # nesting, measured as libxml2 nests; deeper, its tree is cut

    def __post_init__(self) -> None:
        for name in ("max_characters", "max_elements", "max_attributes", "max_depth"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, not {value!r}")
        if self.max_depth > LIBXML2_MAX_DEPTH:
            raise ValueError(
                f"max_depth must be at most {LIBXML2_MAX_DEPTH}: libxml2 silently cuts a tree deeper than that"
            )


DEFAULT_LIMITS = PageLimits()


class PageTooComplex(ParseError):
    """A page over one of the `PageLimits`: no tree is built of it. `reason` names the limit and the value."""

    def __init__(self, limit: Limit, measured: int, allowed: int, what: str):
        super().__init__(f"page too complex to parse: {what} {measured:,} > {limit.value} {allowed:,}")
        self.limit = limit
        self.measured = measured
        self.allowed = allowed


def check_page(text: str, limits: PageLimits = DEFAULT_LIMITS) -> None:
    """Raise `PageTooComplex` when the decoded page `text` is over a limit; return None when it is not.

    Checked in order of cost: size, elements, attributes on one element, depth.
    """
    if len(text) > limits.max_characters:
        raise PageTooComplex(Limit.CHARACTERS, len(text), limits.max_characters, "characters")
    # Every start tag is a "<" not followed by "/": this bound costs two counts (the second only when
    # the count of "<" alone does not clear both limits below), and the exact count runs only for the
    # rare page the bound does not clear.
    bound = text.count("<")
    if bound > limits.max_elements or bound + _IMPLIED > limits.max_depth:
        bound -= text.count("</")
    if bound > limits.max_elements:
        elements = count_start_tags(text)
        if elements > limits.max_elements:
            raise PageTooComplex(Limit.ELEMENTS, elements, limits.max_elements, "elements")
    # libxml2's own measure of attributes and depth costs about as much as building the tree, so it
    # runs only when a cheap test cannot rule a limit out: depth by the same count of start tags,
    # attributes by two regex searches (`_tags_fit`).
    if bound + _IMPLIED > limits.max_depth or not _tags_fit(text, limits.max_attributes):
        shape = page_shape(text)
        if shape.attributes > limits.max_attributes:
            raise PageTooComplex(Limit.ATTRIBUTES, shape.attributes, limits.max_attributes, "attributes on one element")
        if shape.depth > limits.max_depth:
            raise PageTooComplex(Limit.DEPTH, shape.depth, limits.max_depth, "nesting depth")


# ---- elements ----------------------------------------------------------------------------------

_START_TAG = re.compile(r"<[A-Za-z]")  # what libxml2's tokenizer takes for a start tag


def count_start_tags(text: str) -> int:
    """Start tags in `text` as HTML tokenizes them ("<" and an ASCII letter), script text included.

    One regex pass that keeps no match: memory stays flat on a page of millions of tags.
    """
    return sum(1 for _ in _START_TAG.finditer(text))


# ---- attributes and depth ----------------------------------------------------------------------

# An element with more than N attributes spans at least 2N characters of its start tag (each
# attribute is a name character and a separator at least). So when every "<" and letter is
# followed by a ">" within 2N characters, and no quoted attribute value holds a ">" (the one place
# a ">" may sit inside a start tag), no element can have N attributes. Two searches that keep no
# match decide that for almost every page; libxml2 counts the rest.
_WS = "\t\n\f\r "
_QUOTED_GT = re.compile(rf"=[{_WS}]*+(?:\"[^\">]*+>|'[^'>]*+>)")
_LONG_TAGS: dict[int, re.Pattern[str]] = {}


def _tags_fit(text: str, allowed: int) -> bool:
    """True when no element of `text` can have more than `allowed` attributes (see above)."""
    long_tag = _LONG_TAGS.get(allowed)
    if long_tag is None:
        long_tag = _LONG_TAGS.setdefault(allowed, re.compile(rf"<[A-Za-z][^>]{{{2 * allowed}}}"))
    return long_tag.search(text) is None and _QUOTED_GT.search(text) is None


class _ShapeTarget:
    """A parser target that keeps only the page's shape: most attributes on one element, deepest nesting.

    libxml2's tokenizer is linear in the attributes of a tag (80,000 take it 0.09 s); the quadratic
    cost is in building them into a tree, and a target parser builds none. So the page is measured
    by libxml2's own rules (tags left open, attributes tokenised as HTML does, script text not
    tags) without paying for what is measured.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.deepest = 0
        self.attributes = 0

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > self.deepest:
            self.deepest = self.depth
        if len(attrib) > self.attributes:
            self.attributes = len(attrib)

    def end(self, tag: str) -> None:
        self.depth -= 1

    def close(self) -> PageShape:
        return PageShape(self.attributes, self.deepest)


@dataclass(frozen=True)
class PageShape:
    """What libxml2's tokenizer saw: the most attributes on one element, the deepest nesting."""

    attributes: int
    depth: int


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # the parser removes them before libxml2


def page_shape(text: str) -> PageShape:
    """Measure `text` with libxml2's own parse events (no tree is built, so no depth limit cuts it short)."""
    data = text.encode("utf-8", errors="replace")
    if _CONTROL.search(text):
        data = _CONTROL.sub("", text).encode("utf-8", errors="replace")
    parser = etree.HTMLParser(
        target=_ShapeTarget(), encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
        huge_tree=True,
    )
    try:
        return etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return PageShape(0, 0)  # what libxml2 cannot parse at all the tree builder reports itself
