"""The `ncgh` program: a thin dispatcher to one module per subcommand in `ncgh.commands`.

Subcommands are imported only when run, so `ncgh --help` stays fast and one broken optional
dependency cannot take every command down. Whatever a subcommand lets escape about the archive file
(an SQLite error, a file that is not an archive, a disk that refuses) becomes one `Error:` line and
a documented exit code here (ncgh.commands._errors), never a traceback.
"""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path

import click

EXIT_BROKEN_PIPE = 141  # what a shell reports for a process ended by SIGPIPE (128 + 13)

# name -> (module in ncgh.commands, one-line help). Each module defines `command`, a click.Command.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "Crawl the built-in simulator over a few simulated days and show what was archived."),
    "crawl": ("crawl", "Crawl the site into the archive (incremental or full); made for cron."),
    "sim": ("sim", "Run the local site simulator over HTTP on 127.0.0.1."),
    "parse": ("parse", "Parse saved pages and print the records."),
    "calibrate": ("calibrate", "Learn the site's template from stored pages; later crawls parse with it."),
    "reparse": ("reparse", "Re-run the current parser over every stored body and rebuild versions."),
    "verify": ("verify", "Check the archive's integrity: bodies, hashes, version chains."),
    "search": ("search", "Full-text search over titles and bodies."),
    "show": ("show", "Show an article as it stood at a version or date."),
    "history": ("history", "An article's versions, view counts and events."),
    "diff": ("diff", "A readable diff between two versions of an article."),
    "changes": ("changes", "What changed across the site in a period (listing, JSON or Atom feed)."),
    "stats": ("stats", "Counts of articles, versions, captures, runs and storage."),
    "sql": ("sql", "Run a read-only SQL query against the archive."),
    "export": ("export", "Export the archive as csv, jsonl, parquet or warc, or its assets as files."),
    "serve": ("serve", "Browse the archive in Datasette."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(f"ncgh.commands.{entry[0]}")
        return module.command

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple:
        ctx.meta["ncgh.argv"] = list(args)  # the subcommand's own arguments, to name --db in errors
        name = click.utils.make_str(args[0]) if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            close = difflib.get_close_matches(name, COMMANDS, n=3, cutoff=0.6)
            if close:  # a typo: name the commands it may have meant (exit 2 as for any usage error)
                ctx.fail(f"No such command {name!r}. Did you mean {' or '.join(repr(c) for c in close)}?")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader stopped reading (`| head`): end quietly, as a tool killed by SIGPIPE does (cron
            # mails nothing), with the shell's status for that, 128 + 13, so a script still sees the
            # output was not all written.
            _quiet_stdout()
            raise SystemExit(EXIT_BROKEN_PIPE) from None
        except click.ClickException:
            raise
        except Exception as exc:
            from ncgh.commands._errors import ARCHIVE_ERRORS, archive_failure

            if isinstance(exc, ARCHIVE_ERRORS):
                raise archive_failure(exc, _db_argument(ctx.meta.get("ncgh.argv", []))) from None
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])


def _db_argument(args: list[str]) -> Path | None:
    """The --db PATH given to the subcommand, to name the file in an error line."""
    for i, arg in enumerate(args):
        if arg == "--db" and i + 1 < len(args):
            return Path(args[i + 1])
        if arg.startswith("--db="):
            return Path(arg[len("--db="):])
    return None


def _quiet_stdout() -> None:
    """After a reader closed our stdout, keep Python's final flush from raising again."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    finally:
        os.close(devnull)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ncgh-archive", prog_name="ncgh")
def cli() -> None:
    """ncgh-archive: a faithful, versioned archive of ncgh.org.cn (南昌市总工会)."""


def main() -> None:
    cli(prog_name="ncgh")


if __name__ == "__main__":
    main()
