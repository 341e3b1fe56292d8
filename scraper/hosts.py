"""Hosts, ports and origins of URLs: the units that politeness, robots.txt and redirects work on.

Kept apart from the fetcher because the crawl (config, discovery) and the tests compare hosts the
same way the fetcher does.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_host_entry(entry: str) -> tuple[str, int | None]:
    """'host' or 'host:port' (IPv6 in brackets) -> (host, port or None); ValueError names the entry."""
    if not entry or any(c in entry for c in "/?#@ ") or "://" in entry:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} is not 'host' or 'host:port'")
    try:
        parts = urlsplit("//" + entry)
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} is not 'host' or 'host:port' ({exc})") from None
    if not host:
        raise ValueError(f"FetchPolicy.allowed_hosts: {entry!r} has no host")
    return host, port


def url_host_port(url: str) -> tuple[str, int]:
    """(lower-case host, port with the scheme's default filled in); ValueError for non-HTTP URLs."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    port = parts.port  # raises ValueError for a bad port
    return host, port if port is not None else DEFAULT_PORTS[scheme]


def host_key(url: str) -> str:
    """'host' or 'host:port' (port only when not the scheme's default): the unit of politeness."""
    host, port = url_host_port(url)
    scheme = urlsplit(url).scheme.lower()
    shown = f"[{host}]" if ":" in host else host
    return shown if DEFAULT_PORTS[scheme] == port else f"{shown}:{port}"


def origin_of(url: str) -> str:
    """scheme://host[:port]: the unit robots.txt applies to (RFC 9309 2.3)."""
    return f"{urlsplit(url).scheme.lower()}://{host_key(url)}"
