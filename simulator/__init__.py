"""A fake ncgh.org.cn: a real HTTP server whose content is a function of (seed, day). See docs/simulator.md.

A product of its own, importing nothing of the crawler or the archive (tests/test_layers.py), so what
the crawler gets right against it is not something the two share by construction. `ncgh sim` and
`ncgh demo` run it.
"""

from simulator.config import SimConfig
from simulator.server import SimServer

__all__ = ["SimConfig", "SimServer"]
