"""The attack timeline: the rows the alerts cite, plus the rows their entities lead to.

Evidence rows are fetched by ``_RowId``. Their entities (processes, hashes, addresses, domains,
accounts: which ones per table is ``related`` in the pivot map) then pull in the other rows of
the same story within the padded windows around the alerts: the connection the dropped
PowerShell made, the file it wrote, the logon that followed the brute force.
"""

from __future__ import annotations

import bisect
import re
from datetime import datetime, timedelta
from typing import Any

from tracehound.investigate import kqlgen
from tracehound.investigate.model import Event, Interval
from tracehound.investigate.recorder import Recorder
from tracehound.investigate.spec import Kind, PivotMap, TableSpec

MAX_SUMMARY = 240
_SPACES = re.compile(r"\s+")

Rows = dict[str, list[dict[str, Any]]]  # table -> rows
Entities = dict[str, set[str]]  # kind -> cleaned values


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def summarize(table: TableSpec, row: dict[str, Any]) -> str:
    values = _Blank({k: ("" if v is None else v) for k, v in row.items()})
    text = _SPACES.sub(" ", table.summary.format_map(values)).strip()
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


def fetch_evidence(
    rec: Recorder, pmap: PivotMap, cited: dict[str, list[str]]
) -> tuple[Rows, list[str]]:
    """Cited rows per table; tables the map does not know are returned as skipped."""
    rows: Rows = {}
    skipped: list[str] = []
    for table, ids in sorted(cited.items()):
        spec = pmap.tables.get(table)
        if spec is None:
            skipped.append(table)
            continue
        rows[table] = rec.rows(
            f"evidence rows of {table}", kqlgen.rows_by_id(spec), {"ids": sorted(set(ids))}
        )
    return rows, skipped


def entities_of(pmap: PivotMap, rows: Rows) -> tuple[Entities, set[tuple[str, str]]]:
    """Entity values in *rows* by kind, and the (device, pid) pairs of the processes."""
    found: Entities = {k: set() for k in pmap.kinds}
    procs: set[tuple[str, str]] = set()
    device = pmap.kinds["device"]
    for table, items in rows.items():
        spec = pmap.tables[table]
        for row in items:
            hosts = [h for f in spec.entities.get("device", ()) if (h := device.clean(f.read(row)))]
            for kind_name, fields in spec.entities.items():
                kind = pmap.kinds[kind_name]
                # a row names the process that acted first; its parent is not followed (the
                # parent's other children would flood the timeline; the tree shows them)
                for f in fields[:1] if kind_name == "process" else fields:
                    value = kind.clean(f.read(row))
                    if value is None:
                        continue
                    found[kind_name].add(value)
                    if kind_name == "process":
                        procs.update((h, value) for h in hosts)
    return found, procs


def fetch_related(
    rec: Recorder,
    pmap: PivotMap,
    tables: list[str],
    entities: Entities,
    procs: set[tuple[str, str]],
    intervals: list[Interval],
) -> tuple[Rows, dict[str, set[str]]]:
    """Rows that share an entity with the evidence, inside the intervals; and why (kinds)."""
    rows: Rows = {}
    why: dict[str, set[str]] = {}
    if not intervals:
        return rows, why
    t0, t1 = intervals[0].start, max(i.end for i in intervals)
    device = pmap.kinds["device"]
    pids = sorted({pid for _, pid in procs})
    for name in tables:
        spec = pmap.tables[name]
        kinds = [pmap.kinds[k] for k in spec.related if _values(k, entities, pids)]
        if not kinds:
            continue
        params: dict[str, Any] = {"t0": t0, "t1": t1}
        for kind in kinds:
            params[kind.param] = _values(kind.name, entities, pids)
        if any(k.name == "process" for k in kinds):
            params[device.param] = sorted({h for h, _ in procs})
        found = rec.rows(
            f"rows related to the evidence in {name}",
            kqlgen.related_rows(spec, kinds, device),
            params,
        )
        kept = []
        for row in found:
            moment = row.get("Timestamp")
            if not isinstance(moment, datetime) or not any(i.contains(moment) for i in intervals):
                continue
            reasons = _matches(pmap, spec, row, entities, procs, [k.name for k in kinds])
            if reasons:
                why[row["_RowId"]] = reasons
                kept.append(row)
        rows[name] = kept
    return rows, why


