"""`ncgh crawl --mode snapshot` over real HTTP: every known article, live and gone, recaptured once,
resumably (a snapshot stopped part-way is resumed by the next crawl, whatever its --mode, and fetches
nothing twice), with its own line in the summary."""

from __future__ import annotations

import io
import sqlite3

import pytest

from archive.vocab import RunMode, RunStatus
from ncgh.crawl import run_crawl
from ncgh.report import LogReporter
from simulator import SimConfig, SimServer
from tests.support.crawl import crawl_config


@pytest.mark.slow
def test_a_snapshot_recaptures_every_known_article_once_and_resumes_where_it_stopped(tmp_path):
    config = crawl_config()
    db = tmp_path / "a.db"
    with SimServer(SimConfig(articles=30, seed=3)) as sim:
        run_crawl(config, db, base_url=sim.url, mode=RunMode.INCREMENTAL)
        conn = sqlite3.connect(db)
        known = sorted(a for (a,) in conn.execute("SELECT article_id FROM articles"))
        daily = run_crawl(config, db, base_url=sim.url, mode=RunMode.INCREMENTAL)
        assert daily.revisits == 0  # nothing is due: an incremental crawl would refetch none of them
        gone = known[0]  # as if an earlier run had seen it deleted: a snapshot rechecks gone ones too
        with conn:
            conn.execute("UPDATE articles SET status = 'gone' WHERE article_id = ?", (gone,))

        part = run_crawl(config, db, base_url=sim.url, mode=RunMode.SNAPSHOT, max_requests=15)
        assert part.status == RunStatus.PAUSED and part.snapshot == len(known) and part.snapshot_left > 0
        assert f"snapshot: {part.snapshot - part.snapshot_left} of {len(known)} known articles recaptured" in part.one_line()
        lines = io.StringIO()
        done = run_crawl(config, db, base_url=sim.url, mode=RunMode.INCREMENTAL,  # resumes the snapshot
                         reporter=LogReporter(lines, quiet=True))
        # Said under --quiet too: the mode asked for is not what ran.
        assert f"WARNING crawl: --mode incremental not run: resuming the unfinished snapshot run {part.run_id}" in lines.getvalue()
        assert done.resumed and done.run_id == part.run_id and done.mode == RunMode.SNAPSHOT
        assert done.status == RunStatus.FINISHED and done.snapshot_left == 0 and done.exit_code == 0
        assert done.restored == 1
        counts = dict(conn.execute(
            "SELECT article_id, count(*) FROM captures WHERE run_id = ? AND kind = 'article' GROUP BY 1",
            (done.run_id,),
        ).fetchall())
        assert sorted(counts) == known and set(counts.values()) == {1}
        assert conn.execute(
            "SELECT count(*) FROM work_items WHERE run_id = ? AND kind = 'snapshot' AND etag IS NOT NULL",
            (done.run_id,),
        ).fetchone() == (0,)  # no validators: a 304 would recapture nothing
        conn.close()
