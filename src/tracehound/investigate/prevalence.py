"""Prevalence: entity values seen on many devices are shared infrastructure, not leads.

Following the hash of ``powershell.exe`` or a Windows Update address from one alert would pull
every device's rows into the timeline; the values a ``prevalence`` kind holds on more than
``common_hosts`` devices in the window are set aside (and the report says which).
"""

from __future__ import annotations

from typing import Any

from tracehound.investigate import kqlgen
from tracehound.investigate.model import Interval
from tracehound.investigate.recorder import Recorder
from tracehound.investigate.spec import PivotMap


def common_values(
    rec: Recorder, pmap: PivotMap, tables: list[str], entities: dict[str, set[str]], span: Interval
) -> dict[str, dict[str, int]]:
    """Kind -> value -> devices, for values above the threshold."""
    device = pmap.kinds["device"]
    hosts: dict[str, dict[str, int]] = {}
    for kind in pmap.kinds.values():
        values = sorted(entities.get(kind.name, set()))
        if not kind.prevalence or not values:
            continue
        for name in tables:
            spec = pmap.tables[name]
            if kind.name not in spec.entities or "device" not in spec.entities:
                continue
            params: dict[str, Any] = {"t0": span.start, "t1": span.end, kind.param: values}
            for row in rec.rows(
                f"prevalence of {kind.name} values in {name}",
                kqlgen.prevalence(spec, kind, device),
                params,
            ):
                seen = hosts.setdefault(kind.name, {})
                seen[str(row["v"])] = max(seen.get(str(row["v"]), 0), int(row["hosts"]))
    return {
        kind: {v: n for v, n in values.items() if n > pmap.common_hosts}
        for kind, values in hosts.items()
        if any(n > pmap.common_hosts for n in values.values())
    }
