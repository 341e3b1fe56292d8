"""The body's HTML made safe to store and show: no active content, no styling, absolute links.

Elements that run or embed something (iframes, objects, forms' controls ...) go, every attribute but
a few presentational ones goes (event handlers, style, class, id), links with script or file URLs
lose them, and the remaining links and image sources become absolute against the page's base URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import urljoin

from lxml import etree

__all__ = ["absolute_url", "drop_active_elements", "inner_html", "sanitise_attributes"]

# A player's children (<video>'s "您的浏览器不支持视频播放" fallback, <source>, <track>) are for other
# browsers, not article text; the video itself is recorded from the page (scraper/requisites.py).
_DROP_TAGS = (
    "iframe", "frame", "frameset", "object", "embed", "applet", "link", "meta", "base", "input", "button",
    "select", "textarea", "svg", "math", "canvas", "dialog", "video", "audio",
)
_KEEP_ATTRS = frozenset(("href", "src", "alt", "title", "colspan", "rowspan", "width", "height"))
_UNSAFE_URL = re.compile(r"^\s*(?:javascript|vbscript|data|file):", re.IGNORECASE)


def absolute_url(base: str | None, value: str) -> str:
    """`value` resolved against `base` (unchanged when there is no base or it cannot be joined)."""
    value = value.strip()
    if not base:
        return value
    try:
        return urljoin(base, value)
    except ValueError:
        return value


def drop_active_elements(el: etree._Element) -> None:
    """Remove elements that run or embed content (their subtree too) and unwrap forms."""
    etree.strip_elements(el, *_DROP_TAGS, with_tail=False)
    etree.strip_tags(el, "form")


def sanitise_attributes(
    el: etree._Element, base: str | None, before_img: Callable[[etree._Element], object] | None = None
) -> list[tuple[etree._Element, str, str]]:
    """Strip unwanted attributes and unsafe links below `el`, make the rest absolute; the links kept,
    as (element, "href" or "src", absolute URL) in document order. `before_img` is called with each
    <img> before its attributes or any after it in document order are touched (captions are read
    from the class and style of what follows an image)."""
    keep = _KEEP_ATTRS
    kept: list[tuple[etree._Element, str, str]] = []
    for node in el.iter(etree.Element):
        if node.tag == "img":
            if before_img is not None:
                before_img(node)
            _load_lazy_src(node)
        attrib = node.attrib
        if not attrib:
            continue
        if keep.isdisjoint(attrib):  # only unwanted ones (most often a style): no value is read
            attrib.clear()
            continue
        wanted = [(name, value) for name, value in attrib.items() if name in keep]
        if len(wanted) < len(attrib):
            # Unwanted attributes (on* handlers, style, class, id ...) go all at once: deleting one by
            # name would make lxml parse the name, and a name such as `{{style}}` (an unrendered
            # template variable) reads as a namespace it refuses (issue 13).
            attrib.clear()
            for name, value in wanted:
                attrib[name] = value
        for name, value in wanted:
            if name == "href" or name == "src":
                if _UNSAFE_URL.match(value) and not (node.tag == "img" and value.strip().startswith("data:image/")):
                    del attrib[name]
                    continue
                value = absolute_url(base, value)
                attrib[name] = value
                kept.append((node, name, value))
    return kept


# Where lazy-loading pages (WeChat, most CMS themes) keep the real image until a script swaps it in.
_LAZY_SRC = ("data-src", "data-original", "data-url", "data-lazy-src", "data-echo")
_PLACEHOLDER = re.compile(r"^\s*data:|(?:^|/)(?:loading|lazy|blank|placeholder|spacer|grey|gray|pixel)[^/]*$", re.IGNORECASE)


def _load_lazy_src(img: etree._Element) -> None:
    """Give an image its lazy-loaded source (`data-src`) when its `src` is missing or a placeholder
    (a data: URI, loading.gif): what a reader sees once the page's script has run."""
    src = img.get("src")
    if src and not _PLACEHOLDER.search(src):
        return
    for key in _LAZY_SRC:
        value = (img.get(key) or "").strip()
        if value and not value.startswith("data:"):
            img.set("src", value)
            return


def inner_html(el: etree._Element) -> str:
    """The serialised content of `el` without its own start and end tags."""
    el.attrib.clear()
    tail, el.tail = el.tail, None
    out = etree.tostring(el, encoding="unicode", method="html")
    el.tail = tail
    start, end = f"<{el.tag}>", f"</{el.tag}>"
    if out.startswith(start) and out.endswith(end):
        return out[len(start) : -len(end)].strip()
    return (html.escape(el.text or "", quote=False) + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in el
    )).strip()
