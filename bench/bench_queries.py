"""Typical hunting queries through Tracehound vs hand-written DuckDB SQL, side by side.

A 10M-row DeviceProcessEvents table (and 2M DeviceNetworkEvents rows) is generated in the
store; each query runs through the local backend (KQL -> duckdb-kql -> DuckDB) and as SQL a
person would write for the same answer. Answers are compared; "cold" is the first run
(translation included), the other times are the best of three runs (translation cached), and
the ratio Tracehound/SQL is printed per query (goal: within 1.2x).
Run with `make bench` (BENCH_ROWS overrides the size).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tracehound.backends.local import LocalBackend
from tracehound.store import Store

ROWS = int(os.environ.get("BENCH_ROWS", "10000000"))

GENERATE_PROCESSES = """
INSERT INTO DeviceProcessEvents (Timestamp, TimeGenerated, DeviceId, DeviceName, FileName, ProcessId,
    ProcessCommandLine, AccountName, InitiatingProcessFileName, _RowId)
SELECT ts, ts, 'dev' || (i % 500), 'host-' || (i % 500), f, i % 65536,
       f || CASE WHEN i % 100003 = 0 THEN ' -c Invoke-Mimikatz sekurlsa::logonpasswords'
                 WHEN i % 7 = 0 THEN ' -NoProfile -File C:\\ProgramData\\task-' || (i % 97) || '.ps1'
                 ELSE ' /c echo job ' || (i % 1013) END,
       'user' || (i % 300), 'explorer.exe', 'p' || i
FROM (SELECT range AS i,
             TIMESTAMP '2024-01-01' + to_seconds(range) AS ts,
             ['cmd.exe', 'powershell.exe', 'svchost.exe', 'chrome.exe', 'conhost.exe',
              'rundll32.exe', 'msedge.exe', 'excel.exe'][1 + range % 8] AS f
      FROM range(?))
"""

GENERATE_NETWORK = """
INSERT INTO DeviceNetworkEvents (Timestamp, TimeGenerated, DeviceId, DeviceName, RemoteIP, RemotePort,
    InitiatingProcessId, InitiatingProcessFileName, _RowId)
SELECT ts, ts, 'dev' || (i % 500), 'host-' || (i % 500), '10.0.' || (i % 250) || '.' || (i % 199),
       [443, 80, 53, 445][1 + i % 4], (i * 13) % 65536, 'powershell.exe', 'n' || i
FROM (SELECT range AS i, TIMESTAMP '2024-01-01' + to_seconds((range * 104729) % 2592000) AS ts FROM range(?))
"""

# (name, KQL, hand-written SQL for the same answer)
QUERIES: list[tuple[str, str, str]] = [
    (
        "has term",
        "DeviceProcessEvents | where ProcessCommandLine has 'mimikatz' | summarize n = count() by DeviceName",
        "SELECT DeviceName, count(*) AS n FROM DeviceProcessEvents WHERE regexp_matches(ProcessCommandLine, "
        "'(?i)(?:^|[^\\pL\\pN])mimikatz(?:$|[^\\pL\\pN])') GROUP BY DeviceName",
    ),
    (
        "contains",
        "DeviceProcessEvents | where ProcessCommandLine contains 'ProgramData' | count",
        "SELECT count(*) AS Count FROM DeviceProcessEvents WHERE ProcessCommandLine ILIKE '%ProgramData%'",
    ),
    (
        "in~",
        "DeviceProcessEvents | where FileName in~ ('RUNDLL32.EXE', 'Excel.exe') | count",
        "SELECT count(*) AS Count FROM DeviceProcessEvents WHERE lower(FileName) IN ('rundll32.exe', 'excel.exe')",
    ),
    (
        "summarize by device",
        "DeviceProcessEvents | summarize n = count(), last_seen = max(Timestamp) by DeviceName",
        "SELECT DeviceName, count(*) AS n, max(Timestamp) AS last_seen FROM DeviceProcessEvents GROUP BY DeviceName",
    ),
    (
        "join process-network",
        "DeviceProcessEvents | where FileName == 'powershell.exe' | project DeviceId, ProcessId "
        "| join kind=inner (DeviceNetworkEvents | where RemotePort == 443 | project DeviceId, InitiatingProcessId) "
        "on DeviceId, $left.ProcessId == $right.InitiatingProcessId | count",
        "SELECT count(*) AS Count FROM (SELECT DeviceId, ProcessId FROM DeviceProcessEvents WHERE FileName = 'powershell.exe') p "
        "JOIN (SELECT DeviceId, InitiatingProcessId FROM DeviceNetworkEvents WHERE RemotePort = 443) n "
        "ON p.DeviceId = n.DeviceId AND p.ProcessId = n.InitiatingProcessId",
    ),
    (
        "arg_max",
        "DeviceProcessEvents | summarize arg_max(Timestamp, ProcessCommandLine) by DeviceName",
        "SELECT DeviceName, max(Timestamp) AS Timestamp, arg_max(ProcessCommandLine, Timestamp) AS ProcessCommandLine "
        "FROM DeviceProcessEvents GROUP BY DeviceName",
    ),
]


def best_of(n: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(n):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def _canonical(rows: list[tuple[object, ...]]) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in row) for row in rows)


@pytest.mark.slow
def test_queries_against_hand_written_sql(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "bench.duckdb")
    started = time.perf_counter()
    store.con.execute(GENERATE_PROCESSES, [ROWS])
    store.con.execute(GENERATE_NETWORK, [ROWS // 5])
    print(
        f"\ngenerated {ROWS:,} process + {ROWS // 5:,} network rows in {time.perf_counter() - started:.1f}s"
    )
    backend = LocalBackend(store)
    print(
        f"{'query':<22} {'cold':>9} {'tracehound':>11} {'duckdb sql':>11} {'cold':>6} {'ratio':>6}"
    )
    ratios = []
    for name, kql, sql in QUERIES:
        t_cold, _ = best_of(1, lambda kql=kql: backend.query(kql).table)  # includes translation
        t_kql, result = best_of(3, lambda kql=kql: backend.query(kql).table)
        t_sql, expected = best_of(3, lambda sql=sql: store.con.sql(sql).fetchall())
        got = [tuple(r.values()) for r in result.to_pylist()]  # type: ignore[attr-defined]
        assert _canonical(got) == _canonical(expected), name  # type: ignore[arg-type]
        ratio = t_kql / t_sql
        ratios.append(ratio)
        print(
            f"{name:<22} {t_cold:>8.3f}s {t_kql:>10.3f}s {t_sql:>10.3f}s {t_cold / t_sql:>5.2f}x {ratio:>5.2f}x"
        )
    print(f"{'geometric mean (warm)':<22} {_geomean(ratios):>51.2f}x")
    store.close()


def _geomean(values: list[float]) -> float:
    import math

    return math.exp(sum(math.log(v) for v in values) / len(values))