def fetch_context(
    rec: Recorder, pmap: PivotMap, tables: list[str], evidence: Rows, minutes: int
) -> Rows:
    """Rows on an evidence row's device within *minutes* of it (what else happened right then)."""
    device = pmap.kinds["device"]
    moments: dict[str, list[datetime]] = {}
    for table, rows in evidence.items():
        for row in rows:
            for f in pmap.tables[table].entities.get("device", ()):
                host = device.clean(f.read(row))
                if host and isinstance(row.get("Timestamp"), datetime):
                    moments.setdefault(host, []).append(row["Timestamp"])
    if not moments or minutes <= 0:
        return {}
    moments = {h: sorted(v) for h, v in moments.items()}
    reach = timedelta(minutes=minutes)
    t0 = min(min(v) for v in moments.values()) - reach
    t1 = max(max(v) for v in moments.values()) + reach
    offsets = sorted(
        {
            int((m - t0) / timedelta(minutes=1)) + d
            for v in moments.values()
            for m in v
            for d in range(-minutes, minutes + 1)
        }
    )
    params: dict[str, Any] = {"t0": t0, "t1": t1, device.param: sorted(moments), "minutes": offsets}
    out: Rows = {}
    for name in tables:
        spec = pmap.tables[name]
        if "device" not in spec.entities:
            continue
        found = rec.rows(
            f"rows on the devices around the evidence in {name}",
            kqlgen.neighbourhood(spec, device),
            params,
        )
        out[name] = [row for row in found if _near(spec, row, moments, reach, device)]
    return out


def _near(
    spec: TableSpec,
    row: dict[str, Any],
    moments: dict[str, list[datetime]],
    reach: timedelta,
    device: Kind,
) -> bool:
    moment = row.get("Timestamp")
    if not isinstance(moment, datetime):
        return False
    for f in spec.entities["device"]:
        host = device.clean(f.read(row))
        times = moments.get(host or "")
        if times:
            i = bisect.bisect_left(times, moment - reach)
            if i < len(times) and times[i] <= moment + reach:
                return True
    return False


def _values(kind: str, entities: Entities, pids: list[str]) -> list[str]:
    return pids if kind == "process" else sorted(entities.get(kind, set()))


def _matches(
    pmap: PivotMap,
    spec: TableSpec,
    row: dict[str, Any],
    entities: Entities,
    procs: set[tuple[str, str]],
    kinds: list[str],
) -> set[str]:
    """The kinds through which *row* really relates (a pid must be on the same device)."""
    device = pmap.kinds["device"]
    hosts = {h for f in spec.entities.get("device", ()) if (h := device.clean(f.read(row)))}
    out: set[str] = set()
    for kind_name in kinds:
        kind = pmap.kinds[kind_name]
        for f in spec.entities.get(kind_name, ()):
            value = kind.clean(f.read(row))
            if value is None:
                continue
            if kind_name == "process":
                if any((h, value) in procs for h in hosts):
                    out.add(kind_name)
            elif value in entities.get(kind_name, set()):
                out.add(kind_name)
    return out


def build_events(
    pmap: PivotMap,
    evidence: Rows,
    related: Rows,
    why: dict[str, set[str]],
    techniques: dict[str, list[str]],
    context: Rows | None = None,
) -> list[Event]:
    """Evidence, related and context rows as events, each row once (the strongest reason kept),
    ordered by time then table and row id."""
    events: dict[tuple[str, str], Event] = {}
    device = pmap.kinds["device"]
    for kind, source in (("evidence", evidence), ("related", related), ("context", context or {})):
        for table, rows in source.items():
            spec = pmap.tables[table]
            for row in rows:
                key = (table, str(row["_RowId"]))
                moment = row.get("Timestamp")
                if key in events or not isinstance(moment, datetime):
                    continue
                host = next(
                    (
                        h
                        for f in spec.entities.get("device", ())
                        if (h := device.clean(f.read(row)))
                    ),
                    None,
                )
                events[key] = Event(
                    timestamp=moment,
                    table=table,
                    row_id=key[1],
                    action=str(row.get(spec.action) or ""),
                    summary=summarize(spec, row),
                    techniques=techniques.get(key[1], []),
                    device=host,
                    kind=kind,
                    via=["device"] if kind == "context" else sorted(why.get(key[1], set())),
                    row=row,
                )
    return sorted(events.values(), key=lambda e: (e.timestamp, e.table, e.row_id))
