"""Build the :class:`IncidentReport` from an investigation, the incident's alerts, the actions
recorded by response and the ATT&CK catalog. Deterministic: no model, no network."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any

from tracehound import __version__
from tracehound.attack import catalog
from tracehound.investigate.model import Event, Investigation, ProcessNode, iso
from tracehound.report.defang import defang
from tracehound.report.model import (
    ActionEntry,
    AssetEntry,
    EvidenceRow,
    FindingEntry,
    IncidentReport,
    Ioc,
    ProcessTreeEntry,
    QueryEntry,
    TacticEntry,
    TechniqueRef,
    TimelineEntry,
    TreeNode,
)
from tracehound.report.remediation import remediation
from tracehound.store import Store

ATTACK_URL = "https://attack.mitre.org/techniques/"
#: Columns whose values are indicators: IOC type and whether rows a process pivot linked count
#: (a contacted domain does; the hash of every file such a process touched does not).
IOC_COLUMNS = {"RemoteUrl": ("domain-name", True), "SHA256": ("sha256", False)}
MAX_IOCS = 200


def build_report(
    store: Store, inv: Investigation, rule_queries: dict[str, str] | None = None
) -> IncidentReport:
    techniques = list(dict.fromkeys(t for a in inv.alerts for t in a.get("techniques") or []))
    steps, without = remediation(techniques)
    limitations = list(inv.limitations)
    if without:
        limitations.append(f"no ATT&CK mitigation in the catalog for: {', '.join(without)}")
    for kind, values in inv.set_aside.items():
        limitations.append(
            f"{len(values)} {kind} value(s) seen on many devices were not followed: "
            + ", ".join(sorted(values)[:5])
        )
    iocs = _iocs(inv)
    if len(iocs) >= MAX_IOCS:
        limitations.append(f"indicators cut to the {MAX_IOCS} seen in most rows")
    if not any(e.kind == "related" for e in inv.events):
        limitations.append("no row beyond the cited evidence was linked to it by a pivot")
    return IncidentReport(
        generated_at=datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
        generator=f"tracehound {__version__}",
        incident=inv.incident,
        executive_summary=_summary(inv, techniques),
        scope=_scope(inv),
        timeline=[_entry(e) for e in inv.events],
        assets=[AssetEntry(**a.as_dict()) for a in inv.assets],
        findings=[_finding(a, inv.events) for a in inv.alerts],
        attack=_tactics(techniques),
        iocs=iocs,
        remediation=steps,
        actions=_actions(store, inv),
        process_trees=[ProcessTreeEntry(device=t.device, root=_node(t.root)) for t in inv.trees],
        related_alerts=inv.related_alerts,
        related_incidents=inv.related_incidents,
        queries=_queries(inv, rule_queries or {}),
        limitations=limitations,
    )


def _entry(e: Event) -> TimelineEntry:
    return TimelineEntry(**{k: v for k, v in e.as_dict().items() if v is not None or k == "device"})


def _summary(inv: Investigation, techniques: list[str]) -> str:
    inc = inv.incident
    devices = [a.value for a in inv.assets if a.kind == "device" and "target" in a.roles]
    accounts = [
        a.value for a in inv.assets if a.kind == "account" and "compromised account" in a.roles
    ]
    attack = catalog()
    tactics = [attack.tactic(t).name if attack.tactic(t) else t for t in inc.get("tactics") or []]  # type: ignore[union-attr]
    parts = [
        f"{inc['title']}: {inc['band']} confidence ({inc['confidence']}), severity {inc['severity']}, "
        f"status {inc['status']}.",
        f"{len(inv.alerts)} alert(s) between {inc['first_seen']} and {inc['last_seen']} "
        f"cite {sum(1 for e in inv.events if e.kind == 'evidence')} evidence row(s); "
        f"the investigation linked {sum(1 for e in inv.events if e.kind == 'related')} more.",
    ]
    if devices:
        parts.append(
            f"Affected devices: {', '.join(devices[:5])}{' and more' if len(devices) > 5 else ''}."
        )
    if accounts:
        parts.append(f"Accounts acting in the evidence: {', '.join(accounts[:5])}.")
    if tactics:
        parts.append(f"ATT&CK tactics: {', '.join(tactics)} ({len(techniques)} technique(s)).")
    return " ".join(parts)


def _scope(inv: Investigation) -> dict[str, Any]:
    tables = sorted({e.table for e in inv.events})
    return {
        "windows": [{"from": iso(i.start), "to": iso(i.end)} for i in inv.intervals],
        "padding_seconds": int(inv.padding.total_seconds()),
        "tables_with_rows": tables,
        "events": {
            k: sum(1 for e in inv.events if e.kind == k) for k in ("evidence", "related", "context")
        },
        "entities": inv.entities,
        "queries_run": len(inv.queries),
    }


def _finding(alert: dict[str, Any], events: list[Event]) -> FindingEntry:
    by_id = {e.row_id: e for e in events}
    rows = []
    for item in alert.get("evidence") or []:
        event = by_id.get(item["row_id"])
        rows.append(
            EvidenceRow(
                table=item["table"],
                row_id=item["row_id"],
                timestamp=iso(event.timestamp) if event else None,
                summary=event.summary if event else "",
            )
        )
    return FindingEntry(
        id=alert["id"],
        title=alert["title"],
        rule_id=alert["rule_id"],
        severity=alert["severity"],
        band=alert["band"],
        confidence=int(alert["confidence"] or 0),
        techniques=list(alert.get("techniques") or []),
        first_seen=iso(alert.get("first_seen")),
        last_seen=iso(alert.get("last_seen")),
        evidence_count=int(alert.get("evidence_count") or len(rows)),
        evidence=rows,
        factors=alert.get("factors") or [],
    )


def _tactics(techniques: list[str]) -> list[TacticEntry]:
    """Tactics in kill-chain order, each with the incident's techniques under it."""
    attack = catalog()
    out = []
    for tactic in attack.tactics():
        refs = []
        for tid in techniques:
            if tactic.shortname in attack.tactics_of(tid):
                found = attack.describe(tid)
                refs.append(
                    TechniqueRef(
                        id=tid,
                        name=found.name if found else tid,
                        url=ATTACK_URL + tid.replace(".", "/"),
                    )
                )
        if refs:
            out.append(
                TacticEntry(tactic=tactic.id or tactic.shortname, name=tactic.name, techniques=refs)
            )
    return out


