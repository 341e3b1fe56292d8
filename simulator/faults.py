"""Injected faults, deterministic by seed and request order.

The n-th site request (counted across threads, /__sim__/ endpoints excluded) draws one number from a
hash of (seed, n); the spec's probabilities carve [0, 1) into one slice per fault kind. The same seed
and the same request sequence therefore meet the same faults.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

# The faults of the soak mix (the reliability suite and bench/chaos.py inject every one of them).
FAULT_KINDS = ("500", "503", "429", "timeout", "reset", "truncate", "garbage")
# Faults that hold a connection for a whole exchange deadline each, asked for by name in the tests
# of that deadline rather than mixed into soaks: "drip" sends the status line and headers one byte
# per DRIP_INTERVAL seconds (then the body), never idle long enough for a per-read timeout.
STALL_FAULT_KINDS = ("drip",)
ALL_FAULT_KINDS = FAULT_KINDS + STALL_FAULT_KINDS
DRIP_INTERVAL = 0.25


@dataclass(frozen=True)
class FaultSpec:
    """Probability per fault kind, in the order given."""

    rates: tuple[tuple[str, float], ...]

    @property
    def total(self) -> float:
        return sum(p for _, p in self.rates)


def parse_faults(spec: str | None) -> FaultSpec:
    """Parse "500=0.05,429=0.02,timeout=0.01"; raise ValueError naming the bad part."""
    if spec is None or not spec.strip():
        return FaultSpec(())
    rates: list[tuple[str, float]] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        kind, sep, value = part.partition("=")
        kind = kind.strip()
        if not sep:
            raise ValueError(f"fault {part!r}: expected KIND=PROBABILITY, e.g. 500=0.05")
        if kind not in ALL_FAULT_KINDS:
            raise ValueError(f"fault {part!r}: unknown kind {kind!r}; known: {', '.join(ALL_FAULT_KINDS)}")
        try:
            p = float(value)
        except ValueError:
            raise ValueError(f"fault {part!r}: {value!r} is not a number") from None
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"fault {part!r}: probability must be between 0 and 1")
        if any(k == kind for k, _ in rates):
            raise ValueError(f"fault {part!r}: {kind} given twice")
        rates.append((kind, p))
    result = FaultSpec(tuple(rates))
    if result.total > 1.0 + 1e-9:
        raise ValueError(f"fault probabilities add up to {result.total:.3f}, more than 1")
    return result


def draw(seed: int, n: int) -> float:
    """A uniform number in [0, 1) for request number n."""
    h = hashlib.blake2b(f"{seed}:fault:{n}".encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


class FaultPlan:
    """Hands out the fault (or None) for each site request, in arrival order; thread-safe."""

    def __init__(self, spec: FaultSpec, seed: int):
        self.spec = spec
        self.seed = seed
        self._n = 0
        self._lock = threading.Lock()

    def next(self) -> tuple[int, str | None]:
        """(request number, fault kind or None)."""
        with self._lock:
            n = self._n
            self._n += 1
        return n, self.fault_for(n)

    def fault_for(self, n: int) -> str | None:
        if not self.spec.rates:
            return None
        r = draw(self.seed, n)
        acc = 0.0
        for kind, p in self.spec.rates:
            acc += p
            if r < acc:
                return kind
        return None
