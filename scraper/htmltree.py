"""Page bytes -> lxml tree, and the visible text of an element as lines.

The charset is decided by `scraper.encoding`; this module only turns the decoded page into bytes
libxml2 parses safely (UTF-8, no control characters, no XML declaration), builds the tree, removes
the control characters character references decode to, and reads text out of it the way a browser
breaks lines (blocks and <br>).
"""

from __future__ import annotations

import html
import re

import lxml.html
from lxml import etree

from scraper.encoding import Decoded
from scraper.records import ParseError

__all__ = [
    "BLOCK_TAGS",
    "build_tree",
    "drop_element",
    "html_lines",
    "page_body",
    "text_lines",
    "text_of",
    "utf8_bytes",
]

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
# What the parser removes from text, whether the page holds it as a character or as a reference:
# C0 controls but tab, LF and CR (libxml2 stops at NUL, and lxml's text setters refuse them), DEL
# and the noncharacters (U+FDD0-FDEF, U+nFFFE/nFFFF: what `html.unescape` drops from references
# besides the C0 controls), and U+E000 (private use), `text_lines`' block marker.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ufdd0-\ufdef"
    + "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17))
    + "]"
)
# A numeric character reference, its digits read whole (a greedy run, as HTML reads them).
_NUMERIC_REF = re.compile(rb"&#(?:[xX][0-9a-fA-F]+|[0-9]+)")

# huge_tree lifts libxml2's depth limit of 256 (past it, text is silently dropped) and its 10 MB text
# node limit; bodies are capped at 10 MB by the fetcher anyway. lxml.html trees are built only for
# the fallback extractor, which needs lxml.html's element classes.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                                    huge_tree=True)


def utf8_bytes(body: bytes, decoded: Decoded) -> bytes:
    """The decoded page as UTF-8 bytes for the parser: no control characters, no XML declaration
    (libxml2 would read its encoding over ours). Character references stay for libxml2 to decode."""
    text = decoded.text
    if "<?xml" in text[:200]:
        text = _XML_DECL.sub("", text, count=1)
    text = _CONTROL.sub("", text)
    if not text or text.isspace():
        raise ParseError("empty page")
    return text.encode("utf-8", errors="replace")  # lone surrogates cannot be encoded


def _refers_to_control(data: bytes) -> bool:
    """Whether a numeric reference in `data` decodes (as HTML decodes it, `html.unescape`) to a
    character `_CONTROL` removes, or to nothing."""
    for m in _NUMERIC_REF.finditer(data):
        char = html.unescape(m.group().decode("ascii") + ";")
        if not char or _CONTROL.search(char):
            return True
    return False


def _drop_controls(root: etree._Element) -> None:
    """Remove `_CONTROL` characters from every text, tail and attribute value of the tree.

    libxml2 decodes references as HTML does, control characters included; they are removed from
    the decoded text, not from the page's bytes, so that dropping one never joins its neighbours
    into a new reference (`&&#1;amp;` is the text "&amp;")."""
    clean = _CONTROL.sub
    for el in root.iter():
        if el.text:
            el.text = clean("", el.text)
        if el.tail:
            el.tail = clean("", el.tail)
        attrib = el.attrib
        if attrib:
            # Set back all at once: lxml reads `{x}y` in a name as a namespace, so an attribute named
            # like that (an unrendered template variable) cannot be addressed by name; it is dropped.
            items = attrib.items()
            attrib.clear()
            for name, value in items:
                if "{" not in name and "}" not in name:
                    attrib[name] = clean("", value)


def build_tree(data: bytes, html_elements: bool = False) -> etree._Element:
    try:
        root = etree.fromstring(data, _HTML_PARSER if html_elements else _PARSER)
    except (etree.LxmlError, ValueError) as exc:
        raise ParseError(f"unparseable HTML: {exc}") from exc
    if root is None:
        raise ParseError("empty page")
    if b"&#" in data and _refers_to_control(data):
        _drop_controls(root)
    # Scripts and styles are never content; dropping them once here spares every later step.
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    return root


