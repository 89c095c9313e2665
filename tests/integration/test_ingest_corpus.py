"""No unexplained loss: rows per table against an independent count of the source events.

The independent count reads the same files with plain Python (json, zipfile, tarfile and the
evtx parser), finds each event's computer, channel, record id and event id by direct dict
access per layout, deduplicates by (computer, channel, record id, event id) (or the record
text when it has no record id; the event id is in the key because OTRF's lab machines were
reverted to snapshots and reuse record numbers for other events) and applies the issue's event -> table list. It shares no code with the
ingest's SQL. A fast test covers representative files of every layout; the whole of
``otrf/`` and ``evtx-to-mitre-attack/`` runs in ``make bench`` (marked slow).
"""

from __future__ import annotations

import io
import json
import tarfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import evtx
import pytest

from tracehound.ingest import ingest_paths
from tracehound.schema import table_names
from tracehound.store import Store

SYSMON = "microsoft-windows-sysmon/operational"
TABLES = frozenset(table_names())

# (channel, event id) -> Defender table, as the issues list them (4663: see expected_table).
EXPECTED_TABLES: dict[tuple[str, int], str] = {
    (SYSMON, 1): "DeviceProcessEvents",
    ("security", 4688): "DeviceProcessEvents",
    (SYSMON, 3): "DeviceNetworkEvents",
    ("security", 5156): "DeviceNetworkEvents",
    (SYSMON, 7): "DeviceImageLoadEvents",
    (SYSMON, 11): "DeviceFileEvents",
    (SYSMON, 23): "DeviceFileEvents",
    (SYSMON, 26): "DeviceFileEvents",
    ("security", 4663): "DeviceFileEvents",
    (SYSMON, 12): "DeviceRegistryEvents",
    (SYSMON, 13): "DeviceRegistryEvents",
    (SYSMON, 14): "DeviceRegistryEvents",
    ("security", 4624): "DeviceLogonEvents",
    ("security", 4625): "DeviceLogonEvents",
    ("security", 4648): "DeviceLogonEvents",
    (SYSMON, 22): "DeviceEvents",
    (SYSMON, 8): "DeviceEvents",
    (SYSMON, 10): "DeviceEvents",
    (SYSMON, 17): "DeviceEvents",
    (SYSMON, 18): "DeviceEvents",
    (SYSMON, 21): "DeviceEvents",
    ("microsoft-windows-wmi-activity/operational", 5861): "DeviceEvents",
    ("security", 4697): "DeviceEvents",
    ("system", 7045): "DeviceEvents",  # the corpus' 7045 / 104 all come from SCM / Eventlog
    ("security", 4698): "DeviceEvents",
    ("security", 4699): "DeviceEvents",
    ("security", 4700): "DeviceEvents",
    ("security", 4701): "DeviceEvents",
    ("security", 4702): "DeviceEvents",
    ("security", 1102): "DeviceEvents",
    ("system", 104): "DeviceEvents",
    ("microsoft-windows-powershell/operational", 4103): "DeviceEvents",
    ("microsoft-windows-powershell/operational", 4104): "DeviceEvents",
    ("security", 4657): "DeviceRegistryEvents",
}
# Security 4663 by object type: files always, registry keys only for writes.
REGISTRY_WRITES = frozenset({"0x2", "0x4", "0x10000"})


def expected_table(channel: str, eid: int, data: dict[str, Any]) -> str | None:
    """The Defender table an event lands in besides SecurityEvent / WindowsEvent, if any."""
    if (channel, eid) == ("security", 4663):
        if data.get("ObjectType") == "File":
            return "DeviceFileEvents"
        if data.get("ObjectType") == "Key" and data.get("AccessMask") in REGISTRY_WRITES:
            return "DeviceRegistryEvents"
        return None
    return EXPECTED_TABLES.get((channel, eid))


def _records(path: Path) -> Iterator[tuple[str, bytes]]:
    """(member name, content) of every file inside *path* (a file, zip or tar.gz)."""
    name = path.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if not info.is_dir() and "__MACOSX" not in info.filename:
                    yield info.filename, archive.read(info)
    elif name.endswith((".tar.gz", ".tgz")):
        with tarfile.open(path, "r|gz") as archive:
            try:
                for member in archive:
                    stream = archive.extractfile(member) if member.isfile() else None
                    if stream is not None:
                        yield member.name, stream.read()
            except EOFError:
                pass  # gzip trailer missing after the last member (checked in other tests)
    else:
        yield path.name, path.read_bytes()


def _evtx_texts(content: bytes) -> list[str]:
    texts: list[str] = []
    records = iter(evtx.PyEvtxParser(io.BytesIO(content)).records_json())
    while True:
        try:
            record = next(records)
            if record is not None:
                texts.append(record["data"])
        except StopIteration:
            return texts
        except RuntimeError:  # a corrupt chunk: the parser goes on with the next one
            continue


