"""Shared machinery for the Device* background tables.

Each table lists *edges*: "a process of this kind on a device of these roles does this, this
often". :func:`draw` picks how many events each device has that day, which edge each event
follows and when it happens (inside the user's session for session processes, around the
clock for system ones). The instance table turns the chosen process into its
``InitiatingProcess*`` columns with one Arrow ``take``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from tracehound.lab.clock import MACHINE_HOURS, US_PER_DAY, hour_weights, sample_times, to_us
from tracehound.lab.context import LabContext
from tracehound.lab.frames import from_records
from tracehound.lab.procs import device_fields, initiating_fields
from tracehound.schema import get_table

from .plan import DayPlan

#: Background events per device and day, by role and table, on a working day.
RATES: Mapping[str, Mapping[str, int]] = MappingProxyType(
    {
        "workstation": {
            "DeviceProcessEvents": 3200,
            "DeviceNetworkEvents": 7000,
            "DeviceFileEvents": 4200,
            "DeviceRegistryEvents": 2600,
        },
        "server": {
            "DeviceProcessEvents": 2400,
            "DeviceNetworkEvents": 6000,
            "DeviceFileEvents": 2600,
            "DeviceRegistryEvents": 1500,
        },
        "dc": {
            "DeviceProcessEvents": 2800,
            "DeviceNetworkEvents": 12000,
            "DeviceFileEvents": 1800,
            "DeviceRegistryEvents": 2200,
        },
        "linux": {
            "DeviceProcessEvents": 3500,
            "DeviceNetworkEvents": 3000,
            "DeviceFileEvents": 1500,
            "DeviceRegistryEvents": 0,
        },
    }
)
#: Share of the working-day volume on a day the device has no user session.
IDLE_FACTOR = 0.3
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Edge(Protocol):
    @property
    def parent(self) -> str: ...
    @property
    def roles(self) -> str: ...
    @property
    def weight(self) -> float: ...


@dataclass(frozen=True)
class Draw:
    """The events chosen for one table and day (parallel arrays, sorted by time)."""

    inst: np.ndarray  # row in the instance table
    edge: np.ndarray  # index into the table's edge list
    ts: np.ndarray  # microseconds since the epoch
    device: np.ndarray  # index into plan.devices

    def __len__(self) -> int:
        return len(self.ts)


class Instances:
    """Every running process of the day as one Arrow table of initiating columns."""

    def __init__(self, ctx: LabContext, plan: DayPlan) -> None:
        records: list[dict[str, Any]] = []
        self._index: dict[tuple[int, str], int] = {}
        self.session_kinds: set[str] = set()
        for d, dev_plan in enumerate(plan.devices):
            fields = device_fields(dev_plan.device, ctx.estate.org)
            session = dev_plan.session
            created = {id(p) for p in session.created} if session else set()
            for kind, proc in dev_plan.procs.items():
                self._index[(d, kind)] = len(records)
                if id(proc) in created:
                    self.session_kinds.add(kind)
                records.append(fields | initiating_fields(proc))
        self.table = from_records("DeviceProcessEvents", records)
        self.plan = plan

    def row(self, device: int, kind: str) -> int | None:
        return self._index.get((device, kind))

    def take(self, table: str, rows: np.ndarray) -> dict[str, pa.Array]:
        """The device and initiating columns *table* has, for instance *rows*."""
        names = set(get_table(table).names)
        taken = self.table.take(pa.array(rows, type=pa.int64()))
        return {n: taken.column(n).combine_chunks() for n in taken.column_names if n in names}


def draw(
    ctx: LabContext,
    plan: DayPlan,
    inst: Instances,
    table: str,
    edges: Sequence[Edge],
    rng: np.random.Generator,
) -> Draw:
    """Choose the day's events for *table* across all devices."""
    machine = hour_weights(MACHINE_HOURS, ctx.estate.org.tz_offset_hours)
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for d, dev_plan in enumerate(plan.devices):
        dev = dev_plan.device
        rate = RATES[dev.role][table]
        usable = [
            i
            for i, e in enumerate(edges)
            if dev.role in e.roles.split("|") and inst.row(d, e.parent) is not None
        ]
        if not usable or rate == 0:
            continue
        session = dev_plan.session
        busy = session is not None or dev.role not in ("workstation",)
        factor = 1.0 if busy else IDLE_FACTOR
        if dev.role != "workstation" and plan.is_weekend:
            factor *= 0.75
        n = int(rate * factor * ctx.scale * float(rng.lognormal(0, 0.15)))
        weights = np.array([edges[i].weight for i in usable], dtype=float)
        chosen = np.array(usable)[rng.choice(len(usable), size=n, p=weights / weights.sum())]
        ts = sample_times(rng, plan.start_us, n, machine)
        in_session = np.array([edges[i].parent in inst.session_kinds for i in chosen], dtype=bool)
        if session is not None and in_session.any():
            k = int(in_session.sum())
            parents = [dev_plan.procs[edges[i].parent] for i in chosen[in_session]]
            lo = np.array([max(session.start_us, to_us(p.created) + 1_000_000) for p in parents])
            hi = np.maximum(lo + 1, session.end_us)
            ts[in_session] = lo + (rng.random(k) * (hi - lo)).astype(np.int64)
        rows = np.array([inst.row(d, edges[i].parent) for i in chosen], dtype=np.int64)
        parts.append((rows, chosen, ts, np.full(n, d)))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Draw(empty, empty, empty, empty)
    rows, chosen, ts, devs = (np.concatenate(p) for p in zip(*parts, strict=True))
    ts = np.clip(ts, plan.start_us, plan.start_us + US_PER_DAY - 1)
    order = np.argsort(ts, kind="stable")
    return Draw(rows[order], chosen[order], ts[order], devs[order])


