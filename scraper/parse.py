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
from urllib.parse import urljoin, urlsplit

import cssselect
import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from scraper.dates import DateValue
from scraper.discover import article_id_from_url
from scraper.encoding import Decoded, decode
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
        _compile(self)  # a bad selector fails here, naming its key, not at the first page parsed



@dataclass(frozen=True)
class _Simple:
    """A compound selector of tag, #id and .classes only: matched in Python after one XPath prefilter."""

    tag: str | None
    id: str | None
    classes: frozenset[str]

    def matches(self, cand: _Candidate) -> bool:
        return ((self.tag is None or cand.tag == self.tag) and (self.id is None or cand.id == self.id)
                and self.classes <= cand.classes)


@dataclass(frozen=True)
class _Candidate:
    """An element the prefilter kept, with the tag, id and class tokens it read (read once)."""

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
class _Candidates:
    """Elements simple selectors could match, by how they were found (each list in document order)."""

    by_class: list[_Candidate]
    by_id: list[_Candidate]
    by_tag: list[_Candidate]

    def for_selector(self, sel: _Simple) -> list[_Candidate]:
        return self.by_id if sel.id is not None else self.by_class if sel.classes else self.by_tag


_CLASS_VALUES = etree.XPath("descendant-or-self::*/@class")
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

    def _by_class(self, root: etree._Element, include_root: bool) -> list[_Candidate]:
        by_class: list[_Candidate] = []
        if self.classes:
            isdisjoint = self.classes.isdisjoint
            for value in (_CLASS_VALUES if include_root else _CLASS_VALUES_BELOW)(root):
                tokens = value.split()
                if not isdisjoint(tokens):
                    el = value.getparent()
                    by_class.append(_Candidate(el, el.tag, None, frozenset(tokens)))
        return by_class

    def __call__(self, root: etree._Element, include_root: bool = True) -> _Candidates:
        by_class = self._by_class(root, include_root)
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
        return _Candidates(by_class, by_id, by_tag)


class _PagePrefilter(_Prefilter):
    """The page-wide prefilter: ids through libxml2's id index (the HTML parser registers `id`s)."""

    def __call__(self, root: etree._Element, include_root: bool = True) -> _Candidates:
        by_tag = [_Candidate(el, el.tag, None, frozenset()) for el in root.iter(*self.tags)] if self.tags else []
        found = _Candidates(self._by_class(root, True), [], by_tag)
        if not self.ids:
            return found
        lookup = _ids_lookup(self.ids)
        hits = {el.get("id"): el for el in lookup(root)} if lookup is not None else None
        for ident in self.ids:
            if hits is None or not hits.keys() <= set(self.ids):
                # An id the index holds in another spelling than the attribute: one lookup per id.
                el = next(iter(_ID_LOOKUP(root, ident=ident)), None)
            else:
                el = hits.get(ident)
            if el is not None:
                found.by_id.append(_Candidate(el, el.tag, ident, frozenset((el.get("class") or "").split())))
        return found


@lru_cache(maxsize=16)
def _ids_lookup(ids: tuple[str, ...]) -> etree.XPath | None:
    """One `id('a b')` XPath for all ids (a literal argument: passing an XPath variable costs 3 us a
    call); None when an id cannot be written as an XPath literal token."""
    if any("'" in i or not i or any(c.isspace() for c in i) for i in ids):
        return None
    return etree.XPath("id('" + " ".join(ids) + "')")


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
class _Group:
    """One profile key's selectors, in priority order: the first selector that matches wins."""

    selectors: tuple[_Simple | CSSSelector, ...]


@dataclass(frozen=True)
class _Compiled:
    title: _Group
    info: _Group
    body: _Group
    footer: _Group
    strip: _Group
    prefilter: _Prefilter  # elements any simple title/info/body/footer selector could match
    strip_prefilter: _Prefilter  # the same for strip selectors (used below the body element)


