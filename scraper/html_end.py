"""Whether an HTML document reached its end: it opens `<html` and closes `</body>` or `</html>`.

Every one of the 107 real Chinese pages in ../shared/realpages that opens `<html` closes it, so a page
that does not was cut: by the connection (scraper.http_body, for close-delimited answers) or by a
server that stopped rendering inside a complete HTTP framing (ncgh.pipeline, for article pages that
also lack their footer). Kept apart from http_body so a parser process need not import urllib3.
"""

from __future__ import annotations

import re

_HTML_OPEN = re.compile(rb"<html[\s>]", re.IGNORECASE)
_HTML_CLOSE = re.compile(rb"</(?:html|body)\s*>", re.IGNORECASE)


def html_unclosed(body: bytes) -> bool:
    """The body opens an HTML document (`<html`) and closes neither `</body>` nor `</html>`."""
    return _HTML_OPEN.search(body) is not None and _HTML_CLOSE.search(body) is None

