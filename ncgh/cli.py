"""The `ncgh` program: a thin dispatcher to one module per subcommand in `ncgh.commands`.

Subcommands are imported only when run, so `ncgh --help` stays fast and one broken optional
dependency cannot take every command down.
"""

from __future__ import annotations

import importlib

import click

# name -> (module in ncgh.commands, one-line help). Each module defines `command`, a click.Command.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "Crawl the built-in simulator over a few simulated days and show what was archived."),
    "crawl": ("crawl", "Crawl the site into the archive (incremental or full); made for cron."),
    "sim": ("sim", "Run the local site simulator over HTTP on 127.0.0.1."),
    "parse": ("parse", "Parse saved pages and print the records."),
    "reparse": ("reparse", "Re-run the current parser over every stored body and rebuild versions."),
    "verify": ("verify", "Check the archive's integrity: bodies, hashes, version chains."),
    "search": ("search", "Full-text search over titles and bodies."),
    "show": ("show", "Show an article as it stood at a version or date."),
    "history": ("history", "An article's versions, view counts and events."),
    "diff": ("diff", "A readable diff between two versions of an article."),
    "changes": ("changes", "What changed across the site in a period (listing, JSON or Atom feed)."),
    "stats": ("stats", "Counts of articles, versions, captures, runs and storage."),
    "sql": ("sql", "Run a read-only SQL query against the archive."),
    "export": ("export", "Export the archive as csv, jsonl, parquet or warc."),
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

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ncgh-archive", prog_name="ncgh")
def cli() -> None:
    """ncgh-archive: a faithful, versioned archive of ncgh.org.cn (南昌市总工会)."""


def main() -> None:
    cli(prog_name="ncgh")


if __name__ == "__main__":
    main()
