"""One hunt's running state: the guarded query path, the budget, the rows seen, the log."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tracehound.backends.base import LogBackend, QueryResult
from tracehound.errors import TracehoundError
from tracehound.rules.model import Rule

from .budget import Budget
from .findings import QueryRecord
from .guardrails import QueryGuard
from .injection import Fence
from .ledger import RowLedger
from .timerange import TimeRange


@dataclass
class HuntContext:
    backend: LogBackend
    guard: QueryGuard
    budget: Budget
    time_range: TimeRange
    ledger: RowLedger = field(default_factory=RowLedger)
    queries: list[QueryRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fence: Fence = field(default_factory=Fence.new)
    #: Detections the hunt may run; None: the store's enabled built-ins (local backend only).
    rules: list[Rule] | None = None

    @property
    def window(self) -> tuple[Any, Any]:
        return self.time_range.start, self.time_range.end

    def run(
        self, kql: str, parameters: dict[str, Any] | None, purpose: str
    ) -> tuple[QueryResult, tuple[str, ...]]:
        """Guard, run (row-capped) and record *kql*; errors are recorded, then raised."""
        self.budget.before_query()
        record = QueryRecord(purpose=purpose, kql=kql, parameters=_shown(parameters))
        self.queries.append(record)
        started = time.perf_counter()
        try:
            guarded = self.guard.check(kql, *self.window, parameters=parameters)
            record.tables = list(guarded.tables)
            result = self.backend.query(
                guarded.kql, parameters=guarded.parameters, limit=self.guard.settings.row_cap
            )
        except TracehoundError as exc:
            record.error = exc.message
            raise
        finally:
            record.seconds = round(time.perf_counter() - started, 4)
        record.rows, record.truncated = result.row_count, result.truncated
        if result.truncated:
            self.notes.append(
                f"{purpose}: result cut at the row cap of {self.guard.settings.row_cap}"
            )
        self.notes.extend(f"{purpose}: {n}" for n in guarded.notes)
        self.ledger.add_rows(result.table.to_pylist(), guarded.tables)
        return result, guarded.tables


def _shown(parameters: dict[str, Any] | None) -> dict[str, Any]:
    return {
        k: (v if isinstance(v, str | int | float | bool | list) else str(v))
        for k, v in (parameters or {}).items()
    }
