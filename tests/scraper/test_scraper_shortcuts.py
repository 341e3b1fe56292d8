"""Shortcuts outside the parser's own modules give exactly what their general code gives.

`scraper.encoding` (the early exit of the tolerant decode) skips work for a common input form. This
check moved here from tests/test_parse_fastpaths.py when the parser's own speed tricks were removed
(issue 14): the shortcut remains, so a drift from the general code would still change records silently.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper import encoding


def joined(pieces: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(pieces, max_size=max_size).map("".join)


# ---- 8. encoding._tolerant: bytes no UTF-8 text holds rule a page out before any error handler runs ----


def old_tolerant(body: bytes, codec: str) -> tuple[str, int] | None:
    """The code before the early exit, as the reference."""
    non_ascii = len(body.translate(None, encoding._ASCII_BYTES))
    budget = min(encoding.MAX_BROKEN, max(encoding.MIN_BROKEN, non_ascii // encoding.BROKEN_RATIO))
    encoding._tolerance.left = budget
    try:
        text = body.decode(codec, errors="ncgh-tolerant")
    except (UnicodeDecodeError, LookupError):
        return None
    return text, budget - encoding._tolerance.left


_UTF8_PIECES = st.sampled_from([
    "中文".encode(), "工会".encode("gb18030"), b"\xc0", b"\xc1\x80", b"\xf5", b"\xff", b"\xe4\xb8", b"\x80", b"abc ",
    b"\xed\xa0\x80", b"\xf4\x90\x80\x80", "€".encode(), b"\xef\xbf\xbd",
])


@pytest.mark.slow
@settings(max_examples=1500, deadline=None)
@given(st.lists(_UTF8_PIECES, max_size=80), st.binary(max_size=40))
def test_tolerant_utf8_early_exit_agrees_with_the_error_handler(pieces: list[bytes], noise: bytes) -> None:
    body = b"".join(pieces) + noise
    assert encoding._tolerant(body, "utf-8") == old_tolerant(body, "utf-8")

