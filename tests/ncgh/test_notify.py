"""Alerts after each crawl ([notify], ncgh/notify.py), over loopback: a local webhook receiver and a
local SMTP server (aiosmtpd) get exactly the expected messages after simulator crawls with edits; a
destination that refuses costs a warning, and the next crawl delivers what it missed."""

from __future__ import annotations

import email
import hashlib
import json
import socket
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from archive.changes import changes_of
from ncgh.config import ConfigError, config_from_dict
from ncgh.crawl import run_crawl
from ncgh.notify import destination
from ncgh.report import Reporter

ID_RANGE = (800, 1100)
KINDS = ("edited", "gone", "restored")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Webhook:
    """An HTTP receiver on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self, port: int = 0):
        received: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.received = received
        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """An SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.Message] = []
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                outer.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=ncgh@example.org&to=desk@example.org"

    def bodies(self) -> list[str]:
        out = []
        for m in self.messages:
            part = next(p for p in m.walk() if p.get_content_type() == "text/plain")
            out.append(part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8"))
        return out

    def close(self) -> None:
        self.controller.stop()


class Warnings(Reporter):
    def __init__(self) -> None:
        self.warnings: list[str] = []

    def warning(self, message: str) -> None:
        self.warnings.append(message)


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def mailbox():
    box = Mailbox()
    yield box
    box.close()


def crawl_config(urls: list[str], **notify):
    return config_from_dict({
        "fetch": {"delay": 0, "concurrency_per_host": 2},
        "discovery": {"id_range": list(ID_RANGE), "id_gap_tolerance": 30},
        "archive": {"gone_after": 1},
        "revisit": {"schedule": [[100000, 1]], "budget": 10000, "gone_recheck_days": 1},
        "notify": {"urls": urls, "web_url": "http://archive.test:8001", **notify},
    })


def run_events(db: Path, run_id: int, kinds=KINDS) -> list[tuple[int, str, int]]:
    """(capture id, kind, article id) of the run's events of `kinds`, oldest first, read directly."""
    conn = sqlite3.connect(db)
    try:
        marks = ",".join("?" * len(kinds))
        return conn.execute(
            "SELECT e.capture_id, e.event, e.article_id FROM events e JOIN captures c ON c.id = e.capture_id"
            f" WHERE c.run_id = ? AND e.event IN ({marks}) ORDER BY e.at, e.id", (run_id, *kinds)
        ).fetchall()
    finally:
        conn.close()


def titles_of(db: Path, events: list[tuple[int, str, int]]) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [c.title or "" for c in changes_of(conn, events)]
    finally:
        conn.close()


def crawl_until_changes(srv, cfg, db: Path, t0: datetime, reporter=None, first_day: int = 1):
    """Advance the simulator a day at a time, crawling after each, until a run has events to send."""
    for day in range(first_day, first_day + 8):
        srv.advance()
        summary = run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=day), reporter=reporter)
        assert summary.exit_code == 0, summary
        events = run_events(db, summary.run_id)
        if events:
            return day, summary, events
    raise AssertionError("the simulator made no edit or deletion in 8 days")


@pytest.mark.slow
def test_digest_reaches_webhook_and_mail_exactly_once(sim_factory, tmp_path, webhook, mailbox):
    srv = sim_factory(articles=30, seed=5, id_range=ID_RANGE, edit_rate=0.15, delete_rate=0.05, restore_rate=0.3)
    cfg = crawl_config([webhook.url, mailbox.url])
    db = tmp_path / "n.db"
    t0 = datetime.now(UTC)
    first = run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0)
    assert first.new_articles == 30
    # The first crawl learned only "new" articles, which are not among the kinds sent.
    assert webhook.received == [] and mailbox.messages == []

    day, summary, events = crawl_until_changes(srv, cfg, db, t0)
    assert len(webhook.received) == 1 and len(mailbox.messages) == 1
    hook, mail = webhook.received[0], mailbox.messages[0]
    counts: dict[str, int] = {}
    for _, kind, _ in events:
        counts[kind] = counts.get(kind, 0) + 1
    title = f"ncgh-archive: {len(events)} change(s) on ncgh ({', '.join(f'{n} {k}' for k, n in counts.items())})"
    assert hook["title"] == title and mail["Subject"] == title
    body = mailbox.bodies()[0]
    for text in (hook["message"], body):
        blocks = text.replace("\r\n", "\n").strip().split("\n\n")  # e-mail lines end in CRLF
        assert len(blocks) == len(events)
        for block, (_, kind, article_id), shown in zip(blocks, events, titles_of(db, events), strict=True):
            assert block.startswith(f"{kind:<8} {article_id}") and shown in block.splitlines()[0]
            assert f"http://archive.test:8001/-/article/{article_id}?version=" in block
    assert mail["To"] == "desk@example.org"

    # Crawling again the same day learns nothing: nothing is sent.
    again = run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=day, hours=1))
    assert again.exit_code == 0 and run_events(db, again.run_id) == []
    assert len(webhook.received) == 1 and len(mailbox.messages) == 1
    rows = sqlite3.connect(db).execute(
        "SELECT count(*), count(delivered_at), count(DISTINCT destination) FROM notifications").fetchone()
    assert rows == (2 * len(events), 2 * len(events), 2)
    labels = {r[0] for r in sqlite3.connect(db).execute("SELECT label FROM notifications")}
    assert labels == {destination(webhook.url).label, destination(mailbox.url).label}


