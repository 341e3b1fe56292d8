"""ncgh/assets.py: which assets a run queues (allowed hosts, videos only when configured, rechecks
with validators when due) and the asset caps a fetch uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive.model import AssetRef
from archive.store import Archive
from archive.vocab import AssetRole, RunMode, WorkKind
from ncgh.assets import PRIORITY_FIRST_FETCH, PRIORITY_RECHECK, AssetWork
from ncgh.config import config_from_dict, to_fetch_policy
from tests.support.archive import T0, asset_capture, capture

ON_SITE = "http://www.ncgh.org.cn"
REFS = (
    AssetRef(f"{ON_SITE}/a.png", AssetRole.IMAGE),
    AssetRef(f"{ON_SITE}/lesson.mp4", AssetRole.VIDEO),
    AssetRef("https://hm.baidu.com/hm.js", AssetRole.SCRIPT),
    AssetRef(f"{ON_SITE}/n.pdf", AssetRole.ATTACHMENT),
)


def work(tmp_path: Path, **assets) -> tuple[Archive, AssetWork, int]:
    cfg = config_from_dict({"assets": assets})
    archive = Archive(tmp_path / "a.db")
    run_id = archive.queue.start_run(RunMode.INCREMENTAL, T0.isoformat(), "{}")
    return archive, AssetWork(cfg.assets, archive, "ncgh", to_fetch_policy(cfg, ON_SITE)), run_id


def queued(archive: Archive, run_id: int) -> dict[str, tuple]:
    return {i.url: (i.kind, i.priority, i.etag) for i in archive.queue.pending(run_id, limit=100)}


def test_new_references_are_queued_on_allowed_hosts_without_videos(tmp_path: Path) -> None:
    archive, assets, run_id = work(tmp_path)
    page = capture(1001, 0, requisites=REFS)
    result = archive.record_capture(page)
    assert assets.after_record(run_id, page, result) == 2
    assert queued(archive, run_id) == {
        f"{ON_SITE}/a.png": (WorkKind.ASSET, PRIORITY_FIRST_FETCH, None),
        f"{ON_SITE}/n.pdf": (WorkKind.ASSET, PRIORITY_FIRST_FETCH, None),
    }
    # The references are in the archive either way: a run killed before queueing them plans them next.
    next_run = archive.queue.start_run(RunMode.INCREMENTAL, (T0 + timedelta(days=1)).isoformat(), "{}")
    assert assets.plan(next_run, T0 + timedelta(days=1)) == 2
    archive.close()


def test_videos_when_configured_and_their_own_cap(tmp_path: Path) -> None:
    archive, assets, run_id = work(tmp_path, download_videos=True, video_max_bytes=1234, max_bytes=99)
    page = capture(1001, 0, requisites=REFS)
    assets.after_record(run_id, page, archive.record_capture(page))
    assert f"{ON_SITE}/lesson.mp4" in queued(archive, run_id)
    caps = {}

    class Recorder:
        def fetch(self, url, etag=None, last_modified=None, max_bytes=None):
            caps[url.rsplit("/", 1)[1]] = max_bytes

    for item in archive.queue.pending(run_id):
        assets.fetch(Recorder(), item)
    assert caps == {"lesson.mp4": 1234, "a.png": 99, "n.pdf": 99}
    archive.close()


def test_the_video_cap_goes_to_videos_only_never_by_a_query_string(tmp_path: Path) -> None:
    refs = (
        AssetRef(f"{ON_SITE}/pic.jpg?v=.mp4", AssetRole.IMAGE),
        AssetRef(f"{ON_SITE}/a.pdf?x.mp4", AssetRole.ATTACHMENT),
        AssetRef(f"{ON_SITE}/play?id=7", AssetRole.VIDEO),  # a video by its element, not its name
    )
    caps = {}

    class Recorder:
        def fetch(self, url, etag=None, last_modified=None, max_bytes=None):
            caps[url.rsplit("/", 1)[1]] = max_bytes

    for download in (False, True):
        (tmp_path / str(download)).mkdir()
        archive, assets, run_id = work(tmp_path / str(download), download_videos=download, video_max_bytes=1234, max_bytes=99)
        page = capture(1001, 0, requisites=refs)
        assets.after_record(run_id, page, archive.record_capture(page))
        caps.clear()
        for item in archive.queue.pending(run_id):
            assets.fetch(Recorder(), item)
        expected = {"pic.jpg?v=.mp4": 99, "a.pdf?x.mp4": 99} | ({"play?id=7": 1234} if download else {})
        assert caps == expected
        # Queued by a killed run, fetched by the next process: the path alone says video.
        fresh = AssetWork(assets.cfg, archive, "ncgh", assets.policy)
        assert fresh._is_video(f"{ON_SITE}/lesson.mp4") is download
        assert fresh._is_video(f"{ON_SITE}/pic.jpg?v=.mp4") is False
        archive.close()


def test_rechecks_are_rare_and_conditional(tmp_path: Path) -> None:
    archive, assets, run_id = work(tmp_path, recheck_days=30)
    archive.record_capture(capture(1001, 0, requisites=REFS[:1]))
    archive.record_capture(asset_capture(f"{ON_SITE}/a.png", 0))  # ETag "0"
    now = datetime.fromisoformat(T0.isoformat()).astimezone(UTC)
    assert assets.plan(run_id, now + timedelta(days=29)) == 0
    assert assets.plan(run_id, now + timedelta(days=30)) == 1
    assert queued(archive, run_id)[f"{ON_SITE}/a.png"] == (WorkKind.ASSET, PRIORITY_RECHECK, '"0"')
    archive.close()


def test_disabled_queues_nothing_but_records_references(tmp_path: Path) -> None:
    archive, assets, run_id = work(tmp_path, enabled=False)
    page = capture(1001, 0, requisites=REFS)
    assert assets.after_record(run_id, page, archive.record_capture(page)) == 0
    assert assets.plan(run_id, T0) == 0
    assert archive.conn.execute("SELECT count(*) FROM version_assets").fetchone() == (4,)
    archive.close()
