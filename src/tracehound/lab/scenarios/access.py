"""Getting in and moving around: RDP brute force and lateral movement."""

from __future__ import annotations

from datetime import timedelta

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


def lateral_movement(story: Story) -> None:
    """An admin's stolen session pivots to a server with PsExec, WMI or a remote service."""
    ctx, rng = story.ctx, story.rng
    admin_ws = [d for d in ctx.estate.workstations if d.primary_user and d.primary_user.is_admin]
    dp, at = story.in_session(admin_ws or ctx.estate.workstations)
    src = dp.device
    user = src.primary_user
    assert user is not None
    acc = user.admin_account or user.account
    servers = [d for d in ctx.estate.devices if d.role == "server"]
    dst = story.pick(servers)
    dst_plan = story.plan(dst, story.day_of(at))
    method = story.pick(["psexec", "wmi", "service"])
    host = dst.short_name
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
    payload = story.pick(
        [
            "whoami /all > C:\\Windows\\Temp\\o.txt",
            "net localgroup administrators",
            'powershell -nop -c "Get-LocalUser | ft"',
            "ipconfig /all",
        ]
    )
    logon_id = int(rng.integers(1_000_000, 90_000_000))
    if method == "psexec":
        tool = story.proc(
            src, cmd, "psexec", f'PsExec.exe \\\\{host} -accepteula -s cmd.exe /c "{payload}"', at
        )
        story.net(src, tool, at + jitter(rng, 1), dst.private_ip, 445)
        story.logon(
            dst,
            dst_plan.procs["lsass"],
            acc,
            at + jitter(rng, 1.5),
            logon_type="Network",
            protocol="Kerberos",
            remote_ip=src.private_ip,
            remote_device=src.short_name,
            logon_id=logon_id,
            is_admin=True,
        )
        story.file(
            dst,
            dst_plan.procs["system"],
            at + jitter(rng, 2),
            "C:\\Windows\\PSEXESVC.exe",
            size=196_984,
            RequestAccountName=acc.name,
            RequestAccountDomain=acc.domain,
            RequestSourceIP=src.private_ip,
            ShareName="ADMIN$",
            RequestProtocol="SMB",
        )
        svc = story.proc(
            dst,
            dst_plan.procs["services"],
            "psexesvc",
            "C:\\Windows\\PSEXESVC.exe",
            at + jitter(rng, 3),
        )
        parent, child_at = svc, at + jitter(rng, 4)
    elif method == "wmi":
        tool = story.proc(
            src, cmd, "wmic", f'wmic /node:"{host}" process call create "cmd.exe /c {payload}"', at
        )
        story.net(src, tool, at + jitter(rng, 1), dst.private_ip, 135)
        story.logon(
            dst,
            dst_plan.procs["lsass"],
            acc,
            at + jitter(rng, 1.5),
            logon_type="Network",
            protocol="Kerberos",
            remote_ip=src.private_ip,
            remote_device=src.short_name,
            logon_id=logon_id,
            is_admin=True,
        )
        wmi = story.proc(
            dst,
            dst_plan.procs["svc_dcom"],
            "wmiprvse",
            "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
            at + jitter(rng, 2),
        )
        parent, child_at = wmi, at + jitter(rng, 3)
    else:
        name = story.pick(["UpdSvc", "WinHlpSvc", "PerfMonSvc", "BkupAgent"])
        tool = story.proc(
            src,
            cmd,
            "sc",
            f'sc.exe \\\\{host} create {name} binPath= "cmd.exe /c {payload}" start= demand',
            at,
        )
        story.net(src, tool, at + jitter(rng, 1), dst.private_ip, 445)
        story.logon(
            dst,
            dst_plan.procs["lsass"],
            acc,
            at + jitter(rng, 1.5),
            logon_type="Network",
            protocol="Kerberos",
            remote_ip=src.private_ip,
            remote_device=src.short_name,
            logon_id=logon_id,
            is_admin=True,
        )
        story.reg(
            dst,
            dst_plan.procs["services"],
            at + jitter(rng, 2),
            f"HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\{name}",
            "ImagePath",
            "ExpandString",
            f"cmd.exe /c {payload}",
        )
        story.proc(src, cmd, "sc", f"sc.exe \\\\{host} start {name}", at + jitter(rng, 5))
        parent, child_at = dst_plan.procs["services"], at + jitter(rng, 7)
    story.proc(
        dst,
        parent,
        "cmd",
        f"cmd.exe /c {payload}",
        child_at,
        account=acc if method != "psexec" else parent.account,
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