@lru_cache(maxsize=16)
def _compile(profile: SiteProfile) -> _Compiled:
    """CSS -> matchers once per profile; a bad selector is an error naming its key.

    Speed: an XPath per selector walks the whole page each time (~40 us each on a 10 KB page). Simple
    selectors (tag, #id, .class) are instead found by one prefilter pass whose few results are
    checked in Python; anything else goes through lxml.cssselect.
    """

    def group(key: str) -> _Group:
        out: list[_Simple | CSSSelector] = []
        for sel in getattr(profile, key):
            try:
                css = CSSSelector(sel, translator="html")
            except SelectorError as exc:
                raise ValueError(f"[parse] {key}: invalid CSS selector {sel!r}: {exc}") from exc
            out.append(_simple(sel) or css)
        return _Group(tuple(out))

    groups = {k: group(f"{k}_selectors") for k in ("title", "info", "body", "footer", "strip")}

    return _Compiled(
        **groups,
        prefilter=_prefilter((s for k in ("title", "info", "body", "footer") for s in groups[k].selectors), True),
        strip_prefilter=_prefilter(groups["strip"].selectors, False),
    )


def _select(group: _Group, root: etree._Element, candidates: _Candidates) -> etree._Element | None:
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


def _select_all(group: _Group, root: etree._Element, candidates: _Candidates) -> list[etree._Element]:
    out: list[etree._Element] = []
    for sel in group.selectors:
        if isinstance(sel, _Simple):
            out.extend(cand.el for cand in candidates.for_selector(sel) if sel.matches(cand))
        else:
            out.extend(sel(root))
    return out


DEFAULT_PROFILE = SiteProfile()


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
# C0 controls (and U+FFFE/U+FFFF) break libxml2 and lxml's text setters; U+E000 (private use) is
# `_lines`' block marker. The C0 controls as bytes, for the fast path.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ue000]")
_CONTROL_BYTES = bytes(range(0, 9)) + b"\x0b\x0c" + bytes(range(14, 32))  # deleted by translate() to count
_REF_START = re.compile(rb"&#")  # a compiled literal searches faster than `in` on bytes
# A plain etree parser on UTF-8 bytes parses twice as fast as lxml.html on str (no Python element
# classes, no UCS-4 input); lxml.html trees are built only for the fallback, which needs them.
# huge_tree lifts libxml2's depth limit of 256 (past it, text is silently dropped) and its 10 MB text
# node limit; bodies are capped at 10 MB by the fetcher anyway.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True, huge_tree=True)
_HTML_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                                    huge_tree=True)


def _utf8(body: bytes, decoded: Decoded) -> bytes:
    """The page as UTF-8 bytes for the parser (the original bytes when they already are)."""
    text = decoded.text
    if decoded.encoding == "utf-8" and decoded.source in ("http", "meta", "utf-8") and not body.startswith(b"\xef\xbb\xbf"):
        data = body  # decoded strictly as UTF-8: the bytes are the text
        if (b"<?xml" not in data[:200] and len(data.translate(None, _CONTROL_BYTES)) == len(data)
                and "\ue000" not in text and "\ufffe" not in text and "\uffff" not in text):
            return _without_control_refs(data)
    if "<?xml" in text[:200]:
        text = _XML_DECL.sub("", text, count=1)
    if not text or text.isspace():
        raise ParseError("empty page")
    data = text.encode("utf-8", errors="replace")  # lone surrogates cannot be encoded
    # The C0 controls are looked for in the encoded bytes: translate() there costs a quarter of a
    # character-class regex over the text (the regex runs only when one is present).
    if (len(data.translate(None, _CONTROL_BYTES)) != len(data)
            or "\ue000" in text or "\ufffe" in text or "\uffff" in text):
        text = _CONTROL.sub("", text)  # libxml2 stops at NUL and chokes on other C0 controls
        if not text or text.isspace():
            raise ParseError("empty page")
        data = text.encode("utf-8", errors="replace")
    return _without_control_refs(data)


# Character references to the same characters (`&#1;`): libxml2 turns them into the characters.
_CONTROL_REF = re.compile(
    rb"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|6553[45]|57344)|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF]|[eE]000));?"
)


def _without_control_refs(data: bytes) -> bytes:
    return _CONTROL_REF.sub(b"", data) if _REF_START.search(data) else data


def _tree(data: bytes, html_elements: bool = False) -> etree._Element:
    try:
        root = etree.fromstring(data, _HTML_PARSER if html_elements else _PARSER)
    except (etree.LxmlError, ValueError) as exc:
        raise ParseError(f"unparseable HTML: {exc}") from exc
    if root is None:
        raise ParseError("empty page")
    # Scripts and styles are never content; dropping them once here spares every later step.
    etree.strip_elements(root, "script", "style", "noscript", "template", with_tail=False)
    return root


