"""`ncgh history ARTICLE`: every version with what changed, the view-count series and the events."""

from __future__ import annotations

import click

from ncgh.commands._read import (
    db_options,
    echo,
    echo_json,
    json_option,
    read_context,
    readonly_archive,
    table,
    terminal_text,
)


@click.command("history")
@click.argument("article")
@click.option("--captures", "show_captures", is_flag=True, help="Also list every capture of the article.")
@db_options
@json_option
def command(article: str, show_captures: bool, db_path: str | None, config_path: str | None, as_json: bool) -> None:
    """ARTICLE is an article id or any of its URLs."""
    from archive.query import history
    from archive.resolve import resolve_article

    ctx = read_context(db_path, config_path)
    with readonly_archive(ctx) as conn:
        ref = resolve_article(conn, article, ctx.site, ctx.article_paths, ctx.host_aliases)
        h = history(conn, ref)
    if as_json:
        echo_json(h)
        return
    a = h.article
    click.echo(click.style(terminal_text(f"{a.article_id}  {a.title or '(no title)'}"), bold=True))
    echo(f"status {a.status}, first seen {a.first_seen}, last capture {a.last_capture_at}")
    if a.urls:
        echo("urls: " + ", ".join(a.urls))
    echo("\nversions")
    echo(
        table(
            ["v", "first seen", "last seen", "changed", "title"],
            [[str(v.version), v.first_seen, v.last_seen,
              ", ".join(v.changed_fields) + (" [extractor_changed]" if v.extractor_changed else ""), v.title or ""]
             for v in h.versions],
        )
        if h.versions
        else "  (none parsed)"
    )
    echo("\nviews")
    if h.views:
        echo(table(["at", "views"], [[p.at, str(p.views)] for p in h.views]))
    else:
        echo("  (none seen)")
    echo("\nevents")
    if h.events:
        echo(
            table(
                ["at", "event", "version", "detail"],
                [[e.at, e.event, "" if e.version is None else str(e.version), ", ".join(e.detail)] for e in h.events],
            )
        )
    else:
        echo("  (none)")
    if show_captures:
        echo("\ncaptures")
        echo(
            table(
                ["id", "fetched at", "status", "outcome", "version", "views", "url"],
                [
                    [str(c.id), c.fetched_at, "" if c.status is None else str(c.status), c.outcome,
                     "" if c.version is None else str(c.version), "" if c.views is None else str(c.views), c.url]
                    for c in h.captures
                ],
                max_col=80,
            )
        )
