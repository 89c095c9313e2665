"""``investigate``: from an incident to its evidence, timeline, assets, pivots and trees."""

from __future__ import annotations

import bisect
from datetime import datetime, timedelta
from typing import Any

from tracehound.backends.base import LogBackend
from tracehound.incidents import get_incident, incident_alerts
from tracehound.investigate import kqlgen
from tracehound.investigate.assets import affected_assets
from tracehound.investigate.model import (
    Asset,
    Event,
    Interval,
    Investigation,
    ProcessNode,
    ProcessTree,
    merge,
)
from tracehound.investigate.pivot import pivot
from tracehound.investigate.prevalence import common_values
from tracehound.investigate.proctree import TABLE as PROCESS_TABLE
from tracehound.investigate.proctree import trees_for
from tracehound.investigate.recorder import Recorder
from tracehound.investigate.related import related
from tracehound.investigate.spec import PivotMap, pivot_map
from tracehound.investigate.timeline import (
    build_events,
    entities_of,
    fetch_context,
    fetch_evidence,
    fetch_related,
)
from tracehound.store import Store

DEFAULT_PADDING = timedelta(hours=1)
MAX_EVENTS = 20_000
NEAR_SECONDS = 120.0  # rows this close to an evidence row are kept first when capping
#: Incident entity kinds -> pivot kinds. Its addresses are not followed: a host's own address
#: would pull in every server the host talks to; the evidence rows' addresses are followed.
INCIDENT_KINDS = {"host": "device", "account": "account"}


def investigate(
    store: Store,
    incident_id: str,
    padding: timedelta = DEFAULT_PADDING,
    backend: LogBackend | None = None,
) -> Investigation:
    """Reconstruct *incident_id*: every query runs on *backend* (the store's by default)."""
    from tracehound.backends.local import LocalBackend

    incident = get_incident(store, incident_id)
    alerts = incident_alerts(store, incident_id)
    rec = Recorder(backend or LocalBackend(store))
    pmap = pivot_map()
    limitations: list[str] = []
    intervals = _intervals(alerts, padding, limitations)
    cited, techniques = _cited(alerts, limitations)
    tables = _tables(rec.backend, pmap, limitations)
    evidence, unmapped = fetch_evidence(rec, pmap, cited)
    limitations += [
        f"evidence in {t} is cited but not read (the pivot map has no entry for it)"
        for t in unmapped
    ]
    _check_found(cited, evidence, limitations)
    intervals = merge(
        intervals
        + [
            Interval(r["Timestamp"] - padding, r["Timestamp"] + padding)
            for rows in evidence.values()
            for r in rows
            if isinstance(r.get("Timestamp"), datetime)
        ]
    )
    entities, procs = entities_of(pmap, evidence)
    for kind, key in INCIDENT_KINDS.items():
        entities[key].update(
            v for x in incident.entities.get(kind, []) if (v := pmap.kinds[key].clean(x))
        )
    span = Interval(intervals[0].start, intervals[-1].end) if intervals else None
    common = common_values(rec, pmap, tables, entities, span) if span else {}
    leads = {k: v - set(common.get(k, {})) for k, v in entities.items()}
    related_rows, why = fetch_related(rec, pmap, tables, leads, procs, intervals)
    trees = trees_for(rec, _suspicious_processes(alerts), padding)
    _add_tree_rows(rec, pmap, trees, related_rows, why)
    context = fetch_context(rec, pmap, tables, evidence, pmap.neighbourhood_minutes)
    events = build_events(pmap, evidence, related_rows, why, techniques, context)
    events = _cap(events, limitations)
    pivots = pivot(rec, pmap, tables, entities, span) if span else []
    assets = affected_assets(pmap, [e for e in events if e.kind != "context"])
    rel_alerts, rel_incidents = (
        related(store, incident_id, _with_assets(incident.entities, assets), span)
        if span
        else ([], [])
    )
    return Investigation(
        incident={
            **incident.summary(),
            "tactics": incident.tactics,
            "techniques": incident.techniques,
            "status": incident.status,
            "classification": incident.classification,
        },
        alerts=alerts,
        padding=padding,
        intervals=intervals,
        entities=_entity_lists(entities, procs),
        events=events,
        assets=assets,
        pivots=pivots,
        trees=trees,
        set_aside=common,
        related_alerts=rel_alerts,
        related_incidents=rel_incidents,
        queries=rec.queries,
        limitations=limitations + rec.limitations,
    )


#: Asset kinds -> incident entity kinds, for finding related alerts.
_ASSET_ENTITY = {"device": "host", "account": "account", "ip": "ip"}


def _with_assets(entities: dict[str, list[str]], assets: list[Asset]) -> dict[str, list[str]]:
    """The incident's entities plus the assets its timeline shows (the other end of a lateral
    movement, the source of a logon), so the incident on the other host is found related."""
    out = {kind: list(values) for kind, values in entities.items()}
    for asset in assets:
        kind = _ASSET_ENTITY.get(asset.kind)
        if kind and asset.value not in out.setdefault(kind, []):
            out[kind].append(asset.value)
    return out


