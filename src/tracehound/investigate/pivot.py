"""Pivots: for each entity of the incident, how many rows of each table hold it in the window."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tracehound.investigate import kqlgen
from tracehound.investigate.model import Interval, PivotHit
from tracehound.investigate.recorder import Recorder
from tracehound.investigate.spec import PivotMap

#: Kinds worth a pivot count (a process id means nothing outside its device and time).
PIVOT_KINDS = ("device", "account", "ip", "hash", "file", "domain")
MAX_VALUES = 50


def pivot(
    rec: Recorder,
    pmap: PivotMap,
    tables: list[str],
    entities: dict[str, set[str]],
    window: Interval,
) -> list[PivotHit]:
    hits: dict[tuple[str, str, str], PivotHit] = {}
    for name in tables:
        spec = pmap.tables[name]
        for kind_name in PIVOT_KINDS:
            values = sorted(entities.get(kind_name, set()))[:MAX_VALUES]
            if not values or kind_name not in spec.entities:
                continue
            kind = pmap.kinds[kind_name]
            params: dict[str, Any] = {"t0": window.start, "t1": window.end, kind.param: values}
            rows = rec.rows(
                f"pivot on {kind_name} in {name}", kqlgen.pivot_counts(spec, kind), params
            )
            wanted = set(values)
            for row in rows:
                matched = {
                    str(v)
                    for k, v in row.items()
                    if k[:1] == "v" and k[1:].isdigit() and str(v) in wanted
                }
                for value in matched:
                    _add(hits, kind_name, value, name, row)
    return sorted(hits.values(), key=lambda h: (h.kind, h.value, -h.rows, h.table))


def _add(
    hits: dict[tuple[str, str, str], PivotHit],
    kind: str,
    value: str,
    table: str,
    row: dict[str, Any],
) -> None:
    first, last = row.get("first_seen"), row.get("last_seen")
    hit = hits.get((kind, value, table))
    sample = [str(s) for s in (row.get("sample") or [])]
    if hit is None:
        hits[(kind, value, table)] = PivotHit(
            kind,
            value,
            table,
            int(row["n"]),
            first if isinstance(first, datetime) else None,
            last if isinstance(last, datetime) else None,
            sample[:5],
        )
        return
    hit.rows += int(row["n"])
    if isinstance(first, datetime):
        hit.first_seen = min(first, hit.first_seen) if hit.first_seen else first
    if isinstance(last, datetime):
        hit.last_seen = max(last, hit.last_seen) if hit.last_seen else last
    hit.sample = (hit.sample + sample)[:5]
