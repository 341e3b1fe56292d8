"""`ncgh verify`: prove the archive is intact; exit 1 with a readable list of problems if not."""

from __future__ import annotations

import click

from archive.verify import format_report, verify


def _db_path(db_path: str | None, config_path: str | None) -> str:
    if db_path:
        return db_path
    from ncgh.config import ConfigError, load_config

    try:
        return load_config(config_path).archive.db_path
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("verify")
@click.option("--db", "db_path", type=click.Path(dir_okay=False), help="Archive file (default: [archive] db_path).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="config.toml to read db_path from.")
def command(db_path: str | None, config_path: str | None) -> None:
    """Check every body against its hash, every capture's body reference, version chains and the index."""
    path = _db_path(db_path, config_path)
    report = verify(path)
    click.echo(format_report(report, path))
    raise SystemExit(0 if report.ok else 1)
