"""`ncgh export FORMAT -o PATH [--dataset NAME]`: the archive as csv, jsonl, parquet (article versions,
events, view counts or footer versions) or warc (raw captures and assets); `ncgh export assets -o DIR`:
the held images, stylesheets and attachments as files with a manifest."""

from __future__ import annotations

import os

import click

from archive.datasets import DATASET_CHOICES, DatasetName
from archive.output import VERSION_CHOICES, ExportFormat
from ncgh.commands._read import db_options, echo_json, json_option, moment_or_exit, open_failure, read_context

ASSETS = "assets"  # not a file format: a directory of files (archive/asset_export.py)


@click.command("export")
@click.argument("fmt", metavar="FORMAT", type=click.Choice([f.value for f in ExportFormat] + [ASSETS]))
@click.option("-o", "--output", "output", required=True, type=click.Path(allow_dash=True),
              help="File to write; - for standard output (a FIFO or device is written through). assets: a directory.")
@click.option("--dataset", type=click.Choice(list(DATASET_CHOICES)), default=DatasetName.VERSIONS.value,
              show_default=True,
              help="Which table (csv, jsonl, parquet): versions (one row per article version), events (new, edited,"
                   " gone, restored), views (every view-count reading) or footers (the site footer's versions).")
@click.option("--article", metavar="ARTICLE", help="assets: only those of this article (an id or any of its URLs).")
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
def command(fmt: str, output: str, dataset: str, article: str | None, versions: str | None, since: str | None,
            bom: bool, force: bool, db_path: str | None, config_path: str | None, as_json: bool) -> None:
    """Export FORMAT: csv, jsonl, parquet (a table: --dataset) or warc (the raw captures and assets);
    or assets: every held image, stylesheet, script and attachment under DIR/<host>/<path>, with
    DIR/manifest.csv (DIR new or empty, or --force).

    Every article table carries the article's category_id (the list or API it was found in),
    category (its page's breadcrumb), status and gone_at. Parquet is typed: dates as date, times
    as UTC timestamps, counts as integers.

    Writes a temporary file beside PATH and renames it into place; never overwrites without --force.
    `-o -` writes to standard output (the summary then goes to stderr); a FIFO or character device
    (/dev/null, /dev/stdout) is written through; a symbolic link is refused without --force and with
    it the file it points to is replaced, the link kept. Stale .part files of killed exports of the
    same PATH are removed.
    """
    from archive.bodies import BodyIntegrityError
    from archive.export import export
    from archive.output import ExportError
    from archive.resolve import QueryError
    from ncgh.commands._errors import damaged, export_failure

    ctx = read_context(db_path, config_path)
    start = moment_or_exit(since, "--since", ctx.timezone, end_of_day=False) if since else None
    if fmt == ASSETS:
        _export_assets(ctx, output, article, force, as_json)
        return
    if article is not None:
        raise click.UsageError("--article is only for `ncgh export assets`")
    if output != "-" and os.path.isdir(output):
        raise click.BadParameter(f"File {output!r} is a directory.", param_hint="'-o' / '--output'")
    try:
        summary = export(fmt, ctx.db_path, output, versions=versions, dataset=dataset, tz=ctx.timezone,
                         since=start, force=force, bom=bom)
    except ExportError as exc:
        raise export_failure(exc) from None
    except QueryError as exc:
        raise open_failure(exc, ctx.db_path) from None
    except BodyIntegrityError as exc:
        streamed = output == "-" or (os.path.exists(output) and not os.path.isfile(output))  # a FIFO, a device
        written = "the output has what was written before it" if streamed else f"nothing was written to {output}"
        raise damaged(ctx.db_path, f"{exc}; {written}") from None
    to_err = summary.to_stdout  # the data is on stdout: the summary must not mix into it
    if as_json:
        echo_json(summary, err=to_err)
        return
    where = "standard output" if summary.to_stdout else str(summary.path)
    if summary.removed_parts:
        click.echo(f"removed {summary.removed_parts} stale .part file(s) of killed exports of {where}", err=to_err)
    if fmt == ExportFormat.WARC:
        detail = (f"{summary.responses} responses, {summary.revisits} revisits"
                  + (f" ({summary.not_modified} of them 304s)" if summary.not_modified else "")
                  + f", {summary.requests} requests"
                  + (f", {summary.metadata} redirect notes" if summary.metadata else "")
                  + (f"; {summary.skipped} captures left out (no response, or a 304 whose 200 is not in the file)"
                     if summary.skipped else ""))
        click.echo(f"wrote {where}: {summary.rows} WARC records ({detail}), {summary.bytes} bytes", err=to_err)
    else:
        click.echo(f"wrote {where}: {summary.rows} rows, {summary.bytes} bytes", err=to_err)


def _export_assets(ctx, output: str, article: str | None, force: bool, as_json: bool) -> None:
    from archive.asset_export import export_assets
    from archive.bodies import BodyIntegrityError
    from archive.output import ExportError
    from archive.resolve import QueryError, resolve_article
    from ncgh.commands._errors import damaged, export_failure
    from ncgh.commands._read import readonly_archive

    if output == "-":
        raise click.BadParameter("assets are files: give a directory, not -", param_hint="'-o' / '--output'")
    try:
        with readonly_archive(ctx) as conn:
            article_id = None
            if article is not None:
                article_id = resolve_article(conn, article, ctx.site, ctx.article_paths, ctx.host_aliases).article_id
            done = export_assets(conn, output, site=ctx.site, article_id=article_id, force=force)
    except BodyIntegrityError as exc:
        raise damaged(ctx.db_path, f"{exc}; {output} has the files written before it, and no manifest") from None
    except ExportError as exc:
        raise export_failure(exc) from None
    except QueryError as exc:
        raise open_failure(exc, ctx.db_path) from None
    if as_json:
        echo_json(done)
        return
    click.echo(f"wrote {done.files} files, {done.bytes} bytes, under {done.directory} (list: {done.manifest})")
