"""Seeding: plan the week, generate each table day by day, load through the store.

Re-seeding first removes every row whose ``_Source`` is ``lab`` and the previous truth, then
loads background and scenario batches through :meth:`Store.load_staged` (the one load path),
one day at a time so memory stays bounded.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import pyarrow as pa

from tracehound.errors import UsageError
from tracehound.lab import truth
from tracehound.lab.background import BACKGROUND_DAILY, BACKGROUND_WINDOW
from tracehound.lab.background.common import Instances
from tracehound.lab.background.plan import boot_procs, day_plan
from tracehound.lab.clock import Window
from tracehound.lab.context import LabContext
from tracehound.lab.estate import build_estate
from tracehound.lab.frames import Batch
from tracehound.lab.ids import row_ids
from tracehound.lab.scenarios import SCENARIOS, run_scenarios
from tracehound.schema import EXTRA, ROW_ID
from tracehound.store import Store

SOURCE = "lab"
#: Called after each step with (step label, rows loaded, steps done, total steps).
Progress = Callable[[str, int, int, int], None]


@dataclass(frozen=True)
class SeedOptions:
    days: int = 7
    devices: int = 25
    users: int = 40
    seed: int = 1
    end: datetime | None = None  # naive UTC; None = now, rounded down to the hour
    scenarios: tuple[str, ...] | None = None  # None = all
    attacks: bool = True
    scale: float = 1.0


@dataclass(frozen=True)
class SeedReport:
    window: Window
    rows_by_table: dict[str, int]
    removed: int
    truth: list[truth.TruthRecord]

    @property
    def rows(self) -> int:
        return sum(self.rows_by_table.values())


def resolve_scenarios(requested: Sequence[str] | None) -> tuple[str, ...]:
    """Scenario ids to seed: all by default, else the requested ones (unknown ids refused)."""
    if requested is None:
        return tuple(SCENARIOS)
    unknown = [s for s in requested if s not in SCENARIOS]
    if unknown:
        raise UsageError(
            f"unknown scenario(s): {', '.join(unknown)}", "`tracehound lab scenarios` lists them"
        )
    return tuple(dict.fromkeys(requested))


@dataclass(frozen=True)
class Step:
    """One unit of progress: a table-day of background, or the scenarios with their truth."""

    label: str
    batches: tuple[Batch, ...]
    truth: tuple[truth.TruthRecord, ...] = ()


def generate(ctx: LabContext, scenario_ids: Sequence[str]) -> Iterator[Step]:
    """Every step of the seeding: per-day background, whole-window tables, then scenarios."""
    boots = {dev.name: boot_procs(ctx, dev) for dev in ctx.estate.devices}
    for day in range(ctx.window.days):
        plan = day_plan(ctx, day, boots)
        inst = Instances(ctx, plan)
        for name, make in BACKGROUND_DAILY:
            yield Step(f"{name} day {day + 1}", tuple(make(ctx, plan, inst)))
    for name, make_window in BACKGROUND_WINDOW:
        yield Step(name, tuple(make_window(ctx)))
    if scenario_ids:
        batches, records = run_scenarios(ctx, scenario_ids, boots)
        yield Step("scenarios", tuple(batches), tuple(records))


def total_steps(ctx: LabContext, scenario_ids: Sequence[str]) -> int:
    daily = ctx.window.days * len(BACKGROUND_DAILY)
    return daily + len(BACKGROUND_WINDOW) + (1 if scenario_ids else 0)


def seed(store: Store, options: SeedOptions, progress: Progress | None = None) -> SeedReport:
    """Replace the store's lab data with a freshly generated week."""
    store.require_writable()
    window = Window.ending(options.end, options.days)
    scenario_ids = resolve_scenarios(options.scenarios) if options.attacks else ()
    estate = build_estate(options.seed, options.devices, options.users)
    ctx = LabContext(estate, window, options.seed, options.scale)
    removed = store.delete_source(SOURCE)
    truth.clear(store)
    counts: dict[str, int] = {}
    records: list[truth.TruthRecord] = []
    steps = total_steps(ctx, scenario_ids)
    for done, step in enumerate(generate(ctx, scenario_ids), start=1):
        loaded = 0
        for batch in step.batches:
            n = load_batch(store, batch, options.seed)
            counts[batch.table] = counts.get(batch.table, 0) + n
            loaded += n
        records.extend(step.truth)
        if progress is not None:
            progress(step.label, loaded, done, steps)
    truth.write(
        store,
        records,
        truth.SeedRun(
            options.seed,
            window.start,
            window.end,
            window.days,
            options.devices,
            options.users,
            scenario_ids,
            sum(counts.values()),
        ),
    )
    return SeedReport(window, counts, removed, records)


def load_batch(store: Store, batch: Batch, seed_value: int) -> int:
    """Give *batch* its deterministic row ids and load it through the store's load path."""
    data = batch.data
    if ROW_ID not in data.column_names:
        data = data.append_column(
            ROW_ID, pa.array(row_ids(seed_value, batch.stream_key, data.num_rows))
        )
    if EXTRA not in data.column_names:
        data = data.append_column(EXTRA, pa.nulls(data.num_rows, pa.string()))
    view = "th_lab_stage"
    store.con.register(view, data)
    try:
        stats = store.load_staged(batch.table, view, SOURCE)
    finally:
        store.con.unregister(view)
    return stats.inserted


def scenario_marker(scenario_id: str) -> str:
    """The ``_Extra`` JSON that tags a scenario's rows (for tests, never for detections)."""
    return json.dumps({"lab_scenario": scenario_id})
