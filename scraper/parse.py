"""One fetched article page -> `ArticleRecord`: the site profile first, the generic fallback second.

The profile (CSS selectors from `[parse]` in config.toml) knows the site's own templates and is exact;
the fallback (`scraper.extract`, text and link density) keeps a redesign or a sibling front end from
silently producing nothing. Header fields are read by label patterns (`scraper.header`) on either path,
and the footer by pattern (`scraper.footer`), so the two paths give records of one shape. A page with
no recognisable article raises `ParseError`; a 200 page saying the article does not exist raises
`ArticleMissing`. Rules and their reasons are in docs/parsing.md.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin

import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from scraper.dates import DateValue
from scraper.discover import article_id_from_url
from scraper.encoding import decode
from scraper.extract import clean_copy, extract_main, guess_publication_date
from scraper.footer import FOOTER_MARKER, parse_footer
from scraper.header import HeaderFields, find_header, normalise_space, parse_header
from scraper.records import ArticleMissing, ArticleRecord, Attachment, Footer, Image, ParseError

__all__ = [
    "DEFAULT_PROFILE",
    "PARSER_VERSION",
    "SiteProfile",
    "parse_article",
    "parser_version_for",
]

# Bump by hand when the meaning of a field changes (major), a field or rule is added (minor), or a
# fix changes output (patch). The hash after "+" changes by itself with the profile or the code.
PARSER_SEMVER = "1.0.0"


@dataclass(frozen=True)
class SiteProfile:
    """CSS selectors (tried in order, first match wins) and texts; field names = `[parse]` keys."""

    title_selectors: tuple[str, ...] = ("h2.detail-title", "td.art-title", "h1.article-title")
    info_selectors: tuple[str, ...] = (".detail-info", "td.art-info")
    body_selectors: tuple[str, ...] = ("#zoom", ".detail-content", "td.art-body")
    footer_selectors: tuple[str, ...] = (".footer", "#footer")
    strip_selectors: tuple[str, ...] = (".detail-font", ".detail-share", ".detail-prevnext", "script", "style")
    missing_patterns: tuple[str, ...] = ("文章不存在", "信息不存在", "已被删除", "已删除", "内容不存在")

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"[parse] {f.name} must be a list of strings, got {value!r}")
            object.__setattr__(self, f.name, tuple(value))


DEFAULT_PROFILE = SiteProfile()


@dataclass(frozen=True)
class _Compiled:
    title: tuple[CSSSelector, ...]
    info: tuple[CSSSelector, ...]
    body: tuple[CSSSelector, ...]
    footer: tuple[CSSSelector, ...]
    strip: tuple[CSSSelector, ...]


@lru_cache(maxsize=16)
def _compile(profile: SiteProfile) -> _Compiled:
    """CSS -> compiled XPath once per profile; a bad selector is an error naming its key."""

    def many(key: str) -> tuple[CSSSelector, ...]:
        out = []
        for sel in getattr(profile, key):
            try:
                out.append(CSSSelector(sel, translator="html"))
            except SelectorError as exc:
                raise ValueError(f"[parse] {key}: invalid CSS selector {sel!r}: {exc}") from exc
        return tuple(out)

    return _Compiled(
        title=many("title_selectors"),
        info=many("info_selectors"),
        body=many("body_selectors"),
        footer=many("footer_selectors"),
        strip=many("strip_selectors"),
    )


_VERSIONED_MODULES = ("parse.py", "header.py", "footer.py", "extract.py", "dates.py", "encoding.py", "discover.py")


@lru_cache(maxsize=16)
def parser_version_for(profile: SiteProfile) -> str:
    """`PARSER_SEMVER` + a short hash of the profile and of every module that shapes the output."""
    digest = hashlib.sha256(repr(profile).encode("utf-8"))
    here = Path(__file__).resolve().parent
    for name in _VERSIONED_MODULES:
        path = here / name
        digest.update(name.encode())
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") if path.exists() else b"-")
    return f"{PARSER_SEMVER}+{digest.hexdigest()[:10]}"


PARSER_VERSION = parser_version_for(DEFAULT_PROFILE)


# ---- HTML -> tree ------------------------------------------------------------------------------

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _tree(text: str) -> lxml.html.HtmlElement:
    text = _XML_DECL.sub("", text, count=1)
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)  # lxml rejects str input with control characters
    if not text.strip():
        raise ParseError("empty page")
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, etree.LxmlError, ValueError) as exc:
        raise ParseError(f"unparseable HTML: {exc}") from exc
    # Comments, scripts and styles are never content; dropping them once here spares every later step.
    etree.strip_elements(root, etree.Comment, etree.ProcessingInstruction, "script", "style", "noscript",
                         "template", with_tail=False)
    return root


def _page_body(root: lxml.html.HtmlElement) -> etree._Element:
    """The <body> (the <head>'s <title> is not page text), or the root when there is none."""
    body = root.find("body")
    return body if body is not None else root


def _first(selectors: tuple[CSSSelector, ...], root: etree._Element) -> etree._Element | None:
    for sel in selectors:
        found = sel(root)
        if found:
            return found[0]
    return None


# ---- text lines --------------------------------------------------------------------------------

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "option",
    }
)  # fmt: skip
_MARK = "\x00"  # block boundary; NUL never survives `_tree`
_COLLAPSE = re.compile(r"[ \t\n\r\f\v\u00a0\u200b\ufeff]+")
_EDGE = " \t\n\r\f\v\u00a0\u3000\u200b\ufeff"


