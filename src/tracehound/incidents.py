"""Incidents: related alerts (same host or personal account, close in time) become one case.

Grouping is incremental: a new alert joins an open incident that shares an entity with it and
was last active within the gap (24 h by default), else opens a new one. Analyst actions
(assign, note, close with a classification) are recorded on the incident; closed incidents feed
scoring through their classification.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tracehound.detect.alerts import Alert
from tracehound.detect.db import SCHEMA, ensure_tables
from tracehound.errors import UsageError
from tracehound.rules.model import Severity
from tracehound.score import DetectionSettings, band, entity_keys
from tracehound.store import Store

CLASSIFICATIONS = ("true_positive", "benign_true_positive", "false_positive")
STATUSES = ("new", "active", "closed")
TACTIC_BONUS_PER_EXTRA = 5
TACTIC_BONUS_CAP = 15


@dataclass
class Incident:
    id: str
    title: str
    severity: str
    confidence: int
    band: str
    status: str
    classification: str | None
    assignee: str | None
    entities: dict[str, list[str]]
    tactics: list[str]
    techniques: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    alert_ids: list[str]

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity,
            "confidence": self.confidence,
            "band": self.band,
            "status": self.status,
            "entities": self.entities,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat() + "Z"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _naive(value: datetime | None) -> datetime | None:
    return (
        None
        if value is None
        else value.astimezone(UTC).replace(tzinfo=None)
        if value.tzinfo
        else value
    )


def group_alerts(store: Store, alerts: list[Alert], settings: DetectionSettings) -> list[str]:
    """Attach *alerts* (already saved) to incidents; returns the ids of incidents touched."""
    ensure_tables(store)
    gap = timedelta(hours=settings.incident_gap_hours)
    attached = {
        r[0] for r in store.con.execute(f"SELECT alert_id FROM {SCHEMA}.incident_alerts").fetchall()
    }
    pending = sorted(
        (a for a in alerts if a.suppressed_by is None and a.id not in attached and entity_keys(a)),
        key=lambda a: _naive(a.first_seen) or datetime.min,
    )
    open_incidents = _open_incidents(store)
    touched: list[str] = []
    links: list[tuple[str, str]] = []
    for alert in pending:
        keys = entity_keys(alert)
        start = _naive(alert.first_seen)
        target = None
        for incident_id, (inc_keys, last_seen) in open_incidents.items():
            close_in_time = start is None or last_seen is None or start - last_seen <= gap
            if keys & inc_keys and close_in_time:
                target = incident_id
                break
        if target is None:
            target = "inc-" + hashlib.sha1(alert.id.encode()).hexdigest()[:12]
            open_incidents[target] = (set(), None)
        inc_keys, last_seen = open_incidents[target]
        end = _naive(alert.last_seen)
        newest = max((d for d in (last_seen, end) if d is not None), default=None)
        open_incidents[target] = (inc_keys | keys, newest)
        links.append((target, alert.id))
        if target not in touched:
            touched.append(target)
    columns = ["incident_id", "alert_id"]
    store.insert_many(f"{SCHEMA}.incident_alerts", columns, list(dict.fromkeys(links)), True)
    for incident_id in touched:
        _refresh(store, incident_id, settings)
    return touched


def _open_incidents(store: Store) -> dict[str, tuple[set[str], datetime | None]]:
    rows = store.con.execute(
        f"SELECT id, entities, last_seen FROM {SCHEMA}.incidents WHERE status <> 'closed'"
    ).fetchall()
    out: dict[str, tuple[set[str], datetime | None]] = {}
    for iid, entities, last_seen in rows:
        parsed = json.loads(entities) if entities else {}
        keys = {f"host:{h.lower()}" for h in parsed.get("host", [])} | {
            f"account:{a.lower()}" for a in parsed.get("account", [])
        }
        out[iid] = (keys, last_seen)
    return out


def _refresh(store: Store, incident_id: str, settings: DetectionSettings) -> None:
    """Recompute an incident's summary from its alerts (insert it when new)."""
    rows = store.con.execute(
        f"""SELECT a.title, a.severity, a.confidence, a.entities, a.tactics, a.techniques,
                   a.first_seen, a.last_seen
            FROM {SCHEMA}.alerts a JOIN {SCHEMA}.incident_alerts ia ON ia.alert_id = a.id
            WHERE ia.incident_id = ? ORDER BY a.confidence DESC, a.first_seen""",
        [incident_id],
    ).fetchall()
    if not rows:
        return
    entities: dict[str, dict[str, None]] = {}
    tactics: dict[str, None] = {}
    techniques: dict[str, None] = {}
    for row in rows:
        for kind, values in (json.loads(row[3]) if row[3] else {}).items():
            if kind in ("host", "account", "ip"):
                for value in values:
                    entities.setdefault(kind, {}).setdefault(value, None)
        tactics.update(dict.fromkeys(row[4] or []))
        techniques.update(dict.fromkeys(row[5] or []))
    severity = max((Severity.parse(r[1]) for r in rows), default=Severity.low).name
    bonus = min(TACTIC_BONUS_CAP, TACTIC_BONUS_PER_EXTRA * max(0, len(tactics) - 1))
    confidence = min(100, max(r[2] or 0 for r in rows) + bonus)
    host = next(iter(entities.get("host", {})), None) or next(iter(entities.get("account", {})), "")
    title = f"{rows[0][0]} on {host}" + (
        f" (+{len(rows) - 1} more alerts)" if len(rows) > 1 else ""
    )
    firsts = [r[6] for r in rows if r[6] is not None]
    lasts = [r[7] for r in rows if r[7] is not None]
    now = _now()
    store.con.execute(
        f"""INSERT INTO {SCHEMA}.incidents VALUES (?, ?, ?, ?, ?, 'new', NULL, NULL, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET title = excluded.title, severity = excluded.severity,
              confidence = excluded.confidence, band = excluded.band, entities = excluded.entities,
              tactics = excluded.tactics, techniques = excluded.techniques,
              first_seen = excluded.first_seen, last_seen = excluded.last_seen,
              updated_at = excluded.updated_at""",
        [
            incident_id,
            title,
            severity,
            confidence,
            band(confidence, settings),
            json.dumps({k: list(v)[:20] for k, v in entities.items()}),
            list(tactics),
            list(techniques),
            min(firsts) if firsts else None,
            max(lasts) if lasts else None,
            now,
            now,
        ],
    )


