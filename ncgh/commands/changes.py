"""`ncgh changes`: what changed across the site in a period, newest first (archive/changes.py), as a
listing with short inline diffs, as JSON, or as an Atom feed (archive/feed.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.vocab import ChangeKind
from ncgh.commands._errors import usage_error
from ncgh.commands._read import (
    ReadContext,
    db_options,
    echo,
    echo_json,
    json_option,
    load_config_or_exit,
    readonly_archive,
    terminal_text,
)

DEFAULT_WEB = "http://127.0.0.1:8001"  # where `ncgh serve` listens by default


def _when(text: str) -> str:
    """`2026-11-24T02:00:00.123456+00:00` -> `2026-11-24 02:00 UTC`."""
    if len(text) >= 16 and text.endswith("+00:00"):
        return f"{text[:10]} {text[11:16]} UTC"
    return text


@click.command("changes")
@click.option("--since", default="7d", show_default=True,
              help="Start: 7d, 12h, 2w before now, a date on the site's calendar (2024-10-01) or an ISO date-time.")
@click.option("--until", default=None, help="End (exclusive; a date includes that whole day). Default: now.")
@click.option("--kind", "kinds", default=None, metavar="KINDS",
              help=f"Comma-separated kinds: {', '.join(ChangeKind)} (default: all).")
@click.option("--limit", type=click.IntRange(1, 10_000_000), default=None, help="At most this many events.")
@click.option("--atom", "as_atom", is_flag=True, help="Write an Atom feed of the changes (to -o FILE).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Where --atom writes (- = stdout; default stdout).")
@click.option("--web-url", default=DEFAULT_WEB, show_default=True,
              help="Where `ncgh serve` is reached: the feed's links to article pages and diffs start with it.")
@db_options
@json_option
def command(
    since: str, until: str | None, kinds: str | None, limit: int | None, as_atom: bool, output: str | None,
    web_url: str, db_path: str | None, config_path: str | None, as_json: bool,
) -> None:
    """Every event of the period across the site (new, edited, gone, restored, an attachment gone or
    changed, and footer changes),
    newest first, with the article, its title, which fields changed and a short inline diff
    ([-deleted-]{+inserted+})."""
    from archive.changes import changes, parse_kinds, parse_when
    from archive.feed import atom_feed
    from archive.resolve import QueryError

    if as_atom and as_json:
        raise usage_error("give --json or --atom, not both")
    if output is not None and not as_atom:
        raise usage_error("-o/--output is for --atom")
    if as_atom:
        from ncgh.config_checks import base_url
        from scraper.checks import Bad

        try:
            base_url(web_url)
        except Bad:
            raise usage_error(f"--web-url must be an http:// or https:// URL, got {web_url!r}") from None
    cfg = load_config_or_exit(config_path)
    try:
        wanted = parse_kinds(kinds)
    except QueryError as exc:
        raise usage_error(f"--kind: {exc}") from None
    try:
        start = parse_when(since, tz=cfg.site.timezone)
    except QueryError as exc:
        raise usage_error(f"--since: {exc}") from None
    try:
        end = parse_when(until, end=True, tz=cfg.site.timezone) if until is not None else None
    except QueryError as exc:
        raise usage_error(f"--until: {exc}") from None
    if end is not None and end <= start:
        raise usage_error(f"--until {until} is not after --since {since}")
    ctx = ReadContext(Path(db_path or cfg.archive.db_path), cfg.site.name, tuple(cfg.site.article_paths),
                       tuple(cfg.site.host_aliases), cfg.site.timezone)
    with readonly_archive(ctx) as conn:
        found = changes(conn, start, end, wanted, site=ctx.site, limit=limit)
    if as_atom:
        data = atom_feed(found, web_url, site=ctx.site)
        if output in (None, "-"):
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            try:
                Path(output).write_bytes(data)
            except OSError as exc:
                from archive.output import refused
                from ncgh.commands._errors import export_failure

                raise export_failure(refused(f"cannot write {output}: {exc.strerror or exc}", exc)) from None
        return
    if as_json:
        echo_json(found)
        return
    if not found:
        echo(f"no changes since {_when(start)}" + (f" until {_when(end)}" if end else ""))
        return
    for change in found:
        what = change.kind.value
        versioned = change.kind in (ChangeKind.EDITED, ChangeKind.FOOTER)
        version = f" v{change.version}" if versioned and change.version else ""
        article = "-" if change.article_id is None else str(change.article_id)
        head = f"{_when(change.at)}  {what:<8}  {article}{version}  {change.title or '(no title)'}"
        click.echo(click.style(terminal_text(head), bold=True) if sys.stdout.isatty() else terminal_text(head))
        if versioned and change.changed_fields:
            echo("    changed: " + ", ".join(change.changed_fields))
        if change.reasons:
            echo("    why: " + ", ".join(change.reasons))
        for line in change.diff:
            echo(f"    {line}")
