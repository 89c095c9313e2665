"""Every attack scenario the lab seeds is detected with one of its ATT&CK techniques."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tracehound.detect.labcheck import scenario_coverage
from tracehound.detect.service import detect
from tracehound.lab.seed import SeedOptions, seed
from tracehound.score import DetectionSettings
from tracehound.store import Store


@pytest.mark.parametrize("seed_value", [11, 4])
def test_every_lab_scenario_is_detected(db_path: Path, seed_value: int) -> None:
    with Store.open(db_path) as store:
        report = seed(
            store,
            SeedOptions(
                days=2, devices=8, users=12, seed=seed_value, end=datetime(2026, 3, 1), scale=0.3
            ),
        )
        assert len(report.truth) >= 13
        detect(store, DetectionSettings())
        coverage = scenario_coverage(store)
    missed = [c.id for c in coverage if not c.detected]
    assert missed == [], f"undetected scenarios: {missed}"
    assert {c.id for c in coverage} == {r.id for r in report.truth}
    for item in coverage:
        assert item.techniques_hit and item.rules, item.id