def _page_body(root: lxml.html.HtmlElement) -> etree._Element:
    """The <body> (the <head>'s <title> is not page text), or the root when there is none."""
    body = root.find("body")
    return body if body is not None else root


def _text(el: etree._Element) -> str:
    """All text below `el` (its tail excluded); text_content() exists only on lxml.html elements."""
    return "".join(el.itertext())


def _drop(el: etree._Element) -> None:
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

_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "center", "dd", "details", "dialog",
        "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
        "h4", "h5", "h6", "header", "hr", "li", "main", "menu", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "option",
    }
)  # fmt: skip
_MARK = "\ue000"  # block boundary: a private-use character `_utf8` removes from every page


def _lines(el: etree._Element) -> list[str]:
    """Visible text of `el` as lines, split where a browser breaks (blocks and <br>).

    Inside a line every whitespace run (&nbsp; and the ideographic space included) becomes one
    space, as the fallback extractor does too; each line is stripped, so indentation goes; empty
    lines are dropped.
    """
    parts: list[str] = []
    append = parts.append
    blocks = _BLOCK_TAGS
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
    text = "".join(parts)
    if "\u200b" in text or "\ufeff" in text:
        text = text.replace("\u200b", "").replace("\ufeff", "")
    out = []
    for line in text.split(_MARK):
        line = " ".join(line.split())  # str.split() splits on every Unicode space, &nbsp; included
        if line:
            out.append(line)
    return out


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


class _Absolutizer:
    """`_absolute` for one base URL, with fast paths for the common forms (urljoin costs ~2 us).

    The base is split on the first link only: most article bodies have none, and urlsplit costs ~3 us.
    """

    def __init__(self, base: str | None):
        self.base = base
        self._origin: str | None | bool = False

    @property
    def origin(self) -> str | None:
        if self._origin is False:
            self._origin = None
            if self.base:
                try:
                    parts = urlsplit(self.base)
                except ValueError:
                    parts = None
                if parts is not None and parts.scheme in ("http", "https") and parts.netloc:
                    self._origin = f"{parts.scheme}://{parts.netloc}"
        return self._origin  # type: ignore[return-value]

    def __call__(self, value: str) -> str:
        value = value.strip()
        origin = self.origin
        if origin is not None and "/." not in value and "\\" not in value:
            if value.startswith(("http://", "https://")):
                return value
            if value.startswith("/") and not value.startswith("//"):
                return origin + value
        return _absolute(self.base, value)


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
        text = normalise_space(_text(cand))
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
        return normalise_space(_text(el)), True
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


_ALL_ATTRIBUTES = etree.XPath("descendant-or-self::*/@*")


def _body(el: etree._Element, base: str | None, compiled: _Compiled) -> _Body:
    for junk in _select_all(compiled.strip, el, compiled.strip_prefilter(el, include_root=False)):
        if junk is not el and junk.getparent() is not None:
            _drop(junk)
    # One C-level walk tells which of the tags to drop occur (usually none), sparing two more walks.
    present = {node.tag for node in el.iter(*_DROP_TAGS, "form")}
    if present:
        if present.difference(("form",)):
            etree.strip_elements(el, *_DROP_TAGS, with_tail=False)
        if "form" in present:
            etree.strip_tags(el, "form")

    # Captions first: they are found by class and style, which sanitising removes.
    captions = {img: _caption(img) for img in el.iter("img")}
    # One XPath gives every attribute (name, value, element) in document order: the names to strip,
    # and the links to check and make absolute.
    names: set[str] = set()
    links: list[tuple[etree._Element, str, str]] = []
    for attr in _ALL_ATTRIBUTES(el):
        name = attr.attrname
        names.add(name)
        if name == "href" or name == "src":
            links.append((attr.getparent(), name, str(attr)))
    unwanted = names - _KEEP_ATTRS
    if unwanted:
        etree.strip_attributes(el, *unwanted)  # on* handlers, style, class, id ... in one C call

    absolute = _Absolutizer(base)
    images: list[Image] = []
    attachments: list[Attachment] = []
    caption_lines: set[str] = set()
    seen_src: set[str] = set()
    seen_url: set[str] = set()
    for node, key, value in links:
        tag = node.tag
        if _UNSAFE_URL.match(value) and not (tag == "img" and value.strip().startswith("data:image/")):
            del node.attrib[key]
            continue
        value = absolute(value)
        node.set(key, value)
        if tag == "img" and key == "src":
            if value and value not in seen_src:
                seen_src.add(value)
                caption, shown = captions.get(node, (None, False))
                images.append(Image(src=value, caption=caption))
                if caption and shown:
                    caption_lines.add(caption)
        elif (tag == "a" and key == "href" and value and value not in seen_url
              and (_DOC_EXT.search(value) or "download" in value.lower())):
            seen_url.add(value)
            name = normalise_space(_text(node)) or (node.get("title") or "").strip()
            if not name:
                name = value.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
            attachments.append(Attachment(url=value, name=name))

    inner = _inner_html(el)
    return _Body(
        paragraphs=_lines_of_html(inner), html=inner, images=images, attachments=attachments,
        caption_lines=caption_lines,
    )


