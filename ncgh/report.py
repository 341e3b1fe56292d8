"""What a crawl tells its user while it runs: a progress bar on a terminal, log lines otherwise.

A crawl run by cron mails whatever it prints, so off a terminal only what matters is printed: one line
per archived change (new article, edit, deletion, restoration, footer change), one per page that
failed, and the final summary. `--quiet` keeps only the failures. The engine calls these methods and
never prints itself, so Python callers can pass their own Reporter (or the silent default).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import IO, Any


class Reporter:
    """The silent reporter (the engine's default); subclasses print."""

    def start(self, run_id: int, mode: str, resumed: bool, planned: int) -> None:
        """A run begins (or is resumed) with `planned` work items queued."""

    def queued(self, added: int) -> None:
        """Discovery added work items to the queue."""

    def done(self, url: str, outcome: str) -> None:
        """One work item finished (any outcome)."""

    def change(self, message: str) -> None:
        """Something the archive learned: a new article, an edit, a deletion, a restoration."""

    def error(self, message: str) -> None:
        """A page that failed after retries, or any other trouble the user should see."""

    def info(self, message: str) -> None:
        """Anything else worth a line when not quiet (resume notices, stop reasons)."""

    def warning(self, message: str) -> None:
        """Trouble that fails nothing but should be seen (an alert that could not be delivered)."""

    def finish(self, summary: Any) -> None:
        """The run is over; `summary` is a CrawlSummary."""

    def close(self) -> None:
        """Release the terminal (progress bar)."""


class LogReporter(Reporter):
    """Plain timestamped lines (for cron and logs): changes and errors, then the summary line."""

    def __init__(self, stream: IO[str] | None = None, quiet: bool = False):
        self.stream = stream or sys.stderr
        self.quiet = quiet

    def _line(self, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{stamp} {text}", file=self.stream, flush=True)

    def start(self, run_id: int, mode: str, resumed: bool, planned: int) -> None:
        if not self.quiet:
            verb = "resuming" if resumed else "starting"
            self._line(f"crawl: {verb} run {run_id} ({mode}), {planned} item(s) queued")

    def change(self, message: str) -> None:
        if not self.quiet:
            self._line(message)

    def error(self, message: str) -> None:
        self._line(f"ERROR {message}")

    def info(self, message: str) -> None:
        if not self.quiet:
            self._line(message)

    def warning(self, message: str) -> None:
        self._line(f"WARNING {message}")  # also when quiet: an alert that did not go out must be seen

    def finish(self, summary: Any) -> None:
        if not self.quiet:
            self._line(summary.one_line())


class ProgressReporter(LogReporter):
    """A tqdm bar over the work queue; change and error lines are written above it."""

    def __init__(self, stream: IO[str] | None = None, quiet: bool = False):
        super().__init__(stream, quiet)
        from tqdm import tqdm

        self._bar = tqdm(total=0, unit="page", file=self.stream, dynamic_ncols=True, leave=True)
        self._changes = 0
        self._errors = 0

    def _line(self, text: str) -> None:
        self._bar.write(text, file=self.stream)

    def start(self, run_id: int, mode: str, resumed: bool, planned: int) -> None:
        self._bar.set_description(f"run {run_id} {mode}")
        self._bar.total = planned
        self._bar.refresh()

    def queued(self, added: int) -> None:
        self._bar.total = (self._bar.total or 0) + added
        self._bar.refresh()

    def done(self, url: str, outcome: str) -> None:
        self._bar.update(1)

    def change(self, message: str) -> None:
        self._changes += 1
        self._bar.set_postfix(changes=self._changes, errors=self._errors, refresh=False)
        super().change(message)

    def error(self, message: str) -> None:
        self._errors += 1
        self._bar.set_postfix(changes=self._changes, errors=self._errors, refresh=False)
        super().error(message)

    def finish(self, summary: Any) -> None:
        self.close()
        super().finish(summary)

    def close(self) -> None:
        if self._bar is not None and not self._bar.disable:
            self._bar.close()


def make_reporter(stream: IO[str] | None = None, quiet: bool = False, progress: bool | None = None) -> Reporter:
    """The right reporter for where output goes: a bar on a terminal unless quiet, lines otherwise."""
    stream = stream or sys.stderr
    if progress is None:
        progress = hasattr(stream, "isatty") and stream.isatty()
    if progress and not quiet:
        return ProgressReporter(stream)
    return LogReporter(stream, quiet=quiet)
