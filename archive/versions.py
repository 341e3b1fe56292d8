"""Normalisation and field-level comparison of article content and footers.

A version is created only when what a reader sees as the article changes. So every comparison runs
on normalised values: Unicode NFC, whitespace runs collapsed (layout and indentation differ between
the site's eras and hosts), and image/attachment URLs reduced to path and query (the same article
served on another host alias links the same files under that host). `body_html` is kept with a
version but never compared: it is layout.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import fields, replace
from urllib.parse import urlsplit

from archive.model import ArticleContent, FooterContent

# Compared fields, in the order changed-field lists report them.
COMPARED_FIELDS: tuple[str, ...] = (
    "title",
    "column",
    "published_at",
    "source",
    "author",
    "body_text",
    "signature",
    "images",
    "attachments",
)
FOOTER_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(FooterContent))

# Python's \s covers U+3000 (ideographic space), NBSP and the other Unicode spaces.
_WS = re.compile(r"\s+")
# Zero-width characters that some editors sprinkle into text; invisible, so never an edit.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def normalize_text(value: str | None) -> str | None:
    """NFC, invisible characters dropped, whitespace runs collapsed to one space, ends trimmed;
    an empty result is None (absent and empty are the same to a reader)."""
    if value is None:
        return None
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", value))
    text = _WS.sub(" ", text).strip()
    return text or None


def normalize_body(value: str | None) -> str:
    """Each line normalised like normalize_text, blank lines dropped, paragraphs joined by one blank line."""
    if not value:
        return ""
    lines = (normalize_text(line) for line in unicodedata.normalize("NFC", value).splitlines())
    return "\n\n".join(line for line in lines if line)


def normalize_content(content: ArticleContent) -> ArticleContent:
    """The content as stored in a version: normalised text, tuples of normalised pairs."""
    return replace(
        content,
        title=normalize_text(content.title),
        column=normalize_text(content.column),
        published_at=normalize_text(content.published_at),
        source=normalize_text(content.source),
        author=normalize_text(content.author),
        body_text=normalize_body(content.body_text),
        body_html=content.body_html or "",
        images=tuple((src.strip(), normalize_text(caption)) for src, caption in content.images),
        attachments=tuple((url.strip(), normalize_text(name) or "") for url, name in content.attachments),
        signature=normalize_text(content.signature),
    )


def _url_key(url: str) -> str:
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def comparison_key(content: ArticleContent) -> dict[str, object]:
    """The values that decide whether two contents are the same version (input need not be normalised)."""
    c = normalize_content(content)
    return {
        "title": c.title,
        "column": c.column,
        "published_at": c.published_at,
        "source": c.source,
        "author": c.author,
        "body_text": c.body_text,
        "signature": c.signature,
        "images": [[_url_key(src), caption] for src, caption in c.images],
        "attachments": [[_url_key(url), name] for url, name in c.attachments],
    }


def content_hash(content: ArticleContent) -> str:
    """SHA-256 over the comparison key; equal hashes mean no new version."""
    return key_hash(comparison_key(content))


def key_hash(key: dict[str, object]) -> str:
    """content_hash of the content whose comparison_key is `key`."""
    blob = json.dumps(key, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def changed_fields(old: ArticleContent, new: ArticleContent) -> tuple[str, ...]:
    """Names of the compared fields that differ, in COMPARED_FIELDS order; empty when the same version."""
    return changed_between(comparison_key(old), comparison_key(new))


def changed_between(old: dict[str, object], new: dict[str, object]) -> tuple[str, ...]:
    """changed_fields of two contents given by their comparison keys."""
    return tuple(name for name in COMPARED_FIELDS if old[name] != new[name])


def present_fields(content: ArticleContent) -> tuple[str, ...]:
    """The compared fields that carry a value: the changed fields of a first version."""
    return present_in(comparison_key(content))


def present_in(key: dict[str, object]) -> tuple[str, ...]:
    """present_fields of the content whose comparison_key is `key`."""
    return tuple(name for name in COMPARED_FIELDS if key[name])


def has_title_and_body(content: ArticleContent) -> bool:
    """A full parse: the page gave both a title and body text."""
    return bool(normalize_text(content.title)) and bool(normalize_body(content.body_text))


def is_blank(content: ArticleContent) -> bool:
    """No title and no body text: nothing a reader would call an article."""
    return not normalize_text(content.title) and not normalize_body(content.body_text)


# ---- footer ----


def normalize_footer(footer: FooterContent) -> FooterContent:
    return FooterContent(**{name: normalize_text(getattr(footer, name)) for name in FOOTER_FIELDS})


def footer_is_empty(footer: FooterContent) -> bool:
    n = normalize_footer(footer)
    return all(getattr(n, name) is None for name in FOOTER_FIELDS)


def footer_hash(footer: FooterContent) -> str:
    n = normalize_footer(footer)
    blob = json.dumps([getattr(n, name) for name in FOOTER_FIELDS], ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def footer_changed_fields(old: FooterContent, new: FooterContent) -> tuple[str, ...]:
    a, b = normalize_footer(old), normalize_footer(new)
    return tuple(name for name in FOOTER_FIELDS if getattr(a, name) != getattr(b, name))


def footer_present_fields(footer: FooterContent) -> tuple[str, ...]:
    n = normalize_footer(footer)
    return tuple(name for name in FOOTER_FIELDS if getattr(n, name) is not None)
