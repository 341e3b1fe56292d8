"""`ncgh serve`: browse the archive in Datasette (read-only) with search and article pages."""

from __future__ import annotations

import click

from ncgh.commands._read import db_options, open_failure, read_context


@click.command("serve")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 exposes it to the network).")
@db_options
def command(port: int, host: str, db_path: str | None, config_path: str | None) -> None:
    """Open http://HOST:PORT/ for tables and canned queries, /-/search, and /-/article/ID for an article."""
    from archive.resolve import QueryError
    from webui.app import BindProblem, bind_error, build_datasette, run_server

    ctx = read_context(db_path, config_path)
    try:
        ds = build_datasette(ctx.db_path, timezone=ctx.timezone)
    except QueryError as exc:
        raise open_failure(exc, ctx.db_path) from None  # exit 2 not an archive, 65 damaged, else 1
    problem = bind_error(host, port)
    if problem is not None and problem.problem == BindProblem.PORT_IN_USE:
        raise click.ClickException(f"port {port} on {host} is already in use; choose another with --port")
    if problem is not None:
        raise click.ClickException(
            f"cannot listen on {host} port {port}: {problem.reason} (--host must be an address of this machine,"
            " such as 127.0.0.1 or 0.0.0.0)"
        )
    click.echo(f"serving {ctx.db_path} read-only at http://{host}:{port}/  (search: /-/search, article: /-/article/ID)")
    click.echo("press Ctrl+C to stop")
    run_server(ds, host=host, port=port)
