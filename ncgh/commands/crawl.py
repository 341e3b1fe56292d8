"""`ncgh crawl`: the job cron runs. Exit codes: 0 done, 1 some pages failed, 2 usage or config error,
3 site unreachable, 65 the archive is damaged, 69 stopped by a WAF's block pages (the next crawl
resumes), 74 the archive cannot be written (read-only, disk full), 75 another crawl holds the lock
(130 interrupted; the next crawl resumes); a file that is not an archive is exit 2."""

from __future__ import annotations

import signal
import sqlite3
import sys
from pathlib import Path

import click

from archive.fileinfo import FileState, inspect_file
from archive.schema import SchemaError
from archive.vocab import RunMode
from ncgh import config_checks
from ncgh.commands._errors import EXIT_STORAGE, ArchiveFailure, archive_failure, file_failure
from ncgh.config import ConfigError, load_config
from ncgh.crawl import MODES, run_crawl
from ncgh.crawl_summary import EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_USAGE
from ncgh.lock import LockHeld
from ncgh.report import make_reporter
from scraper.checks import Bad


def _fail(message: str, code: int) -> None:
    click.echo(f"ncgh crawl: {message}", err=True)
    raise SystemExit(code)


def _refuse_foreign_file(path: Path) -> ArchiveFailure | None:
    """Another program's file (or a damaged one) is refused before anything opens it for writing:
    opening it as an archive would already switch it to WAL mode. A missing or empty file is where a
    first crawl starts the archive."""
    if not path.exists():
        return None
    check = inspect_file(path)
    if check.state in (FileState.ARCHIVE, FileState.EMPTY):
        return None
    return file_failure(path)


def _terminate(signum: int, frame: object) -> None:
    # systemd and `kill` send SIGTERM: stop like Ctrl-C, recording what is in flight.
    raise KeyboardInterrupt


@click.command("crawl")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="config.toml (default: built-in).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Archive file (default: [archive] db_path).")
@click.option("--base-url", help="Crawl this host instead of [site] base_url (e.g. the simulator).")
@click.option("--mode", type=click.Choice(MODES), default=RunMode.INCREMENTAL.value, show_default=True,
              help="incremental: new articles and due revisits; full: every list page and the id walk; "
                   "snapshot: new articles and every known article (live and gone) recaptured once.")
@click.option("--max-requests", type=click.IntRange(min=0), help="Stop after this many requests (resumed next time).")
@click.option("--delay", type=click.FloatRange(min=0), help="Seconds between requests (overrides [fetch] delay).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def command(
    config_path: str | None,
    db_path: str | None,
    base_url: str | None,
    mode: str,
    max_requests: int | None,
    delay: float | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Crawl the site into the archive; safe to run from cron (locked, resumable, quiet when asked).

    Exit codes (the README's table says more): 0 done (or paused by --max-requests); 1 done, but some
    pages failed after retries or were still blocked, or the site stopped answering mid-run, or no
    article was found at all; 2 usage or configuration error; 3 the site could not be reached at all;
    65 the archive is damaged (run `ncgh verify --full`); 69 the site's WAF answered [blocks]
    stop_after block pages in a row (the run stopped politely; the next crawl resumes it);
    74 the archive cannot be written (read-only or full disk); 75 another crawl or a reparse holds this
    archive's lock. 130 interrupted (Ctrl-C, SIGTERM; the next crawl resumes the run).
    A file that is not an ncgh archive, or an archive path whose folder does not exist, is exit 2.
    """
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)
    if base_url is not None:
        try:
            config_checks.base_url(base_url)  # the check [site] base_url gets
        except Bad:
            _fail(f"--base-url must be an http:// or https:// URL, got {base_url!r}", EXIT_USAGE)
    path = db_path or config.archive.db_path
    if not Path(path).parent.is_dir():
        # A typo in a cron line's --db must not start a second archive in a new folder (found by review).
        _fail(f"the folder of the archive {path} does not exist; create it first, or check the path", EXIT_USAGE)
    refused = _refuse_foreign_file(Path(path))
    if refused is not None:
        raise refused
    reporter = make_reporter(sys.stderr, quiet=quiet)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        summary = run_crawl(
            config, path, base_url=base_url, mode=mode, max_requests=max_requests, delay=delay, reporter=reporter
        )
    except LockHeld as exc:
        reporter.close()
        _fail(str(exc), EXIT_LOCKED)
    except ConfigError as exc:  # a learned profile beside the archive that cannot be used
        reporter.close()
        _fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        reporter.close()
        _fail("interrupted; the next crawl resumes this run", EXIT_INTERRUPTED)
    except SchemaError as exc:  # an archive written by a newer ncgh, or not an archive at all
        reporter.close()
        not_an_archive = file_failure(Path(path))
        if not_an_archive is not None:
            raise not_an_archive from None
        _fail(f"cannot use the archive {path}: {exc}", EXIT_USAGE)
    except sqlite3.DatabaseError as exc:
        reporter.close()
        failure = archive_failure(exc, Path(path))
        if failure.exit_code != EXIT_STORAGE:  # not an archive (2) or damaged (65): not a disk problem
            raise failure from None
        _fail(f"cannot write the archive {path}: {exc} (what is archived is intact; the next crawl resumes)",
              EXIT_STORAGE)
    except (sqlite3.Error, OSError) as exc:
        # A read-only or full disk: every capture is its own transaction, so what was recorded stays.
        reporter.close()
        reason = f"{exc.strerror}: {exc.filename}" if isinstance(exc, OSError) and exc.strerror else str(exc)
        _fail(f"cannot write the archive {path}: {reason} (what is archived is intact; the next crawl resumes)",
              EXIT_STORAGE)
    finally:
        signal.signal(signal.SIGTERM, previous)
    if as_json:
        click.echo(summary.to_json())
    raise SystemExit(summary.exit_code)
