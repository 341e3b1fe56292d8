"""Page bytes -> lxml tree, and the visible text of an element as lines.

The charset is decided by `scraper.encoding`; this module only turns the decoded page into bytes
libxml2 parses safely (UTF-8, no control characters, no XML declaration), builds the tree, removes
the control characters character references decode to, and reads text out of it the way a browser
breaks lines (blocks and <br>).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree

from scraper.dates import parse_date
from scraper.encoding import Decoded
from scraper.records import ParseError

__all__ = [
    "LINE_BREAK_TAGS",
    "build_tree",
    "drop_element",
    "page_body",
    "text_lines",
    "text_of",
    "utf8_bytes",
]

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
# An `</html>` before the end of the page ends nothing in HTML5 (what follows still belongs to the
# body); libxml2 stops there and drops the rest of the page (a CMS that includes its header as a whole
# document, gov.cn's TRS pages), so such end tags are removed before parsing.
_HTML_END = re.compile(r"</html\s*>", re.IGNORECASE)
# An inline script that writes a literal (`document.write(12580)`, a view counter): a browser shows
# the literal in the script's place, so the parser does too; any other script is not page text.
# So is a small script that hands a date literal to the page's date printer (a function named for
# dates or times: `showDate("2020/04/17 01:43:09")`): the page shows that date there.
_WRITES_LITERAL = re.compile(
    r"\s*(?P<call>document\.write(?:ln)?|[A-Za-z_$][\w$.]{0,40})"
    r"\(\s*(?:(?P<number>\d{1,15})|\"(?P<dq>[^\"<>\\]{0,80})\"|'(?P<sq>[^'<>\\]{0,80})')\s*\)\s*;?\s*"
)
# What the parser removes from text, whether the page holds it as a character or as a reference:
# C0 controls but tab, LF and CR (libxml2 stops at NUL, and lxml's text setters refuse them), DEL
# and the noncharacters (U+FDD0-FDEF, U+nFFFE/nFFFF: what `html.unescape` drops from references
# besides the C0 controls), and U+E000 (private use), `text_lines`' block marker.
_CONTROL_BMP = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ufdd0-\ufdef\ufffe\uffff"
_ASTRAL_NONCHARACTERS = "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(1, 17))
_CONTROL = re.compile(f"[{_CONTROL_BMP}{_ASTRAL_NONCHARACTERS}]")
# The same in two steps for a whole page: a class holding characters beyond the BMP makes the regex
# engine 30x slower on every character (1.6 ms on a 9 KB page, more than the rest of the parse), and
# only a page with such characters (UTF-8 lead bytes F0-F4) can hold one of those.
_CONTROL_IN_BMP = re.compile(f"[{_CONTROL_BMP}]")
_ASTRAL_CONTROL = re.compile(f"[{_ASTRAL_NONCHARACTERS}]")
_ASTRAL_LEAD_BYTES = (b"\xf0", b"\xf1", b"\xf2", b"\xf3", b"\xf4")

# huge_tree lifts libxml2's depth limit of 256 (past it, text is silently dropped) and its 10 MB text
# node limit; bodies are capped at 10 MB by the fetcher anyway. lxml.html trees are built only for
# the fallback extractor, which needs lxml.html's element classes.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                                    huge_tree=True)


def utf8_bytes(decoded: Decoded) -> bytes:
    """The decoded page as UTF-8 bytes for the parser: no control characters, no XML declaration
    (libxml2 would read its encoding over ours). Character references stay for libxml2 to decode."""
    text = decoded.text
    if "<?xml" in text[:200]:
        text = _XML_DECL.sub("", text, count=1)
    end = _HTML_END.search(text)
    if end is not None and text[end.end() :].strip():
        text = _HTML_END.sub("", text)
    text = _CONTROL_IN_BMP.sub("", text)
    if not text or text.isspace():
        raise ParseError("empty page")
    data = text.encode("utf-8", errors="replace")  # lone surrogates cannot be encoded
    if any(lead in data for lead in _ASTRAL_LEAD_BYTES):
        text = _ASTRAL_CONTROL.sub("", text)
        if not text or text.isspace():
            raise ParseError("empty page")
        data = text.encode("utf-8", errors="replace")
    return data


# The code points of `_CONTROL` a numeric reference can name. HTML maps a reference to 0 or beyond
# Unicode to U+FFFD and one to 0x80-0x9F through windows-1252 (`html.unescape` does the same), so
# none of those is here; every other reference is the character it names.
_CONTROL_CODE_POINTS = frozenset(
    [*range(1, 9), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xE000, *range(0xFDD0, 0xFDF0)]
    + [plane * 0x10000 + low for plane in range(17) for low in (0xFFFE, 0xFFFF)]
)


def _alternation_tree(words: list[str]) -> str:
    """A regex matching exactly `words`, as a tree of shared prefixes (`1(?:2|3)`), so the engine
    decides each reference in a few steps rather than trying every word."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) if ch else "" for ch, child in sorted(node.items())]
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(b for b in branches if b) + ")" + ("?" if "" in node else "")

    return emit(tree)