# lxml's serialiser escapes ">" inside attribute values (as &gt;), so a tag ends at the first ">".
_BLOCK_TAG_RE = re.compile(r"</?(?:" + "|".join(sorted(_BLOCK_TAGS, key=len, reverse=True)) + r")\b[^>]*>")
_ANY_TAG_RE = re.compile(r"<[^>]*>")


def _lines_of_html(markup: str) -> list[str]:
    """`_lines` for serialised, sanitised HTML (no comments, scripts or styles left): the same lines.

    The body's HTML is serialised anyway; splitting it with two regexes is twice as fast as walking
    the tree again (tests/test_parse.py checks both give the same lines on every fixture).
    """
    text = _ANY_TAG_RE.sub("", _BLOCK_TAG_RE.sub(_MARK, markup))
    if "&" in text:
        text = html.unescape(text)
    if "\u200b" in text or "\ufeff" in text:
        text = text.replace("\u200b", "").replace("\ufeff", "")
    out = []
    for line in text.split(_MARK):
        line = " ".join(line.split())
        if line:
            out.append(line)
    return out


def _inner_html(el: etree._Element) -> str:
    """The serialised content of `el` without its own start and end tags."""
    for key in list(el.attrib):
        del el.attrib[key]
    tail, el.tail = el.tail, None
    out = etree.tostring(el, encoding="unicode", method="html")
    el.tail = tail
    start, end = f"<{el.tag}>", f"</{el.tag}>"
    if out.startswith(start) and out.endswith(end):
        return out[len(start) : -len(end)].strip()
    return (html.escape(el.text or "", quote=False) + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in el
    )).strip()


# ---- title, column, missing page -------------------------------------------------------------

_COLUMN = re.compile(r"^【([^【】]{1,40})】\s*(.*)$", re.DOTALL)


def _title_column(raw: str | None) -> tuple[str | None, str | None]:
    """(title, column): a leading `【基层工会动态】` is the column and is removed from the title."""
    title = normalise_space(raw or "")
    m = _COLUMN.match(title)
    if m and m.group(2).strip():
        return m.group(2).strip(), m.group(1).strip()
    return (title or None), None


_MISSING_MAX_PROSE = 200  # characters of other body text that make a "does not exist" page an article


def _missing_message(lines: list[str], patterns: tuple[str, ...]) -> str | None:
    """A short line saying the article does not exist (long lines are article text mentioning it)."""
    for line in lines:
        if len(line) <= 80 and any(p in line for p in patterns):
            return line
    return None


# ---- footer --------------------------------------------------------------------------------------

_CONTACT = re.compile(r"电话|邮箱|E-?mail|地址|邮编|传真", re.IGNORECASE)


@lru_cache(maxsize=256)
def _cached_footer(text: str) -> Footer:
    """parse_footer, remembered: the site footer's text repeats on every page (Footer is frozen)."""
    return parse_footer(text)


def _nonempty(footer: Footer) -> Footer | None:
    # Footer.is_empty() goes through dataclasses.asdict, which is slow enough to show in the benchmark.
    f = footer
    found = (f.org, f.icp, f.police_record, f.phone, f.email, f.address, f.postcode)
    return footer if any(v is not None for v in found) else None


