"""Live articles answering missing in a row: a redesign or an outage, until a live page says otherwise.

A crawl's article fetches come in the order discovery and the schedule chose, across sections and
ages, so the site's real deletions come scattered among live pages. When `[archive]
hold_missing_after` articles seen live at their last capture answer missing in a row (404, 410, a "does
not exist" page, a redirect home) with no live article page between, the site as a whole says
missing: a redesign that moved every URL, a misconfigured server, a maintenance redirect. Recording
those would mark every article the crawl revisits gone within `gone_after` runs, and restore them
all when it passes: invented deletions.

So such an answer is held, not recorded, while its streak is short: the next live article page
records the held ones (deletions among live pages), and so does the end of an invocation whose streak
never reached the limit. The streak reaching the limit drops every held answer and every later one
of a live article in this invocation: not recorded, their work items failed (the next crawl asks
again), one WARNING, exit 1. Only articles seen live at their last capture count: gone ones, and
ones already missing once (whose confirmations the revisit plan puts first, in a row), are recorded
as usual and neither extend nor break a streak. A held answer that a kill -9 loses is only a page the
resumed crawl fetches again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from archive.vocab import Outcome

T = TypeVar("T")

LIVE_OUTCOMES = (Outcome.OK, Outcome.NOT_MODIFIED)


@dataclass
class MissingWatch(Generic[T]):
    """The streak of live articles answering missing, and the answers held meanwhile; one per invocation."""

    hold_after: int  # 0: never hold (every missing answer is recorded as it comes)
    streak: int = 0
    tripped: bool = False
    dropped: int = 0  # answers not recorded because the site as a whole said missing
    reasons: Counter[str] = field(default_factory=Counter)  # missing_reason -> answers of the streak
    last: str | None = None  # the URL and reason of the latest one
    _held: dict[int, T] = field(default_factory=dict)  # work item id -> what to record, in arrival order

    def hold(self, item_id: int, entry: T, url: str, reason: str | None) -> bool:
        """A live article answered missing: True when `entry` is held (or, once tripped, to be dropped)."""
        if self.hold_after <= 0:
            return False
        self.streak += 1
        self.reasons[reason or "missing"] += 1
        self.last = f"{url} ({reason or 'missing'})"
        self._held[item_id] = entry
        if self.streak >= self.hold_after:
            self.tripped = True
        return True

    def held_ids(self) -> set[int]:
        """Work items answered but held: still pending in the queue, and never to be asked again."""
        return set(self._held)

    def live(self) -> list[T]:
        """A live article page arrived: the held answers to record now (none once tripped)."""
        self.streak = 0
        if not self.tripped:  # once tripped, the warning names what the streak was
            self.reasons.clear()
        return self.release()

    def release(self) -> list[T]:
        """The held answers to record, as the streak stayed short; none once tripped."""
        if self.tripped:
            return []
        held, self._held = list(self._held.values()), {}
        return held

    def to_drop(self) -> list[T]:
        """Once tripped: the held answers to leave unrecorded (their items failed)."""
        if not self.tripped:
            return []
        held, self._held = list(self._held.values()), {}
        self.dropped += len(held)
        return held

    def warning(self) -> str:
        """The WARNING of an invocation whose streak reached the limit."""
        reasons = ", ".join(f"{n} {reason}" for reason, n in self.reasons.most_common())
        return (
            f"{self.hold_after} articles seen live at their last capture answered missing in a row ({reasons}; last:"
            f" {self.last}): the site as a whole says missing (a redesign that moved its URLs, an outage, a"
            f" maintenance redirect?), so {self.dropped} such answers were not recorded and nothing was marked"
            " gone for them; the next crawl asks again. If the site really removed them, set [archive]"
            " hold_missing_after = 0 for one crawl"
        )
