"""Which seeded lab scenarios the detections caught, read from the lab's ground truth.

A scenario counts as detected when an alert (not suppressed) carries one of its ATT&CK
techniques (parent / sub-technique and version crosswalk included), overlaps its time span
(with a margin for aggregation buckets), and names one of its devices, accounts or addresses.
The entity test keeps a benign alert that merely shares a technique from counting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tracehound.attack import catalog
from tracehound.detect.db import SCHEMA
from tracehound.store import Store

#: Aggregating rules bucket by the hour (or the day for sign-in follow-ups).
TIME_MARGIN = timedelta(hours=2)


@dataclass
class ScenarioCoverage:
    id: str
    techniques: list[str]
    detected: bool
    rules: list[str] = field(default_factory=list)
    techniques_hit: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "techniques": self.techniques,
            "detected": self.detected,
            "rules": self.rules,
            "techniques_hit": self.techniques_hit,
        }


def _names(values: list[str] | tuple[str, ...]) -> set[str]:
    """Lower-cased names with their short forms (host label, account without domain)."""
    out: set[str] = set()
    for value in values:
        lowered = str(value).lower()
        out |= {lowered, lowered.split(".")[0], lowered.split("@")[0], lowered.split("\\")[-1]}
    return out - {""}


def _naive(value: datetime) -> datetime:
    return value.replace(tzinfo=None)


def scenario_coverage(store: Store) -> list[ScenarioCoverage]:
    """Per seeded scenario: detected or not, by which rules and techniques."""
    from tracehound.lab import truth

    _, records = truth.read(store)
    alerts = store.con.execute(
        f"SELECT rule_id, techniques, first_seen, last_seen, entities FROM {SCHEMA}.alerts"
        " WHERE suppressed_by IS NULL"
    ).fetchall()
    attack = catalog()
    out = []
    for record in records:
        wanted = _names([*record.devices, *record.accounts, *record.ips])
        start = _naive(record.start) - TIME_MARGIN
        end = _naive(record.end) + TIME_MARGIN
        rules: set[str] = set()
        hit: set[str] = set()
        for rule_id, techniques, first, last, entities in alerts:
            if first is None or last is None or last < start or first > end:
                continue
            related = {
                t for t in techniques or [] for s in record.techniques if attack.related(t, s)
            }
            values = [v for vs in json.loads(entities or "{}").values() for v in vs]
            if related and (not wanted or wanted & _names(values)):
                rules.add(rule_id)
                hit |= related
        out.append(
            ScenarioCoverage(
                record.id, list(record.techniques), bool(rules), sorted(rules), sorted(hit)
            )
        )
    return out
