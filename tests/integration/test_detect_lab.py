"""Every attack scenario the lab seeds is detected with one of its ATT&CK techniques."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tracehound.detect.db import SCHEMA
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


def test_benign_lab_week_raises_no_high_incidents(db_path: Path, cli: Any) -> None:
    """``eval detection --benign`` on a store: the issue's ceiling is 2 High per 100 host-days."""
    with Store.open(db_path) as store:
        seed(
            store,
            SeedOptions(
                days=3, devices=8, users=12, seed=7, end=datetime(2026, 3, 1), attacks=False
            ),
        )
    result = cli("eval", "detection", str(db_path), "--benign", "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["host_days"] >= 8 * 3
    assert document["high_incidents_per_100_host_days"] <= 2.0, document["alerts_by_rule"]
    assert document["alerts"] == sum(document["alerts_by_rule"].values())
    with Store.open(db_path, read_only=True) as store:
        detect_tables = store.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ?", [SCHEMA]
        ).fetchall()[0][0]
    assert detect_tables == 0  # the evaluation ran on a copy: no alerts written to the store
