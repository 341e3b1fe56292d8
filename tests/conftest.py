"""Shared fixtures: the site simulator over real HTTP on a free loopback port, and the fetcher
tests' routable LocalServer (tests/support_fetch.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from support_fetch import LocalServer

from ncgh.sim import SimConfig, SimServer


@pytest.fixture
def sim() -> Iterator[SimServer]:
    """A running simulator: 60 articles, seed 1, day 0, no faults."""
    with SimServer(SimConfig(articles=60, seed=1)) as server:
        yield server


@pytest.fixture
def sim_factory() -> Iterator[Callable[..., SimServer]]:
    """sim_factory(**SimConfig kwargs) -> a started SimServer; every one is stopped at teardown."""
    servers: list[SimServer] = []

    def make(**kwargs) -> SimServer:
        server = SimServer(SimConfig(**kwargs)).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A LocalServer on a free loopback port, answering only the routes a test adds; closed at teardown."""
    s = LocalServer()
    yield s
    s.close()
