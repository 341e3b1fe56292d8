"""`ncgh parse FILE... [--url URL] [--json]`: parse saved pages with the archive's parser and print the records.

For checking what the parser makes of a page (a saved real page, a simulator page, a page that went
wrong in a crawl) without touching an archive. The exit code is 1 when any page failed, so scripts can
tell; with --json every file still gives exactly one line, in the order given.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum

import click

from ncgh.commands._errors import usage_error


class ParseFailure(StrEnum):
    """Why a file gave no record (`error_kind` of a --json line)."""

    UNREADABLE = "unreadable"  # the file could not be read
    ARTICLE_MISSING = "article_missing"  # a page saying the article does not exist
    PARSE_ERROR = "parse_error"  # no article could be recognised


def _human(name: str, data: dict) -> str:
    footer = data["footer"] or {}
    lines = [
        f"== {name}",
        f"url:          {data['url']}",
        f"article_id:   {data['article_id']}",
        f"title:        {data['title']}",
        f"column:       {data['column']}",
        f"published:    {data['published_at']}  (as shown: {data['published_raw']})",
        f"views:        {data['views']}",
        f"source:       {data['source']}",
        f"author:       {data['author']}",
        f"signature:    {data['signature']!r}" if data["signature"] else "signature:    None",
        f"images:       {len(data['images'])}" + "".join(f"\n  {i['src']}  {i['caption'] or ''}" for i in data["images"]),
        f"attachments:  {len(data['attachments'])}"
        + "".join(f"\n  {a['url']}  {a['name']}" for a in data["attachments"]),
        "footer:       " + (", ".join(f"{k}={v}" for k, v in footer.items() if v is not None) or "None"),
        f"encoding:     {data['encoding']}",
        f"extractor:    {data['extractor']}",
        f"warnings:     {', '.join(data['warnings']) or '-'}",
        f"parser:       {data['parser_version']}",
        f"body ({len(data['body_text'])} characters):",
        data["body_text"],
        "",
    ]
    return "\n".join(lines)


@click.command(name="parse")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--url", default=None, metavar="URL",
              help="URL the page(s) came from: gives the article id and makes links absolute.")
@click.option("--content-type", default=None, metavar="VALUE",
              help='The HTTP Content-Type the page was served with, e.g. "text/html; charset=gbk".')
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line (UTF-8, not escaped).")
@click.option("--config", "config_path", default=None, type=click.Path(dir_okay=False, exists=True),
              help="config.toml whose [parse] profile to use (default: the built-in one).")
def command(files: tuple[str, ...], url: str | None, content_type: str | None, as_json: bool,
            config_path: str | None) -> None:
    """Parse saved article pages (FILE may be - for stdin) and print the records."""
    from scraper.parse import parse_article
    from scraper.profile import DEFAULT_PROFILE
    from scraper.records import ArticleMissing, ParseError

    profile = DEFAULT_PROFILE
    paths: tuple[str, ...] | None = None  # [site] article_paths, when a config is given: the article's id
    if config_path is not None:
        from ncgh.config import ConfigError, load_config, to_site_profile

        try:
            cfg = load_config(config_path)
            profile = to_site_profile(cfg)
        except (ConfigError, ValueError) as exc:  # exit 2, as every other command's config error
            raise usage_error(str(exc)) from None
        paths = tuple(cfg.site.article_paths)

    failed = 0
    for name in files:
        try:
            if name == "-":
                body = sys.stdin.buffer.read()
            else:
                with open(name, "rb") as fh:
                    body = fh.read()
        except OSError as exc:
            failed += 1
            _emit_error(name, f"cannot read file: {exc.strerror or exc}", ParseFailure.UNREADABLE, as_json)
            continue
        try:
            record = parse_article(body, url, content_type, profile)
        except ArticleMissing as exc:
            failed += 1
            _emit_error(name, exc.reason, ParseFailure.ARTICLE_MISSING, as_json)
            continue
        except ParseError as exc:
            failed += 1
            _emit_error(name, exc.reason, ParseFailure.PARSE_ERROR, as_json)
            continue
        if paths is not None and url is not None:
            from dataclasses import replace

            from scraper.ids import article_id_from_url

            record = replace(record, article_id=article_id_from_url(url, paths))
        data = record.to_dict()
        if as_json:
            click.echo(json.dumps({"file": name, **data}, ensure_ascii=False))
        else:
            click.echo(_human(name, data))
    if failed:
        if not as_json:
            click.echo(f"{failed} of {len(files)} page(s) could not be parsed", err=True)
        sys.exit(1)


def _emit_error(name: str, reason: str, kind: ParseFailure, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps({"file": name, "error": reason, "error_kind": kind}, ensure_ascii=False))
    else:
        click.echo(f"== {name}\nerror ({kind}): {reason}\n", err=True)
