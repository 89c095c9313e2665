"""Every investigation query goes through here: run on a backend, kept for the report.

A query that fails or is cut at the row cap does not stop the investigation; it becomes a
limitation the report states, so a partial answer is never passed off as a complete one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tracehound.backends.base import LogBackend
from tracehound.errors import TracehoundError
from tracehound.investigate.model import QueryRecord

ROW_CAP = 20_000


@dataclass
class Recorder:
    backend: LogBackend
    row_cap: int = ROW_CAP
    queries: list[QueryRecord] = field(default_factory=list)
    limitations: list[str] = field(default_factory=list)

    def rows(self, purpose: str, kql: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
        """The rows of *kql* with *parameters* bound, or [] (and a limitation) when it fails."""
        started = time.perf_counter()
        try:
            result = self.backend.query(kql, parameters=parameters, limit=self.row_cap)
        except TracehoundError as exc:
            self.limitations.append(f"{purpose}: query failed ({exc.message})")
            self.queries.append(
                QueryRecord(purpose, kql, parameters, 0, False, time.perf_counter() - started)
            )
            return []
        rows: list[dict[str, Any]] = result.table.to_pylist()
        truncated = result.truncated or result.status == "partial"
        if truncated:
            self.limitations.append(f"{purpose}: results cut at {len(rows)} rows ({result.status})")
        self.queries.append(
            QueryRecord(
                purpose, kql, parameters, len(rows), truncated, time.perf_counter() - started
            )
        )
        return rows
