"""`ncgh export FORMAT -o PATH [--dataset NAME]`: the archive as csv, jsonl, parquet (article versions,
events, view counts or footer versions) or warc (raw captures)."""

from __future__ import annotations

import click

from archive.datasets import DATASET_CHOICES, DatasetName
from archive.output import VERSION_CHOICES, ExportFormat
from ncgh.commands._read import db_options, echo_json, json_option, open_failure, read_context


@click.command("export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice([f.value for f in ExportFormat]))
@click.option("-o", "--output", "output", required=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="File to write; - for standard output (a FIFO or device is written through).")
@click.option("--dataset", type=click.Choice(list(DATASET_CHOICES)), default=DatasetName.VERSIONS.value,
              show_default=True,
              help="Which table (csv, jsonl, parquet): versions (one row per article version), events (new, edited,"
                   " gone, restored), views (every view-count reading) or footers (the site footer's versions).")
@click.option("--versions", type=click.Choice(list(VERSION_CHOICES)), default=None,
              help="latest: each article's current version (tables) / last capture per final URL (warc); "
                   "all: every version / every capture. Default: latest for tables, all for warc.")
@click.option("--since", metavar="DATE", help="Only rows from DATE on: versions first seen, events and readings"
              " made, footers first seen (warc: captures made); a day on the site's calendar, or an ISO date-time.")
@click.option("--bom", is_flag=True, help="csv: start with a UTF-8 BOM so spreadsheet programs detect UTF-8.")
@click.option("--force", is_flag=True,
              help="Replace PATH if it exists; if PATH is a symbolic link, write to the file it points to.")
@db_options
@json_option
def command(fmt: str, output: str, dataset: str, versions: str | None, since: str | None, bom: bool, force: bool,
            db_path: str | None, config_path: str | None, as_json: bool) -> None:
    """Export FORMAT: csv, jsonl, parquet (a table: --dataset) or warc (the raw captures).

    Every article table carries the article's category_id (the list or API it was found in),
    category (its page's breadcrumb), status and gone_at. Parquet is typed: dates as date, times
    as UTC timestamps, counts as integers.

    Writes a temporary file beside PATH and renames it into place; never overwrites without --force.
    `-o -` writes to standard output (the summary then goes to stderr); a FIFO or character device
    (/dev/null, /dev/stdout) is written through; a symbolic link is refused without --force and with
    it the file it points to is replaced, the link kept. Stale .part files of killed exports of the
    same PATH are removed.
    """
    from archive.export import export
    from archive.output import ExportError
    from archive.resolve import QueryError, parse_moment

    ctx = read_context(db_path, config_path)
    try:
        summary = export(fmt, ctx.db_path, output, versions=versions, dataset=dataset, tz=ctx.timezone,
                         since=parse_moment(since, end_of_day=False, tz=ctx.timezone) if since else None, force=force, bom=bom)
    except ExportError as exc:
        raise click.ClickException(str(exc)) from None
    except QueryError as exc:
        raise open_failure(exc, ctx.db_path) from None
    to_err = summary.to_stdout  # the data is on stdout: the summary must not mix into it
    if as_json:
        echo_json(summary, err=to_err)
        return
    where = "standard output" if summary.to_stdout else str(summary.path)
    if summary.removed_parts:
        click.echo(f"removed {summary.removed_parts} stale .part file(s) of killed exports of {where}", err=to_err)
    if fmt == ExportFormat.WARC:
        detail = (f"{summary.responses} responses, {summary.revisits} revisits, {summary.requests} requests"
                  + (f", {summary.metadata} redirect notes" if summary.metadata else "")
                  + (f"; {summary.skipped} captures without a response left out" if summary.skipped else ""))
        click.echo(f"wrote {where}: {summary.rows} WARC records ({detail}), {summary.bytes} bytes", err=to_err)
    else:
        click.echo(f"wrote {where}: {summary.rows} rows, {summary.bytes} bytes", err=to_err)