def _iocs(inv: Investigation) -> list[Ioc]:
    found: dict[tuple[str, str], Ioc] = {}
    common = {v for values in inv.set_aside.values() for v in values}
    for asset in inv.assets:
        if asset.kind == "ip" and _public(asset.value) and asset.value not in common:
            kind = "ipv6-addr" if ":" in asset.value else "ipv4-addr"
            found[(kind, asset.value)] = Ioc(
                type=kind,
                value=asset.value,
                defanged=defang(asset.value, kind),
                rows=asset.rows,
                first_seen=iso(asset.first_seen),
                last_seen=iso(asset.last_seen),
            )
    for event in inv.events:
        if event.kind == "context" or (event.kind == "related" and "process" not in event.via):
            continue
        for column, (kind, linked) in IOC_COLUMNS.items():
            value = str(event.row.get(column) or "").strip()
            if not value or value.lower() in common or (event.kind == "related" and not linked):
                continue
            if kind == "domain-name" and "://" in value:
                kind = "url"
            key = (kind, value)
            if key in found:
                found[key].rows += 1
                found[key].last_seen = iso(event.timestamp)
            else:
                found[key] = Ioc(
                    type=kind,
                    value=value,
                    defanged=defang(value, kind),
                    rows=1,
                    first_seen=iso(event.timestamp),
                    last_seen=iso(event.timestamp),
                )
    ranked = sorted(found.values(), key=lambda i: (-i.rows, i.type, i.value))
    return sorted(ranked[:MAX_IOCS], key=lambda i: (i.type, i.value))


def _public(value: str) -> bool:
    try:
        return ipaddress.ip_address(value).is_global
    except ValueError:
        return False


def _actions(store: Store, inv: Investigation) -> list[ActionEntry]:
    """Response actions whose target is one of the incident's devices or accounts."""
    from tracehound.respond.ledger import Ledger

    names: set[str] = set()
    for asset in inv.assets:
        if asset.kind in ("device", "account"):
            names |= {asset.value.lower(), asset.value.lower().split(".", 1)[0]}
    out = []
    for record in Ledger(store).all():
        target = record.target.name.lower()
        if target in names or target.split(".", 1)[0] in names:
            out.append(
                ActionEntry(
                    id=record.id,
                    action=record.verb,
                    target=record.target.name,
                    status=str(record.status),
                    reason=record.reason,
                    requested_by=record.requested_by,
                    created_at=record.created_at,
                    approval=record.approval.model_dump() if record.approval else None,
                )
            )
    return out


def _queries(inv: Investigation, rule_queries: dict[str, str]) -> list[QueryEntry]:
    rules = [
        QueryEntry(purpose=f"detection rule {rid}", kql=rule_queries[rid], parameters={})
        for rid in dict.fromkeys(a["rule_id"] for a in inv.alerts)
        if rid in rule_queries
    ]
    ran = [
        QueryEntry(**{k: v for k, v in q.as_dict().items() if k != "seconds"}) for q in inv.queries
    ]
    return rules + ran


def _node(node: ProcessNode) -> TreeNode:
    return TreeNode(
        name=node.name,
        pid=node.pid,
        command_line=node.command_line,
        account=node.account,
        started=iso(node.started),
        row_id=node.row_id,
        suspicious=node.suspicious,
        children=[_node(c) for c in node.children],
    )
