"""Backends, measured side by side in one run: one detection run over real OTRF captures on the
embedded store, on Log Analytics (real ``azure-monitor-query`` over TLS to the local stand-in)
and on Azure Data Explorer (real ``azure-kusto-data`` to duckdb-kql's Kusto server).

Both stand-ins execute on this machine's DuckDB, so the ratio is what the remote path adds:
HTTP and TLS round trips, the services' JSON framing, the client libraries' parsing and the
conversion back to Arrow, one request per rule or shared scan. It is not a forecast of Azure's
own latency.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from tests.datasets import mixed_captures
from tests.fakes.azure_servers import data_explorer, environment, log_analytics

from tracehound.backends.factory import BackendName, BackendSettings, remote_backend
from tracehound.backends.local import LocalBackend
from tracehound.detect.service import detect
from tracehound.ingest import ingest_paths
from tracehound.score import DetectionSettings
from tracehound.store import Store

START, END = "2019-01-01T00:00:00", "2030-01-01T00:00:00"


@pytest.mark.slow
def test_bench_detection_on_three_backends(shared: Path, tmp_path: Path) -> None:
    from datetime import datetime

    data = tmp_path / "otrf.duckdb"
    with Store.open(data) as store:
        ingest_paths(store, mixed_captures(shared))
        events = sum(store.row_counts().values())
    window = {"start": datetime.fromisoformat(START), "end": datetime.fromisoformat(END)}
    seconds: dict[str, float] = {}
    alerts: dict[str, int] = {}
    with (
        log_analytics(data, _mkdir(tmp_path / "tls")) as (la, ca_file),
        data_explorer(data) as adx_url,
        pytest.MonkeyPatch.context() as patch,
    ):
        for name, value in environment(la.url, ca_file, adx_url, data).items():
            patch.setenv(name, value)
        for backend in ("local", "loganalytics", "adx"):
            state_path = tmp_path / f"{backend}.duckdb"
            if backend == "local":  # events and state share one file locally
                shutil.copy(data, state_path)
            with Store.open(state_path) as state:
                source = (
                    LocalBackend(state)
                    if backend == "local"
                    else remote_backend(BackendName(backend), BackendSettings())
                )
                started = time.perf_counter()
                report = detect(state, DetectionSettings(), backend=source, **window)
                seconds[backend] = time.perf_counter() - started
                alerts[backend] = len(report.result.alerts)
    assert alerts["local"] > 0 and alerts["loganalytics"] == alerts["local"]
    print(f"\ndetect over {events:,} OTRF events ({os.cpu_count()} cores):")
    for backend, took in seconds.items():
        print(
            f"  {backend:13s} {took:6.1f} s  {alerts[backend]:3d} alerts"
            f"  {took / seconds['local']:.2f}x the embedded store"
        )


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