def render(
    templates: Sequence[Sequence[str]],
    edge_idx: np.ndarray,
    rng: np.random.Generator,
    values: Mapping[str, Sequence[str]],
) -> list[str]:
    """One string per row from its edge's templates, filling ``{placeholders}``.

    ``values`` holds per-row strings (e.g. ``user``); ``guid``, ``hex``, ``n`` and ``num``
    are drawn fresh for each row.
    """
    pick = rng.random(len(edge_idx))
    nums = rng.integers(1, 10_000, size=len(edge_idx))
    out: list[str] = []
    for i, (e, p) in enumerate(zip(edge_idx.tolist(), pick.tolist(), strict=True)):
        options = templates[e]
        text = options[int(p * len(options))]
        if "{" in text:

            def fill(m: re.Match[str], i: int = i) -> str:
                return _fill(m.group(1), i, rng, nums, values)

            text = _PLACEHOLDER.sub(fill, text)
        out.append(text)
    return out


def _fill(
    name: str,
    i: int,
    rng: np.random.Generator,
    nums: np.ndarray,
    values: Mapping[str, Sequence[str]],
) -> str:
    if name in values:
        return values[name][i]
    if name == "guid":
        return str(uuid.UUID(bytes=rng.bytes(16), version=4)).upper()
    if name == "hex":
        return rng.bytes(8).hex()
    if name == "n":
        return str(int(nums[i]))
    if name == "num":
        return str(int(nums[i]) % 100)
    raise KeyError(f"internal: unknown placeholder {{{name}}}")


def random_hex(rng: np.random.Generator, count: int, length: int) -> list[str]:
    """``count`` random lowercase hex strings of ``length`` digits (hashes of new files)."""
    raw = rng.bytes(count * length // 2)
    step = length // 2
    return [raw[i * step : (i + 1) * step].hex() for i in range(count)]


def report_ids(rng: np.random.Generator, count: int) -> np.ndarray:
    return rng.integers(1_000, 2_000_000, size=count, dtype=np.int64)
