"""Shared fixtures: the site simulator over real HTTP on a free loopback port, the fetcher tests'
routable LocalServer (tests/support/fetch.py); the hypothesis profile."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from hypothesis import settings

from simulator import SimConfig, SimServer
from tests.support.fetch import LocalServer

# Property tests draw the same examples on every run (seeded from each test's own hash), so the
# suite's time and outcome do not vary from run to run; no per-example deadline, whose verdict
# depends on how busy the machine is. Each test still states its own max_examples.
settings.register_profile("ncgh", derandomize=True, deadline=None, database=None, max_examples=100)
settings.load_profile("ncgh")

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
