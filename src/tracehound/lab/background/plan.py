"""Who and what is running on each device on one day.

System processes are started at boot (before the window) and keep their pids all week; a
workstation's user session (userinit -> explorer -> apps) starts each working morning. Every
table generator draws its initiating processes from this plan, so a browser's connections,
file writes and child processes all name the same msedge.exe instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

import numpy as np

from tracehound.lab.clock import US_PER_HOUR, from_us, local_weekday, to_us
from tracehound.lab.context import LabContext
from tracehound.lab.data.images import image
from tracehound.lab.estate import (
    LOCAL_SERVICE,
    NETWORK_SERVICE,
    ROOT,
    SYSTEM,
    Account,
    Device,
)
from tracehound.lab.ids import public_ip
from tracehound.lab.procs import Proc

#: (kind, image key, command line, parent kind, account) for Windows boot-time processes.
_WINDOWS_BOOT: tuple[tuple[str, str, str, str, Account], ...] = (
    ("smss", "smss", "\\SystemRoot\\System32\\smss.exe", "system", SYSTEM),
    ("wininit", "wininit", "wininit.exe", "smss", SYSTEM),
    ("winlogon", "winlogon", "winlogon.exe", "smss", SYSTEM),
    ("services", "services", "services.exe", "wininit", SYSTEM),
    ("lsass", "lsass", "lsass.exe", "wininit", SYSTEM),
    ("svc_dcom", "svchost", "svchost.exe -k DcomLaunch -p", "services", SYSTEM),
    ("svc_schedule", "svchost", "svchost.exe -k netsvcs -p -s Schedule", "services", SYSTEM),
    ("svc_netsvcs", "svchost", "svchost.exe -k netsvcs -p", "services", SYSTEM),
    ("svc_wu", "svchost", "svchost.exe -k netsvcs -p -s wuauserv", "services", SYSTEM),
    (
        "svc_dns",
        "svchost",
        "svchost.exe -k NetworkService -p -s Dnscache",
        "services",
        NETWORK_SERVICE,
    ),
    (
        "svc_term",
        "svchost",
        "svchost.exe -k NetworkService -s TermService",
        "services",
        NETWORK_SERVICE,
    ),
    (
        "svc_local",
        "svchost",
        "svchost.exe -k LocalServiceNetworkRestricted -p",
        "services",
        LOCAL_SERVICE,
    ),
    (
        "wmiprvse",
        "wmiprvse",
        "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
        "svc_dcom",
        NETWORK_SERVICE,
    ),
    ("msmpeng", "msmpeng", '"MsMpEng.exe"', "services", SYSTEM),
    ("mssense", "mssense", '"MsSense.exe"', "services", SYSTEM),
    (
        "searchindexer",
        "searchindexer",
        "C:\\Windows\\system32\\SearchIndexer.exe /Embedding",
        "services",
        SYSTEM,
    ),
)
_ROLE_BOOT: Mapping[str, tuple[tuple[str, str, str, str, Account], ...]] = MappingProxyType(
    {
        "dc": (
            ("dns", "dns", "C:\\Windows\\system32\\dns.exe", "services", SYSTEM),
            ("dfsrs", "dfsrs", "C:\\Windows\\system32\\DFSRs.exe", "services", SYSTEM),
        ),
        "server": (
            (
                "w3wp",
                "w3wp",
                'c:\\windows\\system32\\inetsrv\\w3wp.exe -ap "DefaultAppPool" -v "v4.0" -l "webengine4.dll" -a \\\\.\\pipe\\iisipm4f3c2a -h "C:\\inetpub\\temp\\apppools\\DefaultAppPool\\DefaultAppPool.config" -w "" -m 0',  # noqa: E501
                "svc_netsvcs",
                NETWORK_SERVICE,
            ),
        ),
    }
)
_LINUX_BOOT: tuple[tuple[str, str, str, str, Account], ...] = (
    ("systemd", "systemd", "/sbin/init", "", ROOT),
    ("cron", "cron", "/usr/sbin/cron -f -P", "systemd", ROOT),
    ("sshd", "sshd", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", "systemd", ROOT),
    ("mdatp", "mdatp", "/opt/microsoft/mdatp/sbin/wdavdaemon", "systemd", ROOT),
    (
        "nginx",
        "nginx",
        "nginx: master process /usr/sbin/nginx -g daemon on; master_process on;",
        "systemd",
        ROOT,
    ),
)
#: Applications a user opens after logon: (kind, image, command line, minutes after logon, share).
_SESSION_APPS: tuple[tuple[str, str, str, float, float], ...] = (
    (
        "msedge",
        "msedge",
        '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --single-argument',
        2.0,
        0.85,
    ),
    ("chrome", "chrome", '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"', 3.0, 0.35),
    (
        "outlook",
        "outlook",
        '"C:\\Program Files\\Microsoft Office\\Root\\Office16\\OUTLOOK.EXE"',
        1.0,
        0.95,
    ),
    (
        "teams",
        "teams",
        '"ms-teams.exe" --processStart "ms-teams.exe" --process-start-args "--system-initiated"',
        0.5,
        0.9,
    ),
    (
        "onedrive",
        "onedrive",
        '"C:\\Program Files\\Microsoft OneDrive\\OneDrive.exe" /background',
        0.3,
        0.95,
    ),
    (
        "winword",
        "winword",
        '"C:\\Program Files\\Microsoft Office\\Root\\Office16\\WINWORD.EXE" /n',
        40.0,
        0.6,
    ),
    (
        "excel",
        "excel",
        '"C:\\Program Files\\Microsoft Office\\Root\\Office16\\EXCEL.EXE"',
        70.0,
        0.5,
    ),
)


@dataclass(frozen=True)
class Session:
    """A user's working session on one device and day."""

    account: Account
    start_us: int
    end_us: int
    logon_id: int
    logon_type: str  # Interactive | RemoteInteractive
    remote_ip: str = ""
    created: tuple[Proc, ...] = ()  # processes started at logon, in order


