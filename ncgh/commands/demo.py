"""`ncgh demo`: crawl the built-in simulator over a few simulated days and show what was archived."""

from __future__ import annotations

import click

from ncgh.commands._errors import usage_error


@click.command("demo")
@click.option("--db", "db_path", type=click.Path(dir_okay=False),
              help="Where to write the demo archive (must not exist; default: a new temporary directory).")
@click.option("--articles", type=click.IntRange(1, 5000), default=200, show_default=True,
              help="Articles on the simulated site at day 0.")
@click.option("--days", type=click.IntRange(1, 30), default=5, show_default=True,
              help="Simulated days to advance, crawling after each.")
@click.option("--seed", type=int, default=1, show_default=True, help="Simulator seed (same seed, same site).")
def command(db_path: str | None, articles: int, days: int, seed: int) -> None:
    """Start the simulator in-process (offline), crawl it day by day, and print what the archive learned."""
    from ncgh.demo import run_demo

    try:
        result = run_demo(db_path, articles=articles, days=days, seed=seed)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from None
    except FileNotFoundError as exc:
        raise usage_error(str(exc)) from None
    raise SystemExit(0 if all(result.checks.values()) else 1)
