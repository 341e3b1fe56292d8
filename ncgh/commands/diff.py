"""`ncgh diff ARTICLE [A B]`: what changed between two versions (default: the last two)."""

from __future__ import annotations

import click

from ncgh.commands._read import (
    VERSION_NUMBER,
    db_options,
    echo,
    echo_json,
    json_option,
    read_context,
    readonly_archive,
    terminal_text,
    use_color,
)


@click.command("diff")
@click.argument("article")
@click.argument("a", required=False, type=VERSION_NUMBER)
@click.argument("b", required=False, type=VERSION_NUMBER)
@click.option("--color/--no-color", "color", default=None, help="Colour the diff (default: only on a terminal).")
@db_options
@json_option
def command(article: str, a: int | None, b: int | None, color: bool | None, db_path: str | None, config_path: str | None, as_json: bool) -> None:
    """A unified diff of every changed field; the body is compared paragraph by paragraph."""
    from archive.diff import diff
    from archive.resolve import resolve_article

    if (a is None) != (b is None):
        raise click.UsageError("give two version numbers A B, or none for the last two")
    ctx = read_context(db_path, config_path)
    with readonly_archive(ctx) as conn:
        ref = resolve_article(conn, article, ctx.site, ctx.article_paths, ctx.host_aliases)
        d = diff(conn, ref, a, b)
    if as_json:
        echo_json(d)
        return
    colored = use_color() if color is None else color
    if d.old.version == d.new.version and a is None:
        echo(f"article {d.article.article_id} has a single version (seen {d.new.first_seen}); nothing to compare")
        return
    echo(f"article {d.article.article_id}: version {d.old.version} ({d.old.first_seen}) -> "
               f"version {d.new.version} ({d.new.first_seen})")
    if not d.changes:
        echo("no differences")
        return
    echo("changed: " + ", ".join(c.field for c in d.changes))
    for line in map(terminal_text, d.unified):
        if colored:
            if line.startswith(("+++", "---")):
                line = click.style(line, bold=True)
            elif line.startswith("+"):
                line = click.style(line, fg="green")
            elif line.startswith("-"):
                line = click.style(line, fg="red")
            elif line.startswith("@@"):
                line = click.style(line, fg="cyan")
        click.echo(line, color=colored)
