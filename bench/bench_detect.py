"""Detection throughput: shared scans vs each rule as its own query (``make bench``).

Data: the default lab week (25 devices, every scenario) replicated forward in time (new row ids,
timestamps shifted by whole weeks) until the store holds ``TH_BENCH_DETECT_EVENTS`` events
(default 5,000,000). Rules: the built-in library plus the SigmaHQ snapshot in
``../shared/sigma`` imported through ``rules import`` (converted once; the conversion is not
timed). Both runs use the same explicit window covering all events, on the same store, with
alerts saved and incidents grouped as ``tracehound detect`` does; only ``share_scans`` differs.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tracehound.detect.service import detect
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


def _phase(what: str, began: float) -> None:
    print(f"\n  [{time.perf_counter() - began:7.1f} s] {what}", flush=True)


@pytest.mark.slow
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
        reports = {}
        for mode, shared_scans in (("per-rule", False), ("shared", True)):
            t = time.perf_counter()
            reports[mode] = detect(
                store, DetectionSettings(), start=start, end=stop, share_scans=shared_scans
            )
            timings[mode] = time.perf_counter() - t
            _phase(f"{mode} run", t)
    per_rule, together = reports["per-rule"].result, reports["shared"].result
    assert together.counts()["ok"] == per_rule.counts()["ok"] > 100
    assert len(together.alerts) == len(per_rule.alerts)
    counts = together.counts()
    print(
        f"\ndetect over {events:,} events, {counts['ok']} rules run"
        f" ({counts['skipped']} skipped, {counts['failed']} failed; {converted} Sigma converted):"
    )
    for mode in ("per-rule", "shared"):
        r = reports[mode].result
        print(
            f"  {mode:9s} {timings[mode]:8.1f} s  {events / timings[mode]:>12,.0f} events/s"
            f"  {r.queries} queries, {len(r.alerts)} alerts"
        )
    print(f"  shared scans are {timings['per-rule'] / timings['shared']:.2f}x faster")
