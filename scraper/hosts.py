"""Hosts, ports and origins of URLs: the units that politeness, robots.txt and redirects work on.

Kept apart from the fetcher because the crawl (config, discovery) and the tests compare hosts the
same way the fetcher does.

Every question about a URL's host is answered for the host the HTTP client will actually connect
to, never for a second reading of the text: `client_target` prepares the URL as requests does
(`PreparedRequest.prepare_url`, the URL step of `requests.Request(...).prepare()`) and reads the prepared URL as requests' adapter does (`urlparse`,
which picks the connection pool) and as urllib3 does (`parse_url`); the two must agree. Python's
`urlsplit` alone reads `http://OTHER\\@allowed/` as host `allowed` while requests connects to
`OTHER`, which is how a redirect once escaped the allow-list (issue 13).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from urllib3.util import parse_url

DEFAULT_PORTS = {"http": 80, "https": 443}

# WHATWG URL parsing: leading/trailing C0 controls and spaces are stripped, tabs and newlines removed
# anywhere, and for http(s) a backslash before the query means "/". A Location header or a link is
# read the way a browser (the server's intended reader) reads it.
_EDGE = "".join(chr(c) for c in range(0x21))
_TAB_NEWLINE = re.compile(r"[\t\n\r]")


@dataclass(frozen=True)
class Target:
    """Where the HTTP client connects for one URL: scheme, lower-case host (IPv6 without brackets),
    port with the scheme's default filled in, and the URL as requests will send it."""

    scheme: str
    host: str
    port: int
    prepared_url: str


@functools.lru_cache(maxsize=4096)
def client_target(url: str) -> Target:
    """The scheme, host and port requests/urllib3 will connect to for `url`.

    ValueError (with a one-line reason) for a URL that is not http(s), has no host, a bad port,
    carries userinfo (`user@`: never needed by this crawler, and the classic way to make two parsers
    disagree on the host), or whose host the client's two parsers read differently.
    """
    if not isinstance(url, str) or not url:
        raise ValueError(f"not a URL: {url!r}")
    try:
        # The URL step of requests.Request(...).prepare(), what Session.request does to it (the rest,
        # cookies and hooks, costs five times as much and does not touch the URL).
        request = requests.PreparedRequest()
        request.prepare_url(url, None)
        prepared = request.url or ""
    except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, ValueError, UnicodeError) as exc:
        raise ValueError(f"not a usable URL: {url!r} ({type(exc).__name__})") from None
    try:
        by_adapter = urlsplit(prepared)  # requests' adapter picks the pool with urlparse()
        scheme = by_adapter.scheme.lower()
        adapter_host = by_adapter.hostname
        adapter_port = by_adapter.port
        by_urllib3 = parse_url(prepared)
    except (ValueError, urllib3.exceptions.LocationParseError) as exc:
        raise ValueError(f"not a usable URL: {url!r} ({type(exc).__name__})") from None
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if not adapter_host:
        raise ValueError(f"URL has no host: {url!r}")
    if by_adapter.username is not None or by_adapter.password is not None or by_urllib3.auth is not None or "@" in (
        by_adapter.netloc
    ):
        raise ValueError(f"URL carries userinfo (user@host): {url!r}")
    urllib3_host = (by_urllib3.host or "").lower()
    if urllib3_host.startswith("[") and urllib3_host.endswith("]"):
        urllib3_host = urllib3_host[1:-1]
    port = adapter_port if adapter_port is not None else DEFAULT_PORTS[scheme]
    urllib3_port = by_urllib3.port if by_urllib3.port is not None else DEFAULT_PORTS.get(by_urllib3.scheme or "", -1)
    if urllib3_host != adapter_host.lower() or urllib3_port != port:
        raise ValueError(f"URL's host is ambiguous: {url!r}")
    return Target(scheme=scheme, host=adapter_host.lower(), port=port, prepared_url=prepared)


def join_link(base: str, ref: str) -> str | None:
    """`ref` (a Location header or an href) resolved against `base` as a browser resolves it, or None
    when the result is not an http(s) URL the client can connect to unambiguously, or carries userinfo.

    Backslashes before the query become '/', tabs and newlines are dropped and the edges stripped
    (WHATWG URL rules for http(s)), so `http://OTHER\\@allowed/` means host OTHER here too.
    """
    text = _TAB_NEWLINE.sub("", ref).strip(_EDGE)
    cut = min((i for i in (text.find("?"), text.find("#")) if i >= 0), default=len(text))
    text = text[:cut].replace("\\", "/") + text[cut:]
    try:
        url = urljoin(base, text)
        client_target(url)
    except ValueError:
        return None
    return url


def parse_host_entry(entry: str) -> tuple[str, int | None]:
    """'host' or 'host:port' (IPv6 in brackets) -> (host as the client connects to it, port or None);
    ValueError names the entry. The host is read through client_target, so an IDNA name and its
    xn-- form, or an upper-case name, compare equal to what a URL's host becomes."""
    if not entry or any(c in entry for c in "/?#@ \\\t\r\n") or "://" in entry:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} is not 'host' or 'host:port'")
    try:
        parts = urlsplit("//" + entry)
        host, port = parts.hostname, parts.port
        target = client_target(f"http://{entry}/") if host else None
    except ValueError as exc:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} is not 'host' or 'host:port' ({exc})") from None
    if not host or target is None:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} has no host")
    return target.host, port


def host_allowed(url: str, allowed: tuple[tuple[str, int | None], ...]) -> bool:
    """True when the host (and port, when the entry pins one) the client connects to for `url` is in
    `allowed` (entries from parse_host_entry); False for any URL client_target refuses."""
    try:
        target = client_target(url)
    except ValueError:
        return False
    return any(target.host == h and (p is None or p == target.port) for h, p in allowed)


def url_host_port(url: str) -> tuple[str, int]:
    """(lower-case host, port with the scheme's default filled in) that the client connects to;
    ValueError for URLs client_target refuses."""
    target = client_target(url)
    return target.host, target.port


def host_key(url: str) -> str:
    """'host' or 'host:port' (port only when not the scheme's default): the unit of politeness."""
    target = client_target(url)
    shown = f"[{target.host}]" if ":" in target.host else target.host
    return shown if DEFAULT_PORTS[target.scheme] == target.port else f"{shown}:{target.port}"


def origin_of(url: str) -> str:
    """scheme://host[:port]: the unit robots.txt applies to (RFC 9309 2.3)."""
    return f"{client_target(url).scheme}://{host_key(url)}"
