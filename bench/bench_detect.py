"""Detection throughput: shared scans vs each rule as its own query (``make bench``).

Three runs: each rule as its own query with duckdb-kql's SQL as translated (the naive way),
each rule as its own query with per-row type dispatch folded (kql/typefold.py), and shared scans
with the fold (what ``tracehound detect`` does).

Data: the default lab week (25 devices, every scenario) replicated forward in time (new row ids,
timestamps shifted by whole weeks) until the store holds ``TH_BENCH_DETECT_EVENTS`` events
(default 5,000,000). ``TH_BENCH_DETECT_NAIVE=0`` leaves out the first run (a third of the
time; type folding was measured to make no difference per rule). Rules: the built-in library plus the SigmaHQ snapshot in
``../shared/sigma`` imported through ``rules import`` (converted once; the conversion is not
timed). Both runs use the same explicit window covering all events, on the same store, with
alerts saved and incidents grouped as ``tracehound detect`` does; only the way rules run differs.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tracehound.backends.base import QueryResult
from tracehound.backends.local import LocalBackend
from tracehound.detect.service import DetectReport, detect
from tracehound.lab.seed import SeedOptions, seed
from tracehound.rules.library import import_sigma
from tracehound.score import DetectionSettings
from tracehound.store import Store, quote_ident

END = datetime(2025, 6, 13, 12)
#: Tables whose rows are copied forward to reach the target size (the high-volume ones).
REPLICATED = (
    "DeviceProcessEvents",
    "DeviceNetworkEvents",
    "DeviceFileEvents",
    "DeviceRegistryEvents",
    "DeviceImageLoadEvents",
    "DeviceEvents",
    "SecurityEvent",
    "DeviceLogonEvents",
)


def _total(store: Store) -> int:
    return sum(store.row_counts().values())


def _replicate(store: Store, target: int) -> int:
    """Copy the lab forward a week at a time until *target* events are stored."""
    week = 1
    while _total(store) < target:
        for table in REPLICATED:
            shift = f"INTERVAL {7 * week} DAY"
            store.con.execute(
                f"INSERT INTO {quote_ident(table)} SELECT * REPLACE ("
                f"_RowId || '-w{week}' AS _RowId, Timestamp + {shift} AS Timestamp,"
                f" TimeGenerated + {shift} AS TimeGenerated)"
                f" FROM {quote_ident(table)} WHERE _RowId NOT LIKE '%-w%'"
            )
            if _total(store) >= target:
                break
        week += 1
    return week


class _AsTranslated(LocalBackend):
    """The embedded backend without the row-filter hint: SQL exactly as duckdb-kql wrote it."""

    def query(
        self, kql: str, *args: Any, row_filter_of: tuple[str, ...] = (), **kwargs: Any
    ) -> QueryResult:
        return super().query(kql, *args, **kwargs)


def _differences(a: DetectReport, b: DetectReport) -> list[str]:
    """Rules whose outcome differs between two runs, with both reasons."""
    first = {o.rule_id: o for o in a.result.outcomes}
    lines = []
    for o in b.result.outcomes:
        other = first.get(o.rule_id)
        if other is None or (other.status, other.rows) != (o.status, o.rows):
            before = f"{other.status} {other.rows} {other.reason[:120]}" if other else "absent"
            lines.append(f"{o.rule_id}: {before} | {o.status} {o.rows} {o.reason[:120]}")
    return lines


def _phase(what: str, began: float) -> None:
    print(f"\n  [{time.perf_counter() - began:7.1f} s] {what}", flush=True)


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)  # three full detection runs; the suite's 600 s would stop it
def test_bench_detect_shared_vs_per_rule(shared: Path, tmp_path: Path) -> None:
    archive = shared / "sigma" / "sigmahq-rules.tar.gz"
    if not archive.is_file():
        pytest.skip("../shared/sigma/sigmahq-rules.tar.gz not present")
    target = int(os.environ.get("TH_BENCH_DETECT_EVENTS", "5000000"))
    with Store.open(tmp_path / "bench.duckdb") as store:
        began = time.perf_counter()
        seed(store, SeedOptions(days=7, devices=25, seed=1, end=END))
        weeks = _replicate(store, target)
        events = _total(store)
        _phase(f"seeded and replicated {events:,} events", began)
        began = time.perf_counter()
        report = import_sigma(store, archive)
        converted = report.as_dict()["converted"]
        _phase(f"imported SigmaHQ ({converted} converted)", began)
        start, stop = END - timedelta(days=8), END + timedelta(days=7 * weeks + 1)
        timings: dict[str, float] = {}
        reports: dict[str, DetectReport] = {}
        modes: tuple[tuple[str, bool, LocalBackend | None], ...] = (
            ("per-rule, SQL as translated", False, _AsTranslated(store)),
            ("per-rule", False, None),
            ("shared", True, None),
        )
        if os.environ.get("TH_BENCH_DETECT_NAIVE", "1") == "0":
            modes = modes[1:]
        for mode, shared_scans, backend in modes:
            t = time.perf_counter()
            reports[mode] = detect(
                store,
                DetectionSettings(),
                start=start,
                end=stop,
                share_scans=shared_scans,
                backend=backend,
            )
            timings[mode] = time.perf_counter() - t
            _phase(f"{mode} run", t)
    baseline = reports[modes[0][0]]
    for mode, _, _ in modes[1:]:
        differences = _differences(baseline, reports[mode])
        for line in differences:
            print(f"  outcome differs ({mode}): {line}")
        assert not differences, differences
    counts = reports["shared"].result.counts()
    print(
        f"\ndetect over {events:,} events, {counts['ok']} rules run"
        f" ({counts['skipped']} skipped, {counts['failed']} failed; {converted} Sigma converted):"
    )
    for mode, _, _ in modes:
        r = reports[mode].result
        print(
            f"  {mode:28s} {timings[mode]:8.1f} s  {events / timings[mode]:>12,.0f} events/s"
            f"  {r.queries} queries, {len(r.alerts)} alerts"
        )
    print(
        f"  shared scans over folded per-rule queries: {timings['per-rule'] / timings['shared']:.2f}x"
    )
    if "per-rule, SQL as translated" in timings:
        base = timings["per-rule, SQL as translated"]
        print(f"  type folding alone: {base / timings['per-rule']:.2f}x")
        print(f"  shared scans with folding over the naive way: {base / timings['shared']:.2f}x")
