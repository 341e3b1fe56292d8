"""`ncgh reparse`: re-derive versions, events, views and footers from the stored bodies.

Runs today's parser over every stored capture (in capture order) through the same classification
as a live crawl (`ncgh.pipeline.interpret_stored`). Raw captures and bodies are never changed, and the
whole rebuild is one transaction: an error leaves the archive exactly as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("reparse")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Archive file (default: [archive] db_path).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="config.toml ([parse], [blocks], [site]).")
def command(db_path: str | None, config_path: str | None) -> None:
    """Re-run the current parser over every stored body and rebuild the derived tables."""
    from archive.store import Archive
    from ncgh.calibrate import active_profile
    from ncgh.commands._errors import EXIT_BUSY, ArchiveFailure, file_failure
    from ncgh.commands._read import load_config_or_exit
    from ncgh.config import ConfigError, to_block_rules
    from ncgh.lock import CrawlLock, LockHeld, LockPurpose
    from ncgh.pipeline import interpret_stored

    cfg = load_config_or_exit(config_path)
    path = Path(db_path or cfg.archive.db_path)
    if not path.exists():
        raise click.ClickException(f"no archive at {path}")
    # Before the lock and the writer: an empty file or another program's database is refused, never
    # turned into an empty archive; a damaged one is named as such (exit 65), not a traceback.
    failure = file_failure(path)
    if failure is not None:
        raise failure
    try:
        profile = active_profile(cfg, path)  # the learned profile beside the archive, if there is one
    except ConfigError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    blocks = to_block_rules(cfg)  # the same [blocks] rules as the crawl: a block page stays a block page
    article_paths = tuple(cfg.site.article_paths)

    def interpret(stored, body):
        return interpret_stored(stored, body, profile, article_paths, blocks)

    # A rebuild holds the write lock for its whole run: never alongside a crawl of the same archive.
    try:
        with CrawlLock(path, LockPurpose.REPARSE), Archive(path, gone_after=cfg.archive.gone_after) as archive:
            total = archive.conn.execute("SELECT count(*) FROM captures").fetchone()[0]
            with click.progressbar(length=total, label="reparsing", file=sys.stderr) as bar:
                report = archive.rebuild(interpret, progress=lambda done: bar.update(1))
    except LockHeld as exc:
        raise ArchiveFailure(f"{exc}; run reparse when it has finished", EXIT_BUSY) from None
    except KeyboardInterrupt:  # the rebuild is one transaction: nothing of it was kept
        click.echo("reparse: interrupted; the archive is as it was before", err=True)
        raise SystemExit(130) from None
    click.echo(f"captures replayed: {report.captures}")
    click.echo(f"articles: {report.articles}")
    click.echo(f"versions: {report.versions_before} -> {report.versions}")
    click.echo(f"events: {report.events_before} -> {report.events}")
    click.echo(f"footer versions: {report.footer_versions_before} -> {report.footer_versions}")
    click.echo("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items())))
