"""Turning generated columns into Arrow tables typed as the store's schema."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from tracehound.schema import EXTRA, ROW_ID, get_table

ARROW_TYPES: Mapping[str, pa.DataType] = {
    "string": pa.string(),
    "guid": pa.string(),
    "dynamic": pa.string(),  # JSON text; the store casts it to JSON
    "datetime": pa.timestamp("us"),
    "int": pa.int32(),
    "long": pa.int64(),
    "real": pa.float64(),
    "bool": pa.bool_(),
}


@dataclass(frozen=True)
class Batch:
    """Rows for one table, plus the key their row ids are derived from."""

    table: str
    data: pa.Table
    stream_key: str

    @property
    def rows(self) -> int:
        return int(self.data.num_rows)


def column_type(table: str, column: str) -> pa.DataType:
    col = get_table(table).column(column)
    if col is None or col.name != column:
        raise KeyError(f"internal: {table} has no column {column!r}")
    return ARROW_TYPES[col.kql_type]


def to_array(value: Any, typ: pa.DataType, n: int) -> pa.Array:
    """An Arrow array of *typ* from an array, a list or a scalar broadcast to *n* rows."""
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.Array):
        return value if value.type == typ else value.cast(typ)
    if isinstance(value, np.ndarray):
        if typ == pa.timestamp("us") and value.dtype.kind == "i":
            return pa.array(value.astype("datetime64[us]"), type=typ)
        return pa.array(value, type=typ)
    if isinstance(value, list):
        return pa.array(value, type=typ)
    return pa.repeat(pa.scalar(value, type=typ), n)


def build(table: str, columns: Mapping[str, Any], n: int) -> pa.Table:
    """A typed Arrow table for *table* from generated *columns* (arrays, lists or scalars)."""
    arrays = []
    names = []
    for name, value in columns.items():
        typ = pa.string() if name in (ROW_ID, EXTRA) else column_type(table, name)
        if isinstance(value, dict):
            value = json.dumps(value)
        arrays.append(to_array(value, typ, n))
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def from_records(table: str, records: Iterable[Mapping[str, Any]]) -> pa.Table:
    """A typed Arrow table from row dicts: dicts/lists become JSON text.

    Columns *table* does not have are dropped, so one process description
    (:func:`~tracehound.lab.procs.initiating_fields`) serves every Device* table.
    """
    rows = list(records)
    known = set(get_table(table).names)
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(k for k in row if k in known))
    columns: dict[str, Any] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        columns[name] = [json.dumps(v) if isinstance(v, dict | list) else v for v in values]
    return build(table, columns, len(rows))
