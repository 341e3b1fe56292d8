"""The fetcher's HTTP connections: urllib3 pools, one GET at a time, the way requests' adapter sends it.

requests' Session costs about 0.25 ms of CPU a request on top of urllib3 (merging session settings,
hooks, a cookie jar we refuse anyway, a CA path check per request; through the fetcher 0.60-0.67 ms a
request with it, 0.35-0.44 without): about a third of a request on a fast crawl, whose process is
bound by Python's one lock. So the fetcher sends through urllib3 itself,
exactly as requests' HTTPAdapter does: the URL prepared by requests (scraper.hosts.client_target, the
one reading of a URL's host that the allow-list checks), the pool picked by that host, scheme and
port, the request target `path?query` (the absolute URL through an HTTP proxy), no retries, no
redirects, the body streamed undecoded. Environment proxies (and no_proxy) are read once per origin
with requests' own rules; the CA bundle is requests' (certifi, or REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE).
No cookies are kept: nothing here stores them, so a fetch never depends on what was fetched before.
"""

from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

import certifi
import requests.utils
import urllib3
from urllib3.util import Timeout

from scraper.deadline import DEADLINE_POOL_CLASSES
from scraper.hosts import client_target, origin_of


def _ca_bundle() -> str:
    """requests' rule for the CA bundle: the environment's, else certifi's."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or certifi.where()


def _request_target(prepared: str, proxied_http: bool) -> str:
    """What goes on the request line (requests.adapters.HTTPAdapter.request_url)."""
    if proxied_http:
        return requests.utils.urldefragauth(prepared)
    parts = urlsplit(prepared)  # as requests' PreparedRequest.path_url reads it
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"/{target.lstrip('/')}" if target.startswith("//") else target


class ConnectionPools:
    """urllib3 pools shared by the fetching threads (urllib3's pools are thread-safe), each connection
    under the fetching thread's Exchange deadline (scraper.deadline); unusable once closed."""

    def __init__(self, maxsize: int = 4) -> None:
        self._pool_kwargs = {"cert_reqs": "CERT_REQUIRED", "ca_certs": _ca_bundle()}
        self._direct = urllib3.PoolManager(num_pools=10, maxsize=maxsize, **self._pool_kwargs)
        self._direct.pool_classes_by_scheme = dict(DEADLINE_POOL_CLASSES)
        self._maxsize = maxsize
        self._proxied: dict[str, urllib3.PoolManager] = {}
        self._proxies: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()
        self.closed = False

    def proxies_for(self, url: str) -> dict[str, str]:
        """The environment's proxies for this origin (honours no_proxy), cached per origin."""
        origin = origin_of(url)
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = dict(requests.utils.get_environ_proxies(origin + "/"))
            self._proxies[origin] = proxies
        return proxies

    def _manager(self, proxy: str | None) -> urllib3.PoolManager:
        if not proxy:
            return self._direct
        with self._lock:
            manager = self._proxied.get(proxy)
            if manager is None:
                if proxy.lower().startswith("socks"):
                    from urllib3.contrib.socks import SOCKSProxyManager  # needs PySocks, as requests does

                    username, password = requests.utils.get_auth_from_url(proxy)
                    # SOCKS managers keep urllib3's own pool classes: there only the body has the deadline.
                    manager = SOCKSProxyManager(proxy, username=username, password=password, num_pools=10,
                                                maxsize=self._maxsize, **self._pool_kwargs)
                else:
                    username, password = requests.utils.get_auth_from_url(proxy)
                    auth = urllib3.util.make_headers(proxy_basic_auth=f"{username}:{password}") if username else {}
                    manager = urllib3.ProxyManager(proxy, proxy_headers=auth, num_pools=10, maxsize=self._maxsize,
                                                   **self._pool_kwargs)
                    manager.pool_classes_by_scheme = dict(DEADLINE_POOL_CLASSES)
                self._proxied[proxy] = manager
            return manager

    def get(self, url: str, headers: list[tuple[str, str]], connect_timeout: float, read_timeout: float) -> urllib3.BaseHTTPResponse:
        """Send one GET for `url`; the response's body is left to stream. Raises urllib3's, http.client's
        and OSError exceptions as they come (scraper.attempt names them), ValueError for a URL
        client_target refuses or a header value HTTP forbids."""
        if self.closed:
            raise RuntimeError("Fetcher is closed")
        target = client_target(url)
        prepared = target.prepared_url
        proxies = self.proxies_for(url)
        proxy = requests.utils.select_proxy(prepared, proxies) if proxies else None
        manager = self._manager(proxy)
        pool = manager.connection_from_host(target.host, target.port, target.scheme)
        proxied_http = bool(proxy) and target.scheme != "https" and not proxy.lower().startswith("socks")
        return pool.urlopen(
            "GET", _request_target(prepared, proxied_http), body=None, headers=dict(headers), redirect=False,
            assert_same_host=False, preload_content=False, decode_content=False, retries=False,
            timeout=Timeout(connect=connect_timeout, read=read_timeout), chunked=False,
        )

    def close(self) -> None:
        with self._lock:
            self.closed = True
            managers = [self._direct, *self._proxied.values()]
        for manager in managers:
            manager.clear()