def list_incidents(
    store: Store, status: str | None = None, min_band: str | None = None
) -> list[Incident]:
    ensure_tables(store)
    rows = store.con.execute(
        f"""SELECT i.id, i.title, i.severity, i.confidence, i.band, i.status, i.classification,
                   i.assignee, i.entities, i.tactics, i.techniques, i.first_seen, i.last_seen,
                   list(ia.alert_id ORDER BY ia.alert_id)
            FROM {SCHEMA}.incidents i LEFT JOIN {SCHEMA}.incident_alerts ia ON ia.incident_id = i.id
            GROUP BY ALL ORDER BY i.confidence DESC, i.first_seen"""
    ).fetchall()
    out = [
        Incident(
            id=r[0],
            title=r[1],
            severity=r[2],
            confidence=r[3],
            band=r[4],
            status=r[5],
            classification=r[6],
            assignee=r[7],
            entities=json.loads(r[8]) if r[8] else {},
            tactics=list(r[9] or []),
            techniques=list(r[10] or []),
            first_seen=r[11],
            last_seen=r[12],
            alert_ids=[a for a in (r[13] or []) if a],
        )
        for r in rows
    ]
    if status:
        out = [i for i in out if i.status == status]
    if min_band == "High":
        out = [i for i in out if i.band == "High"]
    return out


def get_incident(store: Store, incident_id: str) -> Incident:
    for incident in list_incidents(store):
        if incident.id == incident_id:
            return incident
    raise UsageError(f"no incident {incident_id!r}", "list them with `tracehound incidents list`")


def incident_alerts(store: Store, incident_id: str) -> list[dict[str, Any]]:
    cursor = store.con.execute(
        f"""SELECT a.* FROM {SCHEMA}.alerts a JOIN {SCHEMA}.incident_alerts ia ON ia.alert_id = a.id
            WHERE ia.incident_id = ? ORDER BY a.first_seen""",
        [incident_id],
    )
    names = [d[0] for d in cursor.description or []]
    out = []
    for row in cursor.fetchall():
        item = dict(zip(names, row, strict=True))
        for key in ("entities", "evidence", "details", "factors"):
            item[key] = json.loads(item[key]) if item[key] else None
        out.append(item)
    return out


def notes(store: Store, incident_id: str) -> list[dict[str, Any]]:
    rows = store.con.execute(
        f"SELECT noted_at, author, text FROM {SCHEMA}.incident_notes WHERE incident_id = ? ORDER BY noted_at",
        [incident_id],
    ).fetchall()
    return [{"at": _iso(r[0]), "author": r[1], "text": r[2]} for r in rows]


def assign(store: Store, incident_id: str, assignee: str) -> None:
    get_incident(store, incident_id)
    store.con.execute(
        f"UPDATE {SCHEMA}.incidents SET assignee = ?, updated_at = ?,"
        " status = CASE WHEN status = 'new' THEN 'active' ELSE status END WHERE id = ?",
        [assignee, _now(), incident_id],
    )
    add_note(store, incident_id, f"assigned to {assignee}", "tracehound")


def add_note(store: Store, incident_id: str, text: str, author: str) -> None:
    get_incident(store, incident_id)
    store.con.execute(
        f"INSERT INTO {SCHEMA}.incident_notes VALUES (?, ?, ?, ?)",
        [incident_id, _now(), author, text],
    )


def close(store: Store, incident_id: str, classification: str, comment: str, author: str) -> None:
    key = classification.strip().lower().replace(" ", "_").replace("-", "_")
    if key not in CLASSIFICATIONS:
        raise UsageError(
            f"unknown classification {classification!r}", f"use one of {', '.join(CLASSIFICATIONS)}"
        )
    get_incident(store, incident_id)
    store.con.execute(
        f"UPDATE {SCHEMA}.incidents SET status = 'closed', classification = ?, updated_at = ? WHERE id = ?",
        [key, _now(), incident_id],
    )
    add_note(store, incident_id, f"closed as {key}" + (f": {comment}" if comment else ""), author)


def feedback(store: Store) -> dict[str, dict[str, int]]:
    """Rule id -> classification -> number of closed incidents holding that rule's alerts."""
    ensure_tables(store)
    rows = store.con.execute(
        f"""SELECT a.rule_id, i.classification, count(DISTINCT i.id)
            FROM {SCHEMA}.incidents i
            JOIN {SCHEMA}.incident_alerts ia ON ia.incident_id = i.id
            JOIN {SCHEMA}.alerts a ON a.id = ia.alert_id
            WHERE i.status = 'closed' AND i.classification IS NOT NULL GROUP BY ALL"""
    ).fetchall()
    out: dict[str, dict[str, int]] = {}
    for rule_id, classification, count in rows:
        out.setdefault(rule_id, {})[classification] = int(count)
    return out
