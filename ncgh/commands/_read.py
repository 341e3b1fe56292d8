"""What the read-side commands (search, show, history, diff, stats, sql, export, serve) share.

Options --db/--config/--json mean the same everywhere; the archive is always opened read-only, and
every expected failure (no archive, unknown article, bad date) becomes one clear line and exit 1.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from archive.resolve import QueryError
from archive.sql import open_readonly
from ncgh.commands._errors import usage_error

if TYPE_CHECKING:
    from ncgh.config import Config


def db_options(func: Callable) -> Callable:
    func = click.option(
        "--config", "config_path", type=click.Path(dir_okay=False), help="config.toml ([site], [archive] db_path)."
    )(func)
    func = click.option(
        "--db", "db_path", type=click.Path(dir_okay=False), help="Archive file (default: [archive] db_path, ncgh.db)."
    )(func)
    return func


# Version numbers as SQLite stores them: a bigger one is a usage error (exit 2), not an OverflowError.
VERSION_NUMBER = click.IntRange(1, 2**63 - 1)


def json_option(func: Callable) -> Callable:
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")(func)


@dataclass(frozen=True)
class ReadContext:
    db_path: Path
    site: str
    article_paths: tuple[str, ...]
    host_aliases: tuple[str, ...]
    timezone: str  # [site] timezone: the calendar a bare date given by the user is read on


def load_config_or_exit(config_path: str | None) -> Config:
    """The config, or one line naming the file and key and exit code 2 (as for crawl)."""
    from ncgh.config import ConfigError, load_config

    try:
        return load_config(config_path)
    except ConfigError as exc:
        raise usage_error(str(exc)) from None


def moment_or_exit(text: str, option: str, tz: str, end_of_day: bool = True) -> str:
    """A user's DATE/DATETIME as archive.resolve.parse_moment reads it, or a usage error (exit 2)
    naming the option, before any archive is opened (as `ncgh changes` treats its dates)."""
    from archive.resolve import parse_moment

    try:
        return parse_moment(text, end_of_day=end_of_day, tz=tz)
    except QueryError as exc:
        raise usage_error(f"{option}: {exc}") from None


def read_context(db_path: str | None, config_path: str | None) -> ReadContext:
    """The archive path and site settings from --db / --config."""
    cfg = load_config_or_exit(config_path)
    return ReadContext(
        db_path=Path(db_path or cfg.archive.db_path),
        site=cfg.site.name,
        article_paths=tuple(cfg.site.article_paths),
        host_aliases=tuple(cfg.site.host_aliases),
        timezone=cfg.site.timezone,
    )


def open_failure(exc: QueryError, path: Path) -> click.ClickException:
    """The error for an archive that could not be opened: exit 2 when the file is not an archive,
    65 when it is damaged (ncgh.commands._errors), else exit 1 with the opener's own words."""
    from ncgh.commands._errors import file_failure

    return file_failure(path) or click.ClickException(str(exc))


@contextmanager
def readonly_archive(ctx: ReadContext) -> Iterator[sqlite3.Connection]:
    """A read-only connection; QueryError anywhere inside becomes `Error: ...` and exit code 1
    (2 when the file is not an archive, 65 when it is damaged)."""
    try:
        conn = open_readonly(ctx.db_path)
    except QueryError as exc:
        raise open_failure(exc, ctx.db_path) from None
    try:
        yield conn
    except QueryError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        conn.close()


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def echo_json(value: Any, err: bool = False) -> None:
    click.echo(json.dumps(to_jsonable(value), ensure_ascii=False, indent=2), err=err)


def use_color() -> bool:
    """Colour only on a terminal (and never when NO_COLOR is set)."""
    import os

    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


# What a terminal acts on instead of showing: C0 controls but newline and tab, DEL, the C1 controls
# (U+009B is an 8-bit CSI: colours, cursor moves, a cleared screen), and the bidi controls that
# reorder what is shown around them (embeddings and overrides U+202A-U+202E, isolates U+2066-U+2069,
# and the invisible marks U+200E, U+200F, U+061C, which Chinese text never needs). The parser
# already drops C0 from stored text; the rest is stored exactly and only cleaned on the way out.
_TERMINAL_UNSAFE = {
    code: None
    for code in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F),
                 *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
}


def terminal_text(text: str) -> str:
    """`text` without the controls a terminal would act on (see _TERMINAL_UNSAFE); for printing only."""
    return text.translate(_TERMINAL_UNSAFE)


def echo(text: str = "", **kwargs: Any) -> None:
    """click.echo of archived text, cleaned for the terminal (styling goes on after cleaning)."""
    click.echo(terminal_text(text), **kwargs)


def width(text: str) -> int:
    """Columns a string takes on a terminal: CJK characters are two wide."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def clip(text: str, columns: int) -> str:
    """Cut to at most `columns` terminal columns, with an ellipsis when cut."""
    if width(text) <= columns:
        return text
    out, used = [], 0
    for ch in text:
        w = width(ch)
        if used + w > columns - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def table(headers: list[str], rows: list[list[str]], max_col: int = 60) -> str:
    """A plain aligned text table that lines up Chinese text too."""
    cells = [[clip(h, max_col) for h in headers]] + [
        [clip(terminal_text(c.replace("\n", "⏎")), max_col) for c in r] for r in rows
    ]
    widths = [max(width(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(pad(c, widths[i]) for i, c in enumerate(row)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
