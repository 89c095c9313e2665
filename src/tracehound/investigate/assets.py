"""Affected assets and their roles, read from the timeline rows with the map's role rules."""

from __future__ import annotations

from tracehound.investigate.model import Asset, Event
from tracehound.investigate.spec import PivotMap


def affected_assets(pmap: PivotMap, events: list[Event]) -> list[Asset]:
    """One asset per (kind, value), with every role some row gave it, first and last seen."""
    found: dict[tuple[str, str], Asset] = {}
    for event in events:
        spec = pmap.tables[event.table]
        for rule in spec.roles:
            if not rule.applies(event.row):
                continue
            value = pmap.kinds[rule.kind].clean(rule.field.read(event.row))
            if value is None:
                continue
            asset = found.setdefault(
                (rule.kind, value), Asset(rule.kind, value, [], event.timestamp, event.timestamp, 0)
            )
            if rule.role not in asset.roles:
                asset.roles.append(rule.role)
            asset.rows += 1
            asset.first_seen = min(d for d in (asset.first_seen, event.timestamp) if d is not None)
            asset.last_seen = max(d for d in (asset.last_seen, event.timestamp) if d is not None)
    order = {"device": 0, "account": 1, "ip": 2}
    return sorted(found.values(), key=lambda a: (order.get(a.kind, 9), -a.rows, a.value))
