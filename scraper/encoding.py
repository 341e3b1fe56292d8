"""Bytes -> text, with the charset decided the way an archivist can defend.

Chinese sites lie about their charset in every direction: GBK pages with no meta tag, meta tags that
say gb2312 over UTF-8 bytes, servers that send ``charset=iso-8859-1`` (or nothing, which `requests`
turns into ISO-8859-1) for Chinese text, and old pages with a stray broken byte. The chain below
trusts a declaration only when the bytes agree with it:

1. a byte-order mark;
2. the HTTP ``charset`` parameter;
3. the page's own ``<meta charset>`` / ``http-equiv="Content-Type"`` in the first 8 KB (``charset=``
   on a ``<script>`` tag, in a comment or inside script text is not the page's);
   each declaration is accepted only if a strict decode of the whole body succeeds, a non-UTF-8
   declaration is overruled when the bytes are convincingly UTF-8, and a single-byte declaration
   (latin-1, windows-1252, ...) is overruled when the bytes decode strictly as GB18030 into CJK text;
4. UTF-8 strict; 5. GB18030 strict (gb2312/gbk/cp936 labels are read as GB18030, their superset);
6. the first of declared/UTF-8/GB18030 that decodes with only a handful of broken sequences (old
   pages carry a truncated character or two; losing the page to a detector guess is worse);
7. charset-normalizer on a bounded prefix; 8. UTF-8 with replacement characters.

`Decoded.source` names the step that decided (`scraper.records.EncodingSource`).

`decode` never raises and its work is bounded (regexes over a fixed prefix, the detector on at most
64 KB), so hostile bytes cannot hang a crawl.
"""

from __future__ import annotations

import codecs
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from scraper.records import EncodingSource

__all__ = ["Decoded", "decode", "normalise_charset"]

META_SCAN_BYTES = 8192
DETECTOR_BYTES = 65536
# Broken sequences tolerated in step 6: one per 200 non-ASCII bytes (at least 4, at most 256).
# Text in another encoding breaks far more often than that: random bytes fail every few characters.
BROKEN_RATIO = 200
MIN_BROKEN = 4
MAX_BROKEN = 256


@dataclass(frozen=True)
class Decoded:
    """Decoded text, the Python codec name used, and which step of the chain decided it."""

    text: str
    encoding: str  # Python codec name, e.g. "utf-8", "gb18030", "cp1252"
    source: EncodingSource


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Labels browsers treat as one encoding; GB18030 is a strict superset of GB2312 and GBK, and the
# WHATWG maps latin-1/ascii labels to windows-1252.
_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "windows-936": "gb18030",
    "csgb2312": "gb18030",
    "chinese": "gb18030",
    "euc-cn": "gb18030",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-sjis": "shift_jis",
    "big5-hkscs": "big5hkscs",
    "x-euc-tw": "big5",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
}

# Python codec names a web page may legitimately declare; anything else (rot13, base64,
# unicode_escape, idna...) is not a charset and is ignored.
_WEB_CODEC = re.compile(
    r"^(?:utf-8|utf-16(?:-[lb]e)?|utf-32(?:-[lb]e)?|gb18030|big5|big5hkscs|shift_jis|cp932|euc_jp|"
    r"iso2022_jp(?:_\w+)?|euc_kr|cp949|iso8859-\d{1,2}|cp12[5]\d|cp874|cp866|koi8-[ru]|mac-\w+|"
    r"tis-620|ascii|latin-1)$"
)
_MULTIBYTE = re.compile(r"^(?:utf-|gb18030|big5|shift_jis|cp932|euc_|iso2022|cp949)")


@lru_cache(maxsize=256)  # a handful of labels recur on every page; codecs.lookup costs ~1 us
def normalise_charset(label: str | None) -> str | None:
    """A declared charset label -> the Python codec we decode it with, or None if unusable."""
    if not label:
        return None
    key = label.strip().strip("\"'").strip().lower()
    if not key or len(key) > 40:
        return None
    key = _ALIASES.get(key, key)
    try:
        name = codecs.lookup(key).name
    except (LookupError, ValueError):
        return None
    name = _ALIASES.get(name, name)
    return name if _WEB_CODEC.match(name) else None


_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)


@lru_cache(maxsize=256)
def _http_charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    m = _CT_CHARSET.search(content_type[:1000])
    return m.group(1) if m else None


