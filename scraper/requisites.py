"""What a page or a stylesheet references: its images, stylesheets, scripts, attachments and videos.

An archived page replays complete only with these, and a notice often *is* its attachment. Images
come from `src`, `data-src` (lazy loading) and every `srcset` candidate; stylesheets from
`<link rel=stylesheet>`; scripts from `<script src>`; videos from `<video>`, `<source>` and `<embed>`;
attachments are the article body's document links (scraper/body.py decides which links those are)
plus any page link ending in a document extension. A stylesheet's `url(...)` and `@import` give its
images, fonts and imported stylesheets. URLs are resolved against the page (and its `<base href>`);
only http(s) URLs are kept, and the caller decides which hosts may be fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

from scraper.encoding import decode
from scraper.hosts import join_link
from scraper.records import Requisite, RequisiteRole

__all__ = ["css_requisites", "is_document_url", "names_a_file", "page_requisites"]

_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, no_network=True, huge_tree=True)
_DOC_EXT = re.compile(r"\.(?:docx?|xlsx?|pptx?|pdf|zip|rar|7z|wps|et|dps|csv|ofd)(?:$|[?#])", re.IGNORECASE)
_VIDEO_EXT = re.compile(r"\.(?:mp4|m4v|webm|flv|mov|avi|wmv|m3u8)(?:$|[?#])", re.IGNORECASE)
_IMAGE_EXT = re.compile(r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico)(?:$|[?#])", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+?)\1\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])([^'"]+)\1""", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
MAX_REQUISITES = 500  # a page naming more is hostile or broken: the first ones are kept


def is_document_url(url: str) -> bool:
    """The URL names a document (pdf, doc(x) ...) by its extension: an HTML answer there is no document."""
    return bool(_DOC_EXT.search(url.split("#", 1)[0]))


_CODE_EXT = re.compile(r"\.(?:css|js)(?:$|[?#])", re.IGNORECASE)


def names_a_file(url: str) -> bool:
    """The URL names a file that is never a web page (document, image, video, stylesheet, script) by
    its extension: an HTML answer there is the site's error or home page, not the file."""
    path = url.split("#", 1)[0]
    return any(ext.search(path) for ext in (_DOC_EXT, _IMAGE_EXT, _VIDEO_EXT, _CODE_EXT))


def _srcset(value: str) -> list[str]:
    """The URLs of a srcset attribute ("a.jpg 1x, b.jpg 2x")."""
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def _add(out: dict[str, Requisite], base: str, ref: str | None, role: RequisiteRole) -> None:
    if not ref or len(out) >= MAX_REQUISITES:
        return
    ref = ref.strip()
    if not ref or ref.startswith(("data:", "javascript:", "mailto:", "#", "about:", "blob:")):
        return
    url = join_link(base, ref)
    if url is None:
        return
    url = url.split("#", 1)[0]
    if url not in out:
        out[url] = Requisite(url, role)


def page_requisites(
    body: bytes,
    url: str,
    content_type: str | None = None,
    attachments: Iterable[str] = (),
    text: str | None = None,
) -> list[Requisite]:
    """Everything the HTML page at `url` references, in document order, each URL once.

    `attachments` are the body's document links as the article parser found them (always kept);
    `text` is the body already decoded (scraper.encoding.decode), when the caller has it.
    """
    out: dict[str, Requisite] = {}
    for link in attachments:
        _add(out, url, link, RequisiteRole.ATTACHMENT)
    if not body:
        return list(out.values())
    if text is None:
        text = decode(body, content_type).text
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), _PARSER)
    except (etree.LxmlError, ValueError):
        return list(out.values())
    if root is None:
        return list(out.values())
    base = url
    for el in root.iter("base"):
        joined = join_link(url, el.get("href") or "")
        if joined:
            base = joined
        break
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "img":
            _add(out, base, el.get("src"), RequisiteRole.IMAGE)
            _add(out, base, el.get("data-src"), RequisiteRole.IMAGE)
            for candidate in _srcset(el.get("srcset") or "") + _srcset(el.get("data-srcset") or ""):
                _add(out, base, candidate, RequisiteRole.IMAGE)
        elif tag == "link" and "stylesheet" in (el.get("rel") or "").lower().split():
            _add(out, base, el.get("href"), RequisiteRole.STYLESHEET)
        elif tag == "link" and "icon" in (el.get("rel") or "").lower().split():
            _add(out, base, el.get("href"), RequisiteRole.IMAGE)
        elif tag == "script":
            _add(out, base, el.get("src"), RequisiteRole.SCRIPT)
        elif tag in ("video", "source", "embed"):
            src = el.get("src")
            role = RequisiteRole.IMAGE if src and _IMAGE_EXT.search(src) else RequisiteRole.VIDEO
            _add(out, base, src, role)
            _add(out, base, el.get("poster"), RequisiteRole.IMAGE)
        elif tag == "a":
            href = el.get("href") or ""
            if _DOC_EXT.search(href):
                _add(out, base, href, RequisiteRole.ATTACHMENT)
            elif _VIDEO_EXT.search(href):
                _add(out, base, href, RequisiteRole.VIDEO)
        elif tag == "style" and el.text:
            for ref, role in _css_refs(el.text):
                _add(out, base, ref, role)
        style = el.get("style") if tag else None
        if style and "url(" in style:
            for ref, role in _css_refs(style):
                _add(out, base, ref, role)
    return list(out.values())


def _css_refs(text: str) -> list[tuple[str, RequisiteRole]]:
    text = _CSS_COMMENT.sub("", text)
    refs: list[tuple[str, RequisiteRole]] = [(m.group(2), RequisiteRole.STYLESHEET) for m in _CSS_IMPORT.finditer(text)]
    for m in _CSS_URL.finditer(text):
        ref = m.group(2).strip()
        if ref.lower().endswith(".css"):
            role = RequisiteRole.STYLESHEET
        elif _IMAGE_EXT.search(ref):
            role = RequisiteRole.IMAGE
        else:
            role = RequisiteRole.OTHER  # fonts and the like
        refs.append((ref, role))
    return refs


def css_requisites(body: bytes, url: str, content_type: str | None = None) -> list[Requisite]:
    """The `url(...)` and `@import` references of the stylesheet at `url`, each once."""
    out: dict[str, Requisite] = {}
    for ref, role in _css_refs(decode(body, content_type).text):
        _add(out, url, ref, role)
    return list(out.values())
