"""Getting in and moving around: RDP brute force and lateral movement."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from tracehound.lab.estate import Account

from .base import ScenarioSpec, Story, jitter
from .infra import attacker_ip

_GUESSES = (
    "administrator",
    "admin",
    "user",
    "test",
    "azureuser",
    "labuser",
    "guest",
    "support",
    "backup",
    "scanner",
    "root",
    "operator",
)


def rdp_bruteforce(story: Story) -> None:
    """Many failed RDP logons from one public address, then a success with a real account."""
    ctx, rng = story.ctx, story.rng
    target = ctx.estate.device("windows-target-1")
    victim = target.local_admin
    assert victim is not None
    ip = attacker_ip(rng)
    start = story.recent(hours=66, margin_hours=4)
    failures = int(rng.integers(45, 260))
    plan = story.plan(target, story.day_of(start))
    lsass, winlogon, term = plan.procs["lsass"], plan.procs["winlogon"], plan.procs["svc_term"]
    at = start
    for i in range(failures):
        at += jitter(rng, float(rng.uniform(2, 12)))
        # Early guesses spray common names; later ones focus on the real account name.
        name = (
            victim.name if i > failures * 0.6 and rng.random() < 0.7 else str(rng.choice(_GUESSES))
        )
        acc = Account(name, target.short_name, "", kind="local")
        story.net(target, term, at - timedelta(milliseconds=300), ip, 3389, inbound=True)
        story.logon(
            target,
            lsass,
            acc,
            at,
            action="LogonFailed",
            logon_type="Network",
            protocol="NTLM",
            remote_ip=ip,
            failure="InvalidUserNameOrPassword",
            track=False,
        )
        if i % 20 == 0:
            story.flow(
                target,
                at,
                flow_type="ExternalPublic",
                direction="I",
                status="A",
                remote_ip=ip,
                port=3389,
                l7="rdp",
                flows=20,
                country="",
                bytes_in=float(rng.integers(40_000, 90_000)),
            )
    at += jitter(rng, 6)
    logon_id = int(rng.integers(1_000_000, 90_000_000))
    story.net(target, term, at - timedelta(milliseconds=300), ip, 3389, inbound=True)
    story.logon(
        target,
        lsass,
        victim,
        at,
        logon_type="Network",
        protocol="NTLM",
        remote_ip=ip,
        logon_id=logon_id - 3,
        is_admin=True,
    )
    at += jitter(rng, 3)
    story.logon(
        target,
        winlogon,
        victim,
        at,
        logon_type="RemoteInteractive",
        protocol="Negotiate",
        remote_ip=ip,
        logon_id=logon_id,
        is_admin=True,
    )
    userinit = story.proc(
        target,
        winlogon,
        "userinit",
        "C:\\Windows\\system32\\userinit.exe",
        at + jitter(rng, 2),
        account=victim,
        logon_id=logon_id,
        integrity="High",
        elevation="TokenElevationTypeFull",
    )
    story.proc(target, userinit, "explorer", "C:\\Windows\\Explorer.EXE", at + jitter(rng, 5))
    story.details |= {"failures": failures, "success_account": victim.name, "source_ip": ip}


#: Method -> (tool image, command line on the source, port it connects to on the target).
_LATERAL = MappingProxyType(
    {
        "psexec": ("psexec", 'PsExec.exe \\\\{host} -accepteula -s cmd.exe /c "{payload}"', 445),
        "wmi": ("wmic", 'wmic /node:"{host}" process call create "cmd.exe /c {payload}"', 135),
        "service": (
            "sc",
            'sc.exe \\\\{host} create {svc} binPath= "cmd.exe /c {payload}" start= demand',
            445,
        ),
    }
)
_PAYLOADS = (
    "whoami /all > C:\\Windows\\Temp\\o.txt",
    "net localgroup administrators",
    'powershell -nop -c "Get-LocalUser | ft"',
    "ipconfig /all",
)


def lateral_movement(story: Story) -> None:
    """An admin's stolen session pivots to a server with PsExec, WMI or a remote service."""
    ctx, rng = story.ctx, story.rng
    admin_ws = [d for d in ctx.estate.workstations if d.primary_user and d.primary_user.is_admin]
    dp, at = story.in_session(admin_ws or ctx.estate.workstations)
    src = dp.device
    user = src.primary_user
    assert user is not None
    acc = user.admin_account or user.account
    dst = story.pick([d for d in ctx.estate.devices if d.role == "server"])
    target = story.plan(dst, story.day_of(at)).procs
    method = story.pick(sorted(_LATERAL))
    key, template, port = _LATERAL[method]
    svc = story.pick(["UpdSvc", "WinHlpSvc", "PerfMonSvc", "BkupAgent"])
    payload = story.pick(list(_PAYLOADS))
    cmd = story.proc(
        src,
        dp.procs["explorer"],
        "cmd",
        '"C:\\Windows\\system32\\cmd.exe"',
        at,
        account=acc,
        integrity="High",
        elevation="TokenElevationTypeFull",
    )
    at += jitter(rng, 40)
    tool = story.proc(
        src, cmd, key, template.format(host=dst.short_name, payload=payload, svc=svc), at
    )
    story.net(src, tool, at + jitter(rng, 1), dst.private_ip, port)
    logon_id = int(rng.integers(1_000_000, 90_000_000))
    story.logon(
        dst,
        target["lsass"],
        acc,
        at + jitter(rng, 1.5),
        logon_type="Network",
        protocol="Kerberos",
        remote_ip=src.private_ip,
        remote_device=src.short_name,
        logon_id=logon_id,
        is_admin=True,
    )
    child_account = acc
    if method == "psexec":
        story.file(
            dst,
            target["system"],
            at + jitter(rng, 2),
            "C:\\Windows\\PSEXESVC.exe",
            size=196_984,
            RequestAccountName=acc.name,
            RequestAccountDomain=acc.domain,
            RequestSourceIP=src.private_ip,
            ShareName="ADMIN$",
            RequestProtocol="SMB",
        )
        parent = story.proc(
            dst, target["services"], "psexesvc", "C:\\Windows\\PSEXESVC.exe", at + jitter(rng, 3)
        )
        child_account = parent.account
    elif method == "wmi":
        parent = story.proc(
            dst,
            target["svc_dcom"],
            "wmiprvse",
            "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
            at + jitter(rng, 2),
        )
    else:
        story.reg(
            dst,
            target["services"],
            at + jitter(rng, 2),
            f"HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\{svc}",
            "ImagePath",
            "ExpandString",
            f"cmd.exe /c {payload}",
        )
        story.proc(src, cmd, "sc", f"sc.exe \\\\{dst.short_name} start {svc}", at + jitter(rng, 5))
        parent = target["services"]
    story.proc(
        dst,
        parent,
        "cmd",
        f"cmd.exe /c {payload}",
        at + jitter(rng, 7),
        account=child_account,
        logon_id=logon_id if method != "psexec" else None,
    )
    story.details |= {"method": method, "source": src.name, "target": dst.name}


SPECS = (
    ScenarioSpec(
        "rdp-bruteforce",
        "RDP brute force from the internet ending in a successful logon on windows-target-1",
        ("T1110.001", "T1133", "T1078.003"),
        ("TA0006", "TA0001", "TA0003"),
        rdp_bruteforce,
    ),
    ScenarioSpec(
        "lateral-movement",
        "Lateral movement to a server with PsExec, WMI or a remote service",
        ("T1021.002", "T1569.002", "T1047", "T1078.002"),
        ("TA0008", "TA0002"),
        lateral_movement,
    ),
)