def _event_key(
    record: dict[str, Any], text: str
) -> tuple[tuple[str, ...], str, int, dict[str, Any]] | None:
    """(dedup key, channel, event id, event data) of one JSON record, by layout."""
    if "Event" in record and isinstance(record["Event"], dict):  # event XML as JSON (EVTX)
        system = record["Event"]["System"]
        eid = system["EventID"]
        eid = eid["#text"] if isinstance(eid, dict) else eid
        computer, channel, rid = (
            system.get("Computer"),
            system.get("Channel"),
            system.get("EventRecordID"),
        )
        data = record["Event"].get("EventData") or {}
    elif "log_name" in record:  # Winlogbeat 6
        computer, channel, eid = record.get("computer_name"), record["log_name"], record["event_id"]
        rid, data = record.get("record_number"), record.get("event_data") or {}
    elif record.get("Type") == "WindowsEvent":
        computer, channel, eid, rid = record["Computer"], record["Channel"], record["EventID"], None
        data = json.loads(record["EventData"]) if record.get("EventData") else {}
    elif record.get("Type") == "SecurityEvent":
        computer, channel, eid, rid, data = (
            record["Computer"],
            record["Channel"],
            record["EventID"],
            None,
            {},
        )
    elif "EventID" in record and "Channel" in record:  # NXLog flat
        computer = record.get("Hostname") or record.get("Computer")
        channel, eid, rid, data = (
            record["Channel"],
            record["EventID"],
            record.get("RecordNumber"),
            record,
        )
    else:
        return None
    channel = str(channel).lower()
    key = (
        (str(computer or "").lower(), channel, str(rid), str(eid))
        if rid is not None
        else ("text", text)
    )
    return key, channel, int(eid), data if isinstance(data, dict) else {}


def independent_counts(paths: list[Path]) -> tuple[Counter[str], int]:
    """Expected rows per table, and records that are not Windows events of a known layout."""
    seen: set[tuple[str, ...]] = set()
    seen_rows: set[str] = set()
    counts: Counter[str] = Counter()
    other = 0
    files = [
        p
        for root in paths
        for p in (sorted(root.rglob("*")) if root.is_dir() else [root])
        if p.is_file()
    ]
    for path in files:
        if path.suffix.lower() in (".csv", ".yaml", ".md") or path.name.startswith("LICENSE"):
            continue
        for member, content in _records(path):
            if member.lower().endswith(".evtx") or content.startswith(b"ElfFile\x00"):
                texts = _evtx_texts(content)
            elif member.lower().endswith((".json", ".jsonl")):
                texts = [t for t in content.decode("utf-8").splitlines() if t.strip()]
            else:
                other += 1
                continue
            for text in texts:
                try:
                    record = json.loads(text)
                except ValueError:
                    other += 1
                    continue
                found = _event_key(record, text.strip())
                if found is None:
                    kind = record.get("Type")
                    if kind in TABLES and text.strip() not in seen_rows:  # a table export
                        seen_rows.add(text.strip())
                        counts[kind] += 1
                    elif kind not in TABLES:
                        other += 1
                    continue
                key, channel, eid, data = found
                if key in seen:
                    continue
                seen.add(key)
                counts["SecurityEvent" if channel == "security" else "WindowsEvent"] += 1
                table = expected_table(channel, eid, data)
                if table:
                    counts[table] += 1
    return counts, other


def _check(store: Store, paths: list[Path]) -> None:
    summary = ingest_paths(store, paths)
    expected, _other = independent_counts(paths)
    counts = store.row_counts()
    actual = {t: counts.get(t, 0) for t in expected}
    assert actual == dict(expected)
    assert summary.inserted == {t: n for t, n in expected.items() if n}
    # Everything read is either loaded, a duplicate, or quarantined with a reason.
    reasons = set(summary.quarantine_reasons)
    assert all(r.startswith(("unknown layout", "corrupt EVTX data")) for r in reasons), reasons


def representative(shared: Path) -> list[Path]:
    otrf = shared / "datasets/otrf/datasets"
    return [
        otrf
        / "atomic/windows/defense_evasion/host/cmd_netsh_fw_mod_open_ports.zip",  # NXLog, 12-hour clock
        otrf
        / "atomic/windows/lateral_movement/host/covenant_sharpsc_query_dcerpc_smb_svcctl.zip",  # NXLog/logstash
        otrf
        / "atomic/windows/defense_evasion/host/empire_enable_rdp.tar.gz",  # Winlogbeat, truncated gzip
        otrf / "compound/Log4Shell",  # Log Analytics exports + non-Windows files
        shared / "datasets/evtx-to-mitre-attack/TA0008-Lateral Movement",  # EVTX
        shared / "datasets/evtx-parser-samples/security.evtx",
    ]


@pytest.mark.shared
def test_representative_files_of_each_layout_load_without_loss(shared: Path, store: Store) -> None:
    _check(store, representative(shared))


@pytest.mark.slow
@pytest.mark.shared
def test_whole_corpus_loads_without_unexplained_loss(shared: Path, store: Store) -> None:
    _check(store, [shared / "datasets/otrf", shared / "datasets/evtx-to-mitre-attack"])
