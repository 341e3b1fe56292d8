"""`ncgh stats`: how much the archive holds and how much room it takes."""

from __future__ import annotations

import click

from ncgh.commands._read import db_options, echo_json, json_option, read_context, readonly_archive


def human(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = n / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


@click.command("stats")
@db_options
@json_option
def command(db_path: str | None, config_path: str | None, as_json: bool) -> None:
    """Counts of articles, versions, captures, gone articles and runs, and the storage used."""
    from archive.stats import stats

    ctx = read_context(db_path, config_path)
    with readonly_archive(ctx) as conn:
        s = stats(conn, ctx.db_path)
    if as_json:
        echo_json(s)
        return
    ratio = f" ({s.body_bytes / s.stored_bytes:.1f}x smaller)" if s.stored_bytes else ""
    lines = [
        ("archive", f"{ctx.db_path} (schema v{s.schema_version})"),
        ("articles", f"{s.articles}  ({s.live} live, {s.gone} gone, {s.edited_articles} edited)"),
        ("versions", str(s.versions)),
        ("captures", f"{s.captures}  (" + ", ".join(f"{c.name} {c.count}" for c in s.captures_by_outcome) + ")"),
        ("by kind", ", ".join(f"{c.name} {c.count}" for c in s.captures_by_kind) or "-"),
        ("span", f"{s.first_capture} .. {s.last_capture}" if s.first_capture else "-"),
        ("runs", f"{s.runs}" + (f"  ({s.unfinished_runs} unfinished)" if s.unfinished_runs else "")),
        ("events", str(s.events)),
        ("footers", f"{s.footer_versions} version(s)"),
        ("bodies", f"{s.bodies} distinct, {human(s.body_bytes)} raw, {human(s.stored_bytes)} stored{ratio}"),
        ("file", human(s.file_bytes)),
    ]
    for label, value in lines:
        click.echo(f"{label + ':':<10}{value}")
