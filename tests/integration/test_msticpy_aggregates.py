"""Counts and aggregates over real Defender / Sentinel rows match an independent computation.

The rows are msticpy's published samples (../shared/datasets/msticpy); the expected answers
are computed here in plain Python from the same files, never through DuckDB.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracehound.backends.local import LocalBackend
from tracehound.ingest.rows import ingest_rows
from tracehound.store import Store

FILES = {
    "DeviceProcessEvents": "DeviceProcessEvents_mde_proc_pub.jsonl",
    "SigninLogs": "SigninLogs_aad_logons.jsonl",
    "SecurityEvent": "SecurityEvent_all_events.jsonl",
    "AzureNetworkAnalytics_CL": "AzureNetworkAnalytics_az_net_comms.jsonl",
}


def _records(path: Path) -> list[dict[str, object]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.fixture(scope="module")
def loaded(
    shared: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[LocalBackend, dict[str, list[dict[str, object]]]]:
    store = Store.open(tmp_path_factory.mktemp("msticpy") / "s.duckdb")
    records = {}
    for table, name in FILES.items():
        path = shared / "datasets" / "msticpy" / name
        summary = ingest_rows(store, [path], table)
        records[table] = _records(path)
        assert summary.quarantined == 0, summary.quarantine_reasons
    return LocalBackend(store), records


def _rows(backend: LocalBackend, kql: str) -> list[dict[str, object]]:
    return backend.query(kql).table.to_pylist()


def test_row_counts_match_the_files(loaded) -> None:  # type: ignore[no-untyped-def]
    backend, records = loaded
    for table, rows in records.items():
        assert _rows(backend, f"{table} | count") == [{"Count": len(rows)}]


def test_process_counts_by_file_name(loaded) -> None:  # type: ignore[no-untyped-def]
    backend, records = loaded
    expected = Counter(str(r["FileName"]) for r in records["DeviceProcessEvents"])
    got = _rows(backend, "DeviceProcessEvents | summarize n = count() by FileName")
    assert {r["FileName"]: r["n"] for r in got} == dict(expected)


def test_has_filter_on_command_lines(loaded) -> None:  # type: ignore[no-untyped-def]
    backend, records = loaded
    # `has` matches whole terms, case-insensitively: "sc.exe start" has "start".
    import re

    def has_term(text: str, term: str) -> bool:
        return any(tok.lower() == term for tok in re.split(r"[^0-9A-Za-z_]+", text))

    expected = sum(
        1
        for r in records["DeviceProcessEvents"]
        if has_term(str(r["ProcessCommandLine"] or ""), "start")
    )
    got = _rows(backend, "DeviceProcessEvents | where ProcessCommandLine has 'START' | count")
    assert got == [{"Count": expected}] and expected > 0


def test_distinct_counts_and_time_span_of_sign_ins(loaded) -> None:  # type: ignore[no-untyped-def]
    backend, records = loaded
    rows = records["SigninLogs"]
    users = {str(r["UserPrincipalName"]).lower() for r in rows}
    times = [datetime.fromisoformat(str(r["TimeGenerated"])).replace(tzinfo=UTC) for r in rows]
    got = _rows(
        backend,
        "SigninLogs | summarize users = dcount(tolower(UserPrincipalName)), first_seen = min(TimeGenerated), last_seen = max(Timestamp)",
    )[0]
    assert got["users"] == len(users)
    assert got["first_seen"].replace(tzinfo=UTC) == min(times)
    assert got["last_seen"].replace(tzinfo=UTC) == max(times)


def test_security_event_ids(loaded) -> None:  # type: ignore[no-untyped-def]
    backend, records = loaded
    expected = Counter(int(str(r["EventID"])) for r in records["SecurityEvent"])
    got = _rows(backend, "SecurityEvent | summarize n = count() by EventID")
    assert {r["EventID"]: r["n"] for r in got} == dict(expected)


def test_arg_max_latest_process_per_account(loaded) -> None:  # type: ignore[no-untyped-def]
    backend, records = loaded
    latest: dict[str, tuple[str, str]] = {}
    for r in records["DeviceProcessEvents"]:
        account, ts = str(r["AccountName"]), str(r["Timestamp"])
        if account not in latest or ts > latest[account][0]:
            latest[account] = (ts, str(r["FileName"]))
    got = _rows(
        backend, "DeviceProcessEvents | summarize arg_max(Timestamp, FileName) by AccountName"
    )
    assert {r["AccountName"]: r["FileName"] for r in got} == {a: f for a, (_, f) in latest.items()}
