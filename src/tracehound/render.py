"""One renderer for every backend: table, json, jsonl and csv from a QueryResult.

Values are made plain the same way whatever the backend: datetimes as ISO-8601 UTC with a
``Z`` and microseconds, dynamic values as JSON, timespans as KQL's ``[d.]hh:mm:ss.fffffff``.
``--format json`` prints exactly one JSON document.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TextIO

from tracehound.backends.base import QueryResult


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def plain(value: Any, kql_type: str) -> Any:
    """A JSON-ready value for one cell."""
    if value is None:
        return None
    if kql_type == "dynamic" and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return format_timespan(value)
    if hasattr(value, "nanoseconds") and hasattr(value, "days") and hasattr(value, "months"):
        return format_timespan(timedelta(days=value.days, microseconds=value.nanoseconds / 1000))
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, bytes):
        return value.hex()
    return value


def format_timespan(span: timedelta) -> str:
    """KQL's timespan text: ``[-][d.]hh:mm:ss[.fffffff]``."""
    sign = "-" if span < timedelta(0) else ""
    span = abs(span)
    days, rem = divmod(span, timedelta(days=1))
    total_seconds = rem.total_seconds()
    hours, rest = divmod(int(total_seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    ticks = round((total_seconds - int(total_seconds)) * 10_000_000)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if ticks:
        text += f".{ticks:07d}"
    return f"{sign}{days}.{text}" if days else f"{sign}{text}"


def records(result: QueryResult) -> Iterator[dict[str, Any]]:
    """Rows as dicts of plain values, in column order."""
    names = result.table.column_names
    types = result.column_types
    for batch in result.table.to_batches(max_chunksize=10_000):
        columns = [col.to_pylist() for col in batch.columns]
        for values in zip(*columns, strict=True):
            yield {n: plain(v, t) for n, v, t in zip(names, values, types, strict=True)}


def document(result: QueryResult) -> dict[str, Any]:
    """The ``--format json`` document."""
    return {
        "columns": [
            {"name": n, "type": t}
            for n, t in zip(result.table.column_names, result.column_types, strict=True)
        ],
        "rows": list(records(result)),
        "row_count": result.row_count,
        "truncated": result.truncated,
        "status": result.status,
        "backend": result.backend,
    }


def write(
    result: QueryResult, fmt: OutputFormat, out: TextIO, max_width: int | None = None
) -> None:
    """Write *result* to *out* in *fmt*."""
    if fmt is OutputFormat.json:
        json.dump(document(result), out, ensure_ascii=False, default=str)
        out.write("\n")
    elif fmt is OutputFormat.jsonl:
        for row in records(result):
            out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt is OutputFormat.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(result.table.column_names)
        for row in records(result):
            writer.writerow([_csv_cell(v) for v in row.values()])
    else:
        _write_table(result, out, max_width)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_table(result: QueryResult, out: TextIO, max_width: int | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=max_width, soft_wrap=False)
    table = Table(show_lines=False, header_style="bold")
    for name in result.table.column_names:
        table.add_column(name, overflow="fold")
    for row in records(result):
        table.add_row(*(_csv_cell(v) for v in row.values()))
    console.print(table)


def to_text(result: QueryResult, fmt: OutputFormat) -> str:
    buffer = io.StringIO()
    write(result, fmt, buffer)
    return buffer.getvalue()