def _lines(el: etree._Element) -> list[str]:
    """Visible text of `el` as lines, split where a browser breaks (blocks and <br>).

    Inside a line, whitespace collapses as in HTML (and &nbsp; with it); each line is stripped,
    indentation and the full-width spaces used as indentation included; empty lines are dropped.
    """
    parts: list[str] = []
    append = parts.append
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag
        if event == "start":
            if tag in _BLOCK_TAGS:
                append(_MARK)
            if node.text:
                append(node.text)
        else:
            if tag in _BLOCK_TAGS:
                append(_MARK)
            if node.tail and node is not el:
                append(node.tail)
    text = _COLLAPSE.sub(" ", "".join(parts))
    return [s for s in (line.strip(_EDGE) for line in text.split(_MARK)) if s]


# ---- body: signature, images, attachments, sanitised HTML -------------------------------------

_DATE_LINE = re.compile(
    r"^(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
    r"(?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?$"
)
_BYLINE = re.compile(r"^[(（【\[][^()（）【】\[\]]{2,40}[)）】\]]$")
_ORG_END = (
    r"(?:总工会|工会|委员会|工委|联合会|协会|公司|集团|局|厅|办公室|办|中心|医院|学校|大学|学院|中学|小学|"
    r"幼儿园|街道|社区|镇|乡|村|区|县|市|部|处|科|站|所|厂|院|馆|队|委|会|组|室|党支部|支部|分会|报社|电视台)"
)
_NAME = r"[\u4e00-\u9fff·]{2,4}"
_ORG = r"[\u4e00-\u9fff（）()]{2,30}?" + _ORG_END
_SIGNATURE = re.compile(
    r"^(?:"
    + _ORG + r"(?:[ \u3000]*[:：]?[ \u3000]*" + _NAME + r"(?:[、,， ]" + _NAME + r")*)?"  # unit [name]
    + r"|" + _NAME  # a name alone
    + r"|(?:通讯员|供稿|撰稿|文|图|文/图|摄影|记者)[:：/ ]\s*[\u4e00-\u9fff·、 ]{2,20}"
    + r")$"
)
SIGNATURE_PATTERN_SOURCE = "\n".join((_DATE_LINE.pattern, _BYLINE.pattern, _SIGNATURE.pattern))


def _is_date_line(line: str) -> bool:
    return len(line) <= 24 and _DATE_LINE.match(line) is not None


def _is_signature(line: str) -> bool:
    if len(line) > 42:
        return False
    return _BYLINE.match(line) is not None or _SIGNATURE.match(line) is not None