_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_SCRIPT = re.compile(r"<(script|style)\b.*?(?:</\1\s*>|$)", re.DOTALL | re.IGNORECASE)
_META_TAG = re.compile(r"<meta\b[^>]{0,1000}>?", re.IGNORECASE)
_META_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)


def _meta_charset(body: bytes) -> str | None:
    """The charset the page declares for itself in a <meta> tag near its start."""
    head = body[:META_SCAN_BYTES].decode("latin-1")
    head = _COMMENT.sub(" ", head)
    head = _SCRIPT.sub(" ", head)
    for tag in _META_TAG.finditer(head):
        m = _META_CHARSET.search(tag.group(0))
        if m:
            name = m.group(1)
            # WHATWG: a page cannot declare itself UTF-16/32 in a meta tag it managed to write in ASCII.
            norm = normalise_charset(name)
            if norm and norm.startswith(("utf-16", "utf-32")):
                return "utf-8"
            return name
    return None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


class _Body:
    """The body plus lazily computed strict UTF-8 / GB18030 trials (each done at most once)."""

    def __init__(self, body: bytes):
        self.body = body
        self._utf8: str | None | bool = False
        self._gb: str | None | bool = False
        self._gb_loose: str | None | bool = False
        self._utf8_loose: tuple[str, int] | None | bool = False
        self.ascii = body.isascii()

    @property
    def utf8(self) -> str | None:
        if self._utf8 is False:
            self._utf8 = _strict(self.body, "utf-8")
        return self._utf8  # type: ignore[return-value]

    @property
    def gb(self) -> str | None:
        if self._gb is False:
            self._gb = _strict(self.body, "gb18030")
        return self._gb  # type: ignore[return-value]

    @property
    def gb_loose(self) -> str | None:
        """GB18030 allowing the few broken sequences `_tolerant` accepts."""
        if self._gb_loose is False:
            loose = _tolerant(self.body, "gb18030") if self.gb is None else None
            self._gb_loose = self.gb if self.gb is not None else (loose[0] if loose else None)
        return self._gb_loose  # type: ignore[return-value]

    @property
    def utf8_loose(self) -> tuple[str, int] | None:
        """UTF-8 allowing the few broken sequences `_tolerant` accepts, and how many there were."""
        if self._utf8_loose is False:
            self._utf8_loose = (self.utf8, 0) if self.utf8 is not None else _tolerant(self.body, "utf-8")
        return self._utf8_loose  # type: ignore[return-value]

    def convincing_utf8(self) -> bool:
        """UTF-8 (strict, or with a stray byte or a truncated last character) with enough multi-byte
        sequences that coincidence is implausible."""
        if self.ascii or self.utf8_loose is None:
            return False
        text, broken = self.utf8_loose
        if broken:
            # Ten good 3/4-byte characters per broken sequence: GBK read as UTF-8 breaks at nearly
            # every character and forms almost no valid 3-byte sequence.
            wide = len(_WIDE.findall(text, 0, 1_000_000))
            return wide >= 10 * broken
        # One 3- or 4-byte sequence is enough: GBK or latin-1 bytes almost never form one.
        if _WIDE.search(text):
            return True
        return len(_TWO_BYTE.findall(text, 0, 1_000_000)) >= 3

    def cjk_gb18030(self) -> bool:
        """Decodes as GB18030 (a few broken bytes allowed) into overwhelmingly CJK text."""
        if self.ascii or self.gb_loose is None:
            return False
        non_ascii = len(_NON_ASCII.findall(self.gb_loose))
        cjk = len(_CJK.findall(self.gb_loose))
        return cjk >= 2 and cjk >= 0.9 * non_ascii


_WIDE = re.compile("[\u0800-\ufffc\ufffe-\U0010ffff]")  # U+FFFD (a broken sequence) excluded
_TWO_BYTE = re.compile("[\u0080-\u07ff]")
_NON_ASCII = re.compile("[^\x00-\x7f]")
# CJK ideographs (incl. extension A), CJK punctuation, full-width forms, general punctuation.
_CJK = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\u3000-\u303f\uff00-\uffef\u2000-\u206f]")


def _accept_declared(b: _Body, codec: str) -> str | None:
    """Text for a declared codec if the bytes agree with the declaration, else None."""
    wide = codec.startswith(("utf-16", "utf-32"))
    if wide and b"\x00" not in b.body[:4096]:
        # HTML in UTF-16/32 has a NUL in nearly every ASCII character of its markup; a page without
        # one is not in that encoding, however cleanly the bytes pair up (an even-length UTF-8 page
        # decodes as UTF-16 without an error: a "charset=utf-16" header made every page a parse error).
        return None
    if codec != "utf-8" and not wide and b.convincing_utf8():
        return None
    if not _MULTIBYTE.match(codec) and b.cjk_gb18030():
        return None
    if codec == "utf-8":
        return b.utf8
    if codec == "gb18030":
        return b.gb
    return _strict(b.body, codec)


