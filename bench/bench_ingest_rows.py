"""Load rate of `ingest --table` against DuckDB's own `read_json` of the same file.

`read_json` into a raw table is the limit: it neither types against the Defender schema,
quarantines bad values, keeps unknown columns, nor skips duplicates. The ratio says what those
guarantees cost. Run with `make bench` (BENCH_INGEST_ROWS overrides the size).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb
import pytest

from tracehound.ingest.rows import ingest_rows
from tracehound.store import Store

ROWS = int(os.environ.get("BENCH_INGEST_ROWS", "1000000"))


def write_export(path: Path, rows: int) -> None:
    """A Defender-style JSON-lines export of DeviceProcessEvents rows."""
    con = duckdb.connect()
    con.execute(
        f"""
        COPY (
          SELECT strftime(TIMESTAMP '2024-01-01' + to_seconds(i), '%Y-%m-%dT%H:%M:%S.%fZ') AS Timestamp,
                 'dev' || (i % 500) AS DeviceId, 'host-' || (i % 500) || '.corp.example' AS DeviceName,
                 'ProcessCreated' AS ActionType, 'cmd.exe' AS FileName,
                 'C:\\Windows\\System32\\cmd.exe' AS FolderPath, md5(i::VARCHAR) AS MD5,
                 i % 65536 AS ProcessId, 'cmd.exe /c echo ' || i AS ProcessCommandLine,
                 'user' || (i % 300) AS AccountName, 'S-1-5-21-1-2-3-' || (1000 + i % 300) AS AccountSid,
                 'explorer.exe' AS InitiatingProcessFileName, 4242 AS InitiatingProcessId,
                 '{{}}' AS AdditionalFields
          FROM range({int(rows)}) t(i)
        ) TO '{path}' (FORMAT json)
        """
    )


@pytest.mark.slow
def test_ingest_rate_against_read_json(tmp_path: Path) -> None:
    export = tmp_path / "DeviceProcessEvents.jsonl"
    write_export(export, ROWS)
    size_mb = export.stat().st_size / 1e6

    raw = duckdb.connect(str(tmp_path / "raw.duckdb"))
    started = time.perf_counter()
    raw.execute("CREATE TABLE raw AS SELECT * FROM read_json(?)", [str(export)])
    t_raw = time.perf_counter() - started
    assert raw.execute("SELECT count(*) FROM raw").fetchone() == (ROWS,)
    raw.close()

    store = Store.open(tmp_path / "store.duckdb")
    started = time.perf_counter()
    summary = ingest_rows(store, [export], "DeviceProcessEvents")
    t_ingest = time.perf_counter() - started
    assert summary.inserted["DeviceProcessEvents"] == ROWS and summary.quarantined == 0

    started = time.perf_counter()
    again = ingest_rows(store, [export], "DeviceProcessEvents")
    t_again = time.perf_counter() - started
    assert again.duplicates == ROWS
    store.close()

    print(f"\n{ROWS:,} rows, {size_mb:.0f} MB JSON-lines")
    print(f"read_json -> raw table : {t_raw:7.2f}s  {ROWS / t_raw:>12,.0f} rows/s")
    print(
        f"ingest --table         : {t_ingest:7.2f}s  {ROWS / t_ingest:>12,.0f} rows/s  ({t_ingest / t_raw:.2f}x read_json)"
    )
    print(f"re-ingest (all dups)   : {t_again:7.2f}s  {ROWS / t_again:>12,.0f} rows/s")
