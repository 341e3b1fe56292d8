"""HTTP sessions for the fetcher: one requests.Session per thread, no cookies, proxies read once.

requests.Session is not documented as thread-safe, so each fetching thread gets its own, with its own
connection pool. Cookies are refused, so a fetch never depends on which thread made it or what was
fetched before. Environment proxies and the CA bundle are read once per origin instead of on every
request (requests does that with trust_env on, and it costs more than a request on loopback).
"""

from __future__ import annotations

import http.cookiejar
import os
import threading

import requests
from requests.adapters import HTTPAdapter

from scraper.deadline import DEADLINE_POOL_CLASSES
from scraper.hosts import origin_of


class DeadlineAdapter(HTTPAdapter):
    """HTTPAdapter whose connections register with the fetching thread's Exchange, so the request's
    wall-clock deadline (scraper.deadline.Exchange) can cut a status line or headers that drip.

    Through a SOCKS proxy urllib3's own SOCKS pools are kept: there only the body has the deadline."""

    def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - requests' signature
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(DEADLINE_POOL_CLASSES)

    def proxy_manager_for(self, proxy, **proxy_kwargs):  # noqa: ANN001, ANN003, ANN201 - requests' signature
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS managers need their own pool classes
            manager.pool_classes_by_scheme = dict(DEADLINE_POOL_CLASSES)
        return manager


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie, request):  # noqa: D102 - stdlib signature
        return False

    def return_ok(self, cookie, request):  # noqa: D102
        return False


def _env_ca_bundle() -> str | bool:
    """requests' own rule for a CA bundle from the environment (it is skipped with trust_env off)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


class SessionPool:
    """Per-thread sessions, all closed together by close(); unusable afterwards."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()
        self._proxies: dict[str, dict[str, str]] = {}
        self.closed = False

    def get(self) -> requests.Session:
        """This thread's session; RuntimeError once the pool is closed."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.clear()  # we send exactly the headers we record
            session.trust_env = False  # proxies: proxies_for(); CA bundle: below
            session.verify = _env_ca_bundle()
            session.cookies.set_policy(_NoCookies())
            adapter = DeadlineAdapter(pool_connections=4, pool_maxsize=4, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            with self._lock:
                if self.closed:
                    session.close()
                    raise RuntimeError("Fetcher is closed")
                self._sessions.append(session)
            self._local.session = session
        return session

    def proxies_for(self, url: str) -> dict[str, str]:
        """The environment's proxies for this origin (honours no_proxy), cached per origin."""
        origin = origin_of(url)
        proxies = self._proxies.get(origin)
        if proxies is None:
            proxies = dict(requests.utils.get_environ_proxies(origin + "/"))
            self._proxies[origin] = proxies
        return proxies

    def close(self) -> None:
        with self._lock:
            self.closed = True
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
