"""A crawl meeting a WAF: count its block pages, say so once per streak, stop the run when it persists.

A block page (Outcome.BLOCKED, see ncgh.pipeline and scraper.blocks) says nothing about the page
asked for, so its work item is retried (WorkState.BLOCKED: queued again when the run resumes, carried
into the next run when it ends). When `[blocks] stop_after` answers in a row are block pages, asking
on only earns more of them and looks like an attack: the run stops submitting, records what is in
flight, stays open (RunStatus.BLOCKED) and `ncgh crawl` exits EXIT_BLOCKED; the next crawl resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.vocab import Outcome


@dataclass
class BlockWatch:
    """The streak of block pages in a row and what the last one was; one per crawl invocation."""

    stop_after: int
    streak: int = 0
    seen: int = 0  # block pages this invocation
    last: str | None = None  # "URL: cookie_challenge (HTTP 200): ..." of the latest block page
    kinds: dict[str, int] = field(default_factory=dict)  # block kind -> pages, for the summary line

    def answer(self, url: str, outcome: str, detail: str | None) -> str | None:
        """Count one answered capture; returns the line to report (the first block page of a streak)."""
        if outcome != Outcome.BLOCKED:
            self.streak = 0
            return None
        self.streak += 1
        self.seen += 1
        self.last = f"{url}: {detail}"
        kind = (detail or "blocked").split(" ", 1)[0]
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if self.streak == 1:
            return f"blocked: {self.last} (a WAF or anti-bot page; retried, never taken for a deletion)"
        return None

    @property
    def stop(self) -> bool:
        """Stop the run: `stop_after` block pages in a row."""
        return self.streak >= self.stop_after

    def message(self) -> str:
        """The summary's message for a run stopped by blocks."""
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.kinds.items()))
        return (
            f"stopped: {self.streak} block pages in a row ([blocks] stop_after = {self.stop_after}; {kinds});"
            f" last: {self.last}; everything queued stays queued and the next crawl resumes this run"
        )