def page_body(root: lxml.html.HtmlElement) -> etree._Element:
    """The <body> (the <head>'s <title> is not page text), or the root when there is none."""
    body = root.find("body")
    return body if body is not None else root


def text_of(el: etree._Element) -> str:
    """All text below `el` (its tail excluded); text_content() exists only on lxml.html elements."""
    if not len(el):  # most titles and header lines: no children, so no iterator is needed
        return el.text or ""
    return "".join(el.itertext())


def drop_element(el: etree._Element) -> None:
    """Remove `el` and its subtree, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# ---- text lines --------------------------------------------------------------------------------

BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "option",
    }
)  # fmt: skip
_MARK = "\ue000"  # block boundary: a private-use character `utf8_bytes` removes from every page


def text_lines(el: etree._Element) -> list[str]:
    """Visible text of `el` as lines, split where a browser breaks (blocks and <br>).

    Inside a line every whitespace run (&nbsp; and the ideographic space included) becomes one
    space, as the fallback extractor does too; each line is stripped, so indentation goes; empty
    lines are dropped.
    """
    if not len(el):  # a header line or footer paragraph: its text is all there is, no walk needed
        return _clean_lines(el.text or "")
    parts: list[str] = []
    append = parts.append
    blocks = BLOCK_TAGS
    for event, node in etree.iterwalk(el, events=("start", "end")):
        if event == "start":
            if node.tag in blocks:
                append(_MARK)
            if node.text:
                append(node.text)
        else:
            if node.tag in blocks:
                append(_MARK)
            if node.tail and node is not el:
                append(node.tail)
    return _clean_lines("".join(parts))


def _clean_lines(text: str) -> list[str]:
    """The non-empty pieces of `text` between block marks, each with its whitespace runs (str.split()
    splits on every Unicode space, &nbsp; included) made one space: map() keeps the loop in C."""
    if "\u200b" in text or "\ufeff" in text:  # zero-width: invisible, and must not split a word
        text = text.replace("\u200b", "").replace("\ufeff", "")
    return [line for line in map(" ".join, map(str.split, text.split(_MARK))) if line]


def _by_first_letter(words: frozenset[str]) -> str:
    """An alternation of `words` grouped by first letter (`d(?:iv|l|d)|p(?:re)?`): the regex engine
    tries each branch in turn, and a branch whose letter differs fails at once."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words):
        groups.setdefault(word[0], []).append(word[1:])
    branches = []
    for first, rests in groups.items():
        longer = sorted((re.escape(r) for r in rests if r), key=len, reverse=True)
        optional = "?" if "" in rests else ""
        branches.append(re.escape(first) + (f"(?:{'|'.join(longer)}){optional}" if longer else ""))
    return "(?:" + "|".join(branches) + ")"


# lxml's serialiser escapes "<" and ">" in text and attribute values, so a tag runs from a "<" to the
# next ">"; but a tag *name* may hold "<" (libxml2 keeps `</p<td>` as a name), so tags are matched
# whole from the left: the first pass drops every tag that is not a block tag, the second turns
# each run of block tags, with the whitespace after each, into one line break (whitespace at either
# end of a line is dropped anyway, and one boundary leaves fewer pieces to clean).
_NON_BLOCK_TAG_RE = re.compile(r"<(?!/?" + _by_first_letter(BLOCK_TAGS) + r"(?=[\s/>]))[^>]*+>")
_BLOCK_RUN_RE = re.compile(r"<[^>]*+>(?:\s*<[^>]*+>)*+\s*")  # only block tags are left by then


def html_lines(markup: str) -> list[str]:
    """`text_lines` for serialised, sanitised HTML (no comments, scripts or styles left): the same lines.

    The body's HTML is serialised anyway; splitting it with two regexes is twice as fast as walking
    the tree again (tests/test_parse.py and tests/test_parse_fastpaths.py check both give the same
    lines).
    """
    text = _BLOCK_RUN_RE.sub(_MARK, _NON_BLOCK_TAG_RE.sub("", markup))
    if "&" in text:
        text = html.unescape(text)
    return _clean_lines(text)

