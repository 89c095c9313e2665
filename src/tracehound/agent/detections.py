"""The project's built-in detections inside a hunt: the detect runner over the hunt's window,
alerts kept only when they concern the request's entities, each turned into a proposed
finding whose evidence rows are fetched through the hunt's guarded query path (so they are in
the ledger, verified like any other finding, and listed among the hunt's queries).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tracehound.backends.local import LocalBackend
from tracehound.detect.alerts import Alert
from tracehound.detect.queries import ScanWindow
from tracehound.detect.runner import run_rules
from tracehound.rules.library import library

from .context import HuntContext
from .findings import Evidence, Ioc, ProposedFinding
from .ledger import ROW_ID
from .plan import HuntPlan

EVIDENCE_ROWS = 10
#: Alert entity kind -> IOC type and the request's entities of that kind.
IOC_KINDS: dict[str, str] = {"ip": "ip", "account": "account", "file": "file", "process": "process"}
_FETCH = "declare query_parameters(ids:dynamic);\n{table} | where _RowId in (ids)"
RECOMMENDATION = "Review the rule's evidence rows and the entity's activity around them."


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def scope_of(plan: HuntPlan) -> dict[str, set[str]]:
    """Entity kind -> lower-cased values the request is about (resolved devices only)."""
    hosts = {d.resolved.lower() for d in plan.devices if d.resolved}
    hosts |= {h.split(".", 1)[0] for h in hosts}
    return {
        "host": hosts,
        "account": {a.lower() for a in plan.entities.accounts},
        "ip": {i.lower() for i in plan.entities.ips},
    }


def concerns(alert: Alert, scope: dict[str, set[str]]) -> bool:
    """True when the alert names one of the request's entities (every alert with none named)."""
    if not any(scope.values()):
        return True
    for kind, wanted in scope.items():
        for value in alert.entities.get(kind, []):
            lowered = value.lower()
            if lowered in wanted or lowered.split(".", 1)[0] in wanted:
                return True
    return False


def run_detections(plan: HuntPlan, ctx: HuntContext) -> list[tuple[Alert, ProposedFinding]]:
    """Alerts of the enabled built-in rules over the hunt's window, about the request's entities."""
    backend = ctx.backend
    rules = ctx.rules
    if rules is None and not isinstance(backend, LocalBackend):
        ctx.notes.append("detections: skipped, no rule library was given for this backend")
        return []
    if plan.entities.hosts and not any(d.resolved for d in plan.devices):
        ctx.notes.append("detections: skipped, the named host did not resolve")
        return []
    if rules is None:
        assert isinstance(backend, LocalBackend)
        rules = library(backend.store, include_imported=False).enabled()
    window = ScanWindow(start=_naive(ctx.time_range.start), end=_naive(ctx.time_range.end))
    result = run_rules(backend, rules, window)
    ctx.budget.before_query()
    failed = [o for o in result.outcomes if o.status == "failed"]
    if failed:
        first = failed[0]
        ctx.notes.append(
            f"detections: {len(failed)} rule(s) failed, e.g. {first.rule_id}: {first.reason}"
        )
    scope = scope_of(plan)
    by_rule: dict[str, list[Alert]] = {}
    for alert in result.alerts:
        if concerns(alert, scope):
            by_rule.setdefault(alert.rule_id, []).append(alert)
    rows = _fetch_evidence(ctx, [a for group in by_rule.values() for a in group])
    out = []
    for group in by_rule.values():
        proposed = _propose(group, rows)
        if proposed is not None:
            out.append((group[0], proposed))
    ctx.notes.append(
        f"detections: {len(rules)} rule(s) over the window, {len(result.alerts)} alert(s), "
        f"{sum(len(g) for g in by_rule.values())} about the request's entities"
    )
    return out


def _cited(alerts: list[Alert]) -> list[tuple[str, str]]:
    """The first evidence rows of a rule's alerts (spread over its alerts, oldest first)."""
    cited: list[tuple[str, str]] = []
    for depth in range(EVIDENCE_ROWS):
        for alert in alerts:
            if depth < len(alert.evidence) and len(cited) < EVIDENCE_ROWS:
                cited.append(alert.evidence[depth])
    return cited


def _fetch_evidence(ctx: HuntContext, alerts: list[Alert]) -> dict[str, dict[str, Any]]:
    """Row id -> row for every cited row, one guarded query per table."""
    by_table: dict[str, list[str]] = {}
    for table, row_id in _cited_all(alerts):
        by_table.setdefault(table, []).append(row_id)
    rows: dict[str, dict[str, Any]] = {}
    for table, ids in by_table.items():
        kql = _FETCH.format(table=table)  # the table name comes from the rule, not from input
        result, _ = ctx.run(kql, {"ids": ids}, f"evidence rows of detections in {table}")
        rows.update({str(r[ROW_ID]): r for r in result.table.to_pylist()})
    return rows


def _cited_all(alerts: list[Alert]) -> list[tuple[str, str]]:
    by_rule: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_rule.setdefault(alert.rule_id, []).append(alert)
    return [pair for group in by_rule.values() for pair in _cited(group)]


def _propose(alerts: list[Alert], fetched: dict[str, dict[str, Any]]) -> ProposedFinding | None:
    """One proposed finding per rule, citing its alerts' first evidence rows."""
    cited = [(t, r) for t, r in _cited(alerts) if r in fetched]
    if not cited:
        return None
    first = alerts[0]
    rows = [fetched[r] for _, r in cited]
    text = " ".join(str(v) for r in rows for v in r.values() if v is not None).lower()
    entities: dict[str, list[str]] = {}
    for alert in alerts:
        for kind, values in alert.entities.items():
            entities.setdefault(kind, []).extend(v for v in values if v not in entities[kind])
    iocs = [
        Ioc(type=ioc_type, value=value)  # type: ignore[arg-type]
        for kind, ioc_type in IOC_KINDS.items()
        for value in entities.get(kind, [])[:5]
        if value and value.lower() in text
    ]
    seen = [a.first_seen for a in alerts if a.first_seen] + [
        a.last_seen for a in alerts if a.last_seen
    ]
    span = f" between {min(seen)} and {max(seen)}" if seen else ""
    return ProposedFinding(
        title=first.title[:200] if len(first.title) >= 3 else f"rule {first.rule_id}",
        summary=f"Built-in detection {first.rule_id}: {len(alerts)} alert(s), "
        f"{sum(a.evidence_count for a in alerts)} matching row(s){span}.",
        techniques=list(first.techniques),
        iocs=list(dict.fromkeys(iocs)),
        evidence=[Evidence(table=t, row_id=r) for t, r in cited],
        recommendations=[RECOMMENDATION],
        hosts=entities.get("host", [])[:1],
        accounts=entities.get("account", [])[:3],
    )
