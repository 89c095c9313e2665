"""Sysmon 8/10/17/18, services, tasks, log clearing, PowerShell and registry audits into the
Defender tables, and the InitiatingProcess* back-fill from Sysmon 1, in a real store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from tests.unit.test_ingest_events import SYSMON, nxlog, one, write_lines
from tracehound.ingest import ingest_paths
from tracehound.ingest.backfill import backfill_spec, run_backfill
from tracehound.store import Store

PS = "Microsoft-Windows-PowerShell/Operational"


def device_event(store: Store, action: str, columns: str) -> tuple[Any, ...]:
    return one(store, f"SELECT {columns} FROM DeviceEvents WHERE ActionType = '{action}'")


def test_sysmon_process_access_and_remote_thread(tmp_path: Path, store: Store) -> None:
    source = {"SourceImage": "C:\\Tools\\mimikatz.exe", "SourceProcessId": "6012"}
    events = [
        nxlog(
            10,
            SYSMON,
            1,
            **source,
            SourceProcessGUID="{src}",
            SourceThreadId="77",
            TargetImage="C:\\Windows\\system32\\lsass.exe",
            TargetProcessId="612",
            TargetProcessGUID="{lsass}",
            GrantedAccess="0x1010",
            CallTrace="ntdll.dll+9c584",
            SourceUser="CORP\\alice",
            TargetUser="NT AUTHORITY\\SYSTEM",
        ),
        nxlog(
            8,
            SYSMON,
            2,
            **source,
            SourceProcessGuid="{src}",
            TargetProcessGuid="{ex}",
            TargetImage="C:\\Windows\\explorer.exe",
            TargetProcessId="4100",
            NewThreadId="9",
            StartAddress="0x00000230A1B20000",
            StartModule="-",
            StartFunction="-",
        ),
    ]
    summary = ingest_paths(store, [write_lines(tmp_path / "s.json", events)])
    assert summary.inserted == {"DeviceEvents": 2, "WindowsEvent": 2}
    cols = (
        "FileName, FolderPath, ProcessId, AccountName, InitiatingProcessFileName, "
        "InitiatingProcessId, InitiatingProcessUniqueId, InitiatingProcessAccountName"
    )
    assert device_event(store, "OpenProcessApiCall", cols) == (
        "lsass.exe",
        "C:\\Windows\\system32\\lsass.exe",
        612,
        "SYSTEM",
        "mimikatz.exe",
        6012,
        "{src}",
        "alice",
    )
    extra = json.loads(device_event(store, "OpenProcessApiCall", "AdditionalFields")[0])
    assert extra["GrantedAccess"] == "0x1010" and extra["DesiredAccess"] == 4112
    assert extra["TargetImage"].endswith("lsass.exe") and extra["CallTrace"] == "ntdll.dll+9c584"
    assert device_event(store, "CreateRemoteThreadApiCall", cols)[:3] == (
        "explorer.exe",
        "C:\\Windows\\explorer.exe",
        4100,
    )
    extra = json.loads(device_event(store, "CreateRemoteThreadApiCall", "AdditionalFields")[0])
    assert extra["StartAddress"] == "0x00000230A1B20000" and extra["NewThreadId"] == "9"


def test_named_pipes_say_which_end(tmp_path: Path, store: Store) -> None:
    pipe = {"PipeName": "\\msagent_12", "Image": "C:\\x\\beacon.exe", "ProcessGuid": "{b}"}
    events = [nxlog(17, SYSMON, 1, **pipe), nxlog(18, SYSMON, 2, **pipe)]
    ingest_paths(store, [write_lines(tmp_path / "p.json", events)])
    rows = store.con.execute(
        "SELECT AdditionalFields->>'PipeName', AdditionalFields->>'FileOperation', "
        "AdditionalFields->>'NamedPipeEnd', InitiatingProcessFileName FROM DeviceEvents "
        "WHERE ActionType = 'NamedPipeEvent' ORDER BY ReportId"
    ).fetchall()
    assert rows == [
        ("\\msagent_12", "File created", "Server", "beacon.exe"),
        ("\\msagent_12", "File opened", "Client", "beacon.exe"),
    ]


def test_services_tasks_and_log_clearing(tmp_path: Path, store: Store) -> None:
    subject = {
        "SubjectUserName": "alice",
        "SubjectDomainName": "CORP",
        "SubjectUserSid": "S-1-5-21-1",
        "SubjectLogonId": "0x3e7",
    }
    task = (
        "<Task><Actions><Exec><Command>C:\\Users\\Public\\run.exe</Command>"
        "<Arguments>-s &quot;x&quot;</Arguments></Exec></Actions></Task>"
    )
    events = [
        nxlog(
            4697,
            "Security",
            1,
            **subject,
            ServiceName="evil",
            ServiceFileName="%COMSPEC% /c calc.exe",
            ServiceType="0x10",
            ServiceStartType="3",
            ServiceAccount="LocalSystem",
        ),
        nxlog(
            7045,
            "System",
            2,
            SourceName="Service Control Manager",
            ServiceName="PSEXESVC",
            ImagePath='"C:\\Windows\\PSEXESVC.exe" -x',
            StartType="demand start",
            AccountName="LocalSystem",
        ),
        nxlog(7045, "System", 3, SourceName="Not The SCM", ServiceName="other"),
        nxlog(4698, "Security", 4, **subject, TaskName="\\Updater", TaskContent=task),
        nxlog(4702, "Security", 5, **subject, TaskName="\\Updater", TaskContentNew=task),
        nxlog(1102, "Security", 6, **subject),
        nxlog(
            104,
            "System",
            7,
            SourceName="Microsoft-Windows-Eventlog",
            Message="The Microsoft-Windows-Sysmon/Operational log file was cleared.",
        ),
    ]
    summary = ingest_paths(store, [write_lines(tmp_path / "e.json", events)])
    assert summary.inserted == {"DeviceEvents": 6, "SecurityEvent": 4, "WindowsEvent": 3}
    cols = "FileName, FolderPath, ProcessCommandLine, AccountName, AdditionalFields->>'ServiceName'"
    services = store.con.execute(
        f"SELECT {cols} FROM DeviceEvents WHERE ActionType = 'ServiceInstalled' ORDER BY ReportId"
    ).fetchall()
    assert services == [
        ("%COMSPEC%", "%COMSPEC%", "%COMSPEC% /c calc.exe", "alice", "evil"),
        (
            "PSEXESVC.exe",
            "C:\\Windows\\PSEXESVC.exe",
            '"C:\\Windows\\PSEXESVC.exe" -x',
            None,
            "PSEXESVC",
        ),
    ]
    assert one(
        store,
        "SELECT AdditionalFields->>'ServiceFileName', AdditionalFields->>'ServiceStartType' "
        "FROM DeviceEvents WHERE ReportId = 2",
    ) == ('"C:\\Windows\\PSEXESVC.exe" -x', "demand start")
    tasks = store.con.execute(
        "SELECT ActionType, FileName, ProcessCommandLine, AdditionalFields->>'TaskName', "
        "AdditionalFields->>'TaskContent' = $task, AccountSid, LogonId FROM DeviceEvents "
        "WHERE ActionType LIKE 'ScheduledTask%' ORDER BY ReportId",
        {"task": task},
    ).fetchall()
    assert tasks == [
        (
            "ScheduledTaskCreated",
            "run.exe",
            'C:\\Users\\Public\\run.exe -s "x"',
            "\\Updater",
            True,
            "S-1-5-21-1",
            999,
        ),
        (
            "ScheduledTaskUpdated",
            "run.exe",
            'C:\\Users\\Public\\run.exe -s "x"',
            "\\Updater",
            True,
            "S-1-5-21-1",
            999,
        ),
    ]
    assert device_event(store, "SecurityLogCleared", "AccountName, AccountDomain") == (
        "alice",
        "CORP",
    )
    assert device_event(store, "EventLogCleared", "AdditionalFields->>'Channel'") == (
        "Microsoft-Windows-Sysmon/Operational",
    )


def test_powershell_script_blocks_and_pipelines(tmp_path: Path, store: Store) -> None:
    context = (
        "        Host Application = powershell.exe -nop -enc SQBFAFgA\r\n"
        "        Command Name = Invoke-WebRequest\r\n        Command Type = Cmdlet\r\n"
    )
    events = [
        nxlog(
            4104,
            PS,
            1,
            ExecutionProcessID=4242,
            ScriptBlockText="IEX (New-Object Net.WebClient)",
            ScriptBlockId="{s}",
            MessageNumber="1",
            MessageTotal="1",
        ),
        nxlog(
            4103,
            PS,
            2,
            ExecutionProcessID=4242,
            ContextInfo=context,
            Payload='CommandInvocation(Invoke-WebRequest): "Invoke-WebRequest"',
        ),
    ]
    ingest_paths(store, [write_lines(tmp_path / "ps.json", events)])
    rows = store.con.execute(
        "SELECT ReportId, InitiatingProcessId, InitiatingProcessCommandLine, "
        "AdditionalFields->>'Command', AdditionalFields->>'ScriptBlockText' FROM DeviceEvents "
        "WHERE ActionType = 'PowerShellCommand' ORDER BY ReportId"
    ).fetchall()
    assert rows == [
        (1, 4242, None, "IEX (New-Object Net.WebClient)", "IEX (New-Object Net.WebClient)"),
        (2, 4242, "powershell.exe -nop -enc SQBFAFgA", "Invoke-WebRequest", None),
    ]


def test_registry_audits_map_writes_only(tmp_path: Path, store: Store) -> None:
    access = {
        "ObjectType": "Key",
        "ObjectName": "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control\\Lsa",
        "ProcessName": "C:\\Windows\\regedit.exe",
        "ProcessId": "0x6e8",
        "SubjectUserName": "alice",
    }
    events = [
        nxlog(4663, "Security", 1, AccessMask="0x2", **access),
        nxlog(4663, "Security", 2, AccessMask="0x1", **access),  # a read: SecurityEvent only
        nxlog(4663, "Security", 3, AccessMask="0x10000", **access),
        nxlog(
            4657,
            "Security",
            4,
            ObjectName="\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Services\\EventLog",
            ObjectValueName="Start",
            OperationType="%%1905",
            OldValue="2",
            NewValue="4",
            NewValueType="%%1876",
            ProcessName="C:\\Windows\\System32\\reg.exe",
            ProcessId="0xa5c",
        ),
    ]
    summary = ingest_paths(store, [write_lines(tmp_path / "r.json", events)])
    assert summary.inserted == {"DeviceRegistryEvents": 3, "SecurityEvent": 4}
    rows = store.con.execute(
        "SELECT ReportId, ActionType, RegistryKey, RegistryValueName, RegistryValueData, "
        "PreviousRegistryValueData, RegistryValueType, InitiatingProcessFileName, InitiatingProcessId "
        "FROM DeviceRegistryEvents ORDER BY ReportId"
    ).fetchall()
    lsa = "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\Lsa"
    assert rows == [
        (1, "RegistryValueSet", lsa, None, None, None, None, "regedit.exe", 1768),
        (3, "RegistryKeyDeleted", lsa, None, None, None, None, "regedit.exe", 1768),
        (
            4,
            "RegistryValueSet",
            "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\EventLog",
            "Start",
            "4",
            "2",
            "Dword",
            "reg.exe",
            2652,
        ),
    ]


PROCESS = {
    "UtcTime": "2024-05-01 09:59:00.000",
    "Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "CommandLine": "powershell -nop -c iwr http://x",
    "ProcessId": "4242",
    "ProcessGuid": "{p1}",
    "User": "CORP\\alice",
    "IntegrityLevel": "High",
    "Hashes": "SHA1=AA,MD5=BB",
    "ParentImage": "C:\\Windows\\System32\\cmd.exe",
    "ParentProcessId": "100",
    "ParentProcessGuid": "{p0}",
}
CONNECT = {
    "Image": PROCESS["Image"],
    "ProcessGuid": "{p1}",
    "ProcessId": "4242",
    "Initiated": "true",
    "DestinationIp": "10.0.0.9",
    "DestinationPort": "80",
}
FILLED = (
    "SELECT InitiatingProcessCommandLine, InitiatingProcessParentFileName, InitiatingProcessParentId, "
    "InitiatingProcessSHA1, InitiatingProcessIntegrityLevel, InitiatingProcessAccountName, "
    "InitiatingProcessCreationTime::VARCHAR FROM DeviceNetworkEvents"
)
EXPECTED = (
    "powershell -nop -c iwr http://x",
    "cmd.exe",
    100,
    "aa",
    "High",
    "alice",
    "2024-05-01 09:59:00",
)


def test_backfill_fills_the_initiating_process_from_sysmon_1(tmp_path: Path, store: Store) -> None:
    events = [nxlog(1, SYSMON, 1, **PROCESS), nxlog(3, SYSMON, 2, **CONNECT)]
    summary = ingest_paths(store, [write_lines(tmp_path / "a.json", events)])
    assert one(store, FILLED) == EXPECTED
    assert sum(n for note, n in summary.notes.items() if "initiating process" in note) == 1
    # Ingested again: nothing left to fill, nothing counted.
    again = ingest_paths(store, [write_lines(tmp_path / "a.json", events)])
    assert not [n for n in again.notes if "initiating process" in n]


def test_backfill_works_when_the_process_arrives_later(tmp_path: Path, store: Store) -> None:
    other_host = {**CONNECT, "DestinationPort": "443"}
    first = [
        nxlog(3, SYSMON, 2, **CONNECT),
        {**nxlog(3, SYSMON, 3, **other_host), "Hostname": "WS2"},
    ]
    ingest_paths(store, [write_lines(tmp_path / "net.json", first)])
    assert store.con.execute(f"{FILLED} WHERE InitiatingProcessCommandLine IS NULL").fetchall()
    ingest_paths(store, [write_lines(tmp_path / "proc.json", [nxlog(1, SYSMON, 1, **PROCESS)])])
    assert one(store, f"{FILLED} WHERE DeviceName = 'ws1.corp.local'") == EXPECTED
    # The same GUID on another device is another process: left alone.
    assert one(
        store,
        "SELECT InitiatingProcessCommandLine FROM DeviceNetworkEvents WHERE DeviceName = 'ws2'",
    ) == (None,)


def test_backfill_keeps_values_and_is_bounded_to_the_batch(store: Store) -> None:
    """Rows the event carried win over the process row; rows outside the batch are untouched."""
    con = store.con
    proc = pa.table(
        {
            "_RowId": ["p"],
            "DeviceName": ["ws1"],
            "ActionType": ["ProcessCreated"],
            "ProcessUniqueId": ["{g}"],
            "ProcessCommandLine": ["a.exe -x"],
            "FileName": ["a.exe"],
        }
    )
    net = pa.table(
        {
            "_RowId": ["n1", "n2"],
            "DeviceName": ["ws1", "ws1"],
            "InitiatingProcessUniqueId": ["{g}", "{g}"],
            "InitiatingProcessFileName": ["kept.exe", None],
        }
    )
    for name, rows, table in (
        ("th_p", proc, "DeviceProcessEvents"),
        ("th_n", net, "DeviceNetworkEvents"),
    ):
        con.register(name, rows)
        store.load_staged(table, name, "test")
        con.unregister(name)
    con.execute("CREATE TEMP TABLE th_batch AS SELECT 'n1' AS _RowId")
    assert run_backfill(con, "th_batch") == 1
    got = con.execute(
        "SELECT _RowId, InitiatingProcessFileName, InitiatingProcessCommandLine "
        "FROM DeviceNetworkEvents ORDER BY _RowId"
    ).fetchall()
    assert got == [("n1", "kept.exe", "a.exe -x"), ("n2", None, None)]
    assert run_backfill(con, "th_batch") == 0
    con.execute("CREATE TEMP TABLE th_batch2 AS SELECT 'p' AS _RowId")  # the process is new
    assert run_backfill(con, "th_batch2") == 1
    assert con.execute(
        "SELECT count(*) FROM DeviceNetworkEvents WHERE InitiatingProcessCommandLine = 'a.exe -x'"
    ).fetchall() == [(2,)]


def test_backfill_spec_names_real_columns() -> None:
    spec = backfill_spec()
    assert spec.source == "DeviceProcessEvents" and "DeviceNetworkEvents" in spec.targets
    assert ("InitiatingProcessCommandLine", "ProcessCommandLine") in spec.columns


def test_rows_without_a_guid_link_by_pid_and_time(tmp_path: Path, store: Store) -> None:
    old = {
        **PROCESS,
        "UtcTime": "2024-04-29 09:00:00.000",
        "ProcessGuid": "{old}",
        "CommandLine": "old",
    }
    file_access = {"ObjectType": "File", "ObjectName": "C:\\secret.txt", "AccessMask": "0x1"}
    events = [
        nxlog(1, SYSMON, 1, **old),  # same pid, two days earlier: the pid was reused since
        nxlog(1, SYSMON, 2, **PROCESS),
        nxlog(4104, PS, 3, ExecutionProcessID=4242, ScriptBlockText="whoami"),
        nxlog(4663, "Security", 4, ProcessId="0x1092", ProcessName=PROCESS["Image"], **file_access),
        nxlog(4663, "Security", 5, ProcessId="0x1092", ProcessName="C:\\other.exe", **file_access),
        {
            **nxlog(4104, PS, 6, ExecutionProcessID=4242, ScriptBlockText="x"),
            "@timestamp": "2024-05-01T09:00:00Z",
        },
    ]
    ingest_paths(store, [write_lines(tmp_path / "pid.json", events)])
    got = store.con.execute(
        "SELECT ReportId, InitiatingProcessFileName, InitiatingProcessCommandLine, "
        "InitiatingProcessParentFileName FROM DeviceEvents ORDER BY ReportId"
    ).fetchall()
    assert got == [
        (3, "powershell.exe", PROCESS["CommandLine"], "cmd.exe"),
        (6, None, None, None),  # before the process was created, and the older one is too old
    ]
    files = store.con.execute(
        "SELECT ReportId, InitiatingProcessFileName, InitiatingProcessCommandLine "
        "FROM DeviceFileEvents ORDER BY ReportId"
    ).fetchall()
    # 0x1092 = 4242; the second names another program: a reused pid, not linked.
    assert files == [(4, "powershell.exe", PROCESS["CommandLine"]), (5, "other.exe", None)]