def test_the_archive_never_holds_a_destinations_secrets() -> None:
    """Apprise URLs carry passwords and tokens; the archive (browsable in `ncgh serve`) keeps a hash and
    the masked URL."""
    url = "mailtos://ncgh:s3cr3t-pw@smtp.example.org?to=desk@example.org"
    d = destination(url)
    assert d.key == hashlib.sha256(url.encode()).hexdigest()
    assert "s3cr3t-pw" not in d.label and d.label.startswith("mailtos://ncgh:")
    token = "0123456789abcdef0123456789abcdef"
    assert token not in destination(f"dingtalk://{token}/").label


@pytest.mark.slow
def test_each_mode_sends_one_message_per_event(sim_factory, tmp_path, webhook):
    srv = sim_factory(articles=30, seed=5, id_range=ID_RANGE, edit_rate=0.15, delete_rate=0.05, restore_rate=0.3)
    cfg = crawl_config([webhook.url], mode="each", kinds=["new", "edited", "gone", "restored"])
    db = tmp_path / "e.db"
    t0 = datetime.now(UTC)
    run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0)
    # 30 new articles at once are more than MAX_EACH: one digest, not 30 messages.
    assert len(webhook.received) == 1 and webhook.received[0]["title"].startswith("ncgh-archive: 30 change(s)")
    _, summary, events = crawl_until_changes(srv, cfg, db, t0)
    events = run_events(db, summary.run_id, ("new", "edited", "gone", "restored"))
    got = webhook.received[1:]
    assert len(got) == len(events)
    for message, (_, kind, article_id) in zip(got, events, strict=True):
        assert message["title"].startswith(f"{kind}: {article_id} ")


@pytest.mark.slow
def test_footer_change_is_sent_when_asked_for(sim_factory, tmp_path, webhook):
    """kinds = ["footer"]: the simulator changes its ICP number on day 2 + seed % 3 (day 2 for seed 3)."""
    srv = sim_factory(articles=20, seed=3, id_range=ID_RANGE, edit_rate=0.2)
    cfg = crawl_config([webhook.url], kinds=["footer"])
    db = tmp_path / "f.db"
    t0 = datetime.now(UTC)
    first = run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0)
    assert first.footer_changes == 0  # the first footer seen is no change (the summary said 1)
    srv.advance()
    run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=1))
    assert webhook.received == []  # edits, but no footer change yet
    srv.advance()
    changed = run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=2))
    assert len(webhook.received) == 1 and changed.footer_changes == 1
    message = webhook.received[0]
    assert message["title"] == "ncgh-archive: 1 change(s) on ncgh (1 footer)"
    old_icp, new_icp = (r[0] for r in sqlite3.connect(db).execute("SELECT icp FROM footers ORDER BY version"))
    assert message["message"].startswith("footer   - v2  site footer")
    assert "changed: icp" in message["message"] and "http://archive.test:8001/ncgh/footers/2" in message["message"]
    assert srv.truth()["footer"]["icp"] == new_icp != old_icp


