"""The local simulator of ncgh.org.cn (`ncgh sim`): a real HTTP server whose content is a function of
(seed, day). See docs/simulator.md.
"""

from ncgh.sim.config import SimConfig
from ncgh.sim.server import SimServer

__all__ = ["SimConfig", "SimServer"]
