"""The error line each outcome deserves during a crawl, and the ones held back until the site answers.

A site that is down is one fact, not N errors: failures without any answer before the site's first
answer are held, said one by one once it answers, or dropped for the one "could not be reached"
line if the run ends unreachable (ncgh.crawl).
"""

from __future__ import annotations

from archive.model import CaptureIn
from ncgh.crawl_actions import Complaint
from ncgh.report import Reporter
from scraper.records import FetchResult


class Complaints:
    """Says what went wrong with a capture, through the crawl's reporter."""

    def __init__(self, reporter: Reporter):
        self.reporter = reporter
        self._unanswered: list[str] = []

    def say(self, url: str, capture: CaptureIn, fetch: FetchResult, complaint: Complaint | None,
            site_answered: bool) -> None:
        """The line for `complaint`, if any; a fetch without an answer before the site's first is held."""
        if complaint == Complaint.FETCH:
            message = f"{url}: {capture.error} {capture.error_detail or ''}".rstrip()
            if fetch.status is None and not site_answered:
                self._unanswered.append(message)
            else:
                self.reporter.error(message)
        elif complaint == Complaint.PARSE:
            self.reporter.error(f"{url}: parse error: {capture.parse_error}")
        elif complaint == Complaint.CAPPED:
            self.reporter.info(f"{url}: not kept, over its cap ({capture.error_detail}; "
                               "[assets] max_bytes, video_max_bytes for videos)")

    def say_held(self) -> None:
        """The site answered (or the run ends reachable): the held failures are real, one line each."""
        for message in self._unanswered:
            self.reporter.error(message)
        self._unanswered.clear()

    def drop_held(self) -> None:
        """The run ends unreachable: one line says so instead."""
        self._unanswered.clear()
