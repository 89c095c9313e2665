"""The offline planner's execution: run the planned hunts, turn result rows into proposed
findings through each hunt's template, verify, score, and propose containment."""

from __future__ import annotations

import re
from typing import Any

from tracehound.errors import TracehoundError

from .context import HuntContext
from .findings import Evidence, Factor, Ioc, ProposedFinding
from .ledger import as_list
from .library import Hunt, ScoreFactor
from .plan import HuntPlan

EVIDENCE_PER_COLUMN = 5


def _display(value: Any) -> str:
    items = as_list(value) if isinstance(value, list | str) else [value]
    if isinstance(value, str) and not value.startswith("["):
        items = [value]
    text = ", ".join(str(v) for v in items[:5])
    return text[:300]


class _Row(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


def propose_from_row(hunt: Hunt, row: dict[str, Any]) -> ProposedFinding:
    """A proposed finding from one hunt result row, by the hunt's template."""
    t = hunt.finding
    shown = _Row({k: _display(v) for k, v in row.items()})
    evidence = [
        Evidence(table=col.table, row_id=str(rid))
        for col in t.evidence
        for rid in as_list(row.get(col.column))[:EVIDENCE_PER_COLUMN]
    ]
    iocs = [
        Ioc(type=kind, value=str(v))  # type: ignore[arg-type]
        for kind, columns in t.iocs.items()
        for column in columns
        for v in as_list(row.get(column))[:10]
        if v not in (None, "")
    ]
    return ProposedFinding(
        title=t.title.format_map(shown),
        summary=" ".join(t.summary.format_map(shown).split()),
        techniques=list(hunt.techniques),
        iocs=list(dict.fromkeys(iocs)),
        evidence=evidence,
        recommendations=list(t.recommendations),
        hosts=[str(v) for c in t.hosts for v in as_list(row.get(c))],
        accounts=[str(v) for c in t.accounts for v in as_list(row.get(c))],
    )


def earned_factors(factors: list[ScoreFactor], row: dict[str, Any]) -> tuple[Factor, ...]:
    out = []
    for f in factors:
        value = row.get(f.column)
        hit = False
        if f.at_least is not None and isinstance(value, int | float):
            hit = value >= f.at_least
        if f.matches is not None:
            hit = any(re.search(f.matches, str(v)) for v in as_list(value))
        if hit:
            out.append(Factor(name=f.name, points=f.points, reason=f.reason))
    return tuple(out)


def run_offline(
    plan: HuntPlan, ctx: HuntContext
) -> list[tuple[Hunt, ProposedFinding, tuple[Factor, ...]]]:
    """Run each planned hunt; errors are noted per hunt and never stop the others."""
    proposed = []
    for hunt in plan.hunts:
        params = plan.parameters_for(hunt)
        if params is None:
            ctx.notes.append(f"{hunt.id}: skipped, the named host did not resolve")
            continue
        try:
            result, _ = ctx.run(hunt.kql, params, f"hunt {hunt.id}")
        except TracehoundError as exc:
            if getattr(exc, "limit", None):
                raise
            ctx.notes.append(f"{hunt.id}: failed: {exc.message}")
            continue
        for row in result.table.to_pylist():
            proposed.append(
                (hunt, propose_from_row(hunt, row), earned_factors(hunt.finding.score, row))
            )
    return proposed


def run_table_queries(plan: HuntPlan, ctx: HuntContext) -> None:
    """The plan's simple per-table queries; what they return is noted (rows, not findings)."""
    for query in plan.generic_queries():
        try:
            result, _ = ctx.run(query.kql, query.parameters, f"table {query.table}")
        except TracehoundError as exc:
            if getattr(exc, "limit", None):
                raise
            ctx.notes.append(f"table {query.table}: failed: {exc.message}")
            continue
        ctx.notes.append(f"table {query.table}: {result.row_count} row(s) for the request")
