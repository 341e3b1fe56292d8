"""Whether an HTML document reached its end: it opens `<html` and closes `</body>` or `</html>`.

Every one of the 107 real Chinese pages in ../shared/realpages that opens `<html` closes it, so a page
that does not was cut: by the connection (scraper.http_body, for close-delimited answers) or by a
server that stopped rendering inside a complete HTTP framing (ncgh.pipeline, for article pages).
Kept apart from http_body so a parser process need not import urllib3.
"""

from __future__ import annotations

import re

_HTML_OPEN = re.compile(rb"<html[\s>]", re.IGNORECASE)
_HTML_CLOSE = re.compile(rb"</(?:html|body)\s*>", re.IGNORECASE)


_SCRIPT = re.compile(rb"<script\b.*?(?:</script\s*>|$)", re.IGNORECASE | re.DOTALL)


def html_unclosed(body: bytes) -> bool:
    """The body opens an HTML document (`<html`) and closes neither `</body>` nor `</html>` outside
    its scripts (a print button's `document.write("<body>…</body></html>")` in the head closes nothing)."""
    if _HTML_OPEN.search(body) is None:
        return False
    if _HTML_CLOSE.search(body) is None:
        return True
    return _HTML_CLOSE.search(_SCRIPT.sub(b"", body)) is None

