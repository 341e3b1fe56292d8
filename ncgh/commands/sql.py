"""`ncgh sql "SELECT ..."`: ad-hoc read-only SQL over the archive (see docs/schema.md for the tables)."""

from __future__ import annotations

import csv
import sys

import click

from ncgh.commands._read import db_options, echo_json, read_context, readonly_archive, table


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


@click.command("sql")
@click.argument("query")
@click.option("--csv", "as_csv", is_flag=True, help="Output CSV (UTF-8) instead of a table.")
@click.option("--json", "as_json", is_flag=True, help="Output a JSON array of objects.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help="Bind :NAME to VALUE (repeatable).")
@db_options
def command(query: str, as_csv: bool, as_json: bool, params: tuple[str, ...], db_path: str | None, config_path: str | None) -> None:
    """Run one SQL statement with the archive opened read-only; statements that write are refused."""
    from archive.sql import ReadOnlyRefused, run_sql

    if as_csv and as_json:
        raise click.UsageError("give --csv or --json, not both")
    bound: dict[str, str] = {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.UsageError(f"--param wants NAME=VALUE, got {item!r}")
        bound[name.lstrip(":")] = value
    ctx = read_context(db_path, config_path)
    with readonly_archive(ctx) as conn:
        try:
            result = run_sql(conn, query, bound)
        except ReadOnlyRefused as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json(
            [
                {col: (v.hex() if isinstance(v, bytes) else v) for col, v in zip(result.columns, row, strict=True)}
                for row in result.rows
            ]
        )
    elif as_csv:
        out = sys.stdout
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.columns)
        for row in result.rows:
            writer.writerow([_cell(v) for v in row])
        out.flush()
    elif result.columns:
        click.echo(table(list(result.columns), [[_cell(v) for v in row] for row in result.rows]))
        click.echo(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})", err=sys.stdout.isatty())