# A numeric reference (its digits read whole, as HTML reads them: a greedy run) that names one of
# `_CONTROL_CODE_POINTS`, leading zeros allowed: one search of the page's bytes says whether the
# tree needs cleaning (tests/scraper/test_parse_template_variants.py checks every code point).
_CONTROL_REF = re.compile(
    rb"&#(?:[xX]0*" + _alternation_tree([f"{v:x}" for v in _CONTROL_CODE_POINTS]).encode() + rb"(?![0-9a-fA-F])"
    + rb"|0*" + _alternation_tree([str(v) for v in _CONTROL_CODE_POINTS]).encode() + rb"(?![0-9]))",
    re.IGNORECASE,
)


def _refers_to_control(data: bytes) -> bool:
    """Whether a numeric reference in `data` names a character `_CONTROL` removes."""
    return _CONTROL_REF.search(data) is not None


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
    if _refers_to_control(data):
        _drop_controls(root)
    for script in root.iter("script"):
        written = _written_literal(script.text)
        if written:
            script.tail = written + (script.tail or "")
    # Scripts and styles are never content; dropping them once here spares every later step.
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    return root


def _written_literal(code: str | None) -> str | None:
    """What an inline `document.write(LITERAL)` (or `showDate("DATE")`) script shows, None for any
    other script."""
    if not code or len(code) > 200 or "(" not in code:
        return None
    m = _WRITES_LITERAL.fullmatch(code)
    if m is None:
        return None
    literal = m.group("number") or m.group("dq") or m.group("sq")
    call = m.group("call")
    if call.startswith("document.write"):
        return literal
    printer = "date" in call.lower() or "time" in call.lower()  # showDate, writeTime: not track('...')
    return literal if printer and literal and parse_date(literal) is not None else None


def page_body(root: lxml.html.HtmlElement) -> etree._Element:
    """The <body> (the <head>'s <title> is not page text), or the root when there is none."""
    body = root.find("body")
    return body if body is not None else root


def text_of(el: etree._Element) -> str:
    """All text below `el` (its tail excluded); text_content() exists only on lxml.html elements.

    libxml2's text serialiser gives what joining `el.itertext()` gives (comments and processing
    instructions left out alike), in one C call rather than a Python string per text node."""
    return etree.tostring(el, method="text", encoding="unicode", with_tail=False)


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

# Elements that end a line of text (text_lines); the extractor weighs its own set (noise.TEXT_BLOCK_TAGS).
LINE_BREAK_TAGS = frozenset(
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
    return _clean_lines(_marked_text(el))


def _marked_text(el: etree._Element) -> str:
    """The text and tails below `el` in document order, `_MARK` where a block starts or ends.

    A walk over each element's children, with a stack of the iterators left open instead of
    recursion (a page may nest 2,048 deep): lxml's child iterator costs a fraction of
    `etree.iterwalk`'s start and end events, and this is the parser's most frequent walk."""
    blocks = LINE_BREAK_TAGS
    parts: list[str] = []
    append = parts.append
    outer = el.tag in blocks
    if outer:
        append(_MARK)
    if el.text:
        append(el.text)
    children = iter(el)
    open_nodes: list[tuple[Iterator[etree._Element], etree._Element, bool]] = []
    while True:
        for child in children:
            block = child.tag in blocks
            if block:
                append(_MARK)
            text = child.text
            if text:
                append(text)
            if len(child):  # its children first; its end and tail when they are done
                open_nodes.append((children, child, block))
                children = iter(child)
                break
            if block:
                append(_MARK)
            tail = child.tail
            if tail:
                append(tail)
        else:
            if not open_nodes:
                break
            children, child, block = open_nodes.pop()
            if block:
                append(_MARK)
            tail = child.tail
            if tail:
                append(tail)
    if outer:
        append(_MARK)
    return "".join(parts)


def _clean_lines(text: str) -> list[str]:
    """The non-empty pieces of `text` between block marks, each with its whitespace runs (str.split()
    splits on every Unicode space, &nbsp; included) made one space."""
    text = text.replace("\u200b", "").replace("\ufeff", "")  # zero-width: invisible, must not split a word
    return list(filter(None, map(" ".join, map(str.split, text.split(_MARK)))))
