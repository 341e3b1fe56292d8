"""The site footer as its own versioned record: a new `footers` row only when a field changes."""

from __future__ import annotations

import sqlite3

from archive.captures import select_named, to_json
from archive.model import CaptureIn, FooterContent
from archive.versions import (
    footer_changed_fields,
    footer_hash,
    footer_is_empty,
    footer_present_fields,
    normalize_footer,
)

# The footer's columns in `footers`, named as the fields of FooterContent.
_FIELDS = ("org", "icp", "police_record", "phone", "email", "address", "postcode")


def record_footer(conn: sqlite3.Connection, capture_id: int, c: CaptureIn, at: str) -> tuple[int | None, bool]:
    """(the footer version this capture showed, whether it changed: a version after the first, the
    first being what the site showed, not a change); (None, False) without a footer."""
    if c.footer is None or footer_is_empty(c.footer):
        return None, False
    footer = normalize_footer(c.footer)
    digest = footer_hash(footer)
    row = select_named(
        conn,
        f"SELECT id, version, content_hash, {', '.join(_FIELDS)} FROM footers WHERE site = ? ORDER BY version DESC LIMIT 1",
        (c.site,),
    ).fetchone()
    if row is not None and row["content_hash"] == digest:
        conn.execute(
            "UPDATE footers SET last_seen = max(last_seen, ?) WHERE id = ?",
            (at, row["id"]),
        )
        return row["version"], False
    if row is None:
        changed, number = footer_present_fields(footer), 1
    else:
        previous = FooterContent(**{name: row[name] for name in _FIELDS})
        changed, number = footer_changed_fields(previous, footer), row["version"] + 1
    conn.execute(
        "INSERT INTO footers (site, version, capture_id, first_seen, last_seen, content_hash, changed_fields,"
        " org, icp, police_record, phone, email, address, postcode)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            c.site,
            number,
            capture_id,
            at,
            at,
            digest,
            to_json(list(changed)),
            footer.org,
            footer.icp,
            footer.police_record,
            footer.phone,
            footer.email,
            footer.address,
            footer.postcode,
        ),
    )
    return number, number > 1