@pytest.mark.slow
def test_refused_destination_warns_and_the_next_crawl_delivers(sim_factory, tmp_path):
    srv = sim_factory(articles=30, seed=5, id_range=ID_RANGE, edit_rate=0.15, delete_rate=0.05, restore_rate=0.3)
    port = free_port()  # nothing listens here yet
    url = f"json://127.0.0.1:{port}/hook"
    cfg = crawl_config([url])
    db = tmp_path / "r.db"
    t0 = datetime.now(UTC)
    run_crawl(cfg, db, base_url=srv.url, mode="full", now=t0)
    reporter = Warnings()
    day, summary, events = crawl_until_changes(srv, cfg, db, t0, reporter=reporter)
    assert summary.exit_code == 0 and summary.status == "finished"
    assert len(reporter.warnings) == 1
    assert reporter.warnings[0].startswith(f"notify: json://127.0.0.1:{port}/hook")
    assert f"{len(events)} change(s) not delivered" in reporter.warnings[0]
    pending = sqlite3.connect(db).execute(
        "SELECT count(*) FROM notifications WHERE delivered_at IS NULL AND attempts = 1 AND last_error IS NOT NULL"
    ).fetchone()[0]
    assert pending == len(events)

    hook = Webhook(port)
    try:
        reporter = Warnings()
        srv.advance()
        later = run_crawl(cfg, db, base_url=srv.url, now=t0 + timedelta(days=day + 1), reporter=reporter)
        assert later.exit_code == 0 and reporter.warnings == []
        both = events + run_events(db, later.run_id)
        assert len(hook.received) == 1
        assert hook.received[0]["title"].startswith(f"ncgh-archive: {len(both)} change(s)")
        blocks = hook.received[0]["message"].strip().split("\n\n")
        assert [b.split()[1] for b in blocks] == [str(a) for _, _, a in both]
        assert sqlite3.connect(db).execute(
            "SELECT count(*) FROM notifications WHERE delivered_at IS NULL").fetchone()[0] == 0
    finally:
        hook.close()


def test_bad_notify_settings_name_the_key() -> None:
    cases = {
        "urls": (["nope://x"], "notify.urls must be a list of Apprise URLs (entry 1, nope://…"),
        "kinds": (["deleted"], "notify.kinds must be a list of values from"),
        "mode": ("daily", 'notify.mode must be one of "digest", "each"'),
        "web_url": ("ftp://x", "notify.web_url must be an http:// or https:// URL"),
    }
    for key, (value, message) in cases.items():
        with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(".", r"\.")):
            config_from_dict({"notify": {key: value}})
    cfg = config_from_dict({"notify": {"urls": ["mailtos://u:p@example.org?to=a@example.org", "jsons://h.example/x",
                                                "dingtalk://token/", "wecombot://key", "feishu://token/",
                                                "lark://token/"]}})
    assert len(cfg.notify.urls) == 6 and cfg.notify.mode == "digest" and cfg.notify.kinds == KINDS


