"""Reading assets back: what a version references (`ncgh show`, the web page) and every held asset
(`ncgh export assets`). A stylesheet's own images are listed after it, marked with the stylesheet."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archive.vocab import AssetRole, AssetState

__all__ = ["AssetInfo", "assets_of_version", "held_assets"]


@dataclass(frozen=True)
class AssetInfo:
    """One asset as a reader sees it; `held` says whether the archive has its bytes."""

    asset_id: int
    url: str
    role: AssetRole
    state: AssetState
    size: int | None  # bytes of the held copy (None: never held)
    content_type: str | None
    body_sha256: str | None
    first_seen: str
    last_checked: str | None
    captures: int  # how many times it was fetched
    text_chars: int  # characters of extracted text (attachments), 0 when none
    via: str | None = None  # the stylesheet that names it (url(...)), when not the page itself

    @property
    def held(self) -> bool:
        return self.body_sha256 is not None


_COLUMNS = (
    "s.id, s.url, s.role, s.state, s.size, s.content_type, s.body_sha256, s.first_seen, s.last_checked,"
    " (SELECT count(*) FROM captures c WHERE c.kind = 'asset' AND c.url = s.url AND c.site = s.site),"
    " length(s.text)"
)


def _info(row: tuple, via: str | None = None) -> AssetInfo:
    asset_id, url, role, state, size, ctype, sha, first, checked, captures, chars = row
    return AssetInfo(asset_id, url, AssetRole(role), AssetState(state), size if sha else None, ctype, sha, first,
                     checked, int(captures), int(chars or 0), via)


def assets_of_version(conn: sqlite3.Connection, site: str, article_id: int, version: int) -> tuple[AssetInfo, ...]:
    """The assets `version` of the article references, in reference order, each stylesheet followed
    by the assets it names."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM version_assets va JOIN assets s ON s.id = va.asset_id"
        " WHERE va.site = ? AND va.article_id = ? AND va.version = ? ORDER BY s.id",
        (site, article_id, version),
    ).fetchall()
    out: list[AssetInfo] = []
    seen = {r[0] for r in rows}
    for row in rows:
        out.append(_info(row))
        if row[2] == AssetRole.STYLESHEET:
            for child in conn.execute(
                f"SELECT {_COLUMNS} FROM asset_links l JOIN assets s ON s.id = l.child_id WHERE l.asset_id = ?"
                " ORDER BY s.id",
                (row[0],),
            ):
                if child[0] not in seen:
                    seen.add(child[0])
                    out.append(_info(child, via=row[1]))
    return tuple(out)


def held_assets(conn: sqlite3.Connection, site: str | None = None, article_id: int | None = None) -> list[AssetInfo]:
    """Every asset whose bytes are held (of one article's versions, when `article_id` is given)."""
    where, params = ["s.body_sha256 IS NOT NULL"], []
    if site is not None:
        where.append("s.site = ?")
        params.append(site)
    if article_id is not None:
        where.append(
            "(s.id IN (SELECT asset_id FROM version_assets WHERE article_id = ?) OR s.id IN (SELECT l.child_id"
            " FROM asset_links l JOIN version_assets va ON va.asset_id = l.asset_id WHERE va.article_id = ?))"
        )
        params += [article_id, article_id]
    rows = conn.execute(f"SELECT {_COLUMNS} FROM assets s WHERE {' AND '.join(where)} ORDER BY s.id", params).fetchall()
    return [_info(r) for r in rows]


def attachment_names(conn: sqlite3.Connection, site: str) -> dict[str, str]:
    """Attachment URL -> the link text a version gave it (the latest version naming it wins)."""
    import json

    names: dict[str, str] = {}
    for (raw,) in conn.execute("SELECT attachments_json FROM versions WHERE site = ? ORDER BY id", (site,)):
        for url, name in json.loads(raw or "[]"):
            if name:
                names[url] = name
    return names


def articles_of_asset(conn: sqlite3.Connection, asset_id: int) -> list[int]:
    """The articles any version of which references the asset (directly)."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT article_id FROM version_assets WHERE asset_id = ? ORDER BY 1", (asset_id,))]
