"""Scenario id -> scenario, and the runner that plays the selected ones."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from types import MappingProxyType

from tracehound.lab.background.plan import DayPlan, day_plan
from tracehound.lab.context import LabContext
from tracehound.lab.frames import Batch, from_records
from tracehound.lab.procs import Proc
from tracehound.lab.truth import TruthRecord

from . import access, cloud, endpoint
from .base import ScenarioSpec, Story

SCENARIOS: MappingProxyType[str, ScenarioSpec] = MappingProxyType(
    {spec.id: spec for spec in (*access.SPECS, *endpoint.SPECS, *cloud.SPECS)}
)


def run_scenarios(
    ctx: LabContext,
    ids: Sequence[str],
    boots: dict[str, dict[str, Proc]],
) -> tuple[list[Batch], list[TruthRecord]]:
    """Play each scenario in *ids*: its rows as batches (one per table) and its truth."""

    @cache
    def plans(day: int) -> DayPlan:
        return day_plan(ctx, day, boots)

    batches: list[Batch] = []
    records: list[TruthRecord] = []
    for scenario_id in ids:
        story = Story(ctx, SCENARIOS[scenario_id], plans)
        story.spec.play(story)
        for table, rows in story.rows.items():
            batches.append(
                Batch(table, from_records(table, rows), f"scenario:{scenario_id}:{table}")
            )
        records.append(story.truth())
    return batches, records