def _split_signature(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """(body paragraphs, signature): the trailing unit/name line or bracketed byline is the signature.

    A date line right after it (`2012年5月21日`) belongs to the signature block, and both leave the
    body (as the simulator's truth has it: the signature field holds the lines joined by a newline).
    A trailing date line with no signature before it is article text and stays. A one-paragraph body
    is the article, never its signature.
    """
    if len(paragraphs) < 2:
        return paragraphs, None
    date_line = _is_date_line(paragraphs[-1])
    k = -2 if date_line else -1
    if len(paragraphs) < 1 - k or not _is_signature(paragraphs[k]):
        return paragraphs, None
    return paragraphs[:k], "\n".join(paragraphs[k:])


_ATTACHMENT_LABEL = re.compile(r"^(?:相关)?附件\s*\d*\s*[:：]?\s*")
_LIST_SEP = re.compile(r"[\s,，、;；]+")


def _is_attachment_line(line: str, names: list[str]) -> bool:
    """A line that only names attachments (`附件:报名表.xls`): the attachments field holds it."""
    rest = _ATTACHMENT_LABEL.sub("", line, count=1)
    if not rest:
        return False
    for name in sorted(names, key=len, reverse=True):
        rest = rest.replace(name, " ")
    return not _LIST_SEP.sub("", rest)


_DROP_TAGS = (
    "iframe", "frame", "frameset", "object", "embed", "applet", "link", "meta", "base", "input", "button",
    "select", "textarea", "svg", "math", "canvas", "dialog",
)
_KEEP_ATTRS = frozenset(("href", "src", "alt", "title", "colspan", "rowspan", "width", "height"))
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|vbscript|data|file):", re.IGNORECASE)
_DOC_EXT = re.compile(
    r"\.(?:docx?|xlsx?|pptx?|pdf|zip|rar|7z|txt|wps|et|dps|csv|tar|gz|ofd|ceb)(?:$|[?#])", re.IGNORECASE
)


def _absolute(base: str | None, value: str) -> str:
    value = value.strip()
    if not base:
        return value
    try:
        return urljoin(base, value)
    except ValueError:
        return value


_CENTERED = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|bmp|webp)$", re.IGNORECASE)
_CAPTION_MAX = 80


def _caption_element(img: etree._Element) -> etree._Element | None:
    """The element holding an image's caption text, read before attributes are sanitised.

    In order: a <figcaption> of the enclosing <figure>; the next element after the image (line
    breaks skipped) or after the image's paragraph if its class names a caption (`img-caption`);
    the paragraph right after the image's paragraph if it is centred and short.
    """
    for fig in img.iterancestors("figure"):
        caps = fig.findall(".//figcaption")
        return caps[0] if caps else None
    nxt = img.getnext()
    while nxt is not None and nxt.tag == "br":
        nxt = nxt.getnext()
    candidates = [nxt] if nxt is not None else []
    holder = img.getparent()
    while holder is not None and holder.tag not in ("p", "div", "td", "center", "li"):
        holder = holder.getparent()
    if holder is not None and holder.tag in ("p", "div", "center"):
        after = holder.getnext()
        if after is not None:
            candidates.append(after)
    for cand in candidates:
        if not isinstance(cand.tag, str) or cand.find(".//img") is not None:
            continue
        text = normalise_space(cand.text_content())
        if not text or len(text) > _CAPTION_MAX:
            continue
        if "caption" in (cand.get("class") or "").lower():
            return cand
        if cand is not nxt and cand.tag in ("p", "div", "center") and (
            cand.tag == "center" or cand.get("align") == "center" or _CENTERED.search(cand.get("style") or "")
        ) and not text.endswith(("。", "!", "?", "！", "？")):
            return cand
    return None


def _caption(img: etree._Element) -> tuple[str | None, bool]:
    """(caption, shown_as_text): caption text next to the image, else its alt/title text."""
    el = _caption_element(img)
    if el is not None:
        return normalise_space(el.text_content()), True
    for key in ("alt", "title"):
        value = normalise_space(img.get(key) or "")
        if value and not _IMAGE_FILE.search(value):
            return value, False
    return None, False


@dataclass
class _Body:
    paragraphs: list[str]
    html: str
    images: list[Image]
    attachments: list[Attachment]
    caption_lines: set[str]  # caption texts shown in the body: they leave body_text for images[]


def _body(el: etree._Element, base: str | None, strip: tuple[CSSSelector, ...]) -> _Body:
    for sel in strip:
        for junk in sel(el):
            if junk is not el:
                junk.drop_tree()
    etree.strip_elements(el, *_DROP_TAGS, with_tail=False)
    etree.strip_tags(el, "form")

    images: list[Image] = []
    attachments: list[Attachment] = []
    caption_lines: set[str] = set()
    seen_src: set[str] = set()
    seen_url: set[str] = set()
    # Document order: an image's caption (a later element) still has its class and style here.
    for node in el.iter():
        tag = node.tag
        if tag == "img":
            caption, shown = _caption(node)
        attrib = node.attrib
        for key in [k for k in attrib if k not in _KEEP_ATTRS]:
            del attrib[key]
        for key in ("href", "src"):
            value = attrib.get(key)
            if value is None:
                continue
            if _UNSAFE_URL.match(value) and not (tag == "img" and value.strip().startswith("data:image/")):
                del attrib[key]
            else:
                attrib[key] = _absolute(base, value)
        if tag == "img":
            src = attrib.get("src")
            if src and src not in seen_src:
                seen_src.add(src)
                images.append(Image(src=src, caption=caption))
                if caption and shown:
                    caption_lines.add(caption)
        elif tag == "a":
            href = attrib.get("href")
            if href and href not in seen_url and (_DOC_EXT.search(href) or "download" in href.lower()):
                seen_url.add(href)
                name = normalise_space(node.text_content()) or (attrib.get("title") or "").strip()
                if not name:
                    name = href.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
                attachments.append(Attachment(url=href, name=name))

    inner = html.escape(el.text or "", quote=False) + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in el
    )
    return _Body(
        paragraphs=_lines(el), html=inner.strip(), images=images, attachments=attachments,
        caption_lines=caption_lines,
    )


