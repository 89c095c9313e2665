"""Benchmark: investigating an incident with a cold backend (every KQL text parsed and
translated) against a warm one (translations cached), side by side in one run, plus the time
to render each report format. Prints the figures; run with `make bench`."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from tracehound.backends.local import LocalBackend
from tracehound.detect.service import detect
from tracehound.incidents import list_incidents
from tracehound.investigate import investigate
from tracehound.lab import SeedOptions, seed
from tracehound.report import ReportFormat, build_report, render
from tracehound.score import DetectionSettings
from tracehound.store import Store


@pytest.mark.slow
def test_bench_investigate(tmp_path: Path) -> None:
    with Store.open(tmp_path / "lab.duckdb") as store:
        seed(store, SeedOptions(days=3, devices=10, users=15, seed=7, end=datetime(2025, 3, 14)))
        detect(store, DetectionSettings())
        incidents = [i.id for i in list_incidents(store)][:4]
        assert incidents
        cold = warm = 0.0
        shared = LocalBackend(store)
        investigate(store, incidents[0], backend=shared)  # fill the cache
        events = queries = 0
        for incident in incidents:
            started = time.perf_counter()
            inv = investigate(store, incident, backend=LocalBackend(store))
            cold += time.perf_counter() - started
            started = time.perf_counter()
            investigate(store, incident, backend=shared)
            warm += time.perf_counter() - started
            events += len(inv.events)
            queries += len(inv.queries)
        report = build_report(store, inv)
        timings = {}
        for fmt in ReportFormat:
            started = time.perf_counter()
            render(report, fmt)
            timings[fmt.value] = time.perf_counter() - started
    print(
        f"\ninvestigate: {len(incidents)} incidents, {events} timeline events, {queries} queries; "
        f"cold {cold:.2f}s, warm {warm:.2f}s, cold/warm ratio {cold / warm:.2f}x"
    )
    print(
        "render: "
        + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in timings.items())
        + f" ({len(report.timeline)} events, {len(report.iocs)} IOCs)"
    )
    assert cold > 0 and warm > 0