def _cap(events: list[Event], limitations: list[str]) -> list[Event]:
    """At most MAX_EVENTS events: evidence always stays; of the rest, those closest in time to
    an evidence row are kept, related rows before context (a noisy alert must not push a quiet
    one's story out)."""
    if len(events) <= MAX_EVENTS:
        return events
    anchors = sorted(e.timestamp for e in events if e.kind == "evidence")
    others = [e for e in events if e.kind != "evidence"]

    def distance(event: Event) -> tuple[int, int, float]:
        i = bisect.bisect_left(anchors, event.timestamp)
        near = [
            abs((event.timestamp - anchors[j]).total_seconds())
            for j in (i - 1, i)
            if 0 <= j < len(anchors)
        ]
        gap = min(near) if near else 0.0
        return (0 if gap <= NEAR_SECONDS else 1, 0 if event.kind == "related" else 1, gap)

    room = max(0, MAX_EVENTS - (len(events) - len(others)))
    kept = [e for e in events if e.kind == "evidence"] + sorted(others, key=distance)[:room]
    limitations.append(
        f"timeline holds {len(kept)} of {len(events)} events (those nearest the evidence)"
    )
    return sorted(kept, key=lambda e: (e.timestamp, e.table, e.row_id))


def _suspicious_processes(alerts: list[dict[str, Any]]) -> list[str]:
    """Cited process rows, one per alert first, most confident alerts first (trees are capped)."""
    ranked = sorted(alerts, key=lambda a: (-(a.get("confidence") or 0), str(a.get("rule_id"))))
    rows = [
        [e["row_id"] for e in a.get("evidence") or [] if e["table"] == PROCESS_TABLE]
        for a in ranked
    ]
    firsts = [r[0] for r in rows if r]
    seen_rules: set[str] = set()
    distinct = []
    for alert, row_ids in zip(ranked, rows, strict=True):
        if row_ids and alert.get("rule_id") not in seen_rules:
            seen_rules.add(str(alert.get("rule_id")))
            distinct.append(row_ids[0])
    return list(dict.fromkeys(distinct + firsts + [r for rs in rows for r in rs]))


def _add_tree_rows(
    rec: Recorder,
    pmap: PivotMap,
    trees: list[ProcessTree],
    related: dict[str, list[dict[str, Any]]],
    why: dict[str, set[str]],
) -> None:
    """The creation rows of the processes in the trees (parents, children) join the timeline."""
    ids: list[str] = []

    def walk(node: ProcessNode) -> None:
        if node.row_id and not node.suspicious:
            ids.append(node.row_id)
        for child in node.children:
            walk(child)

    for tree in trees:
        walk(tree.root)
    have = {str(r["_RowId"]) for r in related.get(PROCESS_TABLE, [])}
    wanted = sorted(set(ids) - have)
    if not wanted:
        return
    spec = pmap.tables[PROCESS_TABLE]
    rows = rec.rows("process tree rows", kqlgen.rows_by_id(spec), {"ids": wanted})
    related.setdefault(PROCESS_TABLE, []).extend(rows)
    for row in rows:
        why.setdefault(str(row["_RowId"]), set()).add("process tree")


def _intervals(
    alerts: list[dict[str, Any]], padding: timedelta, limitations: list[str]
) -> list[Interval]:
    out = []
    for alert in alerts:
        first, last = alert.get("first_seen"), alert.get("last_seen")
        if not isinstance(first, datetime):
            limitations.append(f"alert {alert['id']} has no time; its window is not searched")
            continue
        end = last if isinstance(last, datetime) else first
        out.append(Interval(first - padding, end + padding))
    return merge(out)


def _cited(
    alerts: list[dict[str, Any]], limitations: list[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Table -> cited row ids, and row id -> ATT&CK techniques of the alerts citing it."""
    cited: dict[str, list[str]] = {}
    techniques: dict[str, list[str]] = {}
    for alert in alerts:
        evidence = alert.get("evidence") or []
        if (alert.get("evidence_count") or 0) > len(evidence):
            limitations.append(
                f"alert {alert['id']} cites {len(evidence)} of its {alert['evidence_count']} evidence rows"
            )
        for item in evidence:
            cited.setdefault(item["table"], []).append(item["row_id"])
            known = techniques.setdefault(item["row_id"], [])
            known.extend(t for t in alert.get("techniques") or [] if t not in known)
    return cited, techniques


def _tables(backend: LogBackend, pmap: PivotMap, limitations: list[str]) -> list[str]:
    """Mapped tables holding rows (a backend that cannot count keeps them all)."""
    counts = backend.tables()
    empty = [t for t in pmap.tables if counts.get(t) == 0]
    missing = [t for t in pmap.tables if t not in counts]
    if missing:
        limitations.append(f"tables not available on {backend.name}: {', '.join(missing)}")
    return [t for t in pmap.tables if t in counts and t not in empty]


def _check_found(
    cited: dict[str, list[str]], evidence: dict[str, list[dict[str, Any]]], limitations: list[str]
) -> None:
    for table, rows in evidence.items():
        lost = set(cited[table]) - {str(r["_RowId"]) for r in rows}
        if lost:
            limitations.append(f"{len(lost)} evidence row(s) of {table} are no longer in the store")


def _entity_lists(
    entities: dict[str, set[str]], procs: set[tuple[str, str]]
) -> dict[str, list[str]]:
    out = {k: sorted(v) for k, v in entities.items() if v and k != "process"}
    if procs:
        out["process"] = sorted(f"{h}:{pid}" for h, pid in procs)
    return out