_tolerance = threading.local()
_ASCII_BYTES = bytes(range(128))
_NEVER_IN_UTF8 = b"\xc0\xc1" + bytes(range(0xF5, 0x100))  # bytes no valid UTF-8 sequence contains


def _count_broken(err: UnicodeError) -> tuple[str, int]:
    """Error handler for `_tolerant`: replace a broken sequence until the per-call budget is spent."""
    _tolerance.left -= 1
    if _tolerance.left < 0 or not isinstance(err, UnicodeDecodeError):
        raise err
    return ("\ufffd", err.end)


codecs.register_error("ncgh-tolerant", _count_broken)


def _tolerant(body: bytes, codec: str) -> tuple[str, int] | None:
    """Decode allowing a few broken sequences (a truncated character, a cut-off last byte);
    the text and how many sequences were broken, or None when there were too many."""
    if codec == "utf-8":
        # Each of these bytes is a broken UTF-8 sequence of its own; more of them than the largest
        # budget the body could have means too many, decided without a Python error-handler call
        # per broken sequence (what a GBK page would cost).
        never = len(body) - len(body.translate(None, _NEVER_IN_UTF8))
        if never > min(MAX_BROKEN, max(MIN_BROKEN, len(body) // BROKEN_RATIO)):
            return None
    non_ascii = len(body.translate(None, _ASCII_BYTES))
    budget = min(MAX_BROKEN, max(MIN_BROKEN, non_ascii // BROKEN_RATIO))
    if codec == "utf-8" and never > budget:
        return None
    _tolerance.left = budget
    try:
        text = body.decode(codec, errors="ncgh-tolerant")
    except (UnicodeDecodeError, LookupError):
        return None
    return text, budget - _tolerance.left


def _detect(body: bytes) -> Decoded | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:DETECTOR_BYTES]).best()
    except Exception:  # a detector bug must not lose the page; we still have the last step
        return None
    if best is None or not best.encoding:
        return None
    codec = normalise_charset(best.encoding)
    if codec is None:
        return None
    try:
        return Decoded(body.decode(codec, errors="replace"), codec, EncodingSource.DETECTOR)
    except LookupError:
        return None


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode a fetched body; `content_type` is the raw HTTP Content-Type header, if any."""
    body = bytes(body)
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, errors="replace")
            return Decoded(text, codec, EncodingSource.BOM)

    b = _Body(body)
    declared: list[tuple[str, EncodingSource]] = []
    for source in (EncodingSource.HTTP, EncodingSource.META):
        # The meta scan (regexes over 8 KB, ~20 us) runs only when the HTTP charset was not accepted.
        label = _http_charset(content_type) if source == EncodingSource.HTTP else _meta_charset(body)
        codec = normalise_charset(label)
        if codec is None or any(codec == c for c, _ in declared):
            continue
        declared.append((codec, source))
        text = _accept_declared(b, codec)
        if text is not None:
            return Decoded(text, codec, source)

    if b.utf8 is not None:
        return Decoded(b.utf8, "utf-8", EncodingSource.UTF8)
    if b.convincing_utf8() and b.utf8_loose is not None:
        return Decoded(b.utf8_loose[0], "utf-8", EncodingSource.UTF8)  # truncated or with a stray byte
    if b.gb is not None:
        return Decoded(b.gb, "gb18030", EncodingSource.GB18030)

    # UTF-8 first: text in any other encoding breaks as UTF-8 at nearly every character, so UTF-8
    # within the budget is decisive, while UTF-8 bytes with a stray byte can pass as GB18030.
    candidates = [("utf-8", EncodingSource.UTF8)] + [(c, s) for c, s in declared if _MULTIBYTE.match(c)]
    candidates.append(("gb18030", EncodingSource.GB18030))
    seen: set[str] = set()
    for codec, source in candidates:
        if codec in seen:
            continue
        seen.add(codec)
        result = _tolerant(body, codec)
        if result is not None:
            return Decoded(result[0], codec, source)

    detected = _detect(body)
    if detected is not None:
        return detected
    return Decoded(body.decode("utf-8", errors="replace"), "utf-8", EncodingSource.REPLACEMENT)
