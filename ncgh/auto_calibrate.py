"""A crawl's automatic calibration: after its first `[calibrate] auto_after` article pages, when the
configured profile matched none of them and no learned profile exists, learn one from those pages
(the ones just captured: on a site never seen, the id walk's; after a redesign, the new template's)
and parse the rest of the run with it.

The pages already recorded were parsed by the fallback. On a first crawl (the archive holds nothing
older than this run) they are re-derived with the learned profile at once (`Archive.rebuild`, a few
dozen pages), so no later revisit mistakes the better record for an edit; an older archive is left
for `ncgh reparse`, which the log line advises. Pages fetched while the calibration ran are parsed
again with the new profile before they are recorded (`_Crawl._handle`).
"""

from __future__ import annotations

from archive.model import CaptureIn
from archive.store import Archive
from archive.vocab import CaptureKind, Outcome
from ncgh.calibrate import calibrate, report_lines
from ncgh.config import Config, to_block_rules
from ncgh.pipeline import interpret_stored
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
        # The pages just captured: this run's, which the configured profile failed on (after a
        # redesign the archive's oldest captures show the old template).
        result = calibrate(self.cfg, self.archive.path, self.archive.conn, sample=self.pages, latest=True)
        for line in report_lines(result):
            self.reporter.info(f"calibrate: {line}")
        learned = result.result.profile if result.result is not None and result.written else None
        if learned is None:
            return None
        if self._first_crawl(capture.run_id):
            paths, blocks = tuple(self.cfg.site.article_paths), to_block_rules(self.cfg)
            report = self.archive.rebuild(lambda stored, body: interpret_stored(stored, body, learned, paths, blocks))
            self.reporter.info(f"calibrate: the {report.captures} captures so far re-parsed with the learned profile")
        else:  # an archive with history whose pages left the configured profile: most likely a redesign
            self.reporter.warning(
                f"the configured profile matched none of this run's first {self.pages} article pages: the site's"
                f" template may have changed; a profile was learned from them ({result.path}); run `ncgh reparse`"
                " to re-parse the earlier pages with it")
        return learned

    def _first_crawl(self, run_id: int | None) -> bool:
        older = self.archive.conn.execute(
            "SELECT count(*) FROM captures WHERE run_id IS NULL OR run_id != ?", (run_id,)
        ).fetchone()[0]
        return run_id is not None and older == 0