@dataclass(frozen=True)
class DevicePlan:
    device: Device
    procs: dict[str, Proc] = field(default_factory=dict)  # kind -> instance
    session: Session | None = None


@dataclass(frozen=True)
class RdpNoise:
    """Internet background noise against an exposed host: scanners guessing a password."""

    device: Device
    times_us: tuple[int, ...]
    ips: tuple[str, ...]
    accounts: tuple[str, ...]
    port: int


@dataclass(frozen=True)
class DayPlan:
    day: int
    start_us: int
    weekday: int
    devices: tuple[DevicePlan, ...]
    noise: tuple[RdpNoise, ...]

    @property
    def is_weekend(self) -> bool:
        return self.weekday >= 5


def _pid(rng: np.random.Generator) -> int:
    return int(rng.integers(250, 16_000)) * 4


def boot_procs(ctx: LabContext, device: Device) -> dict[str, Proc]:
    """The long-running processes started when *device* last booted (before the window)."""
    rng = ctx.rng("boot", device.name)
    boot = ctx.window.start - timedelta(days=float(rng.uniform(2, 25)))
    table = (
        _LINUX_BOOT if not device.is_windows else _WINDOWS_BOOT + _ROLE_BOOT.get(device.role, ())
    )
    if not device.is_windows and device.name != "linux-web-01":
        table = tuple(t for t in table if t[0] != "nginx")
    procs: dict[str, Proc] = {}
    system = Proc(image("system"), 4, boot, "", SYSTEM, 999)
    if device.is_windows:
        procs["system"] = system
    for i, (kind, key, cmd, parent_kind, account) in enumerate(table):
        at = boot + timedelta(seconds=2 + i * 1.7 + float(rng.uniform(0, 2)))
        pid = 1 if kind == "systemd" else _pid(rng)
        parent = procs.get(parent_kind)
        proc = Proc(image(key), pid, at, cmd, account, _logon_id(account, rng))
        if parent is not None:
            proc = parent.spawn(
                image(key), cmd, at, pid, account=account, logon_id=_logon_id(account, rng)
            )
        procs[kind] = proc
    return procs


def _logon_id(account: Account, rng: np.random.Generator) -> int:
    from tracehound.lab.estate import WELL_KNOWN_LOGON_IDS

    return WELL_KNOWN_LOGON_IDS.get(
        account.sid, 0 if account is ROOT else int(rng.integers(100_000, 9_000_000))
    )


