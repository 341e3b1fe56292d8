"""`ncgh show ARTICLE`: an article as it stands now, at a version, or as it stood on a date."""

from __future__ import annotations

import click

from archive.vocab import ArticleStatus
from ncgh.commands._errors import usage_error
from ncgh.commands._read import (
    VERSION_NUMBER,
    db_options,
    echo,
    echo_json,
    json_option,
    moment_or_exit,
    read_context,
    readonly_archive,
    terminal_text,
)


@click.command("show")
@click.argument("article")
@click.option("--version", "version", type=VERSION_NUMBER, help="Show this version number.")
@click.option("--as-of", "as_of", metavar="DATE", help="Show the article as it stood then (YYYY-MM-DD = the end of that day on the site's calendar, [site] timezone; or an ISO date-time).")
@db_options
@json_option
def command(article: str, version: int | None, as_of: str | None, db_path: str | None, config_path: str | None, as_json: bool) -> None:
    """ARTICLE is an article id or any of its URLs (any host alias, either path form)."""
    from archive.query import show
    from archive.resolve import resolve_article

    if version is not None and as_of is not None:  # checked before the archive is opened, like a bad date
        raise usage_error("give --version or --as-of, not both")
    ctx = read_context(db_path, config_path)
    moment = moment_or_exit(as_of, "--as-of", ctx.timezone) if as_of else None
    with readonly_archive(ctx) as conn:
        ref = resolve_article(conn, article, ctx.site, ctx.article_paths, ctx.host_aliases)
        view = show(conn, ref, version=version, as_of=moment)
    if as_json:
        echo_json(view)
        return
    a, v = view.article, view.version
    if v is None:
        when = f" as of {view.as_of}" if view.as_of else ""
        echo(f"article {a.article_id}: no parsed version{when} (status then: {view.status_then})")
        if view.status_then == ArticleStatus.UNSEEN:
            echo(f"first seen {a.first_seen}")
        return
    click.echo(click.style(terminal_text(v.title or "(no title)"), bold=True))
    meta = [f"article {a.article_id}", f"version {v.version} of {view.latest_version}"]
    if view.status_then != ArticleStatus.LIVE:
        meta.append(f"status: {view.status_then}")
    echo("  ".join(meta))
    for label, value in (
        ("column", v.column),
        ("published", v.published_at),
        ("source", v.source),
        ("author", v.author),
        ("views", f"{view.views_then} (seen {view.views_then_at})" if view.views_then is not None else None),
        ("seen", f"{v.first_seen} .. {v.last_seen}"),
        ("url", a.last_url),
    ):
        if value:
            echo(f"{label + ':':<11}{value}")
    if view.as_of:
        echo(f"{'as of:':<11}{view.as_of}")
    echo("")
    echo(v.body_text)
    if v.signature:
        echo("")
        echo(v.signature)
    for src, caption in v.images:
        echo(f"[image] {src}" + (f"  {caption}" if caption else ""))
    for url, name in v.attachments:
        echo(f"[attachment] {name}  {url}")
    if view.assets:
        _echo_assets(view.assets)


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n} B" if n < 1024 else f"{n / 1024:.1f} kB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def _echo_assets(assets) -> None:
    """The version's assets: role, state, size of the held bytes (or "not held"), URL."""
    held = [a for a in assets if a.held]
    echo("")
    echo(f"assets: {len(assets)}, {len(held)} held ({_size(sum(a.size or 0 for a in held))})")
    for a in assets:
        bytes_held = _size(a.size) if a.held else "not held"
        via = f"  (named by {a.via})" if a.via else ""
        text = f"  text {a.text_chars} chars" if a.text_chars else ""
        echo(f"  {a.role:<10} {a.state:<9} {bytes_held:>9}  {terminal_text(a.url)}{text}{via}")
