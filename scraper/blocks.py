"""Is this answer the site's page, or a WAF's challenge, captcha or deny page? Pure: text in, verdict out.

Chinese government sites often sit behind a WAF or anti-bot CDN (安全狗, 云锁, 加速乐, Aliyun ...).
What such a front answers must never be taken for the site's word: a 403 deny page is no deletion, a
200 captcha page is no edit, a 521 cookie challenge is no parse failure. `block_of` tells them apart by
what the page says and does, with the patterns of `[blocks]` (scraper.settings.BlockSettings):

- an answer whose status is one of `statuses` (403, 429, 503, 521 ...) is a block when its page shows
  one of `patterns` or is a cookie challenge; otherwise it is the site's own error page (an nginx 503,
  a 429 with Retry-After) and stays a fetch error;
- a 2xx answer is a block only when its visible text is short (`max_text_chars`: the site's pages carry
  navigation, sidebar and footer, far longer) and it shows a pattern or is a cookie challenge, so an
  article about 安全验证 or a short notice is never called blocked;
- a cookie challenge is a page whose scripts match every `challenge_scripts` regex (set document.cookie,
  then reload or move `location`): a page that only runs a script to get a cookie and come back.

Text is read with a linear scan (no HTML parser): the check runs on every page, before parsing.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cached_property

from scraper.records import Block, BlockKind
from scraper.settings import BlockSettings

__all__ = ["BlockRules", "DEFAULT_BLOCK_RULES", "block_of", "visible_text"]

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_HIDDEN = ("script", "style")


@dataclass(frozen=True)
class BlockRules:
    """BlockSettings with its patterns compiled once (a crawl judges every answer with them)."""

    settings: BlockSettings

    @cached_property
    def _patterns(self) -> tuple[tuple[str, str], ...]:
        return tuple((p.casefold(), p) for p in self.settings.patterns)

    @cached_property
    def _scripts(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.IGNORECASE) for p in self.settings.challenge_scripts)

    def pattern_in(self, text: str) -> str | None:
        """The first pattern the text shows (case-insensitively), or None."""
        folded = text.casefold()
        return next((original for folded_p, original in self._patterns if folded_p in folded), None)

    def challenge_in(self, scripts: str) -> str | None:
        """A short excerpt of the scripts when they match every challenge regex, else None."""
        if not self._scripts or not scripts.strip():
            return None
        if all(r.search(scripts) for r in self._scripts):
            first = self._scripts[0].search(scripts)
            start = max(0, first.start() - 20) if first else 0
            return "script sets a cookie and reloads: " + _SPACE.sub(" ", scripts[start : start + 80]).strip()
        return None


DEFAULT_BLOCK_RULES = BlockRules(BlockSettings())


def _split(page: str) -> tuple[str, str]:
    """(visible markup, script text) of a page: scripts and styles cut out, comments removed.

    A linear scan with str.find (an unclosed <script> swallows the rest, as a browser does); a regex
    with a lazy `.*?` would rescan the rest of the page at every unclosed tag.
    """
    lower = page.lower()
    visible: list[str] = []
    scripts: list[str] = []
    pos = 0
    n = len(page)
    while pos < n:
        starts = [(lower.find("<" + tag, pos), tag) for tag in _HIDDEN]
        starts.append((lower.find("<!--", pos), "!--"))
        found = [(i, tag) for i, tag in starts if i >= 0]
        if not found:
            visible.append(page[pos:])
            break
        i, tag = min(found)
        visible.append(page[pos:i])
        if tag == "!--":
            end = lower.find("-->", i + 4)
            pos = n if end < 0 else end + 3
            continue
        after = i + 1 + len(tag)
        if after < n and (lower[after].isalnum() or lower[after] in "-_"):  # <scripts>, <style-x>: not the tag
            visible.append(page[i:after])
            pos = after
            continue
        open_end = lower.find(">", after)
        if open_end < 0:
            break
        close = lower.find("</" + tag, open_end)
        inner_end = n if close < 0 else close
        if tag == "script":
            scripts.append(page[open_end + 1 : inner_end])
        if close < 0:
            break
        close_end = lower.find(">", close)
        pos = n if close_end < 0 else close_end + 1
    return "".join(visible), "\n".join(scripts)


def visible_text(page: str) -> str:
    """The text a browser would show (title included), whitespace collapsed; scripts and styles not."""
    markup, _ = _split(page)
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def block_of(status: int | None, body: bytes, text: str | None, rules: BlockRules = DEFAULT_BLOCK_RULES) -> Block | None:
    """The Block an answer is, or None when it is (as far as can be told) the site's own answer.

    `text` is the decoded body (None: not decoded yet, or not text); `body` is only measured, so a
    caller decodes once for both this check and the parser.
    """
    settings = rules.settings
    if status is None or text is None or len(body) > settings.max_bytes:
        return None
    success = 200 <= status < 300
    if not success and status not in settings.statuses:
        return None
    markup, scripts = _split(text)
    shown = _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()
    if success and len(shown) > settings.max_text_chars:
        return None
    matched = rules.pattern_in(shown)
    if matched is not None:
        return Block(BlockKind.BLOCK_PAGE, status, matched)
    challenge = rules.challenge_in(scripts)
    if challenge is not None:
        return Block(BlockKind.COOKIE_CHALLENGE, status, challenge)
    return None
