from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow as pa
import pytest

from tracehound.errors import StoreLockedError, TracehoundError
from tracehound.store import META_TABLE, SCHEMA_VERSION, Store


def test_first_use_creates_every_table_and_records_the_version(db_path: Path) -> None:
    assert not db_path.exists()
    with Store.open(db_path, read_only=True) as store:
        assert store.read_only
        assert len(store.existing_tables()) == 74
        assert store.schema_version() == SCHEMA_VERSION


def test_read_only_store_refuses_writes(db_path: Path) -> None:
    Store.open(db_path).close()
    with Store.open(db_path, read_only=True) as store, pytest.raises(TracehoundError):
        store.quarantine([("T", "s", "l", "r", "x")])


def test_newer_store_version_is_refused(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.con.execute(f"UPDATE {META_TABLE} SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(TracehoundError, match="newer Tracehound"):
        Store.open(db_path)


def test_load_fills_both_time_columns_and_skips_duplicates(store: Store) -> None:
    rows = pa.table(
        {
            "_RowId": ["a", "b", "b"],
            "TimeGenerated": pa.array(
                [1_700_000_000_000_000, 1_700_000_100_000_000, 1_700_000_100_000_000],
                pa.timestamp("us"),
            ),
            "DeviceName": ["h1", "h2", "h2"],
        }
    )
    store.con.register("staged", rows)
    first = store.load_staged("DeviceProcessEvents", "staged", "test")
    second = store.load_staged("DeviceProcessEvents", "staged", "test")
    assert (first.inserted, first.duplicates) == (2, 1)
    assert (second.inserted, second.duplicates) == (0, 3)
    mismatched = store.con.execute(
        'SELECT count(*) FROM DeviceProcessEvents WHERE "Timestamp" IS DISTINCT FROM "TimeGenerated"'
    ).fetchone()
    assert mismatched == (0,)
    assert store.delete_source("test") == 2
    assert store.row_counts()["DeviceProcessEvents"] == 0


def test_a_locked_store_names_the_process_that_holds_it(db_path: Path) -> None:
    Store.open(db_path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(db_path)!r})
                print("locked", flush=True)
                time.sleep(30)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(StoreLockedError) as err:
            Store.open(db_path)
        assert f"PID {holder.pid}" in str(err.value)
        assert time.monotonic() - started < 10
    finally:
        holder.kill()
        holder.wait()


def test_translations_are_cached_per_query_and_parameters(store: Store) -> None:
    from tracehound.backends.local import LocalBackend

    backend = LocalBackend(store)
    kql = "declare query_parameters(d:string); DeviceInfo | where DeviceName == d"
    first = backend.translate(kql, {"d": "a"})
    assert backend.translate(kql, {"d": "a"}) is first
    other = backend.translate(kql, {"d": "b"})
    assert other is not first and other.parameters != first.parameters
    assert backend.query(kql, {"d": "a"}).row_count == 0
