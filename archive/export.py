"""Take the archive out in the formats other tools read: CSV, JSON Lines, Parquet (here) and WARC
(archive/warc.py), through `export(fmt, ...)`.

Tables (csv, jsonl, parquet) hold one of the datasets of archive/datasets.py (article versions by
default; events, view counts, footer versions), typed by archive/export_types.py; the WARC holds the raw captures, so
pywb and other web-archive tools can replay exactly what the crawler received. Files are written
through archive/output.py: a temporary file renamed into place, never clobbering without force=True.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from archive.datasets import DATASETS, Dataset, DatasetName, Selection, VersionRow, version_rows
from archive.datasets import dataset as find_dataset
from archive.export_types import arrow_record, arrow_schema, csv_cell, json_record
from archive.output import (
    CountingWriter,
    ExportError,
    ExportFormat,
    ExportSummary,
    ExportVersions,
    atomic_output,
    snapshot,
    summary,
)
from archive.resolve import SITE_TIMEZONE
from archive.warc import export_warc

FORMATS = tuple(f.value for f in ExportFormat)
COLUMNS = tuple(c.name for c in DATASETS[DatasetName.VERSIONS].columns)


def iter_rows(
    conn: sqlite3.Connection, versions: str = ExportVersions.LATEST, since: str | None = None, site: str | None = None
) -> Iterator[VersionRow]:
    """Article versions in (article, version) order.

    versions="latest": each article's current version; "all": every version. `since` (UTC ISO) keeps
    only versions first seen at or after it, i.e. what is new or edited since an earlier export.
    """
    return version_rows(conn, Selection(versions, since, site))


def row_to_json(row: VersionRow) -> dict:
    """A version row as its jsonl record (lists of pairs as objects)."""
    return json_record(row, DATASETS[DatasetName.VERSIONS].columns)


def _rows(name: DatasetName, conn: sqlite3.Connection, selection: Selection) -> Iterator:
    return DATASETS[name].rows(conn, selection)


def _selection(name: DatasetName, versions: str | None, since: str | None, tz: str) -> Selection:
    if versions is not None and name != DatasetName.VERSIONS:
        raise ExportError(f"--versions only applies to the versions dataset, not {name}")
    return Selection(versions or ExportVersions.LATEST, since, tz=tz)


@contextmanager
def _table(
    db: str | os.PathLike | sqlite3.Connection, out_path: str | os.PathLike, dataset: str,
    versions: str | None, since: str | None, tz: str, force: bool,
) -> Iterator[tuple[Dataset, Iterator, CountingWriter]]:
    """What every table format does around its writer: the dataset's rows, read from one snapshot,
    into an output file that appears only once complete."""
    spec = find_dataset(dataset)
    selection = _selection(spec.name, versions, since, tz)
    with snapshot(db) as conn, atomic_output(out_path, force) as raw:
        yield spec, _rows(spec.name, conn, selection), raw


# --- table formats ----------------------------------------------------------------------------------


def export_csv(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str | None = None,
    since: str | None = None,
    bom: bool = False,
    force: bool = False,
    dataset: str = DatasetName.VERSIONS,
    tz: str = SITE_TIMEZONE,
) -> ExportSummary:
    """UTF-8 CSV (with a BOM when asked, for spreadsheet programs); list cells hold JSON."""
    count = 0
    with _table(db, out_path, dataset, versions, since, tz, force) as (spec, rows, raw):
        text = io.TextIOWrapper(raw, encoding="utf-8-sig" if bom else "utf-8", newline="")
        writer = csv.writer(text)
        writer.writerow([c.name for c in spec.columns])
        for row in rows:
            data = json_record(row, spec.columns)
            writer.writerow([csv_cell(data[c.name]) for c in spec.columns])
            count += 1
        text.flush()
        text.detach()
    return summary(ExportFormat.CSV, raw, count)


def export_jsonl(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str | None = None,
    since: str | None = None,
    force: bool = False,
    dataset: str = DatasetName.VERSIONS,
    tz: str = SITE_TIMEZONE,
) -> ExportSummary:
    """One JSON object per line, Chinese as real characters (ensure_ascii=False)."""
    count = 0
    with _table(db, out_path, dataset, versions, since, tz, force) as (spec, rows, raw):
        for row in rows:
            raw.write(json.dumps(json_record(row, spec.columns), ensure_ascii=False).encode("utf-8") + b"\n")
            count += 1
    return summary(ExportFormat.JSONL, raw, count)


def parquet_schema(dataset: str = DatasetName.VERSIONS):  # -> pyarrow.Schema (pyarrow is slow to import)
    """The typed schema of a dataset's Parquet file (archive/export_types.py)."""
    return arrow_schema(find_dataset(dataset).columns)


def export_parquet(
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str | None = None,
    since: str | None = None,
    force: bool = False,
    batch_rows: int = 2000,
    dataset: str = DatasetName.VERSIONS,
    tz: str = SITE_TIMEZONE,
) -> ExportSummary:
    """Parquet through pyarrow, typed (dates, UTC timestamps, integers, lists), written in row batches."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    count = 0
    with _table(db, out_path, dataset, versions, since, tz, force) as (spec, rows, raw):
        schema = arrow_schema(spec.columns)
        # Closed on an error too, while `raw` is open: left to the garbage collector, it wrote its
        # footer to the closed file and printed a traceback under the error line.
        with pq.ParquetWriter(raw, schema, compression="zstd") as writer:
            batch: list[dict] = []

            def flush() -> None:
                if batch:
                    writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                    batch.clear()

            for row in rows:
                batch.append(arrow_record(row, spec.columns))
                count += 1
                if len(batch) >= batch_rows:
                    flush()
            flush()
    return summary(ExportFormat.PARQUET, raw, count)


def export(
    fmt: str,
    db: str | os.PathLike | sqlite3.Connection,
    out_path: str | os.PathLike,
    *,
    versions: str | None = None,
    since: str | None = None,
    force: bool = False,
    bom: bool = False,
    dataset: str = DatasetName.VERSIONS,
    tz: str = SITE_TIMEZONE,
) -> ExportSummary:
    """Dispatch by format name; versions defaults to "latest" for tables and "all" for WARC.

    `dataset` chooses the table (archive/datasets.py): versions, events, views or footers; a WARC
    holds the raw captures, so it takes none but versions. `tz`: the site's calendar (views' `day`).
    """
    spec = find_dataset(dataset)
    if fmt == ExportFormat.CSV:
        return export_csv(db, out_path, versions=versions, since=since, bom=bom, force=force, dataset=spec.name, tz=tz)
    if bom:
        raise ExportError("--bom only applies to csv")
    if fmt == ExportFormat.JSONL:
        return export_jsonl(db, out_path, versions=versions, since=since, force=force, dataset=spec.name, tz=tz)
    if fmt == ExportFormat.PARQUET:
        return export_parquet(db, out_path, versions=versions, since=since, force=force, dataset=spec.name, tz=tz)
    if fmt == ExportFormat.WARC:
        if spec.name != DatasetName.VERSIONS:
            raise ExportError(f"warc holds the raw captures; --dataset {spec.name} is for csv, jsonl and parquet")
        return export_warc(db, out_path, versions=versions or ExportVersions.ALL, since=since, force=force, tz=tz)
    raise ExportError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
