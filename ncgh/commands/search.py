"""`ncgh search QUERY`: ranked full-text hits over titles and bodies (Chinese included)."""

from __future__ import annotations

import sys

import click

from ncgh.commands._read import (
    db_options,
    echo_json,
    json_option,
    read_context,
    readonly_archive,
    terminal_text,
    use_color,
)

# Private-use sentinels stand for the highlight marks while the snippet is cleaned for the terminal
# (the real marks are escape sequences, which the cleaning would remove). Archived text that holds
# one of these two private-use characters shows it as a mark: a cosmetic effect, never a control.
_MARK_OPEN, _MARK_CLOSE = "\ue0f1", "\ue0f2"


@click.command("search")
@click.argument("query")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000), help="Hits at most.")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(min=0),
              help="Skip this many hits (the next page: --offset 20).")
@click.option("--all-versions", is_flag=True, help="Search every version, not only each article's latest.")
@db_options
@json_option
def command(query: str, limit: int, offset: int, all_versions: bool, db_path: str | None, config_path: str | None,
            as_json: bool) -> None:
    """Full-text search; two or more Chinese characters match as a phrase, terms separated by spaces must all match.

    After the hits, "N of TOTAL" on stderr: how many were shown of how many match in all.
    """
    from archive.search import count_matches, match_expression, search

    ctx = read_context(db_path, config_path)
    if match_expression(query) is None:
        raise click.ClickException("the query has no searchable characters")
    color = use_color() and not as_json
    marks = ("\x1b[1;33m", "\x1b[0m") if color else ("[", "]")
    with readonly_archive(ctx) as conn:
        hits = search(conn, query, limit=limit, all_versions=all_versions, offset=offset,
                      marks=marks if as_json else (_MARK_OPEN, _MARK_CLOSE))
        total = count_matches(conn, query, all_versions=all_versions)
    if as_json:
        echo_json(hits)
        return
    if not hits:
        click.echo(f"no matches for {query!r}" + (f" after --offset {offset} ({total} in all)" if total else ""), err=True)
        return
    for hit in hits:
        version = f" v{hit.version}" + ("" if hit.is_latest else " (older version)") if all_versions else ""
        title = terminal_text(hit.title or "(no title)")
        title = click.style(title, bold=True) if color else title
        click.echo(f"{hit.article_id}{version}  {hit.published_at or '----------'}  {title}")
        if hit.url:
            click.echo(f"    {terminal_text(hit.url)}")
        if hit.attachment_url:
            click.echo(f"    in attachment {terminal_text(hit.attachment_url)}")
        snippet = terminal_text(hit.snippet)
        click.echo("    " + snippet.replace(_MARK_OPEN, marks[0]).replace(_MARK_CLOSE, marks[1]))
    shown = f"{offset + 1}-{offset + len(hits)}" if offset else f"{len(hits)}"
    more = f" (next page: --offset {offset + len(hits)})" if offset + len(hits) < total else ""
    sys.stdout.flush()  # the hits first, then the count, also when both streams go to one file
    click.echo(f"{shown} of {total}{more}", err=True)
