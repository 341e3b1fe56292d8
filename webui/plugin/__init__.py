"""The Datasette plugin of the web UI, registered through the `datasette` entry point (pyproject.toml).

SQL functions that turn a user's query into the archive's bigram FTS expression (`ncgh_match`,
`ncgh_snippet`, used by the canned queries in metadata.json), article ids linked to their page, a
time filter for templates, and the routes of webui/pages.py. `webui.app.build_datasette` registers
it too when the package is not installed with its entry points (a source checkout).
"""

from __future__ import annotations

import html

from datasette import hookimpl

from archive.resolve import SITE_TIMEZONE
from archive.search import highlight, match_expression
from webui.assets import asset_route
from webui.front import front_page
from webui.pages import archive_db_name, article_page, changes_feed, search_page, site_timezone, views_chart

# --- SQL functions ----------------------------------------------------------------------------------


def sql_match(query: str | None) -> str:
    """ncgh_match(q): the FTS5 MATCH expression for a user query; '""' (matches nothing) when empty."""
    return match_expression(query or "") or '""'


def sql_snippet(text: str | None, query: str | None) -> str:
    """ncgh_snippet(text, q): about 80 characters around the first match, matches in 【】."""
    return highlight(text or "", query or "", ("【", "】"), 80)


def sql_since(text: str | None, tz: str = SITE_TIMEZONE) -> str:
    """ncgh_since(s): '7d', '12h', '2w', a date on the site's calendar (`tz`) or an ISO date-time ->
    the UTC moment events.at compares with (archive.changes.parse_when); '' (no bound) when empty."""
    from archive.changes import parse_when

    text = (text or "").strip()
    return parse_when(text, tz=tz) if text else ""


@hookimpl
def prepare_connection(conn, datasette):
    tz = site_timezone(datasette)
    conn.create_function("ncgh_match", 1, sql_match, deterministic=True)
    conn.create_function("ncgh_snippet", 2, sql_snippet, deterministic=True)
    # not deterministic: '7d' moves with the clock
    conn.create_function("ncgh_since", 1, lambda text: sql_since(text, tz))


def short_time(value: str | None) -> str:
    """'2026-11-24T02:00:00.000000+00:00' -> '2026-11-24 02:00 UTC' for people; full value in a title."""
    if not value:
        return ""
    if len(value) >= 16 and value[10] == "T" and value.endswith("+00:00"):
        return value[:10] + " " + value[11:16] + " UTC"
    return value


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["ncgh_time"] = short_time


# --- cells link to the article page -------------------------------------------------------------------


@hookimpl
def render_cell(value, column, table, database, datasette):
    from markupsafe import Markup

    if column != "article_id" or not isinstance(value, int) or database != archive_db_name(datasette):
        return None
    if table not in (None, "articles", "versions", "events", "views", "captures", "article_urls", "work_items"):
        return None
    href = datasette.urls.path(f"/-/article/{value}")
    return Markup(f'<a href="{html.escape(href)}">{value}</a>')


@hookimpl
def menu_links(datasette):
    return [
        {"href": datasette.urls.path("/"), "label": "Front page"},
        {"href": datasette.urls.path("/-/search"), "label": "Search the archive"},
        {"href": datasette.urls.database(archive_db_name(datasette)), "label": "Tables and canned queries"},
    ]


# --- routes -------------------------------------------------------------------------------------------


@hookimpl
def register_routes():
    return [
        (r"^/$", front_page),  # before Datasette's own index, which lists databases
        (r"^/-/article/(?P<article_id>[^/]+)$", article_page),
        (r"^/-/article/(?P<article_id>[^/]+)/views\.svg$", views_chart),
        (r"^/-/search$", search_page),
        (r"^/-/changes\.atom$", changes_feed),
        (r"^/-/asset/(?P<asset_id>[^/]+)$", asset_route),
    ]
