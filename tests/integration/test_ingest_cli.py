"""``tracehound ingest`` on real third-party files: formats, bad input, idempotency, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import evtx
import pytest

from tracehound.store import Store

pytestmark = pytest.mark.shared


def test_corrupt_evtx_loads_what_is_readable(
    shared: Path, cli: Callable[..., Any], db_path: Path
) -> None:
    path = shared / "datasets/evtx-parser-samples/sysmon.evtx"
    readable, corrupt = 0, 0
    records = iter(evtx.PyEvtxParser(str(path)).records_json())
    while True:
        try:
            next(records)
            readable += 1
        except StopIteration:
            break
        except RuntimeError:
            corrupt += 1
    assert corrupt > 0  # the sample really has corrupt chunks
    result = cli("ingest", str(path), "--format", "json")
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["events"] == readable
    assert summary["quarantine_reasons"] == {"corrupt EVTX data": corrupt}
    assert summary["inserted"]["WindowsEvent"] == readable
    assert summary["inserted"]["DeviceProcessEvents"] > 0
    with Store.open(db_path, read_only=True) as store:
        rows = store.con.execute("SELECT location, reason FROM _quarantine").fetchall()
    assert len(rows) == corrupt and all("chunk" in reason for _, reason in rows)


def test_reingest_adds_nothing_and_reports_duplicates(
    shared: Path, cli: Callable[..., Any]
) -> None:
    path = shared / "datasets/evtx-parser-samples/security.evtx"
    first = json.loads(cli("ingest", str(path), "--format", "json").stdout)
    second = json.loads(
        cli("ingest", str(path), "--input-format", "evtx", "--format", "json").stdout
    )
    assert first["inserted_total"] > 0
    assert second["inserted_total"] == 0
    assert second["duplicates"] == first["inserted"]["SecurityEvent"] + first["duplicates"]


def test_bad_lines_and_unknown_files_are_quarantined_the_rest_loads(
    shared: Path, cli: Callable[..., Any], tmp_path: Path
) -> None:
    good = (
        shared
        / "datasets/otrf/datasets/compound/Log4Shell/sysmon_log4shell_cve2021_44228_java_serialized_object.zip"
    )
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"Hostname": "h", "Channel": "Security", "EventID": 4624, "RecordNumber": 1}\n{"Hostname": "h", "Chan\n'
    )
    pcap = (
        shared
        / "datasets/otrf/datasets/compound/Log4Shell/pcap_log4shell_cve2021_44228_jndi_reference.zip"
    )
    result = cli("ingest", str(good), str(broken), str(pcap))
    assert result.exit_code == 0, result.stderr
    assert "quarantined 1: not valid JSON (truncated or malformed record)" in result.stderr
    assert "quarantined 1: unknown layout" in result.stderr
    assert "DeviceNetworkEvents:" in result.stderr and "SecurityEvent: 1" in result.stderr


def test_nothing_readable_exits_non_zero(shared: Path, cli: Callable[..., Any]) -> None:
    pcap = (
        shared
        / "datasets/otrf/datasets/compound/Log4Shell/pcap_log4shell_cve2021_44228_jndi_reference.zip"
    )
    result = cli("ingest", str(pcap))
    assert result.exit_code == 1
    assert "nothing could be read" in result.stderr


def test_forced_format_mismatch_is_quarantined(
    shared: Path, cli: Callable[..., Any], db_path: Path
) -> None:
    path = shared / "datasets/msticpy/SecurityEvent_all_events.jsonl"
    result = cli("ingest", str(path), "--input-format", "evtx", "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["quarantined"] == 1
    with Store.open(db_path, read_only=True) as store:
        (reason,) = store.con.execute("SELECT reason FROM _quarantine").fetchall()[0]
    assert "does not start like an EVTX file" in reason


def test_table_exports_still_load_with_and_without_table(
    shared: Path, cli: Callable[..., Any]
) -> None:
    export = shared / "datasets/msticpy/DeviceProcessEvents_mde_proc_pub.jsonl"
    auto = json.loads(cli("ingest", str(export), "--format", "json").stdout)
    assert set(auto["inserted"]) == {"DeviceProcessEvents"} and auto["inserted_total"] > 0
    again = json.loads(
        cli("ingest", str(export), "--table", "DeviceProcessEvents", "--format", "json").stdout
    )
    assert again["inserted_total"] == 0 and again["duplicates"] == auto["inserted_total"]
