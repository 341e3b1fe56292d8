"""`ncgh calibrate`: learn the site's template from stored article pages (docs/parsing.md, "Calibration").

Writes `<db_path>.profile.toml` beside the archive, which later crawls and `ncgh reparse` use, and
reports on how many sample pages the learned profile gives exactly the careful fallback's fields.
`--check` only re-runs that comparison with the profile in place. Exit codes: 0 learned (or
checked), 1 nothing learned (too few pages, or the pages agree on no title or body), 2 bad input.
"""

from __future__ import annotations

import click

from ncgh.commands._read import db_options, load_config_or_exit, read_context, readonly_archive


@click.command("calibrate")
@db_options
@click.option("--sample", type=click.IntRange(3, 100_000), default=None,
              help="Article pages to learn from (default: [calibrate] sample).")
@click.option("--check", is_flag=True, help="Only compare the learned profile in place with the fallback.")
def command(db_path: str | None, config_path: str | None, sample: int | None, check: bool) -> None:
    """Learn the site's template from stored article pages and write it beside the archive."""
    from ncgh.calibrate import calibrate, report_lines
    from ncgh.config import ConfigError

    cfg = load_config_or_exit(config_path)
    ctx = read_context(db_path, config_path)
    with readonly_archive(ctx) as conn:
        try:
            result = calibrate(cfg, ctx.db_path, conn, sample=sample, check=check)
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            raise SystemExit(2) from None
    for line in report_lines(result):
        click.echo(line)
    if not check and not result.written:
        raise SystemExit(1)
