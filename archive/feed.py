"""The change listing as an Atom feed: one entry per event, linking to the article page and its diff.

Written by `ncgh changes --atom` and served by `ncgh serve` at `/-/changes.atom`. Built with feedgen
(escaping, dates and the Atom structure are its business, not hand-written XML). Entry ids are tag
URIs from the event's capture id and kind, not from `events.id`: `ncgh reparse` renumbers the events
table, and a feed reader that saw new ids would show every change again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlencode

from archive.changes import Change
from archive.vocab import ChangeKind

TAG_AUTHORITY = "tag:ncgh-archive.invalid,2024:"  # the project's own name (its user agent's domain)
ARTICLE_PATH = "/-/article/{id}"  # the article page of `ncgh serve` (webui/pages.py)
FOOTER_PATH = "/ncgh/footers/{id}"  # a `footers` row in Datasette (webui/pages.py DB_NAME)
FEED_PATH = "/-/changes.atom"


def entry_id(change: Change) -> str:
    """The entry's Atom id: stable for as long as the capture that showed the change is archived, and
    one per article for an attachment's change (feed readers merge entries that share an id)."""
    return f"{TAG_AUTHORITY}{change.site}/event/{change.key}"


def article_link(base_url: str, change: Change) -> str:
    """The article page at the event's version; for an edit, the diff against the version before.
    A footer change links to its `footers` row."""
    if change.kind == ChangeKind.FOOTER or change.article_id is None:
        return base_url.rstrip("/") + FOOTER_PATH.format(id=change.event_id)
    url = base_url.rstrip("/") + ARTICLE_PATH.format(id=change.article_id)
    args: dict[str, int] = {}
    if change.version is not None:
        args["version"] = change.version
        if change.kind == ChangeKind.EDITED and change.version > 1:
            args["compare"] = change.version - 1
    return url + ("?" + urlencode(args) if args else "")


def entry_title(change: Change) -> str:
    title = change.title or "(no title)"
    if change.kind == ChangeKind.EDITED:
        return f"edited: {change.article_id} {title} (v{change.version}: {', '.join(change.changed_fields)})"
    if change.kind == ChangeKind.FOOTER:
        return f"footer: {title} v{change.version} ({', '.join(change.changed_fields)})"
    return f"{change.kind.value}: {change.article_id} {title}"


def entry_text(change: Change) -> str:
    """The entry's plain-text content: what happened and the short diff."""
    lines = [entry_title(change), f"at {change.at}"]
    if change.reasons:
        lines.append("why: " + ", ".join(change.reasons))
    lines.extend(change.diff)
    return "\n".join(lines)


# Characters XML 1.0 cannot hold at all (lxml refuses them): C0 controls but tab/newline/CR, lone
# surrogates, U+FFFE/U+FFFF. Archived text is stored exactly; only the feed's copy drops them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _moment(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(UTC)


def atom_feed(
    changes: Sequence[Change],
    base_url: str,
    *,
    feed_url: str | None = None,
    site: str = "ncgh",
    title: str | None = None,
) -> bytes:
    """An Atom 1.0 document of `changes` (kept in the order given: newest first), as UTF-8 bytes."""
    from feedgen.feed import FeedGenerator

    base = base_url.rstrip("/")
    fg = FeedGenerator()
    fg.id(f"{TAG_AUTHORITY}{site}/changes")
    fg.title(title or f"ncgh-archive: what changed on {site}")
    fg.author({"name": "ncgh-archive"})
    fg.link(href=feed_url or base + FEED_PATH, rel="self", type="application/atom+xml")
    fg.link(href=base + "/", rel="alternate", type="text/html")
    fg.generator("ncgh-archive (feedgen)")
    # The feed changes when its newest entry does; an empty feed says when it was written.
    fg.updated(_moment(changes[0].at) if changes else datetime.now(UTC))
    for change in changes:
        entry = fg.add_entry(order="append")
        entry.id(entry_id(change))
        entry.title(xml_text(entry_title(change)))
        entry.link(href=article_link(base, change), rel="alternate", type="text/html")
        entry.published(_moment(change.at))
        entry.updated(_moment(change.at))
        entry.category(term=change.kind.value)
        entry.content(xml_text(entry_text(change)), type="text")
    return fg.atom_str(pretty=True)
