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


# What a server prints when its script dies mid-page (PHP, ASP.NET, Java, Python).
_ERROR_TAIL = re.compile(
    rb"Fatal error|Parse error|Warning</b>:|Server Error in|Stack ?trace|Exception in thread|Traceback \(most recent", re.IGNORECASE
)


def stopped_rendering(body: bytes) -> bool:
    """The page ends as a server that stopped rendering leaves it: mid-text or mid-tag (not on a tag
    of its own), or on a script's error message. A page whose template leaves its tags open ends on
    a tag (`</div>`, `</script>`)."""
    tail = body.rstrip()[-2048:]
    return not tail.endswith(b">") or _ERROR_TAIL.search(tail) is not None
