"""A WAF in front of the simulated site (`ncgh sim --waf N`): too many requests, and every answer is a block page.

Chinese government sites often sit behind a WAF or an anti-bot CDN. This one counts each client's
requests (by address) in a sliding window of `window` seconds; the request that makes more than
`limit` of them starts a block of `block` seconds, during which every answer to that client is a
block page, whatever it asked for. When the block ends the client starts afresh. The pages are the
real kinds, in turn (`forms`):

- `cookie`: a 200 page that only runs a script to set a cookie and reload (加速乐-style);
- `jsl`: the same challenge with status 521 and the cookie spelt in pieces, as 加速乐 sends it;
- `deny`: a 403 "您的访问被拒绝" page of a website firewall (安全狗-style);
- `captcha`: a 429 "访问过于频繁" page with a slider captcha and a Retry-After header.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from simulator.config import WAF_FORMS
from simulator.site import Response

_CHALLENGE_SCRIPT = (
    'document.cookie="__jsl_clearance_s={stamp}|0|{token};max-age=3600;path=/";'
    "location.href=location.pathname+location.search"
)
_JSL_SCRIPT = (
    "document.cookie=('_')+('_jsl')+('_clearance_s=')+('{stamp}')+('|0|')+('{token}')+(';max-age=3600;path=/');"
    "location.href=location.pathname+location.search"
)
_DENY = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>网站防火墙</title></head>
<body><div class="waf-main"><h3>您的访问被拒绝</h3>
<p>您的请求带有不合法参数，已被网站管理员设置拦截！</p>
<p>可能原因：您提交的内容包含危险的攻击请求，或访问频率过高。</p>
<p>如何解决：检查提交内容；如网站托管，请联系空间提供商；普通网站访客，请联系网站管理员。</p>
<p class="waf-id">事件ID：{token}</p></div></body></html>
"""
_CAPTCHA = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>安全验证</title></head>
<body><div id="nc-wrapper"><p>访问过于频繁，请完成滑动验证后继续访问</p>
<div class="nc-slider"><span class="nc-btn">&gt;&gt;</span><span class="nc-text">请按住滑块，拖动到最右边</span></div>
<p class="nc-id">{token}</p></div>
<script src="/waf/nc.js"></script></body></html>
"""


class Waf:
    """Per-client request windows and blocks; thread-safe (the server answers from many threads)."""

    def __init__(
        self,
        limit: int,
        window: float,
        block: float,
        forms: tuple[str, ...] = WAF_FORMS,
        retry_after: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.limit = limit
        self.window = window
        self.block = block
        self.forms = forms
        self.retry_after = retry_after
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self.blocked_answers = 0  # block pages served (tests read it)
        self.blocks_started = 0

    def answer(self, client: str) -> Response | None:
        """The block page for this request, or None to let it through to the site."""
        with self._lock:
            now = self._clock()
            until = self._blocked_until.get(client)
            if until is not None and now >= until:
                del self._blocked_until[client]
                self._seen.pop(client, None)  # the block is over: the client starts afresh
                until = None
            if until is None:
                seen = self._seen.setdefault(client, deque())
                seen.append(now)
                while seen and seen[0] <= now - self.window:
                    seen.popleft()
                if len(seen) <= self.limit:
                    return None
                self._blocked_until[client] = now + self.block
                self.blocks_started += 1
            n = self.blocked_answers
            self.blocked_answers += 1
        return self._page(self.forms[n % len(self.forms)], n)

    def _page(self, form: str, n: int) -> Response:
        token = f"{0x5F3759DF * (n + 1) & 0xFFFFFFFF:08x}"
        stamp = f"{1733300000 + n}.{n % 1000:03d}"
        if form in ("cookie", "jsl"):
            script = (_CHALLENGE_SCRIPT if form == "cookie" else _JSL_SCRIPT).format(stamp=stamp, token=token)
            body = f"<html><head><meta charset=\"utf-8\"></head><body><script>{script}</script></body></html>\n"
            return Response(200 if form == "cookie" else 521, body.encode("utf-8"), "text/html; charset=utf-8",
                            compressible=False)
        if form == "deny":
            return Response(403, _DENY.format(token=token).encode("utf-8"), "text/html; charset=utf-8")
        return Response(429, _CAPTCHA.format(token=token).encode("utf-8"), "text/html; charset=utf-8",
                        headers=[("Retry-After", str(self.retry_after))])

