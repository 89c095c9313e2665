"""A query result as the model sees it: counts, top values, time span and a few sample rows
with their row ids, never the whole result (the original sent every row as CSV)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any

from tracehound.backends.base import QueryResult

from .injection import instruction_like
from .ledger import ROW_ID

MAX_CELL = 160
_TIME_COLUMNS = ("Timestamp", "TimeGenerated")
_SKIP_TOP = frozenset({ROW_ID, "_IngestedAt", "_Source", "_Extra", "ReportId", "TenantId"})


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, str) and len(value) > MAX_CELL:
        return value[:MAX_CELL] + f"...[{len(value) - MAX_CELL} more chars]"
    if isinstance(value, list) and len(value) > 10:
        return [_cell(v) for v in value[:10]] + [f"...[{len(value) - 10} more]"]
    if isinstance(value, list):
        return [_cell(v) for v in value]
    return value


def flagged_cells(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Cells whose text tries to instruct a model."""
    out = []
    for row in rows:
        for column, value in row.items():
            if isinstance(value, str):
                phrase = instruction_like(value)
                if phrase:
                    out.append(
                        {"row_id": str(row.get(ROW_ID, "")), "column": column, "phrase": phrase}
                    )
    return out


def summarize(
    result: QueryResult,
    allowed_columns: set[str] | None,
    sample_rows: int,
    top_values: int,
) -> dict[str, Any]:
    """A compact description of *result*; columns outside *allowed_columns* are left out."""
    rows = result.table.to_pylist()
    if allowed_columns is not None:
        rows = [{k: v for k, v in r.items() if k in allowed_columns} for r in rows]
    columns = list(rows[0]) if rows else [c for c in result.table.column_names]
    summary: dict[str, Any] = {
        "rows": len(rows),
        "truncated": result.truncated,
        "columns": columns,
    }
    times = [r[c] for r in rows for c in _TIME_COLUMNS if isinstance(r.get(c), datetime)]
    if times:
        summary["time_span"] = {"first": _cell(min(times)), "last": _cell(max(times))}
    tops: dict[str, list[list[Any]]] = {}
    for column in columns:
        if column in _SKIP_TOP or column in _TIME_COLUMNS:
            continue
        values = [r[column] for r in rows if isinstance(r.get(column), str | int | bool)]
        counts = Counter(values)
        if values and len(counts) < len(values):  # only columns that repeat say something
            tops[column] = [[_cell(v), n] for v, n in counts.most_common(top_values)]
    if tops:
        summary["top_values"] = tops
    summary["sample_rows"] = [
        {k: _cell(v) for k, v in r.items() if v not in (None, "")} for r in rows[:sample_rows]
    ]
    flagged = flagged_cells(rows)
    if flagged:
        summary["instruction_like"] = flagged[:10]
    return summary


def render(summary: dict[str, Any]) -> str:
    return json.dumps(summary, ensure_ascii=False, default=str, separators=(",", ":"))
