"""The LogBackend protocol every query goes through, and its result type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import pyarrow as pa


@dataclass(frozen=True)
class TimeWindow:
    """A half-open UTC window [start, end); either side may be open."""

    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class QueryResult:
    """Rows plus the provenance a report needs to reproduce them."""

    table: pa.Table
    column_types: tuple[str, ...]  # KQL type names, one per column
    kql: str
    backend: str
    status: Literal["complete", "partial"] = "complete"
    truncated: bool = False
    executed: str = ""  # the SQL (local) or the KQL actually sent (Azure)
    elapsed_seconds: float = 0.0
    messages: tuple[str, ...] = field(default_factory=tuple)

    @property
    def row_count(self) -> int:
        return int(self.table.num_rows)


class LogBackend(Protocol):
    """A place that answers KQL over the Defender / Sentinel tables."""

    name: str

    def tables(self) -> dict[str, int | None]:
        """Table name -> row count (None where the backend cannot count cheaply)."""
        ...

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(column, KQL type) of *table* as this backend holds it."""
        ...

    def query(
        self,
        kql: str,
        parameters: dict[str, Any] | None = None,
        window: TimeWindow | None = None,
        limit: int | None = None,
        timeout: float | None = None,
        row_filter_of: tuple[str, ...] = (),
    ) -> QueryResult:
        """Run *kql* read-only; at most *limit* rows, ``truncated`` when more existed.

        ``row_filter_of``: the caller's promise that *kql* only filters these tables' rows (no
        column name rebound). A hint for speed; the answer is the same with or without it.
        """
        ...

    def explain(self, kql: str, parameters: dict[str, Any] | None = None) -> str:
        """What would be executed for *kql* (SQL locally, the final KQL remotely)."""
        ...
