"""The Datasette application serving an archive read-only: metadata, templates, the plugin (`ncgh serve`).

`build_datasette` makes the instance, `run_server` runs it as `datasette serve` does, and
`bind_error` tells a busy port from an address this machine does not have, before anything starts.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from archive.sql import open_readonly
from webui import plugin
from webui.pages import DB_NAME, PLUGIN_NAME

PACKAGE_DIR = Path(__file__).resolve().parent
METADATA_PATH = PACKAGE_DIR / "metadata.json"
# The plugin is a package holding its templates: Datasette finds a plugin's templates/ only in a
# package (plain `datasette` with the entry point; a module's are silently never registered).
TEMPLATE_DIR = PACKAGE_DIR / "plugin" / "templates"


# --- building the Datasette instance -----------------------------------------------------------------------


def load_metadata(db_name: str = DB_NAME, path: Path = METADATA_PATH) -> dict:
    """metadata.json, with its database section keyed by the name the archive is served under."""
    data = json.loads(path.read_text(encoding="utf-8"))
    databases = data.get("databases", {})
    if db_name != DB_NAME and DB_NAME in databases:
        databases[db_name] = databases.pop(DB_NAME)
    return data


def register_plugin() -> None:
    """Register webui.plugin with Datasette once per process, unless its entry point already did
    (the entry point is named "ncgh-archive" too; a source checkout run in place has none)."""
    from datasette.plugins import pm

    if not pm.is_registered(plugin) and pm.get_plugin(PLUGIN_NAME) is None:
        pm.register(plugin, name=PLUGIN_NAME)


def build_datasette(db_path: str | os.PathLike, *, settings: dict | None = None, timezone: str | None = None):
    """A Datasette serving the archive read-only under the name DB_NAME, with the web UI's plugin;
    `timezone` (`[site] timezone`) is the calendar of the dates users type in `since=`/`until=`."""
    from datasette.app import Datasette
    from datasette.database import Database

    path = Path(db_path)
    # Fail here with a clear message (missing file, not an archive, too new) rather than in a page.
    open_readonly(path).close()
    register_plugin()
    metadata = load_metadata()
    if timezone:
        metadata.setdefault("plugins", {}).setdefault(PLUGIN_NAME, {})["timezone"] = timezone
    ds = Datasette(
        [],
        metadata=metadata,
        template_dir=str(TEMPLATE_DIR),
        settings={"sql_time_limit_ms": 5000, "default_page_size": 50, **(settings or {})},
    )
    ds.add_database(Database(ds, path=str(path.resolve()), is_mutable=True), name=DB_NAME)
    # Datasette adds an empty in-memory database when started without files: nothing to browse there.
    if "_memory" in ds.databases:
        ds.remove_database("_memory")
    return ds


class BindProblem(StrEnum):
    """Why `ncgh serve` cannot listen where it was asked to."""

    PORT_IN_USE = "port_in_use"
    BAD_ADDRESS = "bad_address"  # not an address or name this machine has (999.1.1.1, a typo)


@dataclass(frozen=True)
class BindError:
    problem: BindProblem
    reason: str  # the system's words (strerror)


def bind_error(host: str, port: int) -> BindError | None:
    """Whether (host, port) can be bound now, and if not why: a busy port and an address that is
    none of this machine's are different mistakes (the first only needs another --port)."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        return BindError(BindProblem.BAD_ADDRESS, getattr(exc, "strerror", None) or str(exc))
    family, _type, _proto, _name, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as exc:
            problem = BindProblem.PORT_IN_USE if exc.errno == errno.EADDRINUSE else BindProblem.BAD_ADDRESS
            return BindError(problem, exc.strerror or str(exc))
    return None


def port_free(host: str, port: int) -> bool:
    """Whether (host, port) can be bound now (see bind_error for why not)."""
    return bind_error(host, port) is None


def run_server(ds, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run a built Datasette until interrupted (as `datasette serve` does: startup hooks, then uvicorn)."""
    import asyncio

    import uvicorn

    asyncio.run(ds.invoke_startup())
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)


def serve(db_path: str | os.PathLike, host: str = "127.0.0.1", port: int = 8001, timezone: str | None = None) -> None:
    """Serve the archive at db_path until interrupted."""
    run_server(build_datasette(db_path, timezone=timezone), host, port)
