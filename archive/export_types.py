"""The column types of the table exports and how each value is written as CSV, JSON and Arrow.

Every dataset (archive/datasets.py) is a dataclass whose fields carry a `ColumnType` (`col(...)`),
so one declaration gives the column order of every format, the Parquet schema (dates as date32,
times as timestamp with time zone UTC, counts as integers, lists as lists), and the JSON shape.
CSV and JSON Lines keep the archive's ISO 8601 text for dates and times.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from archive.output import ExportError


class ColumnType(StrEnum):
    TEXT = "text"
    INT = "int"  # int64: ids, counts
    SMALL_INT = "small_int"  # int32: version numbers
    BOOL = "bool"
    DATE = "date"  # a site-local calendar date (YYYY-MM-DD); date32 in Parquet
    TIMESTAMP = "timestamp"  # a UTC moment (ISO 8601 with offset); timestamp[us, tz=UTC] in Parquet
    TEXT_LIST = "text_list"
    IMAGES = "images"  # ((src, caption), ...) -> [{src, caption}]
    ATTACHMENTS = "attachments"  # ((url, name), ...) -> [{url, name}]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType


def col(kind: ColumnType):
    """A dataclass field of a dataset row with its export type."""
    return field(metadata={"export_type": kind})


def columns_of(row_type: type) -> tuple[Column, ...]:
    """The columns of a dataset row class, in field order."""
    return tuple(Column(f.name, f.metadata["export_type"]) for f in fields(row_type))


def json_value(column: Column, value: Any) -> Any:
    """A value as the jsonl record holds it (lists of pairs as objects)."""
    if value is None:
        return None
    if column.type == ColumnType.IMAGES:
        return [{"src": s, "caption": c} for s, c in value]
    if column.type == ColumnType.ATTACHMENTS:
        return [{"url": u, "name": n} for u, n in value]
    if column.type == ColumnType.TEXT_LIST:
        return list(value)
    return value


def json_record(row: Any, columns: tuple[Column, ...]) -> dict[str, Any]:
    return {c.name: json_value(c, getattr(row, c.name)) for c in columns}


def csv_cell(value: Any) -> str | int:
    """A jsonl value as a CSV cell: lists as JSON, booleans as true/false, None as empty."""
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else value


def arrow_type(kind: ColumnType):
    import pyarrow as pa

    return {
        ColumnType.TEXT: pa.string(),
        ColumnType.INT: pa.int64(),
        ColumnType.SMALL_INT: pa.int32(),
        ColumnType.BOOL: pa.bool_(),
        ColumnType.DATE: pa.date32(),
        ColumnType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
        ColumnType.TEXT_LIST: pa.list_(pa.string()),
        ColumnType.IMAGES: pa.list_(pa.struct([("src", pa.string()), ("caption", pa.string())])),
        ColumnType.ATTACHMENTS: pa.list_(pa.struct([("url", pa.string()), ("name", pa.string())])),
    }[kind]


def arrow_schema(columns: tuple[Column, ...]):
    import pyarrow as pa

    return pa.schema([(c.name, arrow_type(c.type)) for c in columns])


def arrow_value(column: Column, value: Any) -> Any:
    """A value as pyarrow takes it for the column's type."""
    if value is None:
        return None
    try:
        if column.type == ColumnType.DATE:
            return date.fromisoformat(value[:10])  # a date-time with +08:00 is still that local day
        if column.type == ColumnType.TIMESTAMP:
            return datetime.fromisoformat(value)
    except (TypeError, ValueError):  # only a hand-edited archive holds one: a line naming it, not a traceback
        raise ExportError(
            f"column {column.name} holds {str(value)[:60]!r}, not an ISO 8601 {column.type}; parquet types it,"
            " csv and jsonl export it as it is"
        ) from None
    return json_value(column, value)


def arrow_record(row: Any, columns: tuple[Column, ...]) -> dict[str, Any]:
    return {c.name: arrow_value(c, getattr(row, c.name)) for c in columns}
