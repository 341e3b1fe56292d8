"""`ncgh verify`: prove the archive is intact; exit 1 with a readable list of problems if not.

`--full` also reads every page, index entry and column (PRAGMA integrity_check, the search index's
FTS5 integrity-check, every value of its declared type): slower, and what to run when a command
reported the archive damaged. A file that is not an archive is one `Error:` line and exit 2.
"""

from __future__ import annotations

import click

from archive.fileinfo import FileState
from archive.verify import format_report, verify
from ncgh.commands._errors import EXIT_NOT_AN_ARCHIVE, EXIT_STORAGE, ArchiveFailure
from ncgh.commands._read import load_config_or_exit

_NOT_AN_ARCHIVE = (FileState.NOT_SQLITE, FileState.NOT_AN_ARCHIVE, FileState.EMPTY)


@click.command("verify")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Archive file (default: [archive] db_path).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="config.toml to read db_path from.")
@click.option("--full", is_flag=True,
              help="Also read every page, index entry and column (integrity_check, FTS5 integrity-check); slower.")
def command(db_path: str | None, config_path: str | None, full: bool) -> None:
    """Check every body against its hash, every capture's body reference, version chains and the index.

    Exit codes: 0 intact; 1 problems found (listed) or no file there; 2 the file is not an ncgh archive;
    74 SQLite cannot open it where it lies (a folder that refuses its -shm file).
    """
    cfg = load_config_or_exit(config_path)  # a bad --config is an error even with --db
    path = db_path or cfg.archive.db_path
    report = verify(path, full=full)
    if report.state in _NOT_AN_ARCHIVE:
        raise ArchiveFailure(f"{report.problems[0]}; pass --db with the path of an ncgh archive", EXIT_NOT_AN_ARCHIVE)
    if report.state == FileState.MISSING:  # as every reader says it; a report of zeros would look like an empty archive
        raise click.ClickException(f"{report.problems[0]} (run `ncgh crawl` first, or pass --db PATH)")
    if report.state == FileState.NO_ACCESS:  # the folder refuses the -shm file: nothing was checked, nothing is wrong
        raise ArchiveFailure(report.problems[0], EXIT_STORAGE)
    click.echo(format_report(report, path))
    raise SystemExit(0 if report.ok else 1)
