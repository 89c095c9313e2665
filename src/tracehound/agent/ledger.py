"""Every row a hunt's queries returned, by row id: what evidence may cite.

A finding may only cite a row this hunt actually saw, either as a result row or as a row id
listed inside a result (``make_list(_RowId)`` in an aggregate).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

ROW_ID = "_RowId"


@dataclass
class RowLedger:
    """row id -> the tables of the query that produced it, and the row when it was returned."""

    tables_of: dict[str, set[str]] = field(default_factory=dict)
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add_rows(self, rows: list[dict[str, Any]], tables: tuple[str, ...]) -> None:
        for row in rows:
            row_id = row.get(ROW_ID)
            if isinstance(row_id, str):
                self.tables_of.setdefault(row_id, set()).update(tables)
                self.rows.setdefault(row_id, row)
            for value in row.values():
                for listed in row_ids_in(value):
                    self.tables_of.setdefault(listed, set()).update(tables)

    def saw(self, row_id: str, table: str) -> bool:
        return table in self.tables_of.get(row_id, set())

    def __len__(self) -> int:
        return len(self.tables_of)


def row_ids_in(value: Any) -> list[str]:
    """Row ids held in a list column (a list, or JSON text of one, from make_list/make_set)."""
    if isinstance(value, str) and value.startswith("["):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return [v for v in value if _looks_like_row_id(v)]
    return []


def _looks_like_row_id(text: str) -> bool:
    return 8 <= len(text) <= 80 and " " not in text and "-" in text


def as_list(value: Any) -> list[Any]:
    """A list column's values whether the engine gave a list or its JSON text."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.startswith("["):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return [value]
        return parsed if isinstance(parsed, list) else [parsed]
    return [] if value is None or value == "" else [value]
