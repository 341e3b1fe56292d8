"""Article pages interpreted in the parser child (ncgh.parse_pool): the same captures as in the
thread, a child that dies or hangs on a page costs that page a parse error and nothing else, and a
crawl with the child builds the same archive as one without it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from archive.vocab import Outcome
from ncgh.config import load_config, to_block_rules, to_site_profile
from ncgh.crawl import run_crawl
from ncgh.parse_pool import ParserChild, ParserProcesses, interpret_and_prepare, usable_cpus
from scraper.records import FetchResult
from tests.support import dying_parser
from tests.support.crawl import crawl_config, rows

CFG = load_config()
PROFILE = to_site_profile(CFG)
BLOCKS = to_block_rules(CFG)
PATHS = tuple(CFG.site.article_paths)
PAGES = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "pages" / "sim").glob("current-*.html"))
ROOT = Path(__file__).resolve().parents[2]


def args_for(page: Path, url: str | None = None) -> tuple:
    url = url or f"http://www.ncgh.org.cn/nczhghcms/article/{page.stem.rsplit('-', 1)[1]}"
    fetch = FetchResult(
        url=url, final_url=url, status=200, headers=[("Content-Type", "text/html; charset=utf-8")],
        body=page.read_bytes(), fetched_at=datetime(2026, 12, 4, 12, tzinfo=UTC), elapsed=0.01, attempts=1,
    )
    return ("ncgh", url, fetch, PROFILE, PATHS, 7, 11, BLOCKS)


def test_the_child_answers_what_the_thread_would():
    child = ParserChild()
    try:
        for page in PAGES:
            args = args_for(page)
            here, prepared_here = interpret_and_prepare(*args)
            there, prepared_there = child.interpret(*args)
            assert there == here and there.outcome == Outcome.OK
            assert prepared_there is not None and prepared_there.fits(there)  # identity survives the pipe
            assert prepared_there.content_for(there) is not None
            assert dataclasses.replace(prepared_there, body=None, content=None) == dataclasses.replace(
                prepared_here, body=None, content=None
            )
    finally:
        child.close()


def test_a_page_that_kills_the_child_is_a_parse_error_and_the_pages_beside_it_are_not():
    child = ParserChild(dying_parser.COMMAND)
    try:
        good = [args_for(page) for page in PAGES]
        deadly = args_for(PAGES[0], "http://www.ncgh.org.cn/nczhghcms/article/die")
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda a: child.interpret(*a), [*good[:3], deadly, *good[3:]]))
        captures = [c for c, _ in answers]
        dead = captures[3]
        assert dead.outcome == Outcome.PARSE_ERROR and "failed on this page twice" in dead.parse_error
        assert dead.body == deadly[2].body and dead.content is None  # the bytes are kept for a reparse
        assert [c.outcome for i, c in enumerate(captures) if i != 3] == [Outcome.OK] * len(good)
        assert child.restarts >= 2
        assert child.interpret(*good[0])[0].outcome == Outcome.OK  # a fresh child carries on
    finally:
        child.close()


def test_a_page_the_child_hangs_on_is_a_parse_error_after_its_time():
    child = ParserChild(dying_parser.COMMAND, seconds=1.0)
    try:
        hung, _ = child.interpret(*args_for(PAGES[0], "http://www.ncgh.org.cn/nczhghcms/article/slow"))
        assert hung.outcome == Outcome.PARSE_ERROR and "took the parser process" in hung.parse_error
        assert child.interpret(*args_for(PAGES[1]))[0].outcome == Outcome.OK
    finally:
        child.close()


def within(seconds: float, fn, *args):  # noqa: ANN001, ANN201
    """fn(*args), failing the test instead of hanging it when fn does not return in time."""
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(fn, *args).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)


def test_a_child_whose_libraries_print_still_answers_every_page_right():
    # Stray output on the child's stdout once shifted every later answer of the stream.
    child = ParserChild(dying_parser.COMMAND)
    try:
        for page in PAGES[:4]:
            args = args_for(page, f"http://www.ncgh.org.cn/nczhghcms/article/{page.stem.rsplit('-', 1)[1]}?print")
            there, _ = within(30, child.interpret, *args)
            assert there == interpret_and_prepare(*args)[0] and there.outcome == Outcome.OK
        assert child.restarts == 0
    finally:
        child.close()


def test_an_answer_damaged_on_its_way_is_never_taken_for_the_page():
    child = ParserChild(dying_parser.COMMAND)
    try:
        args = args_for(PAGES[0], "http://www.ncgh.org.cn/nczhghcms/article/damage")
        capture, _ = within(30, child.interpret, *args)
        assert capture.outcome == Outcome.PARSE_ERROR and "damaged" in capture.parse_error
        assert capture.body == args[2].body and capture.content is None  # the bytes as fetched, kept
        assert within(30, child.interpret, *args_for(PAGES[1]))[0].outcome == Outcome.OK
    finally:
        child.close()


def test_an_answer_that_cannot_be_unpickled_fails_its_page_instead_of_hanging_the_crawl():
    # An AttributeError from unpickling once ended the answers' reader and left every page waiting.
    child = ParserChild(dying_parser.COMMAND)
    try:
        capture, _ = within(30, child.interpret, *args_for(PAGES[0], "http://www.ncgh.org.cn/nczhghcms/article/alien"))
        assert capture.outcome == Outcome.PARSE_ERROR and "AttributeError" in capture.parse_error
        assert within(30, child.interpret, *args_for(PAGES[1]))[0].outcome == Outcome.OK
    finally:
        child.close()


def test_pages_larger_than_the_pipe_from_many_threads_do_not_deadlock():
    # A real page (50-130 kB) makes an answer larger than the pipe: the child blocked on writing it
    # while a thread, holding the lock the answers' reader needed, blocked on writing the next page.
    page = PAGES[0].read_bytes().replace(b"</body>", b"<!--" + b"x" * 150_000 + b"--></body>")
    base = args_for(PAGES[0])
    args = (*base[:2], dataclasses.replace(base[2], body=page), *base[3:])
    expected = interpret_and_prepare(*args)[0]
    child, answers = ParserChild(), []

    def four_pages() -> None:
        answers.extend(child.interpret(*args)[0] for _ in range(4))

    # Daemon threads: a deadlock fails this test instead of keeping the test run from ending.
    threads = [threading.Thread(target=four_pages, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = any(thread.is_alive() for thread in threads)
    if stuck:
        child._gen.proc.kill()  # frees the blocked writes, so the test fails instead of hanging at exit
    assert not stuck, "the crawl's threads and the parser child wait on each other"
    assert answers == [expected] * 16
    child.close()


def test_a_closed_child_refuses_work_instead_of_hanging():
    child = ParserChild()
    child.interpret(*args_for(PAGES[0]))
    child.close()
    with pytest.raises(RuntimeError, match="closed"):
        child.interpret(*args_for(PAGES[0]))


def test_the_child_is_used_only_where_it_can_help():
    assert not ParserProcesses(0, 0.0).enabled
    assert not ParserProcesses(1, 1.0).enabled  # a polite crawl parses one page a second in its threads
    assert ParserProcesses(1, 0.0).enabled == (usable_cpus() >= 2)
    lazy = ParserProcesses(1, 0.0, start_after=2)
    if lazy.enabled:
        assert lazy.child() is None and lazy.child() is None  # the run's first pages stay in the threads
        deadline = time.monotonic() + 30
        while (child := lazy.child()) is None and time.monotonic() < deadline:
            time.sleep(0.05)  # the child is started now; pages stay here until it has imported the parser
        assert child is not None and child.ready
    lazy.close()
    assert lazy.child() is None


def _archive(db: Path) -> list:
    return rows(
        db,
        "SELECT v.article_id, v.version, v.content_hash, v.title, v.body_text, v.body_html, v.published_at,"
        " v.images_json, v.attachments_json, v.changed_fields, v.parser_version,"
        " (SELECT group_concat(c.kind || ':' || c.outcome || ':' || coalesce(c.body_sha256, ''), ',')"
        "  FROM captures c WHERE c.article_id = v.article_id),"
        " (SELECT a.category FROM articles a WHERE a.article_id = v.article_id)"
        " FROM versions v ORDER BY 1, 2",
    )


@pytest.mark.slow
@pytest.mark.skipif(usable_cpus() < 2, reason="the parser child is used on two or more CPUs only")
def test_a_crawl_with_the_child_builds_the_same_archive(sim_factory, tmp_path, monkeypatch):
    monkeypatch.setattr("ncgh.parse_pool.START_AFTER", 5)
    monkeypatch.setattr(ParserChild, "ready", property(lambda self: True))  # queue behind its start
    asked: list[str] = []
    real = ParserChild.interpret
    monkeypatch.setattr(ParserChild, "interpret", lambda self, *a: asked.append(a[1]) or real(self, *a))
    srv = sim_factory(articles=60, seed=4)
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    # Full mode: the id walk's probes that hit go to the child too, its misses stay in the threads.
    with_child = run_crawl(crawl_config(crawl={"parser_processes": 1}), tmp_path / "a.db", base_url=srv.url, now=now,
                           mode="full")
    without = run_crawl(crawl_config(crawl={"parser_processes": 0}), tmp_path / "b.db", base_url=srv.url, now=now,
                        mode="full")
    assert with_child.new_articles == without.new_articles > 30
    assert len(asked) >= with_child.new_articles - 5  # every article page after the first five
    assert all("/article/" in url for url in asked)  # 2xx article pages only: no probe misses, no hubs
    assert _archive(tmp_path / "a.db") == _archive(tmp_path / "b.db")


def _versions(db: Path) -> list:
    return rows(db, "SELECT article_id, version, content_hash, title, body_text, body_html, published_at,"
                    " images_json, attachments_json, changed_fields FROM versions ORDER BY 1, 2")


@pytest.mark.slow
@pytest.mark.skipif(usable_cpus() < 2, reason="the parser child is used on two or more CPUs only")
def test_a_crawl_of_real_sized_pages_with_the_child_ends_and_archives_what_small_pages_give(sim_factory, tmp_path,
                                                                                           monkeypatch):
    # Pages of 50-150 kB (an answer larger than the pipe) from four threads once deadlocked the crawl.
    monkeypatch.setattr("ncgh.parse_pool.START_AFTER", 5)
    big, small = sim_factory(articles=60, seed=4, page_bytes=100_000), sim_factory(articles=60, seed=4)
    now = datetime(2026, 12, 4, 12, tzinfo=UTC)
    done: list = []
    config = crawl_config(crawl={"parser_processes": 1}, fetch={"concurrency_per_host": 4})
    crawl = threading.Thread(target=lambda: done.append(run_crawl(config, tmp_path / "big.db", base_url=big.url, now=now)),
                             daemon=True)  # a deadlock fails this test instead of hanging the run
    crawl.start()
    crawl.join(120)
    assert done, "the crawl of real-sized pages did not end"
    run_crawl(crawl_config(crawl={"parser_processes": 0}), tmp_path / "small.db", base_url=small.url, now=now)
    assert done[0].new_articles > 30 and done[0].errors == 0
    assert rows(tmp_path / "big.db", "SELECT min(body_size) FROM captures WHERE kind = 'article'")[0][0] > 40_000
    def on(db: Path, url: str) -> list:  # the two simulators differ by their port only
        return [tuple(v.replace(url, "SIM") if isinstance(v, str) else v for v in row) for row in _versions(db)]

    assert on(tmp_path / "big.db", big.url) == on(tmp_path / "small.db", small.url)


@pytest.mark.slow
@pytest.mark.skipif(usable_cpus() < 2, reason="the parser child is used on two or more CPUs only")
def test_a_script_without_a_main_guard_crawls_once(sim_factory, tmp_path):
    """multiprocessing's children import the caller's main script again: a script calling run_crawl
    without `if __name__ == "__main__"` started a second crawl in its parser child (LockHeld)."""
    srv = sim_factory(articles=30, seed=5)
    script = tmp_path / "crawl_it.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        import ncgh.parse_pool
        from ncgh.crawl import run_crawl
        from tests.support.crawl import crawl_config
        ncgh.parse_pool.START_AFTER = 0
        print("crawl starts", flush=True)
        s = run_crawl(crawl_config(crawl={{"parser_processes": 1}}), {str(tmp_path / 'c.db')!r}, base_url={srv.url!r})
        print("stored", s.new_articles)
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("crawl starts") == 1 and "LockHeld" not in done.stderr
    assert int(done.stdout.split("stored")[1]) > 10
    assert rows(tmp_path / "c.db", "SELECT count(*) FROM captures WHERE outcome = 'parse_error'") == [(0,)]
