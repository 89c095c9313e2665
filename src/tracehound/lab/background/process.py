"""Benign ``DeviceProcessEvents``: the children system services and users spawn all day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracehound.lab.context import LabContext
from tracehound.lab.data.images import image
from tracehound.lab.estate import SYSTEM
from tracehound.lab.frames import Batch, build, from_records
from tracehound.lab.procs import Proc, device_fields, initiating_fields, process_fields

from .common import Instances, draw, render, report_ids
from .plan import DayPlan

TABLE = "DeviceProcessEvents"
W = "workstation|server|dc"
ALL_WIN = W
WS = "workstation"


@dataclass(frozen=True)
class ProcEdge:
    parent: str
    child: str  # image key
    cmdlines: tuple[str, ...]
    weight: float
    roles: str = ALL_WIN


EDGES: tuple[ProcEdge, ...] = (
    ProcEdge(
        "svc_schedule",
        "taskhostw",
        (
            "taskhostw.exe -RegisterDevice -ProtectionStateChanged -FreeNetworkOnly",
            "taskhostw.exe Install $(Arg0)",
            "taskhostw.exe SYSTEM",
        ),
        4,
    ),
    ProcEdge(
        "svc_schedule",
        "mpcmdrun",
        (
            '"MpCmdRun.exe" -IdleTask -TaskName WdCacheMaintenance',
            '"MpCmdRun.exe" -IdleTask -TaskName WdCleanup',
            '"MpCmdRun.exe" -IdleTask -TaskName WdVerification',
        ),
        1.5,
    ),
    ProcEdge("svc_schedule", "sc", ("sc.exe start wuauserv", "sc.exe start UsoSvc"), 1),
    ProcEdge(
        "svc_schedule",
        "compattelrunner",
        (
            "C:\\Windows\\system32\\compattelrunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun",
            "C:\\Windows\\system32\\CompatTelRunner.exe -m:invagent.dll -f:RunUpdate",
        ),
        0.6,
    ),
    ProcEdge(
        "svc_schedule",
        "edgeupdate",
        (
            '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /ua /installsource scheduler',
            '"C:\\Program Files (x86)\\Microsoft\\EdgeUpdate\\MicrosoftEdgeUpdate.exe" /c',
        ),
        1.2,
        "workstation|server",
    ),
    ProcEdge(
        "svc_schedule",
        "powershell",
        (
            'powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "\\\\corp.contoso.com\\NETLOGON\\inventory\\Collect-Inventory.ps1"',  # noqa: E501
        ),
        0.15,
    ),
    ProcEdge("svc_schedule", "gpupdate", ("gpupdate.exe /target:computer /force",), 0.1),
    ProcEdge(
        "svc_dcom", "dllhost", ("C:\\Windows\\system32\\DllHost.exe /Processid:{{{guid}}}",), 3
    ),
    ProcEdge(
        "svc_dcom",
        "tiworker",
        (
            "C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.22621.4455_none_7e9a7c3a2f3e0b4c\\TiWorker.exe -Embedding",  # noqa: E501
        ),
        0.4,
    ),
    ProcEdge(
        "svc_dcom",
        "wmiprvse",
        (
            "C:\\Windows\\system32\\wbem\\wmiprvse.exe -Embedding",
            "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
        ),
        1.2,
    ),
    ProcEdge(
        "svc_dcom",
        "mousocoreworker",
        ("C:\\Windows\\System32\\mousocoreworker.exe -Embedding",),
        0.6,
    ),
    ProcEdge(
        "svc_dcom", "runtimebroker", ("C:\\Windows\\System32\\RuntimeBroker.exe -Embedding",), 3, WS
    ),
    ProcEdge(
        "svc_dcom",
        "backgroundtaskhost",
        (
            '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider',
            '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:App.AppXmtcan0h2tfbfy7k9kn8hbxb6dmzz1zh0.mca',
        ),
        2,
        WS,
    ),
    ProcEdge(
        "svc_wu",
        "wuauclt",
        (
            '"C:\\Windows\\system32\\wuauclt.exe" /UpdateDeploymentProvider UpdateDeploymentProvider.dll /ClassId {guid} /RunHandlerComServer',  # noqa: E501
        ),
        0.5,
    ),
    ProcEdge("services", "sppsvc", ("C:\\Windows\\system32\\sppsvc.exe",), 0.5),
    ProcEdge(
        "services", "trustedinstaller", ("C:\\Windows\\servicing\\TrustedInstaller.exe",), 0.3
    ),
    ProcEdge(
        "services",
        "svchost",
        (
            "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s BITS",
            "C:\\Windows\\System32\\svchost.exe -k LocalSystemNetworkRestricted -p -s NcbService",
            "C:\\Windows\\system32\\svchost.exe -k wsappx -p -s ClipSVC",
            "C:\\Windows\\System32\\svchost.exe -k utcsvc -p",
        ),
        2.5,
    ),
    ProcEdge(
        "services",
        "ngen",
        (
            '"C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\ngen.exe" ExecuteQueuedItems /LegacyServiceBehavior',
        ),
        0.3,
    ),
    ProcEdge(
        "searchindexer",
        "searchprotocolhost",
        (
            '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe{num}_ Global\\UsGthrCtrlFltPipeMssGthrPipe{num} 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon"',  # noqa: E501
        ),
        3,
    ),
    ProcEdge(
        "searchindexer",
        "searchfilterhost",
        ('"C:\\Windows\\system32\\SearchFilterHost.exe" 0 {n} 812 820 8192 816 792 ',),
        3,
    ),
    ProcEdge("mssense", "sensece", ('"SenseCE.exe" "{n}" "{guid}" "1800" "60"',), 1.2),
    ProcEdge(
        "msmpeng",
        "mpcmdrun",
        (
            '"MpCmdRun.exe" SignaturesUpdateService -ScheduleJob -UnmanagedUpdate',
            '"MpCmdRun.exe" -wdenable',
        ),
        0.6,
    ),
    ProcEdge(
        "svc_netsvcs",
        "wermgr",
        (
            "C:\\Windows\\system32\\wermgr.exe -upload",
            "C:\\Windows\\system32\\wermgr.exe -queuereporting",
        ),
        0.4,
    ),
    ProcEdge(
        "svc_netsvcs",
        "conhost",
        ("\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",),
        1.5,
    ),
    ProcEdge(
        "dns",
        "conhost",
        ("\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",),
        0.2,
        "dc",
    ),
    ProcEdge(
        "w3wp",
        "conhost",
        ("\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",),
        0.3,
        "server",
    ),
    # The user's session.
    ProcEdge(
        "msedge",
        "msedge",
        (
            '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=renderer --video-capture-use-gpu-memory-buffer --lang=en-US --js-flags=--ms-user-locale= --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id={n} --time-ticks-at-unix-epoch=-1732{n} --launch-time-ticks={n}1234 --mojo-platform-channel-handle={n} --field-trial-handle=2000,i,{n},{n},262144 /prefetch:1',  # noqa: E501
            '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService --lang=en-US --service-sandbox-type=none --mojo-platform-channel-handle={n} --field-trial-handle=2000,i,{n},{n},262144 /prefetch:3',  # noqa: E501
        ),
        14,
        WS,
    ),
    ProcEdge(
        "chrome",
        "chrome",
        (
            '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --device-scale-factor=1 --num-raster-threads=4 --enable-main-frame-before-activation --renderer-client-id={n} --mojo-platform-channel-handle={n} --field-trial-handle=1992,i,{n},{n},262144 /prefetch:1',  # noqa: E501
        ),
        8,
        WS,
    ),
    ProcEdge(
        "explorer",
        "notepad",
        (
            '"C:\\Windows\\system32\\NOTEPAD.EXE" C:\\Users\\{user}\\Desktop\\notes.txt',
            '"C:\\Windows\\system32\\NOTEPAD.EXE"',
        ),
        0.3,
        WS,
    ),
    ProcEdge(
        "explorer",
        "winword",
        (
            '"C:\\Program Files\\Microsoft Office\\Root\\Office16\\WINWORD.EXE" /n "C:\\Users\\{user}\\OneDrive - Contoso\\Documents\\Report-Q{num}.docx" /o ""',  # noqa: E501
        ),
        0.3,
        WS,
    ),
    ProcEdge(
        "explorer",
        "excel",
        (
            '"C:\\Program Files\\Microsoft Office\\Root\\Office16\\EXCEL.EXE" "C:\\Users\\{user}\\OneDrive - Contoso\\Documents\\Budget-{num}.xlsx"',  # noqa: E501
        ),
        0.3,
        WS,
    ),
    ProcEdge(
        "outlook",
        "msedge",
        (
            '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --single-argument https://contoso.sharepoint.com/sites/team/Shared%20Documents/Forms/AllItems.aspx',
        ),
        0.4,
        WS,
    ),
    ProcEdge(
        "teams",
        "msedge",
        (
            '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --single-argument https://teams.microsoft.com/l/meetup-join/19%3ameeting_{hex}%40thread.v2/0',
        ),
        0.3,
        WS,
    ),
    ProcEdge(
        "onedrive",
        "onedrive",
        ('"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe" /updateInstalled /background',),
        0.2,
        WS,
    ),
    # Linux
    ProcEdge(
        "cron",
        "sh",
        (
            '/bin/sh -c "   cd / && run-parts --report /etc/cron.hourly"',
            '/bin/sh -c "command -v debian-sa1 > /dev/null && debian-sa1 1 1"',
            '/bin/sh -c "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi"',
        ),
        6,
        "linux",
    ),
    ProcEdge("systemd", "logrotate", ("/usr/sbin/logrotate /etc/logrotate.conf",), 0.3, "linux"),
    ProcEdge(
        "systemd",
        "aptget",
        ("/usr/bin/apt-get -qq -y update", "/usr/bin/apt-get -qq -y -d dist-upgrade"),
        0.3,
        "linux",
    ),
    ProcEdge(
        "systemd",
        "python3",
        (
            "/usr/bin/python3 /usr/bin/networkd-dispatcher --run-startup-triggers",
            "/usr/bin/python3 /usr/lib/ubuntu-advantage/timer.py",
        ),
        1,
        "linux",
    ),
    ProcEdge(
        "mdatp",
        "python3",
        ("/usr/bin/python3 /opt/microsoft/mdatp/sbin/telemetryd_v2.py",),
        1.5,
        "linux",
    ),
    ProcEdge("mdatp", "grep", ("grep -E ^(NAME|VERSION_ID)= /etc/os-release",), 2, "linux"),
    ProcEdge("nginx", "sh", ("/bin/sh -c /usr/sbin/nginx -s reload",), 0.05, "linux"),
)


def _child_columns() -> pa.Table:
    """Image columns per edge (``FileName``, hashes, version info...), taken by edge index."""
    rows = []
    for edge in EDGES:
        fields = process_fields(_dummy(edge.child))
        rows.append({k: v for k, v in fields.items() if k in _IMAGE_COLUMNS})
    return from_records(TABLE, rows)


_IMAGE_COLUMNS = frozenset(
    {
        "FileName",
        "FolderPath",
        "SHA1",
        "SHA256",
        "MD5",
        "FileSize",
        "ProcessVersionInfoCompanyName",
        "ProcessVersionInfoProductName",
        "ProcessVersionInfoProductVersion",
        "ProcessVersionInfoInternalFileName",
        "ProcessVersionInfoOriginalFileName",
        "ProcessVersionInfoFileDescription",
    }
)
#: Child columns copied from the parent instance (same account, token and session).
_INHERITED = MappingProxyType(
    {
        "AccountDomain": "InitiatingProcessAccountDomain",
        "AccountName": "InitiatingProcessAccountName",
        "AccountSid": "InitiatingProcessAccountSid",
        "AccountUpn": "InitiatingProcessAccountUpn",
        "AccountObjectId": "InitiatingProcessAccountObjectId",
        "LogonId": "InitiatingProcessLogonId",
        "ProcessIntegrityLevel": "InitiatingProcessIntegrityLevel",
        "ProcessTokenElevation": "InitiatingProcessTokenElevation",
        "CreatedProcessSessionId": "InitiatingProcessSessionId",
        "IsProcessRemoteSession": "IsInitiatingProcessRemoteSession",
        "ProcessRemoteSessionIP": "InitiatingProcessRemoteSessionIP",
        "ProcessRemoteSessionDeviceName": "InitiatingProcessRemoteSessionDeviceName",
    }
)


def _dummy(key: str) -> Proc:
    return Proc(image(key), 0, datetime(2000, 1, 1), "", SYSTEM, 0)


def generate(ctx: LabContext, plan: DayPlan, inst: Instances) -> Iterator[Batch]:
    rng = ctx.rng(TABLE, plan.day)
    yield from _session_starts(ctx, plan)
    chosen = draw(ctx, plan, inst, TABLE, EDGES, rng)
    n = len(chosen)
    if n == 0:
        return
    cols: dict[str, Any] = inst.take(TABLE, chosen.inst)
    child = _child_columns().take(pa.array(chosen.edge))
    for name in child.column_names:
        cols[name] = child.column(name).combine_chunks()
    for own, parent in _INHERITED.items():
        cols[own] = cols[parent]
    pids = rng.integers(250, 16_000, size=n) * 4
    cols["ProcessId"] = pids
    cols["ProcessCreationTime"] = chosen.ts
    cols["Timestamp"] = chosen.ts
    cols["ProcessUniqueId"] = pc.cast(
        pa.array((chosen.ts // 1_000_000 % 10_000_000) * 100_000 + pids % 100_000), pa.string()
    )
    users = cols["InitiatingProcessAccountName"].to_pylist()
    cols["ProcessCommandLine"] = render(
        [e.cmdlines for e in EDGES], chosen.edge, rng, {"user": users}
    )
    cols["ActionType"] = "ProcessCreated"
    cols["ReportId"] = report_ids(rng, n)
    cols["AppGuardContainerId"] = ""
    yield Batch(TABLE, build(TABLE, cols, n), f"{TABLE}:{plan.day}")


def _session_starts(ctx: LabContext, plan: DayPlan) -> Iterator[Batch]:
    """The logon chain of each session: userinit -> explorer -> the apps the user opens."""
    rng = ctx.rng(TABLE, "session", plan.day)
    records = []
    for dev_plan in plan.devices:
        if dev_plan.session is None:
            continue
        base = device_fields(dev_plan.device, ctx.estate.org)
        created = dev_plan.session.created
        by_pid = {p.pid: p for p in created} | {p.pid: p for p in dev_plan.procs.values()}
        for proc in created:
            parent = by_pid.get(proc.parent_pid)
            if parent is None:
                continue
            records.append(
                base
                | process_fields(proc)
                | initiating_fields(parent)
                | {
                    "Timestamp": proc.created,
                    "ActionType": "ProcessCreated",
                    "ReportId": int(rng.integers(1_000, 2_000_000)),
                    "AppGuardContainerId": "",
                }
            )
    if records:
        yield Batch(TABLE, from_records(TABLE, records), f"{TABLE}:session:{plan.day}")
