"""Layouts and mappings end to end: small hand-written events of each layout into a real store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tracehound.errors import UsageError
from tracehound.ingest import ingest_paths
from tracehound.ingest.layouts import detect_layout, layouts
from tracehound.ingest.mapping import mappings, parse_mapping
from tracehound.store import Store

SYSMON = "Microsoft-Windows-Sysmon/Operational"


def nxlog(event_id: int, channel: str, record: int, **fields: Any) -> dict[str, Any]:
    return {
        "Hostname": "WS1.corp.local",
        "Channel": channel,
        "EventID": event_id,
        "RecordNumber": record,
        "@timestamp": "2024-05-01T10:00:00.000Z",
        "SourceName": "test",
        **fields,
    }


def write_lines(path: Path, records: list[Any]) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def one(store: Store, sql: str) -> tuple[Any, ...]:
    rows = store.con.execute(sql).fetchall()
    assert len(rows) == 1, rows
    return tuple(rows[0])


def test_layouts_are_detected_from_a_first_record() -> None:
    assert [x.name for x in layouts()][:3] == ["la-windowsevent", "la-securityevent", "eventxml"]
    assert detect_layout({"Event": {"System": {}}}).name == "eventxml"  # type: ignore[union-attr]
    assert detect_layout({"log_name": "Security", "event_id": 4624}).name == "winlogbeat"  # type: ignore[union-attr]
    assert detect_layout({"winlog": {"channel": "Security", "event_id": 1}}).name == "winlogbeat"  # type: ignore[union-attr]
    assert detect_layout({"EventID": 1, "Channel": SYSMON}).name == "nxlog"  # type: ignore[union-attr]
    la = detect_layout(
        {"EventID": 1, "Channel": "x", "Computer": "c", "EventData": "{}", "Type": "WindowsEvent"}
    )
    assert la is not None and la.name == "la-windowsevent"
    assert detect_layout({"foo": 1}) is None
    assert detect_layout([1]) is None


def test_sysmon_process_create_fills_defender_columns(tmp_path: Path, store: Store) -> None:
    event = nxlog(
        1,
        SYSMON,
        10,
        UtcTime="2024-05-01 09:59:58.123",
        Image="C:\\Windows\\System32\\whoami.exe",
        CommandLine="whoami /all",
        ProcessId="4242",
        User="CORP\\alice",
        IntegrityLevel="High",
        Hashes="SHA1=AA,MD5=BB,SHA256=CC,IMPHASH=DD",
        ParentImage="C:\\Windows\\System32\\cmd.exe",
        ParentCommandLine="cmd.exe /c whoami /all",
        ParentProcessId="100",
        ProcessGuid="{g}",
        LogonId="0x3e7",
    )
    summary = ingest_paths(store, [write_lines(tmp_path / "e.json", [event])])
    assert summary.inserted == {"DeviceProcessEvents": 1, "WindowsEvent": 1}
    assert one(
        store,
        "SELECT Timestamp::VARCHAR, DeviceName, ActionType, FileName, FolderPath, ProcessCommandLine, "
        "ProcessId, AccountName, AccountDomain, SHA1, MD5, SHA256, InitiatingProcessFileName, "
        "InitiatingProcessCommandLine, InitiatingProcessId, LogonId, AdditionalFields->>'ProcessGuid' "
        "FROM DeviceProcessEvents",
    ) == (
        "2024-05-01 09:59:58.123",
        "ws1.corp.local",
        "ProcessCreated",
        "whoami.exe",
        "C:\\Windows\\System32\\whoami.exe",
        "whoami /all",
        4242,
        "alice",
        "CORP",
        "aa",
        "bb",
        "cc",
        "cmd.exe",
        "cmd.exe /c whoami /all",
        100,
        999,
        "{g}",
    )


def test_security_logons_and_what_stays_in_security_event(tmp_path: Path, store: Store) -> None:
    common = {
        "TargetUserName": "bob",
        "TargetDomainName": "CORP",
        "IpAddress": "10.1.2.3",
        "IpPort": "50123",
        "ProcessName": "C:\\Windows\\System32\\lsass.exe",
        "ProcessId": "0x2c4",
        "SubjectUserName": "-",
    }
    events = [
        nxlog(
            4624,
            "Security",
            1,
            LogonType="10",
            TargetLogonId="0x1f",
            AuthenticationPackageName="Negotiate",
            **common,
        ),
        nxlog(
            4625,
            "Security",
            2,
            LogonType="3",
            Status="0xc000006d",
            SubStatus="0xc000006a",
            **common,
        ),
        nxlog(4648, "Security", 3, TargetServerName="dc1", **common),
        nxlog(4634, "Security", 4, TargetUserName="bob"),
        nxlog(4647, "Security", 5, TargetUserName="bob"),
    ]
    summary = ingest_paths(store, [write_lines(tmp_path / "s.json", events)])
    assert summary.inserted == {"DeviceLogonEvents": 3, "SecurityEvent": 5}
    rows = store.con.execute(
        "SELECT ActionType, LogonType, AccountName, AccountDomain, RemoteIP, RemotePort, FailureReason, "
        "InitiatingProcessFileName, InitiatingProcessId, InitiatingProcessAccountName FROM DeviceLogonEvents ORDER BY ReportId"
    ).fetchall()
    assert rows == [
        (
            "LogonSuccess",
            "RemoteInteractive",
            "bob",
            "CORP",
            "10.1.2.3",
            50123,
            None,
            "lsass.exe",
            708,
            None,
        ),
        (
            "LogonFailed",
            "Network",
            "bob",
            "CORP",
            "10.1.2.3",
            50123,
            "InvalidUserNameOrPassword",
            "lsass.exe",
            708,
            None,
        ),
        ("LogonAttempted", None, "bob", "CORP", "10.1.2.3", 50123, None, "lsass.exe", 708, None),
    ]
    assert one(
        store,
        "SELECT Account, LogonType, EventData->>'IpAddress' FROM SecurityEvent WHERE EventID = 4624",
    ) == ("CORP\\bob", 10, "10.1.2.3")


def test_registry_network_file_dns_and_image_load(tmp_path: Path, store: Store) -> None:
    proc = {
        "Image": "C:\\Tools\\evil.exe",
        "ProcessId": "77",
        "ProcessGuid": "{p}",
        "User": "CORP\\eve",
    }
    events = [
        nxlog(
            13,
            SYSMON,
            1,
            EventType="SetValue",
            TargetObject="HKLM\\Software\\Run\\evil",
            Details="DWORD (0x00000010)",
            **proc,
        ),
        nxlog(
            12,
            SYSMON,
            2,
            EventType="INFO",
            Message="Registry object added or deleted:\r\nEventType: DeleteKey\r\n",
            TargetObject="HKU\\S-1-5-21\\Software\\X",
            **proc,
        ),
        nxlog(
            14, SYSMON, 3, EventType="RenameKey", TargetObject="HKLM\\A", NewName="HKLM\\B", **proc
        ),
        nxlog(
            3,
            SYSMON,
            4,
            Initiated="false",
            SourceIp="10.0.0.9",
            SourcePort="5555",
            DestinationIp="10.0.0.1",
            DestinationPort="445",
            Protocol="tcp",
            **proc,
        ),
        nxlog(
            5156,
            "Security",
            5,
            Direction="%%14593",
            SourceAddress="10.0.0.1",
            SourcePort="6000",
            DestAddress="8.8.8.8",
            DestPort="53",
            Protocol="17",
            Application="\\device\\x\\app.exe",
            ProcessID="88",
        ),
        nxlog(11, SYSMON, 6, TargetFilename="C:\\Temp\\drop.dll", **proc),
        nxlog(26, SYSMON, 7, TargetFilename="C:\\Temp\\gone.txt", **proc),
        nxlog(
            4663,
            "Security",
            8,
            ObjectType="File",
            ObjectName="C:\\secret.txt",
            AccessMask="0x10000",
            ProcessName="C:\\x.exe",
        ),
        nxlog(
            4663,
            "Security",
            9,
            ObjectType="Key",
            ObjectName="\\REGISTRY\\MACHINE\\SAM",
            AccessMask="0x1",
        ),
        nxlog(
            22,
            SYSMON,
            10,
            QueryName="evil.example",
            QueryStatus="0",
            QueryResults="1.2.3.4;",
            **proc,
        ),
        nxlog(7, SYSMON, 11, ImageLoaded="C:\\Temp\\drop.dll", Hashes="MD5=01", **proc),
    ]
    summary = ingest_paths(store, [write_lines(tmp_path / "m.json", events)])
    assert summary.inserted == {
        "DeviceRegistryEvents": 3,
        "DeviceNetworkEvents": 2,
        "DeviceFileEvents": 3,
        "DeviceEvents": 1,
        "DeviceImageLoadEvents": 1,
        "WindowsEvent": 8,
        "SecurityEvent": 3,
    }
    assert store.con.execute(
        "SELECT ActionType, RegistryKey, RegistryValueName, RegistryValueData, PreviousRegistryKey, "
        "InitiatingProcessFileName, InitiatingProcessAccountName FROM DeviceRegistryEvents ORDER BY ReportId"
    ).fetchall() == [
        (
            "RegistryValueSet",
            "HKEY_LOCAL_MACHINE\\Software\\Run",
            "evil",
            "16",
            None,
            "evil.exe",
            "eve",
        ),
        (
            "RegistryKeyDeleted",
            "HKEY_USERS\\S-1-5-21\\Software\\X",
            None,
            None,
            None,
            "evil.exe",
            "eve",
        ),
        (
            "RegistryKeyRenamed",
            "HKEY_LOCAL_MACHINE\\B",
            None,
            None,
            "HKEY_LOCAL_MACHINE\\A",
            "evil.exe",
            "eve",
        ),
    ]
    assert store.con.execute(
        "SELECT ActionType, LocalIP, LocalPort, RemoteIP, RemotePort, Protocol, InitiatingProcessId "
        "FROM DeviceNetworkEvents ORDER BY ReportId"
    ).fetchall() == [
        ("InboundConnectionAccepted", "10.0.0.1", 445, "10.0.0.9", 5555, "Tcp", 77),
        ("ConnectionSuccess", "10.0.0.1", 6000, "8.8.8.8", 53, "Udp", 88),
    ]
    assert store.con.execute(
        "SELECT ActionType, FileName, InitiatingProcessFileName FROM DeviceFileEvents ORDER BY ReportId"
    ).fetchall() == [
        ("FileCreated", "drop.dll", "evil.exe"),
        ("FileDeleted", "gone.txt", "evil.exe"),
        ("FileDeleted", "secret.txt", "x.exe"),
    ]
    assert one(
        store, "SELECT ActionType, RemoteUrl, AdditionalFields->>'QueryResults' FROM DeviceEvents"
    ) == ("DnsQueryResponse", "evil.example", "1.2.3.4;")
    assert one(store, "SELECT FileName, MD5 FROM DeviceImageLoadEvents") == ("drop.dll", "01")


def test_winlogbeat_eventxml_and_la_layouts(tmp_path: Path, store: Store) -> None:
    beat = {
        "@timestamp": "2024-05-01T11:00:00.5Z",
        "computer_name": "WS2",
        "log_name": "Security",
        "event_id": 4688,
        "record_number": "7",
        "event_data": {
            "NewProcessName": "C:\\a\\b.exe",
            "CommandLine": "b.exe -x",
            "NewProcessId": "0x10",
            "ParentProcessName": "C:\\p.exe",
            "SubjectUserName": "carol",
            "TokenElevationType": "%%1937",
        },
    }
    xml = {
        "Event": {
            "System": {
                "Provider": {"@Name": "Microsoft-Windows-Sysmon"},
                "EventID": {"#text": "1"},
                "EventRecordID": "9",
                "Channel": SYSMON,
                "Computer": "WS3",
                "TimeCreated": {"@SystemTime": "2024-05-01T12:00:00Z"},
            },
            "EventData": {
                "Data": [
                    {"@Name": "Image", "#text": "C:\\x\\y.exe"},
                    {"@Name": "CommandLine", "#text": "y.exe <&>"},
                ]
            },
        }
    }
    la = {
        "Type": "WindowsEvent",
        "Computer": "WS4",
        "Channel": SYSMON,
        "EventID": 3,
        "Provider": "Microsoft-Windows-Sysmon",
        "TimeGenerated": "2024-05-01T13:00:00Z",
        "EventData": json.dumps(
            {"UtcTime": "2024-05-01 12:59:59.000", "DestinationIp": "1.1.1.1", "Initiated": "true"}
        ),
    }
    sec = {
        "Type": "SecurityEvent",
        "Computer": "WS5",
        "Channel": "Security",
        "EventID": 4624,
        "TimeGenerated": "2024-05-01T14:00:00Z",
        "EventData": '<EventData><Data Name="TargetUserName">dave &amp; co</Data><Data Name="LogonType">2</Data></EventData>',
    }
    paths = [
        write_lines(tmp_path / f"{n}.json", [r])
        for n, r in [("b", beat), ("x", xml), ("l", la), ("s", sec)]
    ]
    ingest_paths(store, paths)
    assert one(
        store,
        "SELECT DeviceName, FileName, ProcessCommandLine, ProcessId, InitiatingProcessFileName, "
        "ProcessTokenElevation, Timestamp::VARCHAR FROM DeviceProcessEvents WHERE DeviceName = 'ws2'",
    ) == (
        "ws2",
        "b.exe",
        "b.exe -x",
        16,
        "p.exe",
        "TokenElevationTypeFull",
        "2024-05-01 11:00:00.5",
    )
    assert one(
        store,
        "SELECT FileName, ProcessCommandLine, Timestamp::VARCHAR FROM DeviceProcessEvents "
        "WHERE DeviceName = 'ws3'",
    ) == ("y.exe", "y.exe <&>", "2024-05-01 12:00:00")
    assert one(store, "SELECT RemoteIP, Timestamp::VARCHAR FROM DeviceNetworkEvents") == (
        "1.1.1.1",
        "2024-05-01 12:59:59",
    )
    assert one(store, "SELECT ActionType, AccountName, LogonType FROM DeviceLogonEvents") == (
        "LogonSuccess",
        "dave & co",
        "Interactive",
    )


def test_local_12_hour_clock_is_calibrated_against_utc_times(tmp_path: Path, store: Store) -> None:
    # 04:19 UTC written as "12:19" on a UTC-4 collector's 12-hour clock with no AM/PM.
    base = {"Hostname": "WS6", "SourceName": "x"}
    events = [
        {
            **base,
            "Channel": SYSMON,
            "EventID": 5,
            "TimeCreated": "2020-10-21 12:19:04.414",
            "UtcTime": "2020-10-21 04:19:04.410",
        },
        {
            **base,
            "Channel": "Security",
            "EventID": 4688,
            "TimeCreated": "2020-10-21 12:20:00.000",
            "NewProcessName": "C:\\n.exe",
        },
    ]
    summary = ingest_paths(store, [write_lines(tmp_path / "c.json", events)])
    assert one(store, "SELECT Timestamp::VARCHAR FROM DeviceProcessEvents") == (
        "2020-10-21 04:20:00",
    )
    assert summary.notes["times read from a 12-hour local clock, calibrated against UTC times"] == 1


def test_bad_records_are_quarantined_and_the_rest_loads(tmp_path: Path, store: Store) -> None:
    good = nxlog(1, SYSMON, 1, Image="C:\\a.exe")
    lines = [
        good,
        '{"EventID": 1, "Channel": "Sys',
        {"Channel": SYSMON, "Hostname": "h"},
        nxlog(1, SYSMON, 2, Image="C:\\b.exe"),
    ]
    summary = ingest_paths(store, [write_lines(tmp_path / "bad.json", lines)])
    assert summary.inserted["DeviceProcessEvents"] == 2
    assert summary.quarantined == 2
    assert set(summary.quarantine_reasons) == {
        "not valid JSON (truncated or malformed record)",
        "no event id where the nxlog layout puts it",
    }
    locations = [
        r[0]
        for r in store.con.execute("SELECT location FROM _quarantine ORDER BY location").fetchall()
    ]
    assert locations == [f"{tmp_path / 'bad.json'}:2", f"{tmp_path / 'bad.json'}:3"]


def test_same_event_from_two_files_is_stored_once(tmp_path: Path, store: Store) -> None:
    event = nxlog(4688, "Security", 55, NewProcessName="C:\\n.exe")
    first = write_lines(tmp_path / "one.json", [event])
    second = write_lines(
        tmp_path / "two.json", [{**event, "@version": "2"}]
    )  # other text, same event
    summary = ingest_paths(store, [first, second])
    assert summary.inserted == {"DeviceProcessEvents": 1, "SecurityEvent": 1}
    assert summary.duplicates == 1
    again = ingest_paths(store, [first])
    assert sum(again.inserted.values()) == 0 and again.duplicates == 1


def test_mapping_files_are_checked(tmp_path: Path) -> None:
    assert {m.table for m in mappings()} >= {"DeviceProcessEvents", "SecurityEvent", "WindowsEvent"}
    with pytest.raises(UsageError, match="has no column 'Nope'"):
        parse_mapping(
            {"table": "DeviceEvents", "rules": [{"name": "r", "fields": {"Nope": "x"}}]}, "t.yaml"
        )