def _footer_from_lines(lines: list[str]) -> Footer | None:
    picked = [line for line in lines if FOOTER_MARKER.search(line) or (len(line) < 200 and _CONTACT.search(line))]
    return _nonempty(_cached_footer("\n".join(picked))) if picked else None


def _footer(footer_el: etree._Element | None, after: list[str]) -> Footer | None:
    """The footer element's fields; else footer lines among `after` (the page text after the body)."""
    if footer_el is not None:
        footer = _nonempty(_cached_footer("\n".join(_lines(footer_el))))
        if footer is not None:
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


def _profile_path(root, found: dict[str, etree._Element | None], compiled: _Compiled, base: str | None) -> _Found:
    info_el = found["info"]
    title = normalise_space(_text(found["title"])) or None
    footer_el = found["footer"]
    if footer_el is not None and found["body"] in footer_el.iterancestors():
        footer_el = None  # a footer selector that matched around the body is not the site footer
    footer = _footer(footer_el, _lines(_page_body(root)) if footer_el is None else [])
    if info_el is not None:
        header = parse_header(" ".join(_lines(info_el)))
    else:
        # No header element: a header line may still stand between the title and the body (a
        # template variant the info selectors do not name); only there, never in the body or sidebar.
        hit = find_header(_lines_between(found["title"], found["body"]))
        header = hit[1] if hit else HeaderFields()
    body = _body(found["body"], base, compiled)
    return _Found(title, header, body, footer, "profile")


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
            lines.extend(_lines(sib))
        node = node.getparent()
    return lines


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
        head_title = normalise_space(_text(t))
    headings = []
    for h in _HEADING_XPATH(root):
        if h is main_el or h.tag in ("title", "html", "body") or main_el in h.iterancestors():
            continue
        text = normalise_space(_text(h))
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
        text = normalise_space(_text(el))
        if not text:
            continue
        leaf = not any(isinstance(d.tag, str) and d.tag in _BLOCK_TAGS for d in el.iterdescendants())
        if (title and text == title) or (leaf and _is_header_line(text)):
            doomed.append(el)
            continue
        if (el.text or "").strip():
            break  # the first element holding text of its own: the article has begun
    for el in doomed:
        _drop(el)


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
    body = _body(block, base, compiled)
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
        header = HeaderFields(published=guessed, views=header.views, source=header.source, author=header.author)
    last_body = body.paragraphs[-1] if body.paragraphs else None
    tail_start = max((i for i, line in enumerate(page_lines) if line == last_body), default=0)
    candidates = compiled.prefilter(root)
    footer_el = _select(compiled.footer, root, candidates)
    if footer_el is not None and main.element in footer_el.iterancestors():
        footer_el = None
    footer = _footer(footer_el, page_lines[tail_start + 1 :])
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
    data = _utf8(body, decoded)
    root = _tree(data)
    base = url
    base_el = next(root.iter("base"), None)
    if base_el is not None and url and base_el.get("href"):
        base = _absolute(url, base_el.get("href", ""))

    candidates = compiled.prefilter(root)
    matched = {key: _select(getattr(compiled, key), root, candidates) for key in ("title", "body", "info", "footer")}
    if matched["title"] is not None and matched["body"] is not None:
        found = _profile_path(root, matched, compiled, base)
        if not found.body.paragraphs or len("".join(found.body.paragraphs)) < 80:
            message = _missing_message(found.body.paragraphs, profile.missing_patterns)
            if message is not None:
                raise ArticleMissing(f"page says the article does not exist: {message}")
    else:
        message = _missing_message(_lines(_page_body(root)), profile.missing_patterns)
        # The fallback extractor works on lxml.html elements: parse again, into those.
        try:
            found = _fallback_path(_tree(data, html_elements=True), compiled, base)
        except ParseError:
            if message is not None:
                raise ArticleMissing(f"page says the article does not exist: {message}") from None
            raise
        # A page saying "does not exist" is missing unless the fallback found an article of some
        # length elsewhere on it (a widget's "内容不存在" on a real article page).
        prose = sum(len(p) for p in found.body.paragraphs if message is None or message not in p)
        if message is not None and prose < _MISSING_MAX_PROSE:
            raise ArticleMissing(f"page says the article does not exist: {message}")

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

