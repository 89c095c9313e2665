"""Benign ``DeviceRegistryEvents``: settings churn, including legitimate Run-key writers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tracehound.lab.context import LabContext
from tracehound.lab.frames import Batch, build

from .common import Instances, draw, render, report_ids
from .plan import DayPlan

TABLE = "DeviceRegistryEvents"
HKLM = "HKEY_LOCAL_MACHINE"
HKCU = "HKEY_CURRENT_USER\\{sid}"


@dataclass(frozen=True)
class RegEdge:
    parent: str
    key: str
    values: tuple[str, ...]  # "name|type|data" templates
    actions: tuple[str, ...]
    weight: float
    roles: str = "workstation|server|dc"


EDGES: tuple[RegEdge, ...] = (
    RegEdge(
        "svc_dcom",
        HKLM + "\\SYSTEM\\ControlSet001\\Services\\bam\\State\\UserSettings\\{sid}",
        (
            "\\Device\\HarddiskVolume3\\Windows\\System32\\svchost.exe|Binary|{hex}",
            "\\Device\\HarddiskVolume3\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE|Binary|{hex}",
        ),
        ("RegistryValueSet",),
        8,
        "workstation",
    ),
    RegEdge(
        "explorer",
        HKCU + "\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.docx",
        ("MRUListEx|Binary|{hex}", "{num}|Binary|{hex}"),
        ("RegistryValueSet",),
        6,
        "workstation",
    ),
    RegEdge(
        "explorer",
        HKCU
        + "\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\UserAssist\\{{CEBFF5CD-ACE2-4F4F-9178-9926F41749EA}}\\Count",
        ("HRZR_PGYFRFFVBA|Binary|{hex}",),
        ("RegistryValueSet",),
        6,
        "workstation",
    ),
    RegEdge(
        "outlook",
        HKCU
        + "\\Software\\Microsoft\\Office\\16.0\\Outlook\\Profiles\\Outlook\\9375CFF0413111d3B88A00104B2A6676\\00000002",
        ("LastChangeVer|Binary|{hex}", "Delivery Store EntryID|Binary|{hex}"),
        ("RegistryValueSet",),
        6,
        "workstation",
    ),
    RegEdge(
        "winword",
        HKCU + "\\Software\\Microsoft\\Office\\16.0\\Word\\Reading Locations\\Document {num}",
        ("Datetime|String|2025-01-{num}T10:{num}", "Position|String|0 {n}"),
        ("RegistryValueSet", "RegistryKeyCreated"),
        2,
        "workstation",
    ),
    RegEdge(
        "teams",
        HKCU + "\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
        (
            'ms-teams|String|"C:\\Program Files\\WindowsApps\\MSTeams_24295.605.3225.8804_x64__8wekyb3d8bbwe\\ms-teams.exe" msteams:system-initiated',  # noqa: E501
        ),
        ("RegistryValueSet",),
        0.05,
        "workstation",
    ),
    RegEdge(
        "onedrive",
        HKCU + "\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
        ('OneDrive|String|"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe" /background',),
        ("RegistryValueSet",),
        0.05,
        "workstation",
    ),
    RegEdge(
        "onedrive",
        HKCU + "\\Software\\Microsoft\\OneDrive\\Accounts\\Business1",
        ("LastSignInTime|Dword|{n}", "UserFolder|String|C:\\Users\\{user}\\OneDrive - Contoso"),
        ("RegistryValueSet",),
        4,
        "workstation",
    ),
    RegEdge(
        "msmpeng",
        HKLM + "\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates",
        (
            "SignaturesLastUpdated|Binary|{hex}",
            "AVSignatureVersion|String|1.421.{n}.0",
            "EngineVersion|String|1.1.24090.11",
        ),
        ("RegistryValueSet",),
        3,
    ),
    RegEdge(
        "mssense",
        HKLM + "\\SOFTWARE\\Microsoft\\Windows Advanced Threat Protection\\Status",
        ("LastConnected|Qword|{n}{n}", "OnboardingState|Dword|1"),
        ("RegistryValueSet",),
        3,
    ),
    RegEdge(
        "svc_wu",
        HKLM
        + "\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Orchestrator\\UScheduler\\{n}",
        ("workCompleted|String|{n}", "lastRun|Qword|{n}{n}"),
        ("RegistryValueSet", "RegistryKeyCreated", "RegistryKeyDeleted"),
        2,
    ),
    RegEdge(
        "svc_netsvcs",
        HKLM
        + "\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan",  # noqa: E501
        ("Index|Dword|{num}", "SD|Binary|{hex}"),
        ("RegistryValueSet",),
        1,
    ),
    RegEdge(
        "services",
        HKLM + "\\SYSTEM\\ControlSet001\\Services\\{svc}",
        (
            "Start|Dword|3",
            "ImagePath|ExpandString|%SystemRoot%\\System32\\svchost.exe -k netsvcs -p",
        ),
        ("RegistryValueSet",),
        0.6,
    ),
    RegEdge(
        "searchindexer",
        HKLM + "\\SOFTWARE\\Microsoft\\Windows Search\\Gather\\Windows\\SystemIndex",
        ("FilesIndexed|Dword|{n}", "CrawlStartTime|Qword|{n}{n}"),
        ("RegistryValueSet",),
        3,
    ),
    RegEdge(
        "dns",
        HKLM + "\\SYSTEM\\ControlSet001\\Services\\DNS\\Parameters",
        ("LastScavengeTime|Dword|{n}",),
        ("RegistryValueSet",),
        1,
        "dc",
    ),
    RegEdge(
        "lsass",
        HKLM + "\\SYSTEM\\ControlSet001\\Control\\Lsa\\Kerberos\\Parameters",
        ("LastTicketRenew|Qword|{n}{n}",),
        ("RegistryValueSet",),
        0.5,
        "dc|server",
    ),
)
_SERVICES = (
    "BITS",
    "wuauserv",
    "UsoSvc",
    "DoSvc",
    "WaaSMedicSvc",
    "edgeupdate",
    "TrustedInstaller",
)


def generate(ctx: LabContext, plan: DayPlan, inst: Instances) -> Iterator[Batch]:
    rng = ctx.rng(TABLE, plan.day)
    chosen = draw(ctx, plan, inst, TABLE, EDGES, rng)
    n = len(chosen)
    if n == 0:
        return
    cols: dict[str, Any] = inst.take(TABLE, chosen.inst)
    sids = cols["InitiatingProcessAccountSid"].to_pylist()
    users = cols["InitiatingProcessAccountName"].to_pylist()
    pick = rng.integers(0, len(_SERVICES), size=n)
    values = {"sid": sids, "user": users, "svc": [_SERVICES[i] for i in pick.tolist()]}
    keys = render([(e.key,) for e in EDGES], chosen.edge, rng, values)
    triples = [v.split("|", 2) for v in render([e.values for e in EDGES], chosen.edge, rng, values)]
    actions = render([e.actions for e in EDGES], chosen.edge, rng, {})
    deleted_key = [a == "RegistryKeyDeleted" for a in actions]
    created_key = [a == "RegistryKeyCreated" for a in actions]
    cols |= {
        "Timestamp": chosen.ts,
        "ActionType": actions,
        "RegistryKey": keys,
        "RegistryValueName": [
            "" if d or c else t[0]
            for t, d, c in zip(triples, deleted_key, created_key, strict=True)
        ],
        "RegistryValueType": [
            "" if d or c else t[1]
            for t, d, c in zip(triples, deleted_key, created_key, strict=True)
        ],
        "RegistryValueData": [
            "" if d or c else t[2]
            for t, d, c in zip(triples, deleted_key, created_key, strict=True)
        ],
        "PreviousRegistryKey": [k if d else "" for k, d in zip(keys, deleted_key, strict=True)],
        "PreviousRegistryValueName": "",
        "PreviousRegistryValueData": "",
        "ReportId": report_ids(rng, n),
        "AppGuardContainerId": "",
    }
    yield Batch(TABLE, build(TABLE, cols, n), f"{TABLE}:{plan.day}")
