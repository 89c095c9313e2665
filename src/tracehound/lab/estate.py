"""The organization the lab simulates: its devices, people, accounts and addresses.

Built once per seed. A few names are fixed because scenarios and users refer to them:
``windows-target-1`` (an internet-exposed Azure VM, as in the original lab), its near-name
``windows-target-10`` (a trap for prefix matching), a domain controller, a file server and a
Linux web server. The rest are workstations and servers sized by ``--devices``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from tracehound.errors import UsageError
from tracehound.lab.data.places import HOME_PLACES, Place
from tracehound.lab.ids import guid_for, hex_id, public_ip, stream

MIN_DEVICES = 6
MIN_USERS = 5

_FIRST = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra",
    "Mark", "Ashley", "Steven", "Emily", "Andrew", "Kimberly", "Paul", "Donna", "Joshua",
    "Michelle", "Kevin", "Carol", "Brian", "Amanda", "Priya", "Wei", "Carlos", "Fatima",
    "Hiroshi", "Olga", "Mateo", "Aisha", "Lars", "Ines",
)  # fmt: skip
_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Patel", "Chen", "Okafor", "Novak",
)  # fmt: skip
_DEPARTMENTS = ("fin", "hr", "eng", "ops", "sales", "legal", "mkt")
_TARGET_LOCAL_ADMINS = ("labuser", "azureuser", "vmadmin", "localadmin", "cyberlab")


@dataclass(frozen=True)
class Account:
    """A security principal as Defender prints it (domain lowercase, SID, UPN if any)."""

    name: str
    domain: str
    sid: str
    upn: str = ""
    object_id: str = ""
    kind: str = "user"  # user | system | local


SYSTEM = Account("system", "nt authority", "S-1-5-18", kind="system")
LOCAL_SERVICE = Account("local service", "nt authority", "S-1-5-19", kind="system")
NETWORK_SERVICE = Account("network service", "nt authority", "S-1-5-20", kind="system")
ROOT = Account("root", "", "", kind="system")

#: Logon ids Windows gives the built-in service accounts.
WELL_KNOWN_LOGON_IDS = MappingProxyType({"S-1-5-18": 999, "S-1-5-19": 997, "S-1-5-20": 996})


@dataclass(frozen=True)
class User:
    """A person: their domain account, cloud identity, home city and department."""

    display_name: str
    account: Account
    user_id: str  # Entra object id
    department: str
    home: Place
    is_admin: bool
    admin_account: Account | None = None


@dataclass(frozen=True)
class Device:
    """A machine onboarded to Defender (or an Azure VM seen by NSG flow logs)."""

    name: str
    device_id: str
    role: str  # workstation | server | dc | linux
    os_platform: str
    os_build: int
    private_ip: str
    public_ip: str = ""
    internet_facing: bool = False
    azure_vm: bool = False
    domain_joined: bool = True
    primary_user: User | None = None
    local_admin: Account | None = None
    machine_sid: str = ""

    @property
    def is_windows(self) -> bool:
        return self.role != "linux"

    @property
    def short_name(self) -> str:
        return self.name.split(".")[0]


@dataclass(frozen=True)
class Org:
    """Tenant-wide identifiers."""

    name: str = "Contoso"
    netbios: str = "contoso"
    dns_domain: str = "corp.contoso.com"
    upn_suffix: str = "contoso.com"
    tenant_id: str = ""
    subscription_id: str = ""
    domain_sid: str = ""
    tz_offset_hours: int = -5  # the office's local time is UTC-5
    office_egress_ips: tuple[str, ...] = ()
    resource_group: str = "rg-cyber-lab"
    region: str = "eastus"


@dataclass(frozen=True)
class Estate:
    org: Org
    devices: tuple[Device, ...]
    users: tuple[User, ...]

    def device(self, name: str) -> Device:
        """The device called *name* exactly (never a prefix match)."""
        for dev in self.devices:
            if dev.name == name or dev.short_name == name:
                return dev
        raise KeyError(name)

    def by_role(self, role: str) -> list[Device]:
        return [d for d in self.devices if d.role == role]

    @property
    def workstations(self) -> list[Device]:
        return self.by_role("workstation")

    @property
    def admins(self) -> list[User]:
        return [u for u in self.users if u.is_admin]

    @property
    def azure_vms(self) -> list[Device]:
        return [d for d in self.devices if d.azure_vm]


def _sid_parts(rng: np.random.Generator) -> str:
    a, b, c = (int(x) for x in rng.integers(100_000_000, 4_294_967_295, size=3))
    return f"S-1-5-21-{a}-{b}-{c}"


def _users(rng: np.random.Generator, org: Org, count: int) -> list[User]:
    users: list[User] = []
    seen: set[str] = set()
    admins = max(2, count // 12)
    for i in range(count):
        while True:
            first, last = str(rng.choice(_FIRST)), str(rng.choice(_LAST))
            sam = f"{first[0]}{last}".lower()
            if sam not in seen:
                seen.add(sam)
                break
        sid = f"{org.domain_sid}-{1105 + i * 3}"
        upn = f"{first}.{last}@{org.upn_suffix}".lower()
        oid = guid_for(org.tenant_id, upn)
        is_admin = i < admins
        admin_acc = None
        if is_admin:
            admin_acc = Account(
                f"adm-{sam}",
                org.netbios,
                f"{org.domain_sid}-{1105 + i * 3 + 1}",
                f"adm-{sam}@{org.upn_suffix}",
                guid_for(org.tenant_id, "adm", upn),
            )
        users.append(
            User(
                display_name=f"{first} {last}",
                account=Account(sam, org.netbios, sid, upn, oid),
                user_id=oid,
                department="it" if is_admin else str(rng.choice(_DEPARTMENTS)),
                home=HOME_PLACES[int(rng.integers(len(HOME_PLACES)))],
                is_admin=is_admin,
                admin_account=admin_acc,
            )
        )
    return users


def build_estate(seed: int, devices: int, users: int) -> Estate:
    """The organization for *seed*: ``devices`` machines, ``users`` people."""
    if devices < MIN_DEVICES:
        raise UsageError(f"--devices {devices} is too small", f"use at least {MIN_DEVICES}")
    if users < MIN_USERS:
        raise UsageError(f"--users {users} is too small", f"use at least {MIN_USERS}")
    rng = stream(seed, "estate")
    org = Org(
        tenant_id=guid_for("tenant", str(seed)),
        subscription_id=guid_for("subscription", str(seed)),
        domain_sid=_sid_parts(rng),
        office_egress_ips=(public_ip(rng), public_ip(rng)),
    )
    people = _users(rng, org, users)
    suffix = "." + org.dns_domain

    def dev(name: str, role: str, platform: str, build: int, ip: str, **kw: Any) -> Device:
        sid = _sid_parts(rng)
        return Device(
            name, hex_id(str(seed), name), role, platform, build, ip, machine_sid=sid, **kw
        )

    target_admin_name = str(rng.choice(_TARGET_LOCAL_ADMINS))
    out: list[Device] = []
    t1 = dev(
        "windows-target-1",
        "workstation",
        "Windows10",
        19045,
        "10.0.0.5",
        public_ip=public_ip(rng),
        internet_facing=True,
        azure_vm=True,
        domain_joined=False,
    )
    t1_admin = Account(
        target_admin_name, "windows-target-1", f"{t1.machine_sid}-1000", kind="local"
    )
    out.append(_with(t1, local_admin=t1_admin))
    t10 = dev(
        "windows-target-10",
        "workstation",
        "Windows10",
        19045,
        "10.0.0.6",
        azure_vm=True,
        domain_joined=False,
    )
    out.append(
        _with(
            t10,
            local_admin=Account(
                "labuser", "windows-target-10", f"{t10.machine_sid}-1000", kind="local"
            ),
        )
    )
    out.append(dev("dc01" + suffix, "dc", "WindowsServer2022", 20348, "10.0.2.10"))
    out.append(dev("fs01" + suffix, "server", "WindowsServer2022", 20348, "10.0.2.20"))
    out.append(
        dev(
            "linux-web-01",
            "linux",
            "Linux",
            0,
            "10.0.0.10",
            azure_vm=True,
            domain_joined=False,
            public_ip=public_ip(rng),
            internet_facing=True,
        )
    )
    extra_servers = max(0, (devices - MIN_DEVICES) // 8)
    for i in range(extra_servers):
        if i % 2 == 0:
            out.append(
                dev(
                    f"app{i // 2 + 1:02d}{suffix}",
                    "server",
                    "WindowsServer2019",
                    17763,
                    f"10.0.2.{30 + i}",
                )
            )
        else:
            out.append(
                dev(
                    f"linux-db-{i // 2 + 1:02d}",
                    "linux",
                    "Linux",
                    0,
                    f"10.0.0.{20 + i}",
                    azure_vm=True,
                    domain_joined=False,
                )
            )
    ws_count = devices - len(out)
    for i in range(ws_count):
        owner = people[i % len(people)]
        platform, build = ("Windows11", 22631) if rng.random() < 0.7 else ("Windows10", 19045)
        name = f"{owner.department}-ws-{101 + i:03d}{suffix}"
        out.append(
            _with(dev(name, "workstation", platform, build, f"10.0.1.{20 + i}"), primary_user=owner)
        )
    return Estate(org, tuple(out), tuple(people))


def _with(device: Device, **changes: object) -> Device:
    return replace(device, **changes)  # type: ignore[arg-type]
