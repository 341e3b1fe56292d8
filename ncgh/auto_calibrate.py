"""A crawl's automatic calibration: after its first `[calibrate] auto_after` article pages, when the
configured profile matched none of them and no learned profile exists, learn one from those pages
(the first ones captured: on a site never seen, the id walk's) and parse the rest of the run with it.
"""

from __future__ import annotations

from archive.model import CaptureIn
from archive.store import Archive
from archive.vocab import CaptureKind, Outcome
from ncgh.calibrate import calibrate, report_lines
from ncgh.config import Config
from ncgh.report import Reporter
from scraper.learned_profile import LearnedProfile
from scraper.profile import SiteProfile
from scraper.records import Extractor


class AutoCalibration:
    """Counts a run's parsed article pages; `after` returns the learned profile once it is learned."""

    def __init__(self, cfg: Config, archive: Archive, profile: SiteProfile, reporter: Reporter):
        self.cfg, self.archive, self.reporter = cfg, archive, reporter
        self.wanted = 0 if isinstance(profile, LearnedProfile) else cfg.calibrate.auto_after
        self.pages = 0

    def after(self, capture: CaptureIn) -> LearnedProfile | None:
        if self.wanted <= 0 or capture.kind != CaptureKind.ARTICLE or capture.outcome != Outcome.OK:
            return None
        if capture.extractor == Extractor.PROFILE:
            self.wanted = 0  # the configured profile knows this site
            return None
        self.pages += 1
        if self.pages < self.wanted:
            return None
        self.wanted = 0
        result = calibrate(self.cfg, self.archive.path, self.archive.conn, sample=self.pages, first=True)
        for line in report_lines(result):
            self.reporter.info(f"calibrate: {line}")
        learned = result.result.profile if result.result is not None and result.written else None
        return learned
