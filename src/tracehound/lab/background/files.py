"""Benign ``DeviceFileEvents``: caches, downloads, documents, updates and share writes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from tracehound.lab.context import LabContext
from tracehound.lab.frames import Batch, build

from .common import Instances, draw, random_hex, render, report_ids
from .plan import DayPlan

TABLE = "DeviceFileEvents"
U = "C:\\Users\\{user}"


@dataclass(frozen=True)
class FileEdge:
    parent: str
    paths: tuple[str, ...]  # full path templates
    actions: tuple[str, ...]  # drawn uniformly: repeat an action to weight it
    weight: float
    roles: str = "workstation|server|dc"
    size: float = 11.0  # ln(bytes) median


EDGES: tuple[FileEdge, ...] = (
    FileEdge(
        "msedge",
        (
            U + "\\AppData\\Local\\Microsoft\\Edge\\User Data\\Default\\Cache\\Cache_Data\\f_{hex}",
            U + "\\AppData\\Local\\Microsoft\\Edge\\User Data\\Default\\Code Cache\\js\\{hex}_0",
        ),
        ("FileCreated", "FileCreated", "FileModified", "FileDeleted"),
        30,
        "workstation",
        9.5,
    ),
    FileEdge(
        "chrome",
        (U + "\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\f_{hex}",),
        ("FileCreated", "FileModified", "FileDeleted"),
        14,
        "workstation",
        9.5,
    ),
    FileEdge(
        "msedge",
        (
            U + "\\Downloads\\{doc}.pdf",
            U + "\\Downloads\\{doc}.xlsx",
            U + "\\Downloads\\{doc} ({num}).docx",
        ),
        ("FileCreated",),
        0.6,
        "workstation",
        12.5,
    ),
    FileEdge(
        "outlook",
        (
            U
            + "\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\{hex8}\\{doc}.pdf",
            U + "\\AppData\\Local\\Microsoft\\Outlook\\{user}@contoso.com.ost",
        ),
        ("FileCreated", "FileModified", "FileModified"),
        6,
        "workstation",
        13,
    ),
    FileEdge(
        "onedrive",
        (
            U + "\\OneDrive - Contoso\\Documents\\{doc}.docx",
            U + "\\OneDrive - Contoso\\Documents\\{doc}.xlsx",
            U + "\\AppData\\Local\\Microsoft\\OneDrive\\logs\\Business1\\SyncEngine-{n}.odl",
        ),
        ("FileModified", "FileCreated", "FileModified"),
        8,
        "workstation",
        11.5,
    ),
    FileEdge(
        "winword",
        (
            U + "\\OneDrive - Contoso\\Documents\\~${doc}.docx",
            U + "\\AppData\\Roaming\\Microsoft\\Word\\{doc}((Autosaved-{n})).asd",
        ),
        ("FileCreated", "FileModified", "FileDeleted"),
        3,
        "workstation",
        10,
    ),
    FileEdge(
        "excel",
        (U + "\\AppData\\Local\\Microsoft\\Office\\16.0\\OfficeFileCache\\{hex}.tmp",),
        ("FileCreated", "FileDeleted"),
        2,
        "workstation",
        10,
    ),
    FileEdge(
        "teams",
        (
            U
            + "\\AppData\\Local\\Packages\\MSTeams_8wekyb3d8bbwe\\LocalCache\\Microsoft\\MSTeams\\EBWebView\\Default\\Cache\\Cache_Data\\f_{hex}",  # noqa: E501
        ),
        ("FileCreated", "FileModified"),
        8,
        "workstation",
        9,
    ),
    FileEdge(
        "msmpeng",
        (
            "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\{num}\\{hex}",
            "C:\\ProgramData\\Microsoft\\Windows Defender\\Definition Updates\\{{{guid}}}\\mpavbase.vdm",
            "C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\mpcache-{hex}.bin",
        ),
        ("FileCreated", "FileModified"),
        3,
        size=14,
    ),
    FileEdge(
        "mssense",
        (
            "C:\\ProgramData\\Microsoft\\Windows Defender Advanced Threat Protection\\Cyber\\{hex}.bin",
            "C:\\ProgramData\\Microsoft\\Windows Defender Advanced Threat Protection\\DataCollection\\{n}.{hex}.xml",
        ),
        ("FileCreated", "FileDeleted"),
        3,
        size=10,
    ),
    FileEdge(
        "svc_wu",
        (
            "C:\\Windows\\SoftwareDistribution\\Download\\{hex}{hex}\\{hex}.cab",
            "C:\\Windows\\SoftwareDistribution\\DataStore\\Logs\\edb{num}.log",
            "C:\\Windows\\Logs\\WindowsUpdate\\WindowsUpdate.{n}.etl",
        ),
        ("FileCreated", "FileModified"),
        2,
        size=13,
    ),
    FileEdge(
        "svc_netsvcs",
        (
            "C:\\Windows\\System32\\LogFiles\\WMI\\RtBackup\\EtwRTDiagLog.etl",
            "C:\\Windows\\Temp\\{hex8}.tmp",
            "C:\\ProgramData\\Microsoft\\Diagnosis\\ETLLogs\\AutoLogger\\AutoLogger-Diagtrack-Listener.etl",
        ),
        ("FileModified", "FileCreated", "FileDeleted"),
        2,
        size=11,
    ),
    FileEdge(
        "system",
        (
            "D:\\Shares\\Departments\\{dept}\\{doc}.docx",
            "D:\\Shares\\Departments\\{dept}\\{doc}.xlsx",
            "D:\\Shares\\Users\\{user}\\{doc}.pdf",
        ),
        ("FileModified", "FileCreated", "FileModified", "FileRenamed"),
        20,
        "server",
        12,
    ),
    FileEdge(
        "dfsrs",
        (
            "C:\\Windows\\SYSVOL\\domain\\DfsrPrivate\\Staging\\ContentSet{{{guid}}}-{{{guid}}}\\{hex}-{n}.frx",
        ),
        ("FileCreated", "FileDeleted"),
        2,
        "dc",
        9,
    ),
    FileEdge(
        "nginx",
        ("/var/log/nginx/access.log", "/var/log/nginx/error.log"),
        ("FileModified",),
        10,
        "linux",
        16,
    ),
    FileEdge(
        "cron",
        (
            "/var/log/syslog",
            "/var/lib/apt/lists/partial/archive.ubuntu.com_ubuntu_dists_jammy-updates_InRelease",
            "/tmp/tmp{hex8}",
        ),
        ("FileModified", "FileCreated", "FileDeleted"),
        5,
        "linux",
        12,
    ),
    FileEdge(
        "mdatp",
        (
            "/var/opt/microsoft/mdatp/wdavhistory/{hex}",
            "/var/log/microsoft/mdatp/microsoft_defender_core.log",
        ),
        ("FileModified", "FileCreated"),
        4,
        "linux",
        12,
    ),
)

_DOCS = (
    "Q3 Forecast",
    "Budget 2025",
    "Meeting notes",
    "Invoice-{n}",
    "Contract draft",
    "Onboarding checklist",
    "Sales pipeline",
    "Project plan",
    "Roadmap",
    "Timesheet",
    "Expense report",
    "Policy update",
    "Vendor list",
    "Board deck",
    "Training",
)
_DEPTS = ("Finance", "HR", "Engineering", "Operations", "Sales", "Legal", "Marketing")


def generate(ctx: LabContext, plan: DayPlan, inst: Instances) -> Iterator[Batch]:
    rng = ctx.rng(TABLE, plan.day)
    chosen = draw(ctx, plan, inst, TABLE, EDGES, rng)
    n = len(chosen)
    if n == 0:
        return
    cols: dict[str, Any] = inst.take(TABLE, chosen.inst)
    users = cols["InitiatingProcessAccountName"].to_pylist()
    on_server = np.array([EDGES[e].parent == "system" for e in chosen.edge.tolist()])
    people = [u.account for u in ctx.estate.users]
    who = rng.integers(0, len(people), size=n)
    users = [
        people[w].name if s else u
        for u, s, w in zip(users, on_server.tolist(), who.tolist(), strict=True)
    ]
    doc_pick = rng.integers(0, len(_DOCS), size=n)
    dept_pick = rng.integers(0, len(_DEPTS), size=n)
    values = {
        "user": users,
        "doc": [_DOCS[i].replace("{n}", str(1000 + i * 37)) for i in doc_pick.tolist()],
        "dept": [_DEPTS[i] for i in dept_pick.tolist()],
        "hex8": [h[:8].upper() for h in random_hex(rng, n, 8)],
    }
    paths = render([e.paths for e in EDGES], chosen.edge, rng, values)
    actions = render([e.actions for e in EDGES], chosen.edge, rng, {})
    names, folders = [], []
    for p in paths:
        sep = "/" if p.startswith("/") else "\\"
        folders.append(p)
        names.append(p.rsplit(sep, 1)[-1])
    medians = np.array([EDGES[e].size for e in chosen.edge.tolist()])
    cols |= {
        "Timestamp": chosen.ts,
        "ActionType": actions,
        "FileName": names,
        "FolderPath": folders,
        "FileSize": np.exp(medians + rng.normal(0, 1.0, n)).astype(np.int64),
        "SHA1": random_hex(rng, n, 40),
        "SHA256": random_hex(rng, n, 64),
        "MD5": random_hex(rng, n, 32),
        "ReportId": report_ids(rng, n),
        "AppGuardContainerId": "",
        "IsAzureInfoProtectionApplied": False,
    }
    _share_requests(ctx, cols, on_server, who, rng)
    renamed = [a == "FileRenamed" for a in actions]
    cols["PreviousFileName"] = [
        f"~WRL{n % 9999:04d}.tmp" if r else "" for n, r in enumerate(renamed)
    ]
    cols["PreviousFolderPath"] = [
        "" if not r else f.rsplit("\\", 1)[0] + f"\\~WRL{n % 9999:04d}.tmp"
        for n, (f, r) in enumerate(zip(folders, renamed, strict=True))
    ]
    yield Batch(TABLE, build(TABLE, cols, n), f"{TABLE}:{plan.day}")


def _share_requests(
    ctx: LabContext,
    cols: dict[str, Any],
    on_server: np.ndarray,
    who: np.ndarray,
    rng: np.random.Generator,
) -> None:
    """SMB writes on the file server name the user and workstation behind them."""
    people = ctx.estate.users
    ws_by_user = {
        d.primary_user.account.name: d.private_ip
        for d in ctx.estate.workstations
        if d.primary_user is not None
    }
    acc_name, acc_dom, acc_sid, src_ip, share = [], [], [], [], []
    for s, w in zip(on_server.tolist(), who.tolist(), strict=True):
        if s:
            acc = people[w].account
            acc_name.append(acc.name)
            acc_dom.append(acc.domain)
            acc_sid.append(acc.sid)
            src_ip.append(ws_by_user.get(acc.name, "10.0.1.20"))
            share.append("Departments")
        else:
            acc_name.append("")
            acc_dom.append("")
            acc_sid.append("")
            src_ip.append("")
            share.append("")
    cols |= {
        "RequestAccountName": acc_name,
        "RequestAccountDomain": acc_dom,
        "RequestAccountSid": acc_sid,
        "RequestSourceIP": src_ip,
        "ShareName": share,
        "RequestProtocol": ["SMB" if s else "" for s in on_server.tolist()],
    }
