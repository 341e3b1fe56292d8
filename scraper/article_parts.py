"""Where the article's parts are on a page: by the site profile, else by the generic fallback.

Both paths give an `ArticleParts` of one shape (title, header fields, body, site footer), so the
record is assembled the same way whichever found them. The profile path reads the elements its
selectors matched; the fallback (`scraper.extract`, text and link density) finds the main text block
and reads title, header line and footer around it by pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from lxml import etree

from scraper.body import Body, extract_body
from scraper.extract import clean_copy, extract_main
from scraper.footer import FOOTER_MARKER, parse_footer
from scraper.header import HeaderFields, find_header, normalise_space, parse_header
from scraper.htmltree import BLOCK_TAGS, drop_element, page_body, text_lines, text_of
from scraper.profile import CompiledProfile, select_first
from scraper.pubdate import guess_publication_date
from scraper.records import Extractor, FooterRecord, ParseError

__all__ = ["ArticleParts", "fallback_parts", "profile_parts"]

# ---- footer --------------------------------------------------------------------------------------

_CONTACT = re.compile(r"电话|邮箱|E-?mail|地址|邮编|传真", re.IGNORECASE)


def _nonempty(footer: FooterRecord) -> FooterRecord | None:
    f = footer  # (FooterRecord.is_empty goes through dataclasses.asdict, a deep copy: a tenth of a parse)
    return footer if any(v is not None for v in (f.org, f.icp, f.police_record, f.phone, f.email, f.address,
                                                  f.postcode)) else None


@lru_cache(maxsize=64)
def _footer_of(text: str) -> FooterRecord | None:
    """The fields of a footer's text, None when it has none; remembered, as the site's footer is the
    same on every page (a FooterRecord is frozen)."""
    return _nonempty(parse_footer(text))


def _footer_from_lines(lines: list[str]) -> FooterRecord | None:
    picked = [line for line in lines if FOOTER_MARKER.search(line) or (len(line) < 200 and _CONTACT.search(line))]
    return _footer_of("\n".join(picked)) if picked else None


def _footer(footer_el: etree._Element | None, after: list[str]) -> FooterRecord | None:
    """The footer element's fields; else footer lines among `after` (the page text after the body)."""
    if footer_el is not None:
        footer = _footer_of("\n".join(text_lines(footer_el)))
        if footer is not None:
            return footer
    return _footer_from_lines(after[-60:])


# ---- the profile path ----------------------------------------------------------------------------


@dataclass
class ArticleParts:
    """What either path found: the record is assembled from this, whichever path it was."""

    title: str | None
    header: HeaderFields
    body: Body
    footer: FooterRecord | None
    extractor: Extractor


def profile_parts(
    root: etree._Element,
    found: dict[str, etree._Element | None],
    compiled: CompiledProfile,
    base: str | None,
) -> ArticleParts:
    """The parts from the elements the profile matched (`found`: title, body, info, footer; title
    and body are not None)."""
    info_el = found["info"]
    title = normalise_space(text_of(found["title"])) or None
    footer_el = found["footer"]
    if footer_el is not None and found["body"] in footer_el.iterancestors(found["body"].tag):
        footer_el = None  # a footer selector that matched around the body is not the site footer
    footer = _footer(footer_el, text_lines(page_body(root)) if footer_el is None else [])
    if info_el is not None:
        header = parse_header(" ".join(text_lines(info_el)))
    else:
        # No header element: a header line may still stand between the title and the body (a
        # template variant the info selectors do not name); only there, never in the body or sidebar.
        hit = find_header(_lines_between(found["title"], found["body"]))
        header = hit[1] if hit else HeaderFields()
    body = extract_body(found["body"], base, compiled)
    return ArticleParts(title, header, body, footer, Extractor.PROFILE)


def _lines_between(first: etree._Element, last: etree._Element, levels: int = 3, limit: int = 8) -> list[str]:
    """Lines of the elements after `first` and before `last`: `first`'s following siblings (or, when it
    has none before `last`, its parent's), stopping at `last` or an element holding it."""
    holders = set(last.iterancestors())
    node: etree._Element | None = first
    lines: list[str] = []
    for _ in range(levels):
        if node is None or node in holders:
            break
        for count, sib in enumerate(node.itersiblings()):
            if sib is last or sib in holders or count >= limit:
                return lines
            lines.extend(text_lines(sib))
        node = node.getparent()
    return lines


# ---- the fallback path ---------------------------------------------------------------------------

_TITLE_SPLIT = re.compile(r"\s*(?:[-_|｜—–]+|::)\s*")
_HEADING_XPATH = etree.XPath(
    "//h1|//h2|//h3|//*[contains(translate(@class,'TITLE','title'),'title')]"
    "|//*[contains(translate(@id,'TITLE','title'),'title')]"
)


