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

from scraper.body import Body, attachments_after, extract_body
from scraper.extract import clean_copy, extract_main
from scraper.footer import FOOTER_MARKER, parse_footer
from scraper.header import (
    HeaderFields,
    byline,
    credit_line,
    find_header,
    header_of_lines,
    merge_header,
    normalise_space,
    parse_header,
)
from scraper.htmltree import LINE_BREAK_TAGS, drop_element, page_body, text_lines, text_of
from scraper.profile import CompiledProfile, select_first
from scraper.pubdate import guess_publication_date, meta_date
from scraper.records import Extractor, FooterRecord, ParseError
from scraper.title import agreeing_title, fallback_title, head_title

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
    if len(found["title"]):  # a title element holding elements may hold a column label or header spans
        title = agreeing_title(title, head_title(root))
    footer_el = found["footer"]
    if footer_el is not None and found["body"] in footer_el.iterancestors(found["body"].tag):
        footer_el = None  # a footer selector that matched around the body is not the site footer
    footer = _footer(footer_el, text_lines(page_body(root)) if footer_el is None else [])
    if info_el is not None:
        header = parse_header(" ".join(text_lines(info_el)))
    else:
        # No header element: a header line may still stand between the title and the body (a
        # template variant the info selectors do not name); only there, never in the body or sidebar.
        header = header_of_lines(_lines_between(found["title"], found["body"]))
    body = extract_body(found["body"], base, compiled)
    body.paragraphs, credits = split_credits(body.paragraphs)
    body.attachments.extend(attachments_after(found["body"], base, body.attachments))
    return ArticleParts(title, merge_header(header, credits), body, footer, Extractor.PROFILE)


_CREDIT_LINES = 2


def split_credits(paragraphs: list[str]) -> tuple[list[str], HeaderFields]:
    """(paragraphs, fields): credit lines that close a body (`（责任编辑：胡晓蓉）`, `来源：X 编辑：Y`)
    leave it for the source and author fields they name."""
    fields = HeaderFields()
    paragraphs = list(paragraphs)
    for _ in range(_CREDIT_LINES):
        if len(paragraphs) < 2:
            break
        got = credit_line(paragraphs[-1])
        if got is None:
            break
        fields = merge_header(got, fields)
        paragraphs.pop()
    return paragraphs, fields


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
        leaf = not any(isinstance(d.tag, str) and d.tag in LINE_BREAK_TAGS for d in el.iterdescendants())
        if (title and text == title) or (leaf and _is_header_line(text)):
            doomed.append(el)
            continue
        if (el.text or "").strip():
            break  # the first element holding text of its own: the article has begun
    for el in doomed:
        drop_element(el)


_REGION_LINES = 12  # a header region is a few lines; more is the body or a sidebar


def fallback_parts(
    root: etree._Element, compiled: CompiledProfile, base: str | None, page_lines: list[str] | None = None
) -> ArticleParts:
    """The parts around the main text block `scraper.extract` finds (`root`: an lxml.html tree)."""
    if page_lines is None:  # the caller may have them already, from another tree of the same bytes
        page_lines = text_lines(page_body(root))
    main = extract_main(root)
    if main is None or not main.text.strip():
        raise ParseError("no article: the profile selectors matched nothing and no main text block was found")
    title = fallback_title(root, main.element, head_title(root, with_site_links=True), base)
    # The extractor's paragraphs leave out link lists and furniture nested in the block; its clean
    # copy of the block (same noise removed) gives the HTML, images and attachments.
    block = clean_copy(main.element)
    _drop_leading_header(block, title)
    body = extract_body(block, base, compiled)
    body.paragraphs = list(main.paragraphs)
    while body.paragraphs and (body.paragraphs[0] == title or _is_header_line(body.paragraphs[0])
                               or credit_line(body.paragraphs[0]) is not None):
        del body.paragraphs[0]  # the block chosen may start with the title and header line(s)
    while body.paragraphs and _is_footer_line(body.paragraphs[-1]):
        del body.paragraphs[-1]  # on a small page the block chosen may run into the site footer
    body.paragraphs, credits = split_credits(body.paragraphs)
    body.attachments.extend(attachments_after(main.element, base, body.attachments))
    if title is None and not any(_PROSE.search(p) for p in body.paragraphs):
        raise ParseError("no article: no title and no prose in the main text block (fallback)")

    header, after = _fallback_header(page_lines, title, body.paragraphs, credits)
    # The date: the page's own meta (publishdate and friends), else the header region's, else a
    # labelled date or a bare one on a header-like line just before the main text (scraper.pubdate;
    # measured on real pages by bench/accuracy_realpages.py); never a list's or the body's.
    published = meta_date(root) or header.published or guess_publication_date(root, main=main)
    header = replace(header, published=published)
    footer_el = select_first(compiled.footer, root)
    if footer_el is not None and main.element in footer_el.iterancestors():
        footer_el = None
    footer = _footer(footer_el, after)
    return ArticleParts(title, header, body, footer, Extractor.FALLBACK)


_CREDIT_AFTER = 3


def _fallback_header(
    page_lines: list[str], title: str | None, paragraphs: list[str], credits: HeaderFields
) -> tuple[HeaderFields, list[str]]:
    """(header fields, the page's lines after the body) of a fallback page.

    Every field of the lines between the title and the first prose of the body (one line or split
    over elements); without a title line, the first header-like line anywhere (a labelled date).
    Then the credit lines closing the body (`credits`) or right after it, and, when no writer is
    named, a reporter's byline in the header region or the body's first or last lines.
    """
    first_body = next((p for p in paragraphs if _PROSE.search(p)), paragraphs[0] if paragraphs else None)
    start = next((i for i, line in enumerate(page_lines) if title and title in line), None)
    header = HeaderFields()
    region: list[str] = []
    if start is not None:
        end = next((i for i, line in enumerate(page_lines) if first_body and i > start and line == first_body),
                   len(page_lines))
        region = page_lines[start : min(end, start + _REGION_LINES)]
        region[0] = region[0].replace(title or "", " ", 1)
        header = header_of_lines(region)
    if header.is_empty():
        found = find_header(page_lines)
        header = found[1] if found else HeaderFields()
    last_body = paragraphs[-1] if paragraphs else None
    tail_start = max((i for i, line in enumerate(page_lines) if line == last_body), default=0)
    after = page_lines[tail_start + 1 :]
    for line in after[:_CREDIT_AFTER]:  # a 来源/编辑 line right after the body
        got = credit_line(line)
        if got is not None:
            credits = merge_header(credits, got)
    header = merge_header(header, credits)
    if not header.writer:
        writer = next((name for name in map(byline, region + paragraphs[:2] + paragraphs[-2:]) if name), None)
        if writer is not None:
            header = merge_header(HeaderFields(author=writer, writer=True), header)
    return header, after
