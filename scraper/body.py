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
from scraper.sanitize import absolute_url, drop_active_elements, inner_html, sanitise_attributes

__all__ = ["Body", "attachments_after", "extract_body", "is_control_line"]

# A link to one of these (or with "download" in it) is an attachment.
_DOC_EXT = re.compile(
    r"\.(?:docx?|xlsx?|pptx?|pdf|zip|rar|7z|txt|wps|et|dps|csv|tar|gz|ofd|ceb)(?:$|[?#])", re.IGNORECASE
)

# A line of page controls only (【打印本页】【关闭窗口】, [打印] [关闭], 字体：大 中 小, 分享到：): a
# template's furniture inside the body element, whatever its class (the profile's strip selectors
# name the simulator's). Prose that mentions 打印 or 分享 is never only controls.
_CONTROL = (
    r"[【\[]?\s*(?:打印本页|打印此页|打印文章|打印本文|打印|关闭窗口|关闭本页|关闭|返回顶部|返回首页|返回|加入收藏|收藏本页"
    r"|收藏|分享到|分享至|分享|字体大小|字体|字号)\s*[:：]?\s*(?:[【\[]?\s*(?:默认|[大中小])\s*[】\]]?\s*){0,5}[】\]]?"
)
_CONTROL_LINE = re.compile(rf"(?:{_CONTROL}\s*[|｜/]?\s*)+")
_CONTROL_MAX = 60


def is_control_line(line: str) -> bool:
    """Whether `line` is page controls only (print, close, font size, share), never prose."""
    return len(line) <= _CONTROL_MAX and _CONTROL_LINE.fullmatch(line) is not None


_CONTROL_CHILDREN = 8  # a line of controls is a few links or spans


def _drop_control_elements(el: etree._Element, lines: set[str]) -> None:
    """Remove from `el` the innermost elements whose whole text is one of the control `lines`."""
    doomed = [node for node in el.iterdescendants() if isinstance(node.tag, str) and len(node) <= _CONTROL_CHILDREN
              and normalise_space(text_of(node)) in lines]
    outer = [node for node in doomed if not any(d in doomed for d in node.iterancestors())]
    for node in outer:
        drop_element(node)


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

    paragraphs = text_lines(el)
    controls = {line for line in paragraphs if len(line) <= _CONTROL_MAX and _CONTROL_LINE.fullmatch(line)}
    if controls:
        _drop_control_elements(el, controls)
        paragraphs = [line for line in paragraphs if line not in controls]
    return Body(
        paragraphs=paragraphs, html=inner_html(el), images=images, attachments=attachments,
        caption_lines=caption_lines,
    )


def _attachment(node: etree._Element, url: str) -> Attachment:
    name = normalise_space(text_of(node)) or (node.get("title") or "").strip()
    if not name:
        name = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    return Attachment(url=url, name=name)


def _is_document_link(url: str) -> bool:
    return bool(_DOC_EXT.search(url)) or "download" in url.lower()


_ATTACHMENT_LABEL = re.compile(r"^\s*(?:相关)?附件\s*\d*\s*[:：]?")
_SIBLINGS_AFTER = 3


def attachments_after(el: etree._Element, base: str | None, known: list[Attachment]) -> list[Attachment]:
    """Attachments in an attachment block right after the body element (`<div class="attach">附件：
    <a href="...docx">...</a></div>`): one of the next few siblings of the body (of its parent when
    the body is its parent's last element), whose text opens with 附件 or is all document links."""
    seen = {a.url for a in known}
    found: list[Attachment] = []
    holder: etree._Element | None = el
    for _level in range(2):
        if holder is None or (_level and el.getnext() is not None):
            break
        for count, sib in enumerate(holder.itersiblings()):
            if count >= _SIBLINGS_AFTER or not isinstance(sib.tag, str):
                break
            links = [a for a in sib.iter("a") if _is_document_link(a.get("href") or "")]
            if not links:
                continue
            text = normalise_space(text_of(sib))
            link_text = sum(len(normalise_space(text_of(a))) for a in links)
            if not (_ATTACHMENT_LABEL.match(text) or link_text * 2 >= len(text.replace(" ", ""))):
                continue
            for a in links:
                url = absolute_url(base, a.get("href") or "")
                if url not in seen:
                    seen.add(url)
                    found.append(_attachment(a, url))
        if found:
            break
        holder = holder.getparent()
    return found
