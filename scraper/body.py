"""The article body element -> paragraphs, sanitised HTML, images with captions, attachments.

The profile's strip selectors remove page furniture inside the body (font-size control, share links,
previous/next); `scraper.sanitize` makes the HTML safe; image captions are read before sanitising
removes the class and style they are recognised by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from scraper.header import normalise_space
from scraper.htmltree import drop_element, text_lines, text_of
from scraper.profile import CompiledProfile, select_all
from scraper.records import Attachment, Image
from scraper.sanitize import drop_active_elements, inner_html, sanitise_attributes

__all__ = ["Body", "extract_body"]

# A link to one of these (or with "download" in it) is an attachment.
_DOC_EXT = re.compile(
    r"\.(?:docx?|xlsx?|pptx?|pdf|zip|rar|7z|txt|wps|et|dps|csv|tar|gz|ofd|ceb)(?:$|[?#])", re.IGNORECASE
)

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
        text = normalise_space(text_of(cand))
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
        return normalise_space(text_of(el)), True
    for key in ("alt", "title"):
        value = normalise_space(img.get(key) or "")
        if value and not _IMAGE_FILE.search(value):
            return value, False
    return None, False


@dataclass
class Body:
    """The body fields of a record, before signature and caption lines leave the paragraphs."""

    paragraphs: list[str]
    html: str
    images: list[Image]
    attachments: list[Attachment]
    caption_lines: set[str]  # caption texts shown in the body: they leave body_text for images[]


def extract_body(el: etree._Element, base: str | None, compiled: CompiledProfile) -> Body:
    """Clean the body element `el` in place and read the body fields out of it."""
    for junk in select_all(compiled.strip, el):
        if junk is not el and junk.getparent() is not None:
            drop_element(junk)
    drop_active_elements(el)

    # Captions are found by class and style, which sanitising removes: each image's is read as the
    # sanitising walk reaches it, before anything after it (where its caption is) has been touched.
    captions: dict[etree._Element, tuple[str | None, bool]] = {}
    links = sanitise_attributes(el, base, lambda img: captions.__setitem__(img, _caption(img)))

    images: list[Image] = []
    attachments: list[Attachment] = []
    caption_lines: set[str] = set()
    seen_src: set[str] = set()
    seen_url: set[str] = set()
    for node, key, value in links:
        tag = node.tag
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
            name = normalise_space(text_of(node)) or (node.get("title") or "").strip()
            if not name:
                name = value.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
            attachments.append(Attachment(url=value, name=name))

    inner = inner_html(el)
    return Body(
        paragraphs=text_lines(el), html=inner, images=images, attachments=attachments,
        caption_lines=caption_lines,
    )
