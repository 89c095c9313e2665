"""Turn a rule's result rows into alerts: grouped by entity and time, evidence cited by row id."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from tracehound.attack import catalog
from tracehound.rules.model import ENTITY_KINDS, Rule

MAX_EVIDENCE = 100
MAX_ENTITY_VALUES = 20
MAX_DETAIL_CHARS = 600
GROUP_KEYS = ("host", "account", "ip", "cloud_resource")


@dataclass
class Alert:
    """One finding of one rule about one entity in one time bucket."""

    id: str
    rule_id: str
    title: str
    severity: str
    techniques: tuple[str, ...]
    tactics: tuple[str, ...]
    first_seen: datetime | None
    last_seen: datetime | None
    entities: dict[str, list[str]]
    evidence: list[tuple[str, str]]  # (table, _RowId)
    evidence_count: int
    details: dict[str, Any]
    fidelity: str = "medium"
    confidence: int = 0
    band: str = "Low"
    factors: list[dict[str, Any]] = field(default_factory=list)
    suppressed_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rule_id": self.rule_id,
            "title": self.title,
            "severity": self.severity,
            "techniques": list(self.techniques),
            "tactics": list(self.tactics),
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "entities": self.entities,
            "evidence": [{"table": t, "row_id": r} for t, r in self.evidence],
            "evidence_count": self.evidence_count,
            "details": self.details,
            "confidence": self.confidence,
            "band": self.band,
            "factors": self.factors,
            "suppressed_by": self.suppressed_by,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=None).isoformat() + "Z"


@lru_cache(maxsize=1)
def column_defaults() -> dict[str, Any]:
    text = resources.files("tracehound.detect").joinpath("columns.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def entity_columns(rule: Rule, available: list[str]) -> dict[str, str]:
    """Entity kind -> column for *rule*'s result: the rule's mapping, else the defaults."""
    present = set(available)
    chosen = {k: v for k, v in rule.entities.items() if v in present}
    for kind, candidates in column_defaults()["entities"].items():
        if kind in rule.entities or kind in chosen:
            continue
        for column in candidates:
            if column in present:
                chosen[kind] = column
                break
    return chosen


def rule_tactics(rule: Rule) -> tuple[str, ...]:
    attack = catalog()
    seen: dict[str, None] = {}
    for tid in rule.techniques:
        for tactic in attack.tactics_of(tid):
            seen.setdefault(tactic, None)
    return tuple(seen)


def alerts_from_rows(rule: Rule, rows: list[dict[str, Any]]) -> list[Alert]:
    """Group *rows* by the rule's primary entity and time bucket; one alert per group."""
    if not rows:
        return []
    columns = list(rows[0])
    entity_cols = entity_columns(rule, columns)
    detail_cols = [c for c in column_defaults()["details"] if c in columns]
    groups: dict[tuple[str, str, int], list[dict[str, Any]]] = {}
    bucket_seconds = max(60, rule.group_window_minutes * 60)
    for row in rows:
        key_kind = next((k for k in GROUP_KEYS if k in entity_cols and row.get(entity_cols[k])), "")
        key_value = str(row.get(entity_cols[key_kind], "")).lower() if key_kind else ""
        moment = _moment(row, rule)
        bucket = int(moment.timestamp()) // bucket_seconds if moment else 0
        groups.setdefault((key_kind, key_value, bucket), []).append(row)
    tactics = rule_tactics(rule)
    return [
        _alert(rule, key, members, entity_cols, detail_cols, tactics)
        for key, members in sorted(groups.items())
    ]


def _moment(row: dict[str, Any], rule: Rule) -> datetime | None:
    for column in (rule.time_column, "Timestamp", "TimeGenerated", "StartTime", "FirstSeen"):
        value = row.get(column)
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return None


def _evidence_ids(value: Any) -> list[str]:
    """The values of a scalar, a list or a JSON array text (what KQL sets arrive as)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    text = str(value)
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return [text]
        return [str(v) for v in parsed if v is not None] if isinstance(parsed, list) else [text]
    return [text]


def _alert(
    rule: Rule,
    key: tuple[str, str, int],
    rows: list[dict[str, Any]],
    entity_cols: dict[str, str],
    detail_cols: list[str],
    tactics: tuple[str, ...],
) -> Alert:
    evidence: dict[str, None] = {}
    entities: dict[str, dict[str, None]] = {}
    moments = [m for m in (_moment(r, rule) for r in rows) if m is not None]
    for row in rows:
        for row_id in _evidence_ids(row.get(rule.evidence_column)):
            evidence.setdefault(row_id, None)
        for kind, column in entity_cols.items():
            # an aggregating rule's entity column may be a set (make_set): one entity per value
            for value in _evidence_ids(row.get(column)):
                if value:
                    entities.setdefault(kind, {}).setdefault(value, None)
    digest = hashlib.sha1(f"{rule.id}|{key[0]}|{key[1]}|{key[2]}".encode()).hexdigest()[:16]
    table = rule.primary_table
    first = rows[0]
    details = {c: _short(first.get(c)) for c in detail_cols if first.get(c) not in (None, "")}
    details |= {
        k: _short(v)
        for k, v in first.items()
        if k not in details and k not in entity_cols.values() and _is_output_detail(k, v)
    }
    return Alert(
        id=f"al-{digest}",
        rule_id=rule.id,
        title=rule.title,
        severity=rule.severity.name,
        techniques=rule.techniques,
        tactics=tactics,
        first_seen=min(moments) if moments else None,
        last_seen=max(moments) if moments else None,
        entities={k: list(v)[:MAX_ENTITY_VALUES] for k, v in entities.items() if k in ENTITY_KINDS},
        evidence=[(table, r) for r in list(evidence)[:MAX_EVIDENCE]],
        evidence_count=len(evidence),
        details=details,
        fidelity=rule.fidelity.name,
    )


def _is_output_detail(column: str, value: Any) -> bool:
    """Aggregate outputs (counts, distinct users...) explain an alert; raw system columns do not."""
    return (
        not column.startswith("_")
        and not column.startswith("th_m")
        and isinstance(value, int | float | str)
        and column not in ("Timestamp", "TimeGenerated", "AdditionalFields", "EventData")
    )


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_DETAIL_CHARS:
        return value[:MAX_DETAIL_CHARS] + "…"
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return _short(str(value))
