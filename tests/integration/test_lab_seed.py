"""Seeding a small lab end to end: determinism, re-seeding, the window, every scenario's
rows and their consistency, benign realism, and the near-name trap."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tracehound.backends.local import LocalBackend
from tracehound.lab import truth
from tracehound.lab.scenarios import SCENARIOS
from tracehound.lab.seed import SeedOptions, SeedReport, seed
from tracehound.store import Store

END = datetime(2025, 6, 13, 10)
OPTIONS = SeedOptions(days=2, devices=8, users=10, seed=5, end=END)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, SeedReport]]:
    path = tmp_path_factory.mktemp("lab") / "lab.duckdb"
    with Store.open(path) as store:
        report = seed(store, OPTIONS)
        yield store, report


def _one(store: Store, sql: str, params: list[object] | None = None) -> object:
    row = store.con.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def _fingerprint(store: Store) -> dict[str, tuple[int, int]]:
    out = {}
    for table in ("DeviceProcessEvents", "DeviceLogonEvents", "SigninLogs", "AzureActivity"):
        out[table] = store.con.execute(
            f"SELECT count(*), sum(hash(_RowId, Timestamp)) FROM {table}"
        ).fetchone()
    return out  # type: ignore[return-value]


def test_all_scenarios_seeded_with_truth(lab: tuple[Store, SeedReport]) -> None:
    store, report = lab
    run, records = truth.read(store)
    assert {r.id for r in records} == set(SCENARIOS)
    assert len(SCENARIOS) >= 12
    assert run.seed == OPTIONS.seed and run.end == END
    assert report.rows > 100_000


def test_same_seed_and_end_give_same_rows_and_reseed_replaces(tmp_path: Path) -> None:
    small = SeedOptions(days=1, devices=6, users=5, seed=9, end=END, scale=0.2)
    with Store.open(tmp_path / "a.duckdb") as a, Store.open(tmp_path / "b.duckdb") as b:
        first = seed(a, small)
        seed(b, small)
        assert _fingerprint(a) == _fingerprint(b)
        again = seed(a, small)  # re-seeding the same store replaces, never adds
        assert again.removed == first.rows
        assert _fingerprint(a) == _fingerprint(b)
        seed(b, SeedOptions(days=1, devices=6, users=5, seed=10, end=END, scale=0.2))
        assert _fingerprint(a) != _fingerprint(b)


def test_data_lies_inside_the_window(lab: tuple[Store, SeedReport]) -> None:
    store, _ = lab
    start = END - timedelta(days=OPTIONS.days)
    for table in ("DeviceProcessEvents", "DeviceNetworkEvents", "SigninLogs", "DeviceInfo"):
        lo, hi = store.con.execute(f"SELECT min(Timestamp), max(Timestamp) FROM {table}").fetchone()  # type: ignore[misc]
        assert start <= lo and hi < END + timedelta(minutes=20), table
        assert _one(store, f"SELECT count(*) FROM {table} WHERE TimeGenerated <> Timestamp") == 0


def test_every_scenario_has_tagged_rows_inside_its_truth(lab: tuple[Store, SeedReport]) -> None:
    store, _ = lab
    _, records = truth.read(store)
    for rec in records:
        total = 0
        for table, expected in rec.details["rows"].items():
            rows = store.con.execute(
                f"SELECT count(*), min(Timestamp), max(Timestamp) FROM {table}"
                " WHERE _Extra->>'lab_scenario' = ?",
                [rec.id],
            ).fetchone()
            assert rows is not None and rows[0] == expected, (rec.id, table)
            assert rec.end >= rows[2], (rec.id, table)
            total += rows[0]
        assert total > 0
        for device in rec.devices:
            assert _one(store, "SELECT count(*) FROM DeviceInfo WHERE DeviceName = ?", [device])


def test_rdp_bruteforce_burst_then_success_same_account_and_ip(
    lab: tuple[Store, SeedReport],
) -> None:
    store, _ = lab
    rec = next(r for r in truth.read(store)[1] if r.id == "rdp-bruteforce")
    assert rec.devices == ("windows-target-1",)
    assert rec.start >= END - timedelta(hours=72)
    (ip,) = rec.ips
    (account,) = rec.accounts
    rows = store.con.execute(
        "SELECT Timestamp, ActionType, AccountName, LogonType FROM DeviceLogonEvents"
        " WHERE DeviceName = 'windows-target-1' AND RemoteIP = ? ORDER BY Timestamp",
        [ip],
    ).fetchall()
    failures = [r for r in rows if r[1] == "LogonFailed"]
    successes = [r for r in rows if r[1] == "LogonSuccess"]
    assert len(failures) >= 40
    assert successes and all(r[2] == account for r in successes)
    assert {r[3] for r in successes} == {"Network", "RemoteInteractive"}
    assert min(r[0] for r in successes) > max(r[0] for r in failures)
    # Background internet noise exists too, but no other address comes close.
    noisy = store.con.execute(
        "SELECT RemoteIP, count(*) n FROM DeviceLogonEvents WHERE DeviceName = 'windows-target-1'"
        " AND ActionType = 'LogonFailed' AND RemoteIP <> ? GROUP BY 1 ORDER BY n DESC",
        [ip],
    ).fetchall()
    assert noisy and noisy[0][1] <= 5


def test_scenario_children_point_to_real_parents(lab: tuple[Store, SeedReport]) -> None:
    store, _ = lab
    orphans = store.con.execute(
        """
        SELECT c.DeviceName, c.FileName, c.InitiatingProcessFileName
        FROM DeviceProcessEvents c
        WHERE c._Extra IS NOT NULL AND c.InitiatingProcessCreationTime >= ?
          AND NOT EXISTS (
            SELECT 1 FROM DeviceProcessEvents p
            WHERE p.DeviceId = c.DeviceId AND p.ProcessId = c.InitiatingProcessId
              AND p.ProcessCreationTime = c.InitiatingProcessCreationTime
              AND p.FileName = c.InitiatingProcessFileName)
        """,
        [END - timedelta(days=OPTIONS.days)],
    ).fetchall()
    assert orphans == []
    # Session processes too: every explorer.exe was started by a recorded userinit.exe.
    assert (
        _one(
            store,
            """
        SELECT count(*) FROM DeviceProcessEvents c WHERE c.FileName = 'explorer.exe'
          AND NOT EXISTS (SELECT 1 FROM DeviceProcessEvents p WHERE p.DeviceId = c.DeviceId
            AND p.ProcessId = c.InitiatingProcessId AND p.FileName = 'userinit.exe')""",
        )
        == 0
    )
    assert _one(store, "SELECT count(*) FROM DeviceProcessEvents WHERE FileName = 'explorer.exe'")


def test_benign_background_does_not_look_like_attacks(lab: tuple[Store, SeedReport]) -> None:
    store, _ = lab
    benign = "_Extra IS NULL"
    assert (
        _one(
            store,
            f"SELECT count(*) FROM DeviceProcessEvents WHERE {benign} AND"
            " FileName = 'powershell.exe' AND regexp_matches(ProcessCommandLine,"
            " '(?i)\\s-(e|enc|encodedcommand)\\s')",
        )
        == 0
    )
    assert (
        _one(
            store,
            f"SELECT count(*) FROM DeviceProcessEvents WHERE {benign} AND"
            " FileName IN ('vssadmin.exe', 'procdump64.exe', 'PsExec.exe', 'nltest.exe')",
        )
        == 0
    )
    failed = _one(store, f"SELECT count(*) FROM SigninLogs WHERE {benign} AND ResultType <> '0'")
    total = _one(store, f"SELECT count(*) FROM SigninLogs WHERE {benign}")
    assert isinstance(failed, int) and isinstance(total, int) and failed < 0.1 * total
    assert (
        _one(
            store,
            f"SELECT count(*) FROM AzureNetworkAnalytics_CL WHERE {benign}"
            " AND FlowType_s = 'MaliciousFlow'",
        )
        == 0
    )


def test_near_name_trap_and_exact_match(lab: tuple[Store, SeedReport]) -> None:
    store, _ = lab
    names = {
        r[0] for r in store.con.execute("SELECT DISTINCT DeviceName FROM DeviceInfo").fetchall()
    }
    assert {"windows-target-1", "windows-target-10"} <= names
    info = store.con.execute(
        "SELECT IsInternetFacing, PublicIP FROM DeviceInfo"
        " WHERE DeviceName = 'windows-target-1' LIMIT 1"
    ).fetchone()
    assert info is not None and info[0] is True and info[1]
    backend = LocalBackend(store)
    result = backend.query(
        "DeviceLogonEvents | where DeviceName == 'windows-target-1' | summarize by DeviceName"
    )
    assert result.table.column("DeviceName").to_pylist() == ["windows-target-1"]
    prefix = backend.query(
        "DeviceLogonEvents | where DeviceName startswith 'windows-target-1'"
        " | summarize by DeviceName | order by DeviceName asc"
    )
    assert prefix.table.column("DeviceName").to_pylist() == [
        "windows-target-1",
        "windows-target-10",
    ]


def test_truth_is_not_visible_to_kql(lab: tuple[Store, SeedReport]) -> None:
    store, _ = lab
    schema = store.kql_schema()
    assert not any("truth" in name.lower() for name in schema)


def test_json_columns_parse(lab: tuple[Store, SeedReport]) -> None:
    store, _ = lab
    row = store.con.execute(
        "SELECT LocationDetails, Status FROM SigninLogs WHERE ResultType <> '0' LIMIT 1"
    ).fetchone()
    assert row is not None
    location = json.loads(row[0])
    assert {"city", "countryOrRegion", "geoCoordinates"} <= set(location)
    assert json.loads(row[1])["errorCode"] > 0
