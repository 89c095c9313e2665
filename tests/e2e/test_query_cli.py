"""`tracehound query`: formats, row cap, explain, syntax errors, the read-only guard."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

ROWS = [
    {
        "TimeGenerated": f"2024-03-01T10:0{i}:00Z",
        "DeviceName": f"host-{i % 3}",
        "FileName": "cmd.exe" if i % 2 else "powershell.exe",
        "ProcessId": i,
    }
    for i in range(8)
]


@pytest.fixture
def loaded(cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    src = tmp_path / "p.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
    assert cli("ingest", str(src), "--table", "DeviceProcessEvents").exit_code == 0
    return cli


def test_json_is_one_document_and_status_goes_to_stderr(loaded) -> None:  # type: ignore[no-untyped-def]
    result = loaded(
        "query",
        "DeviceProcessEvents | summarize n = count() by DeviceName | order by DeviceName asc",
        "--format",
        "json",
    )
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["rows"] == [
        {"DeviceName": "host-0", "n": 3},
        {"DeviceName": "host-1", "n": 3},
        {"DeviceName": "host-2", "n": 2},
    ]
    assert doc["columns"] == [
        {"name": "DeviceName", "type": "string"},
        {"name": "n", "type": "long"},
    ]
    assert "3 rows" in result.stderr


def test_jsonl_and_csv_carry_the_same_rows(loaded) -> None:  # type: ignore[no-untyped-def]
    kql = "DeviceProcessEvents | where ProcessId < 3 | project ProcessId, Timestamp | order by ProcessId asc"
    jsonl = [
        json.loads(line) for line in loaded("query", kql, "--format", "jsonl").stdout.splitlines()
    ]
    rows = list(csv.DictReader(io.StringIO(loaded("query", kql, "--format", "csv").stdout)))
    assert [r["ProcessId"] for r in jsonl] == [0, 1, 2]
    assert [int(r["ProcessId"]) for r in rows] == [0, 1, 2]
    assert jsonl[0]["Timestamp"] == rows[0]["Timestamp"] == "2024-03-01T10:00:00.000000Z"


def test_limit_truncates_with_a_notice(loaded) -> None:  # type: ignore[no-untyped-def]
    result = loaded("query", "DeviceProcessEvents", "--limit", "5", "--format", "json")
    doc = json.loads(result.stdout)
    assert doc["row_count"] == 5 and doc["truncated"] is True
    assert "truncated" in result.stderr


def test_timestamp_and_timegenerated_filters_agree(loaded) -> None:  # type: ignore[no-untyped-def]
    a = loaded(
        "query",
        "DeviceProcessEvents | where Timestamp >= datetime(2024-03-01 10:04) | count",
        "--format",
        "json",
    )
    b = loaded(
        "query",
        "DeviceProcessEvents | where TimeGenerated >= datetime(2024-03-01 10:04) | count",
        "--format",
        "json",
    )
    assert json.loads(a.stdout)["rows"] == json.loads(b.stdout)["rows"] == [{"Count": 4}]


def test_explain_prints_sql_and_runs_nothing(loaded) -> None:  # type: ignore[no-untyped-def]
    result = loaded("query", "DeviceProcessEvents | where FileName has 'cmd' | take 1", "--explain")
    assert result.exit_code == 0
    assert "SELECT" in result.stdout and "DeviceProcessEvents" in result.stdout


def test_syntax_error_shows_line_column_and_caret(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("query", "DeviceProcessEvents\n| where FileName ==\n| take 5")
    assert result.exit_code == 2
    assert "line 3, column 1" in result.stderr
    lines = result.stderr.splitlines()
    caret_line = next(i for i, line in enumerate(lines) if line.strip().endswith("^"))
    assert "| take 5" in lines[caret_line - 1]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ".drop table DeviceProcessEvents",
        "// comment\n.set T <| print 1",
        ".show tables",
        ".ingest inline into table T <| x",
    ],
)
def test_management_commands_are_refused(cli, command: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("query", command)
    assert result.exit_code == 3
    assert "read-only" in result.stderr


def test_unknown_column_is_a_clear_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("query", "DeviceProcessEvents | where NoSuchColumn == 1")
    assert result.exit_code in (1, 2)
    assert "NoSuchColumn" in result.stderr and "Traceback" not in result.stderr


def test_query_from_file_and_stdin(loaded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    q = tmp_path / "q.kql"
    q.write_text("DeviceProcessEvents | count", encoding="utf-8")
    assert json.loads(loaded("query", "--file", str(q), "-f", "json").stdout)["rows"] == [
        {"Count": 8}
    ]
    piped = loaded("query", "--file", "-", "-f", "json", stdin="DeviceProcessEvents | count")
    assert json.loads(piped.stdout)["rows"] == [{"Count": 8}]


def test_version_tables_schema_and_doctor(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("--version").stdout.startswith("tracehound ")
    assert cli("init").exit_code == 0
    tables = json.loads(cli("tables", "--format", "json").stdout)
    assert len(tables) == 74 and {"table": "SigninLogs", "rows": 0} in tables
    schema = json.loads(cli("schema", "SigninLogs", "--format", "json").stdout)
    assert {
        "column": "LocationDetails",
        "type": "dynamic",
        "duckdb_type": "JSON",
        "origin": "la",
    } in schema
    doctor = cli("doctor", "--format", "json")
    assert doctor.exit_code == 0 and json.loads(doctor.stdout)["ok"] is True


def test_bad_config_file_is_a_usage_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text("[query]\ndefault_limit = 'many'\n", encoding="utf-8")
    result = cli("tables", "--config", str(bad))
    assert result.exit_code == 2 and "default_limit" in result.stderr
