"""Related alerts and incidents: other alerts that share a host, account or address with this
incident within its padded time span, and the incidents they belong to."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tracehound.detect.db import SCHEMA
from tracehound.investigate.model import Interval, iso
from tracehound.store import Store

SHARED_KINDS = ("host", "account", "ip")
MAX_RELATED = 100


def _keys(entities: dict[str, list[str]]) -> set[str]:
    return {f"{k}:{v.lower()}" for k in SHARED_KINDS for v in entities.get(k, [])}


def related(
    store: Store, incident_id: str, entities: dict[str, list[str]], span: Interval
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mine = _keys(entities) - {"account:system"}
    rows = store.con.execute(
        f"""SELECT a.id, a.rule_id, a.title, a.band, a.confidence, a.entities, a.first_seen, a.last_seen,
                   ia.incident_id
            FROM {SCHEMA}.alerts a LEFT JOIN {SCHEMA}.incident_alerts ia ON ia.alert_id = a.id
            WHERE a.suppressed_by IS NULL AND (ia.incident_id IS NULL OR ia.incident_id <> ?)
              AND coalesce(a.last_seen, a.first_seen) >= ? AND coalesce(a.first_seen, a.last_seen) <= ?
            ORDER BY a.first_seen""",
        [incident_id, span.start, span.end],
    ).fetchall()
    alerts: list[dict[str, Any]] = []
    incidents: dict[str, set[str]] = {}
    for aid, rule_id, title, band, confidence, ents, first, last, inc in rows:
        shared = sorted(mine & _keys(json.loads(ents) if ents else {}))
        if not shared:
            continue
        alerts.append(
            {
                "id": aid,
                "rule_id": rule_id,
                "title": title,
                "band": band,
                "confidence": confidence,
                "first_seen": iso(first),
                "last_seen": iso(last),
                "incident": inc,
                "shared": shared,
            }
        )
        if inc:
            incidents.setdefault(inc, set()).update(shared)
    return alerts[:MAX_RELATED], _incidents(store, incidents)


def _incidents(store: Store, shared: dict[str, set[str]]) -> list[dict[str, Any]]:
    if not shared:
        return []
    rows = store.con.execute(
        f"SELECT id, title, band, confidence, status, first_seen, last_seen FROM {SCHEMA}.incidents"
        " WHERE id IN (SELECT unnest(?)) ORDER BY confidence DESC, id",
        [sorted(shared)],
    ).fetchall()
    return [
        {
            "id": r[0],
            "title": r[1],
            "band": r[2],
            "confidence": r[3],
            "status": r[4],
            "first_seen": iso(_dt(r[5])),
            "last_seen": iso(_dt(r[6])),
            "shared": sorted(shared[r[0]]),
        }
        for r in rows
    ]


def _dt(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None