def _session(
    ctx: LabContext,
    plan_day: int,
    device: Device,
    procs: dict[str, Proc],
    weekday: int,
    day_start_us: int,
) -> Session | None:
    rng = ctx.rng("session", device.name, plan_day)
    tz = ctx.estate.org.tz_offset_hours
    remote_ip = ""
    if device.primary_user is not None:
        works = rng.random() < (0.93 if weekday < 5 else 0.06)
        account = device.primary_user.account
        logon_type = "Interactive"
        start_local_h = float(rng.normal(8.4, 0.5))
        length_h = float(np.clip(rng.normal(8.8, 1.0), 3, 12))
    elif device.local_admin is not None and device.azure_vm:
        works = rng.random() < (0.45 if weekday < 5 else 0.1)
        account = device.local_admin
        logon_type = "RemoteInteractive"
        start_local_h = float(rng.uniform(9, 16))
        length_h = float(rng.uniform(0.3, 2.5))
        remote_ip = ctx.estate.org.office_egress_ips[0]
    else:
        return None
    if not works:
        return None
    # The first moment after the day's start when the local clock shows start_local_h.
    day_hour = (day_start_us % (24 * US_PER_HOUR)) / US_PER_HOUR
    start = day_start_us + int((start_local_h - tz - day_hour) % 24 * US_PER_HOUR)
    end = min(start + int(length_h * US_PER_HOUR), day_start_us + 24 * US_PER_HOUR - 1)
    logon_id = int(rng.integers(1_000_000, 90_000_000))
    winlogon = procs["winlogon"]
    at = from_us(start + int(rng.integers(1_000_000, 4_000_000)))
    session_id = 1 if logon_type == "Interactive" else int(rng.integers(2, 6))
    userinit = Proc(
        image("userinit"),
        _pid(rng),
        at,
        "C:\\Windows\\system32\\userinit.exe",
        account,
        logon_id,
        "Medium",
        "TokenElevationTypeLimited",
        winlogon.image.name,
        winlogon.pid,
        winlogon.created,
        session_id,
        remote_ip,
    )
    explorer = userinit.spawn(
        image("explorer"),
        "C:\\Windows\\Explorer.EXE",
        at + timedelta(seconds=float(rng.uniform(1, 4))),
        _pid(rng),
    )
    created = [userinit, explorer]
    for kind, key, cmd, minutes, share in _SESSION_APPS:
        if logon_type == "RemoteInteractive" and kind not in ("msedge",):
            continue
        if rng.random() < share:
            when = explorer.created + timedelta(minutes=minutes * float(rng.uniform(0.5, 1.5)))
            if to_us(when) < end:
                created.append(explorer.spawn(image(key), cmd, when, _pid(rng)))
    return Session(account, start, end, logon_id, logon_type, remote_ip, tuple(created))


def _noise(ctx: LabContext, day: int, day_start_us: int) -> tuple[RdpNoise, ...]:
    """A handful of failed guesses a day from scattered internet addresses."""
    out: list[RdpNoise] = []
    rng = ctx.rng("noise", day)
    for dev in ctx.estate.devices:
        if not dev.internet_facing:
            continue
        ips: list[str] = []
        times: list[int] = []
        users: list[str] = []
        names = (
            ("administrator", "admin", "user", "test", "guest")
            if dev.is_windows
            else ("root", "admin", "ubuntu", "test", "oracle", "postgres")
        )
        for _ in range(int(rng.integers(3, 12))):
            ip = public_ip(rng)
            t0 = day_start_us + int(rng.integers(0, 24 * US_PER_HOUR - 120_000_000))
            for k in range(int(rng.integers(1, 4))):
                ips.append(ip)
                times.append(t0 + k * int(rng.integers(2_000_000, 40_000_000)))
                users.append(str(rng.choice(names)))
        out.append(
            RdpNoise(dev, tuple(times), tuple(ips), tuple(users), 3389 if dev.is_windows else 22)
        )
    return tuple(out)


def day_plan(ctx: LabContext, day: int, boots: dict[str, dict[str, Proc]]) -> DayPlan:
    """The plan for *day* (0 = the first day of the window)."""
    start = ctx.window.day_start(day)
    start_us = to_us(start)
    weekday = local_weekday(start, ctx.estate.org.tz_offset_hours)
    plans = []
    for dev in ctx.estate.devices:
        procs = dict(boots[dev.name])
        session = _session(ctx, day, dev, procs, weekday, start_us) if dev.is_windows else None
        if session is not None:
            for proc in session.created:
                kind = next((k for k, key, *_ in _SESSION_APPS if image(key) == proc.image), None)
                procs[kind or proc.image.key] = proc
        plans.append(DevicePlan(dev, procs, session))
    return DayPlan(day, start_us, weekday, tuple(plans), _noise(ctx, day, start_us))
