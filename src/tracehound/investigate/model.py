"""What an investigation finds, as plain typed records (the report builds on these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


def iso(value: datetime | None) -> str | None:
    """ISO-8601 UTC with a ``Z`` (naive datetimes in the store are UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True)
class Interval:
    start: datetime
    end: datetime

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end


def merge(intervals: list[Interval]) -> list[Interval]:
    """Overlapping intervals joined, in time order."""
    out: list[Interval] = []
    for item in sorted(intervals, key=lambda i: i.start):
        if out and item.start <= out[-1].end:
            out[-1] = Interval(out[-1].start, max(out[-1].end, item.end))
        else:
            out.append(item)
    return out


@dataclass
class Event:
    """One row on the attack timeline."""

    timestamp: datetime
    table: str
    row_id: str
    action: str
    summary: str
    techniques: list[str]
    device: str | None
    kind: str  # "evidence" (cited by an alert), "related" (an entity led to it) or "context"
    via: list[str] = field(default_factory=list)  # entity kinds that related it
    row: dict[str, Any] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "timestamp": iso(self.timestamp),
            "table": self.table,
            "row_id": self.row_id,
            "action": self.action,
            "summary": self.summary,
            "techniques": self.techniques,
            "device": self.device,
            "kind": self.kind,
            "via": self.via,
        }


@dataclass
class Asset:
    kind: str  # device | account | ip
    value: str
    roles: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    rows: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "roles": self.roles,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "rows": self.rows,
        }


@dataclass
class PivotHit:
    """Rows in one table that hold one entity value within the window."""

    kind: str
    value: str
    table: str
    rows: int
    first_seen: datetime | None
    last_seen: datetime | None
    sample: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "table": self.table,
            "rows": self.rows,
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
            "sample": self.sample,
        }


@dataclass
class ProcessNode:
    name: str
    pid: int | None
    command_line: str
    account: str
    started: datetime | None
    row_id: str | None
    suspicious: bool = False
    children: list[ProcessNode] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pid": self.pid,
            "command_line": self.command_line,
            "account": self.account,
            "started": iso(self.started),
            "row_id": self.row_id,
            "suspicious": self.suspicious,
            "children": [c.as_dict() for c in self.children],
        }


@dataclass
class ProcessTree:
    device: str
    root: ProcessNode

    def as_dict(self) -> dict[str, Any]:
        return {"device": self.device, "root": self.root.as_dict()}


@dataclass
class QueryRecord:
    """A query as it ran, so a reader can run it again."""

    purpose: str
    kql: str
    parameters: dict[str, Any]
    rows: int
    truncated: bool
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "kql": self.kql,
            "parameters": {
                k: iso(v) if isinstance(v, datetime) else v for k, v in self.parameters.items()
            },
            "rows": self.rows,
            "truncated": self.truncated,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Investigation:
    incident: dict[str, Any]
    alerts: list[dict[str, Any]]
    padding: timedelta
    intervals: list[Interval]
    entities: dict[str, list[str]]
    events: list[Event]
    assets: list[Asset]
    pivots: list[PivotHit]
    trees: list[ProcessTree]
    set_aside: dict[str, dict[str, int]]  # kind -> common value -> devices (not followed)
    related_alerts: list[dict[str, Any]]
    related_incidents: list[dict[str, Any]]
    queries: list[QueryRecord]
    limitations: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "padding_seconds": int(self.padding.total_seconds()),
            "windows": [{"from": iso(i.start), "to": iso(i.end)} for i in self.intervals],
            "entities": self.entities,
            "timeline": [e.as_dict() for e in self.events],
            "assets": [a.as_dict() for a in self.assets],
            "pivots": [p.as_dict() for p in self.pivots],
            "process_trees": [t.as_dict() for t in self.trees],
            "set_aside": self.set_aside,
            "related_alerts": self.related_alerts,
            "related_incidents": self.related_incidents,
            "queries": [q.as_dict() for q in self.queries],
            "limitations": self.limitations,
        }
