"""A documents' reader child for tests (scraper.attachment_text's child) whose PDF reader prints, as
a chatty library would, to Python's stdout and straight to fd 1."""

from __future__ import annotations

import os
import sys

import scraper.attachment_text as attachment_text

COMMAND = [sys.executable, "-c", f"import sys; sys.path[:0] = {sys.path!r}; import tests.support.chatty_reader as c; c.main()"]

_pdf = attachment_text._READERS["pdf"]


def _chatty_pdf(data: bytes) -> str:
    print("reading a PDF ...")
    sys.stdout.flush()
    os.write(1, b"{\"text\": \"a line that looks like an answer\"}\n")
    return _pdf(data)


def main() -> None:
    attachment_text._READERS["pdf"] = _chatty_pdf
    attachment_text._child()
