"""Reading a response body safely: streamed, decompressed with a hard cap, under a whole-body deadline.

A gzip bomb costs at most the cap; a body shorter than announced or a gzip stream without its end
marker is an error, never a silently short capture; a server dripping one byte at a time cannot hold
a connection longer than the read timeout. The fetcher (scraper.fetch) calls read_body() once per
response and gets bytes or a typed error back, never an exception.
"""

from __future__ import annotations

import http.client
import re
import zlib

import urllib3
import urllib3.connection
import urllib3.connectionpool
import urllib3.exceptions

from scraper.deadline import Exchange
from scraper.html_end import html_unclosed
from scraper.records import FetchErrorKind

ACCEPT_ENCODING = "gzip, deflate"  # only what BodyDecoder undoes, with a bounded output
CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The decoded body passed the cap."""


class BodyBroken(Exception):
    """A compressed stream that is corrupt or ends early."""


class BodyDecoder:
    """Undo a gzip/deflate content-coding with the output bounded by `limit` bytes.

    Our own decoder rather than urllib3's so that (a) the output of every step is bounded (a gzip bomb
    never inflates past the cap) and (b) a gzip stream that stops before its end-of-stream marker is
    detected as truncated instead of yielding a silently short body. Unknown codings are kept as
    received (the header still says what they are); servers sometimes send nonsense like "utf-8".
    """

    def __init__(self, content_encoding: str | None, limit: int):
        coding = (content_encoding or "").strip().lower()
        self.coding = coding
        self.limit = limit
        self.out = bytearray()
        self._obj = None
        self._pending_deflate = b""  # first bytes of a deflate body, to tell zlib from raw deflate
        self._finished = False  # saw end of stream of the (last) gzip member
        self._fed = 0  # encoded bytes seen; an empty body is empty whatever the header says
        if coding in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif coding == "deflate":
            self._obj = None  # chosen on the first two bytes
        else:
            self.coding = "identity" if coding in ("", "identity") else f"unknown:{coding}"

    def _emit(self, data: bytes) -> None:
        self.out += data
        if len(self.out) > self.limit:
            raise BodyTooLarge

    def _inflate(self, data: bytes) -> None:
        obj = self._obj
        while True:
            room = self.limit - len(self.out) + 1  # one byte more than allowed proves "too large"
            chunk = obj.decompress(data, room)
            self._emit(chunk)
            if obj.eof:
                rest = obj.unused_data
                if self.coding in ("gzip", "x-gzip") and rest.startswith(b"\x1f\x8b"):
                    obj = self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)  # next member
                    data = rest
                    continue
                self._finished = True  # anything after the last member is ignored, like browsers do
                return
            if not obj.unconsumed_tail:
                return
            data = obj.unconsumed_tail

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self._fed += len(data)
        if self.coding == "deflate" and self._obj is None:
            self._pending_deflate += data
            if len(self._pending_deflate) < 2:
                return
            data, self._pending_deflate = self._pending_deflate, b""
            is_zlib = (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._obj = zlib.decompressobj(zlib.MAX_WBITS if is_zlib else -zlib.MAX_WBITS)
        if self._obj is None:  # identity or an unknown coding: kept as received
            self._emit(data)
        elif not self._finished:
            self._feed_zlib(data)

    def _feed_zlib(self, data: bytes) -> None:
        try:
            self._inflate(data)
        except zlib.error as exc:
            raise BodyBroken(f"broken {self.coding} stream: {exc}") from None

    def finish(self) -> bytes:
        """The decoded body; BodyBroken when a compressed stream ended early."""
        if self._pending_deflate:
            raise BodyBroken(f"{self.coding} stream of {len(self._pending_deflate)} byte ends early")
        if self._obj is not None and self._fed and not self._finished:
            raise BodyBroken(f"{self.coding} stream ends before its end marker")
        return bytes(self.out)


def read_body(
    raw: urllib3.HTTPResponse,
    cap: int,
    read_timeout: float,
    keep_prefix: bool = False,
    exchange: Exchange | None = None,
) -> tuple[bytes, FetchErrorKind | None, str | None]:
    """Stream the body through the bounded decoder under a whole-body deadline.

    The deadline is the request's `exchange` when given (the fetcher's: one bound for the whole
    exchange), else `read_timeout` from now. keep_prefix (robots.txt only): a body over the cap is
    cut to the cap instead of refused.
    """
    decoder = BodyDecoder(raw.headers.get("Content-Encoding"), cap)
    declared = _declared_over_cap(raw.headers.get("Content-Length"), cap)
    if not keep_prefix and decoder.coding == "identity" and declared is not None:
        return b"", FetchErrorKind.TOO_LARGE, f"Content-Length {declared} > cap {cap}"
    # read_timeout bounds each wait for data (urllib3) and, here, the whole body: a server that
    # drips one byte at a time would otherwise hold the connection for ever.
    own = exchange is None
    if exchange is None:
        exchange = Exchange(read_timeout).__enter__()
    expired = exchange.expired
    exchange.attach(raw.shutdown)
    late = f"response not complete within {exchange.seconds:g} s"
    try:
        for chunk in raw.stream(CHUNK, decode_content=False):
            decoder.feed(chunk)
            if expired.is_set():
                break
        if expired.is_set():
            return b"", FetchErrorKind.TIMEOUT, late
        body = decoder.finish()
    except BodyTooLarge:
        if keep_prefix:
            return bytes(decoder.out[:cap]), None, None
        return b"", FetchErrorKind.TOO_LARGE, f"body larger than {cap} bytes (after decoding)"
    except BodyBroken as exc:
        return b"", FetchErrorKind.TRUNCATED, str(exc)
    except urllib3.exceptions.ReadTimeoutError as exc:
        return b"", FetchErrorKind.TIMEOUT, describe(exc)
    except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
        if expired.is_set():
            return b"", FetchErrorKind.TIMEOUT, late
        return b"", FetchErrorKind.TRUNCATED, describe(exc)
    finally:
        if own:
            exchange.finish()
    return body, None, None


_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Types a server gives HTML it did not label (or labelled as nothing in particular): the page is
# judged by its first bytes, as a browser sniffs it. An unlabelled close-delimited page cut short
# once became an edit (found by review).
_UNTYPED = ("", "text/plain", "application/octet-stream")
_HTML_START = re.compile(rb"(?:\xef\xbb\xbf)?\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.IGNORECASE | re.DOTALL)


def html_ends_early(headers: urllib3.HTTPHeaderDict, body: bytes) -> str | None:
    """Why an HTML body is a page cut short, or None.

    A close-delimited response (no Content-Length, not chunked) has no way to say it was cut: the
    connection closing half-way looks like the end of the page, and such a capture once became
    version 1, with the full page next time an edit that never happened (issue 13). So an HTML
    answer (by Content-Type) that opens `<html` but has neither `</html>` nor `</body>` is treated as
    truncated; so is an unlabelled (or text/plain, octet-stream) answer that opens as an HTML document.
    A response whose framing proves it complete (a Content-Length that was met, a chunked
    stream that ended) is believed: the fetcher knows nothing of any site's templates.
    """
    if headers.get("Content-Length") is not None or "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return None
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if ctype not in _HTML_TYPES and not (ctype in _UNTYPED and _looks_like_html(body)):
        return None
    if not html_unclosed(body):
        return None
    return f"close-delimited HTML of {len(body)} bytes ends before </body> or </html>: cut short"


def _looks_like_html(body: bytes) -> bool:
    """The body opens as an HTML document (a BOM, white space and comments before it allowed)."""
    return _HTML_START.match(body, 0, 4096) is not None


def _declared_over_cap(value: str | None, cap: int) -> str | None:
    """The Content-Length (digits, shortened when absurd) when it is a number above `cap`, else None.

    Compared by length before int(): a hostile header of thousands of digits must not reach int()'s
    digit limit, and '²' is a digit to str.isdigit but not to int()."""
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) <= len(str(cap)) and int(digits) <= cap:
        return None
    return digits if len(digits) <= 40 else f"{digits[:40]}... ({len(digits)} digits)"


def received_headers(raw: urllib3.HTTPResponse) -> list[tuple[str, str]]:
    """Response headers exactly as received: wire order, duplicates and name casing kept.

    urllib3's HTTPHeaderDict groups repeated names together (A:1, B:2, A:3 comes back as A:1, A:3,
    B:2), so the http.client message underneath it is read when there is one; an archive that exports
    WARC records wants the order the server sent.
    """
    original = getattr(raw, "_original_response", None)
    msg = getattr(original, "msg", None)
    if msg is not None and hasattr(msg, "raw_items"):
        return [(str(k), str(v)) for k, v in msg.raw_items()]
    return [(str(k), str(v)) for k, v in raw.headers.items()]


def describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:500]
