"""`ncgh export assets -o DIR`: every held asset as a file under a readable name, plus a manifest.

Files mirror the site: DIR/<host>/<path> (a query string adds a short hash, so two URLs never share
a file), each the exact bytes last held for that URL, written to a temporary name and renamed, so a
killed export leaves no half file under a real name. DIR/manifest.csv lists every file with its URL,
role, state (a `gone` attachment is still exported), size, SHA-256, the link text of attachments and
the articles that reference it. DIR must be new or empty unless force=True.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from archive.asset_query import articles_of_asset, attachment_names, held_assets
from archive.bodies import BodyIntegrityError, BodyStore
from archive.output import ExportError, snapshot

__all__ = ["AssetExport", "export_assets", "readable_path"]

# "/" too: a segment is unquoted after the path is split, so "%2F" must not become a separator again
# (a page linking "/upload/..%2F..%2Fx.pdf" once wrote outside the export's folder).
_UNSAFE = re.compile(r'[\x00-\x1f<>:"|?*\\/]')
MANIFEST = "manifest.csv"


@dataclass(frozen=True)
class AssetExport:
    directory: Path
    files: int
    bytes: int
    manifest: Path


# File systems limit a name to 255 bytes, not characters: 150 Chinese characters are 450 bytes of
# UTF-8. A longer segment is cut to this many bytes, its extension kept, and tagged with a hash of the
# whole, so two long names that share a beginning stay two files; a query's tag (9 bytes) and the
# temporary name's ".part" (6) still fit.
_MAX_SEGMENT_BYTES = 200


def _segment(text: str) -> str:
    text = _UNSAFE.sub("_", unquote(text)).strip()
    if text in ("", ".", ".."):
        return "_"
    if len(text.encode("utf-8", "surrogatepass")) <= _MAX_SEGMENT_BYTES:
        return text
    tag = "_" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    stem, dot, ext = text.rpartition(".")
    ext = f".{ext}" if dot and stem and len(ext.encode("utf-8", "surrogatepass")) <= 16 else ""
    room = _MAX_SEGMENT_BYTES - len(tag) - len(ext.encode("utf-8", "surrogatepass"))
    head = text[: len(text) - len(ext)].encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
    return head + tag + ext


def readable_path(url: str) -> Path:
    """The relative file path of `url` in an export: host (":" as "_"), then the URL's path segments,
    made safe for any file system; a directory URL ends in index, a query adds a hash of it."""
    parts = urlsplit(url)
    host = _segment((parts.netloc or "unknown").replace(":", "_"))
    segments = [_segment(s) for s in parts.path.split("/") if s]
    if not segments or parts.path.endswith("/"):
        segments.append("index")
    if parts.query:
        stem, dot, ext = segments[-1].rpartition(".")
        tag = hashlib.sha256(parts.query.encode()).hexdigest()[:8]
        segments[-1] = f"{stem}_{tag}.{ext}" if dot and stem else f"{segments[-1]}_{tag}"
    return Path(host, *segments)


def _inside(directory: Path, rel: Path) -> Path:
    """`directory / rel`, refused unless it resolves inside `directory`: the last guard, whatever a
    site's URL or a symlink already in a forced export folder would make of the name."""
    target = directory / rel
    if not target.resolve().is_relative_to(directory.resolve()):
        raise ExportError(f"refusing to write {target}: it would land outside {directory}")
    return target


def _free_name(rel: Path, asset_id: int, used: set[Path], folders: set[Path]) -> Path:
    """`rel`, or with the asset's id where it would take another URL's place: that URL's file name
    (`/a/` and `/a/index`), a folder other files are in (/img/x/y.png, then /img/x), or a folder
    another URL's file already is (/img/x, then /img/x/y.png: the folder gets the id)."""
    for _ in range(len(rel.parts) + 2):
        taken = next((p for p in rel.parents if p in used), None)
        if taken is not None:  # a file stands where a folder of this path must go
            rel = taken.with_name(f"{taken.name}_{asset_id}") / rel.relative_to(taken)
        elif rel in used or rel in folders:
            rel = rel.with_name(f"{rel.name}_{asset_id}")
        else:
            return rel
    raise ExportError(f"asset {asset_id}: no free file name for {rel}")  # ids are unique: not reached


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(f".{target.name}.part")
    part.write_bytes(data)
    os.replace(part, target)


def export_assets(
    db: str | os.PathLike | sqlite3.Connection, out_dir: str | os.PathLike, *, site: str | None = None,
    article_id: int | None = None, force: bool = False,
) -> AssetExport:
    """Write the held assets (of one article, when `article_id` is given); see the module doc."""
    directory = Path(out_dir)
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise ExportError(f"{directory} is not empty; use --force to write into it (files of the same name are replaced)")
    files = total = 0
    with snapshot(db) as conn:
        bodies = BodyStore(conn, cache_bytes=0)
        names = attachment_names(conn, site) if site is not None else {}
        rows = []
        used: set[Path] = set()  # the files written, and the folders they need
        folders: set[Path] = set()
        for asset in held_assets(conn, site, article_id):
            rel = _free_name(readable_path(asset.url), asset.asset_id, used, folders)
            used.add(rel)
            folders.update(rel.parents)
            try:
                data = bodies.read(asset.body_sha256 or "")
            except BodyIntegrityError as exc:
                raise BodyIntegrityError(f"asset {asset.url}: {exc}") from None  # the archive is damaged: exit 65
            _write(_inside(directory, rel), data)
            files += 1
            total += len(data)
            rows.append([
                rel.as_posix(), asset.url, asset.role, asset.state, len(data), asset.body_sha256,
                names.get(asset.url, ""), " ".join(str(a) for a in articles_of_asset(conn, asset.asset_id)),
            ])
    directory.mkdir(parents=True, exist_ok=True)
    manifest = directory / MANIFEST
    part = manifest.with_name(f".{MANIFEST}.part")
    with part.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "url", "role", "state", "size", "sha256", "name", "articles"])
        writer.writerows(rows)
    os.replace(part, manifest)
    return AssetExport(directory, files, total, manifest)
