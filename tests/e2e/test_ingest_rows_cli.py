"""`tracehound ingest --table`: typed coercion, quarantine, dedup, formats."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from tracehound.store import Store

GOOD = {
    "Timestamp": "2024-03-01T10:00:00Z",
    "DeviceName": "ws-1",
    "ProcessId": 42,
    "FileName": "cmd.exe",
}


def _jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_quarantined_and_good_rows_load(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = _jsonl(
        tmp_path / "proc.jsonl",
        [
            json.dumps(GOOD),
            json.dumps({**GOOD, "ProcessId": "not-a-number", "FileName": "x.exe"}),
            '{"Timestamp": "2024-03-01T10:00:00Z", "DeviceName": "ws-2"',  # truncated
            json.dumps([1, 2]),
            json.dumps({**GOOD, "Timestamp": "yesterday-ish", "FileName": "y.exe"}),
            json.dumps({**GOOD, "FileName": "z.exe", "Surprise": {"a": 1}}),
        ],
    )
    result = cli("ingest", str(src), "--table", "DeviceProcessEvents", "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["inserted"] == {"DeviceProcessEvents": 2}
    assert summary["quarantined"] == 4
    assert summary["unknown_columns"] == {"DeviceProcessEvents": ["Surprise"]}
    with Store.open(db_path, read_only=True) as store:
        reasons = dict(
            store.con.execute(
                "SELECT location, reason FROM _quarantine ORDER BY location"
            ).fetchall()
        )
        extra = store.con.execute(
            "SELECT _Extra::VARCHAR FROM DeviceProcessEvents WHERE FileName = 'z.exe'"
        ).fetchone()
    assert reasons[f"{src}:2"] == 'ProcessId: cannot read "not-a-number" as long'
    assert "not valid JSON" in reasons[f"{src}:3"]
    assert reasons[f"{src}:4"] == "not a JSON object"
    assert "Timestamp: cannot read" in reasons[f"{src}:5"]
    assert extra is not None and json.loads(extra[0]) == {"Surprise": {"a": 1}}

    again = cli("ingest", str(src), "--table", "DeviceProcessEvents", "--format", "json")
    assert json.loads(again.stdout)["inserted"] == {"DeviceProcessEvents": 0}
    assert json.loads(again.stdout)["duplicates"] == 2


def test_csv_json_array_and_parquet_load_the_same_rows(cli, tmp_path: Path, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {
            "TimeGenerated": "2024-03-01T10:00:00Z",
            "Computer": "dc1",
            "EventID": 4625,
            "Account": "a\\b",
        },
        {
            "TimeGenerated": "2024-03-01T10:01:00Z",
            "Computer": "dc1",
            "EventID": 4624,
            "Account": "c\\d",
        },
    ]
    (tmp_path / "events.json").write_text(json.dumps(rows), encoding="utf-8")
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM read_json(?)", [str(tmp_path / "events.json")])
    con.execute(f"COPY t TO '{tmp_path / 'events.csv'}' (HEADER)")
    con.execute(f"COPY t TO '{tmp_path / 'events.parquet'}' (FORMAT parquet)")
    for name in ("events.json", "events.csv", "events.parquet"):
        result = cli("ingest", str(tmp_path / name), "--table", "SecurityEvent", "--format", "json")
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["quarantined"] == 0
    query = cli(
        "query",
        "SecurityEvent | summarize n = count() by EventID | order by EventID asc",
        "--format",
        "json",
    )
    doc = json.loads(query.stdout)
    # Each format is a different record text, so each loads its own copy: 3 files x 1 row per id.
    assert doc["rows"] == [{"EventID": 4624, "n": 3}, {"EventID": 4625, "n": 3}]


def test_malformed_csv_rows_are_quarantined(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "rows.csv"
    src.write_text(
        'TimeGenerated,Computer,EventID\n2024-03-01T10:00:00Z,dc1,4624\n2024-03-01T10:00:00Z,"dc2,4625,extra,cols\n2024-03-01T10:02:00Z,dc3,4625\n',
        encoding="utf-8",
    )
    result = cli("ingest", str(src), "--table", "SecurityEvent", "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["inserted_total"] >= 1
    assert summary["inserted_total"] + summary["quarantined"] >= 2


def test_usage_errors_exit_2_without_traceback(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = cli("ingest", str(tmp_path / "nope.jsonl"), "--table", "DeviceProcessEvents")
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    bad_table = cli("ingest", str(tmp_path / "x.jsonl"), "--table", "DeviceProcesEvents")
    assert bad_table.exit_code == 2 and "did you mean DeviceProcessEvents" in bad_table.stderr
    (tmp_path / "x.txt").write_text("hello", encoding="utf-8")
    bad_ext = cli("ingest", str(tmp_path / "x.txt"), "--table", "DeviceProcessEvents")
    assert bad_ext.exit_code == 2 and "cannot tell the format" in bad_ext.stderr
    assert "Traceback" not in missing.stderr + bad_table.stderr + bad_ext.stderr