# ---- title, column, missing page -------------------------------------------------------------

_COLUMN = re.compile(r"^【([^【】]{1,40})】\s*(.*)$", re.DOTALL)


def _title_column(raw: str | None) -> tuple[str | None, str | None]:
    """(title, column): a leading `【基层工会动态】` is the column and is removed from the title."""
    title = normalise_space(raw or "")
    m = _COLUMN.match(title)
    if m and m.group(2).strip():
        return m.group(2).strip(), m.group(1).strip()
    return (title or None), None


def _missing_message(lines: list[str], patterns: tuple[str, ...]) -> str | None:
    """A short line saying the article does not exist (long lines are article text mentioning it)."""
    for line in lines:
        if len(line) <= 80 and any(p in line for p in patterns):
            return line
    return None


# ---- footer --------------------------------------------------------------------------------------

_CONTACT = re.compile(r"电话|邮箱|E-?mail|地址|邮编|传真", re.IGNORECASE)


def _footer_from_lines(lines: list[str]) -> Footer | None:
    picked = [line for line in lines if FOOTER_MARKER.search(line) or (len(line) < 200 and _CONTACT.search(line))]
    if not picked:
        return None
    footer = parse_footer("\n".join(picked))
    return None if footer.is_empty() else footer


def _footer(root: etree._Element, compiled: _Compiled, after: list[str]) -> Footer | None:
    el = _first(compiled.footer, root)
    if el is not None:
        footer = parse_footer("\n".join(_lines(el)))
        if not footer.is_empty():
            return footer
    return _footer_from_lines(after[-60:])


# ---- the two paths -----------------------------------------------------------------------------


@dataclass
class _Found:
    title: str | None
    header: HeaderFields
    body: _Body
    footer: Footer | None
    extractor: str


def _profile_path(root, title_el, body_el, compiled: _Compiled, base: str | None) -> _Found:
    info_el = _first(compiled.info, root)
    header = parse_header(" ".join(_lines(info_el))) if info_el is not None else HeaderFields()
    title = normalise_space(title_el.text_content()) or None
    # Lines after the body are searched for footer fields only when the footer element is missing.
    body = _body(body_el, base, compiled.strip)
    footer_el = _first(compiled.footer, root)
    if footer_el is not None:
        footer = parse_footer("\n".join(_lines(footer_el)))
        footer = None if footer.is_empty() else footer
    else:
        footer = _footer_from_lines(_lines(_page_body(root))[-60:])
    return _Found(title, header, body, footer, "profile")


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
        head_title = normalise_space(t.text_content())
    headings = []
    for h in _HEADING_XPATH(root):
        if h is main_el or h.tag in ("title", "html", "body") or main_el in h.iterancestors():
            continue
        text = normalise_space(h.text_content())
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


def _is_header_line(line: str) -> bool:
    return len(line) <= 300 and find_header([line]) is not None


def _drop_leading_header(block: etree._Element, title: str | None) -> None:
    """Remove the title and header line elements that open a fallback block, before its first prose."""
    doomed: list[etree._Element] = []
    for el in block.iter():
        if el is block or not isinstance(el.tag, str) or any(d in el.iterancestors() for d in doomed):
            continue
        text = normalise_space(el.text_content())
        if not text:
            continue
        leaf = not any(isinstance(d.tag, str) and d.tag in _BLOCK_TAGS for d in el.iterdescendants())
        if (title and text == title) or (leaf and _is_header_line(text)):
            doomed.append(el)
            continue
        if (el.text or "").strip():
            break  # the first element holding text of its own: the article has begun
    for el in doomed:
        el.drop_tree()


