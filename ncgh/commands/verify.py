"""`ncgh verify`: prove the archive is intact; exit 1 with a readable list of problems if not."""

from __future__ import annotations

import click

from archive.verify import format_report, verify
from ncgh.commands._read import load_config_or_exit


@click.command("verify")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Archive file (default: [archive] db_path).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="config.toml to read db_path from.")
def command(db_path: str | None, config_path: str | None) -> None:
    """Check every body against its hash, every capture's body reference, version chains and the index."""
    cfg = load_config_or_exit(config_path)  # a bad --config is an error even with --db
    path = db_path or cfg.archive.db_path
    report = verify(path)
    click.echo(format_report(report, path))
    raise SystemExit(0 if report.ok else 1)