def _fallback_title(root, main_el) -> str | None:
    """The heading that the <title> repeats; else the nearest heading before the main text; else <title>."""
    head_title = ""
    t = root.find(".//title")
    if t is not None:
        head_title = normalise_space(text_of(t))
    headings = []
    for h in _HEADING_XPATH(root):
        if h is main_el or h.tag in ("title", "html", "body") or main_el in h.iterancestors():
            continue
        text = normalise_space(text_of(h))
        if 4 <= len(text) <= 120:
            headings.append((h, text))
    for _h, text in headings:
        if head_title and text in head_title:
            return text
    before = [text for h, text in headings if _precedes(h, main_el)]
    if before:
        return before[-1]
    if head_title:
        parts = [p for p in _TITLE_SPLIT.split(head_title) if p]
        return max(parts, key=len) if parts else None
    return None


def _precedes(a: etree._Element, b: etree._Element) -> bool:
    """True if `a` comes before `b` in document order (and is not its ancestor)."""
    if a in b.iterancestors():
        return False
    for el in b.itersiblings(preceding=True):
        if el is a or a in el.iterdescendants():
            return True
    for anc in b.iterancestors():
        for el in anc.itersiblings(preceding=True):
            if el is a or a in el.iterdescendants():
                return True
    return False


_PROSE = re.compile(r"[。！？!?，,；;]")


def _is_footer_line(line: str) -> bool:
    return FOOTER_MARKER.search(line) is not None or (len(line) < 120 and _CONTACT.search(line) is not None)


def _is_header_line(line: str) -> bool:
    return len(line) <= 300 and find_header([line]) is not None


def _drop_leading_header(block: etree._Element, title: str | None) -> None:
    """Remove the title and header line elements that open a fallback block, before its first prose."""
    doomed: list[etree._Element] = []
    for el in block.iter():
        if el is block or not isinstance(el.tag, str) or any(d in el.iterancestors() for d in doomed):
            continue
        text = normalise_space(text_of(el))
        if not text:
            continue
        leaf = not any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in el.iterdescendants())
        if (title and text == title) or (leaf and _is_header_line(text)):
            doomed.append(el)
            continue
        if (el.text or "").strip():
            break  # the first element holding text of its own: the article has begun
    for el in doomed:
        drop_element(el)


def fallback_parts(
    root: etree._Element, compiled: CompiledProfile, base: str | None, page_lines: list[str] | None = None
) -> ArticleParts:
    """The parts around the main text block `scraper.extract` finds (`root`: an lxml.html tree)."""
    if page_lines is None:  # the caller may have them already, from another tree of the same bytes
        page_lines = text_lines(page_body(root))
    main = extract_main(root)
    if main is None or not main.text.strip():
        raise ParseError("no article: the profile selectors matched nothing and no main text block was found")
    title = _fallback_title(root, main.element)
    # The extractor's paragraphs leave out link lists and furniture nested in the block; its clean
    # copy of the block (same noise removed) gives the HTML, images and attachments.
    block = clean_copy(main.element)
    _drop_leading_header(block, title)
    body = extract_body(block, base, compiled)
    body.paragraphs = list(main.paragraphs)
    while body.paragraphs and (body.paragraphs[0] == title or _is_header_line(body.paragraphs[0])):
        del body.paragraphs[0]  # the block chosen may start with the title and header line
    while body.paragraphs and _is_footer_line(body.paragraphs[-1]):
        del body.paragraphs[-1]  # on a small page the block chosen may run into the site footer
    if title is None and not any(_PROSE.search(p) for p in body.paragraphs):
        raise ParseError("no article: no title and no prose in the main text block (fallback)")

    # Header: the lines between the title and the main text, else the first header-like line anywhere.
    start = next((i for i, line in enumerate(page_lines) if title and title in line), 0)
    first_body = body.paragraphs[0] if body.paragraphs else None
    end = next((i for i, line in enumerate(page_lines) if first_body and i >= start and line == first_body),
               len(page_lines))
    found = find_header(page_lines[start : max(end, start + 1)]) or find_header(page_lines)
    header = found[1] if found else HeaderFields()
    # The date: the extractor's guess (meta tags, then a labelled date, then the date nearest before
    # the main text; measured on real pages by bench/accuracy_realpages.py), else the header line's.
    guessed = guess_publication_date(root, main=main)
    if guessed is not None:
        header = replace(header, published=guessed)
    last_body = body.paragraphs[-1] if body.paragraphs else None
    tail_start = max((i for i, line in enumerate(page_lines) if line == last_body), default=0)
    footer_el = select_first(compiled.footer, root)
    if footer_el is not None and main.element in footer_el.iterancestors():
        footer_el = None
    footer = _footer(footer_el, page_lines[tail_start + 1 :])
    return ArticleParts(title, header, body, footer, Extractor.FALLBACK)

