"""Evidence or it did not happen: a proposed finding is kept only when

- every cited row was returned by one of this hunt's queries (the ledger) and exists in the
  cited table (fetched again by row id, through the same guard);
- every IOC occurs in at least one cited row;
- every ATT&CK id is in the catalog.

Anything else drops the finding with the reasons, so a person never sees an unsupported claim.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tracehound.backends.base import LogBackend
from tracehound.schema.tables import TABLES

from .attack_ids import technique_problem
from .findings import ProposedFinding
from .guardrails import QueryGuard
from .ledger import ROW_ID, RowLedger

_FETCH = "declare query_parameters(ids:dynamic);\n{table} | where _RowId in (ids)"


@dataclass(frozen=True)
class Verified:
    finding: ProposedFinding
    rows: list[dict[str, Any]]


def _text_of(row: dict[str, Any]) -> str:
    return " ".join(str(v) for v in row.values() if v is not None).lower()


class EvidenceVerifier:
    """Checks proposed findings against the rows a hunt saw."""

    def __init__(
        self,
        backend: LogBackend,
        guard: QueryGuard,
        ledger: RowLedger,
        window: tuple[datetime, datetime],
    ) -> None:
        self.backend, self.guard, self.ledger, self.window = backend, guard, ledger, window

    def fetch(self, table: str, row_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored rows with these ids (the table name comes from the schema, not input)."""
        if table not in TABLES:
            return {}
        guarded = self.guard.check(
            _FETCH.format(table=table), *self.window, parameters={"ids": row_ids}
        )
        result = self.backend.query(guarded.kql, parameters=guarded.parameters, limit=len(row_ids))
        return {str(r[ROW_ID]): r for r in result.table.to_pylist()}

    def verify(self, proposed: ProposedFinding) -> tuple[Verified | None, list[str]]:
        reasons: list[str] = []
        by_table: dict[str, list[str]] = {}
        for ev in proposed.evidence:
            if ev.table not in TABLES:
                reasons.append(f"cited table {ev.table!r} does not exist")
            elif not self.ledger.saw(ev.row_id, ev.table):
                reasons.append(f"row {ev.row_id} ({ev.table}) was not returned by this hunt")
            else:
                by_table.setdefault(ev.table, []).append(ev.row_id)
        rows: list[dict[str, Any]] = []
        for table, ids in by_table.items():
            found = self.fetch(table, ids)
            missing = [i for i in ids if i not in found]
            reasons += [f"row {i} does not exist in {table}" for i in missing]
            rows += list(found.values())
        texts = [_text_of(r) for r in rows]
        for ioc in proposed.iocs:
            if not any(ioc.value.lower() in t for t in texts):
                reasons.append(f"IOC {ioc.type} {ioc.value!r} does not occur in any cited row")
        for tid in proposed.techniques:
            problem = technique_problem(tid)
            if problem:
                reasons.append(problem)
        if reasons or not rows:
            return None, reasons or ["no cited row could be verified"]
        return Verified(proposed, rows), []