def test_cli_crawl_warns_in_one_line_even_quiet_and_resends(sim_factory, tmp_path):
    """`ncgh crawl -q` from cron: an undeliverable alert is one WARNING line, exit 0; the next crawl,
    which learns nothing itself, delivers what was kept."""
    from click.testing import CliRunner

    from ncgh.cli import cli

    srv = sim_factory(articles=20, seed=7, id_range=ID_RANGE)
    port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(
        "[fetch]\ndelay = 0\nconcurrency_per_host = 2\n"
        f"[discovery]\nid_range = [{ID_RANGE[0]}, {ID_RANGE[1]}]\nid_gap_tolerance = 30\n"
        f'[notify]\nurls = ["json://127.0.0.1:{port}/hook"]\nkinds = ["new"]\n',
        encoding="utf-8",
    )
    db = tmp_path / "c.db"
    args = ["crawl", "--db", str(db), "--config", str(config), "--base-url", srv.url, "-q"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    linked = len([a for a in srv.truth()["articles"] if a["linked"]])
    assert len(lines) == 1 and f"WARNING notify: json://127.0.0.1:{port}/hook: {linked} change(s) not delivered" in lines[0]
    hook = Webhook(port)
    try:
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 and result.output == ""
        assert len(hook.received) == 1 and hook.received[0]["title"] == (
            f"ncgh-archive: {linked} change(s) on ncgh ({linked} new)")
    finally:
        hook.close()
    config.write_text('[notify]\nurls = ["json://127.0.0.1:1/x", "nosuch://x"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "notify.urls must be a list of Apprise URLs (entry 2, nosuch://…" in result.output


@pytest.mark.slow
def test_interrupted_run_sends_when_resumed(sim_factory, tmp_path, webhook, monkeypatch):
    """Stopping on Ctrl-C sends nothing (no waiting on destinations while asked to stop); the next
    crawl resumes the run under its id and sends its changes when it ends."""
    import ncgh.crawl as crawl_module
    from archive.vocab import RunStatus

    srv = sim_factory(articles=20, seed=7, id_range=ID_RANGE)
    cfg = crawl_config([webhook.url], kinds=["new"])
    db = tmp_path / "i.db"
    real_work = crawl_module._Crawl.work

    def interrupted(self, run_id, summary):
        real_work(self, run_id, summary)
        return RunStatus.INTERRUPTED

    monkeypatch.setattr(crawl_module._Crawl, "work", interrupted)
    first = run_crawl(cfg, db, base_url=srv.url)
    assert first.status == "interrupted" and first.new_articles > 0
    assert webhook.received == []
    monkeypatch.setattr(crawl_module._Crawl, "work", real_work)
    resumed = run_crawl(cfg, db, base_url=srv.url)
    assert resumed.resumed and resumed.run_id == first.run_id
    assert len(webhook.received) == 1
    assert webhook.received[0]["title"].startswith(f"ncgh-archive: {first.new_articles} change(s)")


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no handler catches it."""


def test_a_crawl_killed_after_its_run_ended_leaves_its_alerts_queued(sim_factory, tmp_path, webhook, monkeypatch):
    """The run is stored as ended and its events queued in one transaction: a crawl killed before it
    sent anything leaves them for the next crawl (before, the run ended with nothing queued, and no
    later crawl ever sent its changes)."""
    import ncgh.notify as notify

    srv = sim_factory(articles=20, seed=7, id_range=ID_RANGE)
    cfg = crawl_config([webhook.url], kinds=["new"])
    db = tmp_path / "k.db"

    def killed(*args, **kwargs):
        raise _Killed

    monkeypatch.setattr(notify, "deliver", killed)
    with pytest.raises(_Killed):
        run_crawl(cfg, db, base_url=srv.url)
    ended = sqlite3.connect(db).execute("SELECT status, new_articles FROM runs").fetchone()
    assert ended[0] == "finished" and ended[1] > 0 and webhook.received == []
    monkeypatch.undo()
    again = run_crawl(cfg, db, base_url=srv.url)
    assert again.run_id != 1 and len(webhook.received) == 1
    assert webhook.received[0]["title"].startswith(f"ncgh-archive: {ended[1]} change(s)")


def test_stopped_while_sending_the_run_is_ended_and_the_summary_says_so(sim_factory, tmp_path, webhook, monkeypatch):
    """Ctrl-C / SIGTERM while a destination is slow: the run stays finished (nothing to resume), the
    summary is printed with a warning, and the next crawl sends what was not delivered."""
    import ncgh.notify as notify

    srv = sim_factory(articles=20, seed=7, id_range=ID_RANGE)
    cfg = crawl_config([webhook.url], kinds=["new"])
    db = tmp_path / "s.db"

    def interrupted(url, message):
        raise KeyboardInterrupt

    monkeypatch.setattr(notify, "send", interrupted)
    first = run_crawl(cfg, db, base_url=srv.url)
    assert first.status == "finished" and first.exit_code == 0 and webhook.received == []
    assert any("stopped while sending" in w for w in first.warnings)
    stored = json.loads(sqlite3.connect(db).execute("SELECT summary_json FROM runs").fetchone()[0])
    assert stored["warnings"] == first.warnings
    monkeypatch.undo()
    run_crawl(cfg, db, base_url=srv.url)
    assert len(webhook.received) == 1
    assert webhook.received[0]["title"].startswith(f"ncgh-archive: {first.new_articles} change(s)")


def test_each_mode_holds_later_messages_behind_a_failed_one(tmp_path, monkeypatch) -> None:
    """A destination must not hear of a restoration before the deletion it undoes: after a failed
    message, the later ones wait (undelivered) for the next crawl, in order."""
    import ncgh.notify as notify
    from archive.store import Archive
    from archive.vocab import MissingReason
    from tests.support.archive import at, capture, content

    db = tmp_path / "o.db"
    with Archive(db, gone_after=1) as archive:
        run = archive.queue.start_run("incremental", at(0), "{}")
        archive.record_capture(capture(1, 0, content(1), run_id=run))
        archive.record_capture(capture(1, 1, outcome="missing", status=404, body=b"gone", run_id=run,
                                       missing_reason=MissingReason.HTTP_404))
        archive.record_capture(capture(1, 2, content(1), run_id=run))
        cfg = crawl_config(["json://127.0.0.1:9/hook"], mode="each", kinds=["gone", "restored"]).notify
        notify.queue_run_alerts(archive, cfg, run)
        sent: list[str] = []
        answers = iter(["refused", None, None])
        monkeypatch.setattr(notify, "send", lambda url, m: sent.append(m.title) or next(answers))
        first = notify.deliver(archive, cfg, "ncgh")
        assert (len(sent), first[0].sent, first[0].pending) == (1, 0, 2) and sent[0].startswith("gone")
        second = notify.deliver(archive, cfg, "ncgh")
        assert second[0].sent == 2 and [t.split(":")[0] for t in sent] == ["gone", "gone", "restored"]


def test_an_attachment_change_is_sent_for_every_article_that_links_it(tmp_path, monkeypatch) -> None:
    """One capture of a shared attachment is an event on each article linking it: each is queued,
    sent and named apart (before, none was sent: the capture has no article, so the events were
    taken for reparsed away and dropped; and two articles shared one feed entry id)."""
    from dataclasses import replace

    import ncgh.notify as notify
    from archive.changes import changes
    from archive.feed import entry_id
    from archive.model import AssetRef
    from archive.store import Archive
    from archive.vocab import AssetRole, ChangeKind
    from tests.support.archive import asset_capture, capture, content

    pdf = "http://www.ncgh.org.cn/upload/files/shared.pdf"
    refs = (AssetRef(pdf, AssetRole.ATTACHMENT),)
    db = tmp_path / "a.db"
    with Archive(db) as archive:
        run = archive.queue.start_run("incremental", "2026-01-01T00:00:00+00:00", "{}")
        archive.record_capture(capture(1001, 0, requisites=refs, run_id=run))
        archive.record_capture(capture(1002, 0, c=content(seed=2), requisites=refs, run_id=run))
        archive.record_capture(replace(asset_capture(pdf, 0), run_id=run))
        archive.record_capture(replace(asset_capture(pdf, 2, body=b"%PDF-1.4 two"), run_id=run))
        cfg = crawl_config(["json://127.0.0.1:9/hook"], kinds=["attachment_changed"]).notify
        assert notify.queue_run_alerts(archive, cfg, run) == 2
        sent: list[notify.Message] = []
        monkeypatch.setattr(notify, "send", lambda url, m: sent.append(m))
        report = notify.deliver(archive, cfg, "ncgh")
        assert report[0].sent == 2 and len(sent) == 1
        assert [line.split()[:2] for line in sent[0].body.split("\n\n")] == [
            ["attachment_changed", "1001"], ["attachment_changed", "1002"]]
        found = changes(archive.conn, kinds=[ChangeKind.ATTACHMENT_CHANGED])
        assert len({entry_id(c) for c in found}) == len(found) == 2


def test_a_failure_storing_the_runs_end_is_not_taken_for_an_alert_problem(sim_factory, tmp_path, webhook, monkeypatch):
    """Storing the run's end failing (a full disk) propagates as before: the run stays open and the
    next crawl ends it and sends its alerts. Only a failure of the queueing itself is an alert
    warning (caught too widely, a full disk dropped the run's alerts for good; found by review)."""
    import ncgh.notify as notify
    from archive.queue import WorkQueue

    srv = sim_factory(articles=20, seed=7, id_range=ID_RANGE)
    cfg = crawl_config([webhook.url], kinds=["new"])
    db = tmp_path / "f.db"
    real = WorkQueue.finish_run
    failures = [sqlite3.OperationalError("database or disk is full")]  # once: a retry would succeed

    def full(self, *args, **kwargs):
        if failures:
            raise failures.pop()
        return real(self, *args, **kwargs)

    monkeypatch.setattr(WorkQueue, "finish_run", full)
    with pytest.raises(sqlite3.OperationalError):
        run_crawl(cfg, db, base_url=srv.url)
    assert sqlite3.connect(db).execute("SELECT status FROM runs").fetchone()[0] == "running"
    monkeypatch.setattr(WorkQueue, "finish_run", real)
    resumed = run_crawl(cfg, db, base_url=srv.url)
    assert resumed.resumed and len(webhook.received) == 1

    def broken(*args, **kwargs):
        raise RuntimeError("no destinations today")

    monkeypatch.setattr(notify, "queue_run_alerts", broken)
    srv.advance()
    later = run_crawl(cfg, db, base_url=srv.url)
    assert later.status == "finished" and later.exit_code == 0
    assert any("could not be queued (RuntimeError" in w for w in later.warnings)
    stored = json.loads(sqlite3.connect(db).execute(
        "SELECT summary_json FROM runs WHERE id = ?", (later.run_id,)).fetchone()[0])
    assert stored["warnings"] == later.warnings