def _fallback_path(root, compiled: _Compiled, base: str | None) -> _Found:
    page_lines = _lines(_page_body(root))
    main = extract_main(root)
    if main is None or not main.text.strip():
        raise ParseError("no article: the profile selectors matched nothing and no main text block was found")
    title = _fallback_title(root, main.element)
    # The extractor's paragraphs leave out link lists and furniture nested in the block; its clean
    # copy of the block (same noise removed) gives the HTML, images and attachments.
    block = clean_copy(main.element)
    _drop_leading_header(block, title)
    body = _body(block, base, compiled.strip)
    body.paragraphs = list(main.paragraphs)
    while body.paragraphs and (body.paragraphs[0] == title or _is_header_line(body.paragraphs[0])):
        del body.paragraphs[0]  # the block chosen may start with the title and header line

    # Header: the lines between the title and the main text, else the first header-like line anywhere.
    start = next((i for i, line in enumerate(page_lines) if title and title in line), 0)
    first_body = body.paragraphs[0] if body.paragraphs else None
    end = next((i for i, line in enumerate(page_lines) if first_body and i >= start and line == first_body),
               len(page_lines))
    found = find_header(page_lines[start : max(end, start + 1)]) or find_header(page_lines)
    header = found[1] if found else HeaderFields()
    if header.published is None:
        guessed = guess_publication_date(root, main.text)
        if guessed is not None:
            header = HeaderFields(published=guessed, views=header.views, source=header.source,
                                  author=header.author)
    last_body = body.paragraphs[-1] if body.paragraphs else None
    tail_start = max((i for i, line in enumerate(page_lines) if line == last_body), default=0)
    footer = _footer(root, compiled, page_lines[tail_start + 1 :])
    return _Found(title, header, body, footer, "fallback")


# ---- entry point -------------------------------------------------------------------------------


def parse_article(
    body: bytes,
    url: str | None,
    content_type: str | None = None,
    profile: SiteProfile = DEFAULT_PROFILE,
) -> ArticleRecord:
    """Parse one article page; raise ParseError (or ArticleMissing) when it holds no article."""
    compiled = _compile(profile)
    decoded = decode(body, content_type)
    root = _tree(decoded.text)
    base = url
    base_el = root.find(".//base[@href]")
    if base_el is not None and url:
        base = _absolute(url, base_el.get("href", ""))

    title_el = _first(compiled.title, root)
    body_el = _first(compiled.body, root)
    if title_el is not None and body_el is not None:
        found = _profile_path(root, title_el, body_el, compiled, base)
        if not found.body.paragraphs or len("".join(found.body.paragraphs)) < 80:
            message = _missing_message(found.body.paragraphs, profile.missing_patterns)
            if message is not None:
                raise ArticleMissing(f"page says the article does not exist: {message}")
    else:
        message = _missing_message(_lines(_page_body(root)), profile.missing_patterns)
        if message is not None:
            raise ArticleMissing(f"page says the article does not exist: {message}")
        found = _fallback_path(root, compiled, base)

    title, column = _title_column(found.title)
    names = [a.name for a in found.body.attachments]
    paragraphs = [
        p for p in found.body.paragraphs
        if p not in found.body.caption_lines and not (names and _is_attachment_line(p, names))
    ]
    paragraphs, signature = _split_signature(paragraphs)
    if title is None and not paragraphs:
        raise ParseError("no article: neither a title nor body text was found")
    published: DateValue | None = found.header.published
    warnings: list[str] = []
    if title is None:
        warnings.append("missing_title")
    if published is None:
        warnings.append("missing_date")
    if found.header.views is None:
        warnings.append("missing_views")
    if not paragraphs and not found.body.images and not found.body.attachments:
        warnings.append("empty_body")
    if found.extractor == "fallback":
        warnings.append("fallback_used")
    if found.footer is None:
        warnings.append("footer_missing")

    return ArticleRecord(
        url=url,
        article_id=article_id_from_url(url) if url else None,
        title=title,
        column=column,
        published_at=published.iso if published else None,
        published_raw=published.raw if published else None,
        views=found.header.views,
        source=found.header.source,
        author=found.header.author,
        body_text="\n\n".join(paragraphs),
        body_html=found.body.html,
        images=found.body.images,
        attachments=found.body.attachments,
        signature=signature,
        footer=found.footer,
        encoding=decoded.encoding,
        extractor=found.extractor,
        warnings=warnings,
        parser_version=parser_version_for(profile),
    )

