"""The front page of `ncgh serve` (`/`): what a journalist asks first, on one page.

A search box, the latest changes with the Atom feed's link, the most-read and fastest-growing
articles, the articles the site deleted, and the archive's counts; every list links to the canned
query that shows all of it. The figures come from archive/overview.py and archive/changes.py, the
same reads `ncgh changes` and the feed use.
"""

from __future__ import annotations

from archive import overview, stats
from archive.changes import changes
from webui.pages import archive_db_name

FRONT_CHANGES = 15  # latest changes listed (the feed and `recently_edited` have the rest)
FRONT_LIST = 10  # articles per list


def growth_days(raw: str | None) -> int:
    """?days= of the growth window: a whole number of days, else the default."""
    if raw and raw.isascii() and raw.isdigit():
        return min(max(int(raw), 1), overview.MAX_GROWTH_DAYS)
    return overview.GROWTH_DAYS


def front_context(conn, days: int) -> dict:
    start, end = overview.window_start(conn, days)
    return {
        "counts": stats.counts(conn),
        "changes": changes(conn, limit=FRONT_CHANGES, with_diff=True),
        "most_read": overview.most_read(conn, FRONT_LIST),
        "growing": overview.fastest_growing(conn, days, FRONT_LIST),
        "deleted": overview.deleted(conn, FRONT_LIST),
        "days": days,
        "window_start": start,
        "window_end": end,
    }


async def front_page(datasette, request):
    from datasette.utils.asgi import Response

    name = archive_db_name(datasette)
    days = growth_days(request.args.get("days"))
    context = await datasette.get_database(name).execute_fn(lambda conn: front_context(conn, days))
    context["database"] = name
    context["feed_url"] = datasette.urls.path("/-/changes.atom")
    body = await datasette.render_template("ncgh_front.html", context, request=request)
    return Response.html(body)
