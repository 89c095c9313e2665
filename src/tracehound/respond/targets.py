"""Finding exactly the thing an action will touch, through the platform's own API.

Devices are matched by exact name, case-insensitively: a fully qualified name against
``computerDnsName`` (``eq``, server side, then checked again client side), a bare hostname
against the first label of each machine's ``computerDnsName`` (client side, on equality; the
API offers no exact hostname filter and ``startswith`` would let ``win-1`` match ``win-10``).
Several matches are never guessed between: they are returned sorted by last seen, with health,
and a person picks one by machine id. Users are looked up by object id or UPN; indicators are
validated and typed locally.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from tracehound.errors import UsageError
from tracehound.respond.defender import DefenderClient
from tracehound.respond.graph import GraphClient
from tracehound.respond.models import Target

_HOST = re.compile(r"[A-Za-z0-9_-]{1,63}")


class AmbiguousTargetError(UsageError):
    """Several machines carry the name; a person must choose one by machine id."""

    def __init__(self, name: str, candidates: list[Target]) -> None:
        lines = [
            f"  {c.id}  {c.name}  os={c.details.get('osPlatform')}  "
            f"lastSeen={c.details.get('lastSeen')}  health={c.details.get('healthStatus')}"
            for c in candidates
        ]
        super().__init__(
            f"{len(candidates)} devices are named {name!r} (most recently seen first):\n"
            + "\n".join(lines),
            "choose one with --machine-id ID",
        )
        self.name = name
        self.candidates = candidates


def device_target(machine: dict[str, Any]) -> Target:
    keys = ("osPlatform", "version", "lastSeen", "healthStatus", "rbacGroupName", "lastIpAddress")
    return Target(
        kind="device",
        id=str(machine.get("id")),
        name=str(machine.get("computerDnsName") or ""),
        details={k: machine.get(k) for k in keys if machine.get(k) is not None},
    )


def name_matches(query: str, dns_name: str) -> bool:
    """Exact, case-insensitive: the full name, or a bare hostname against the first label."""
    q, d = query.strip().lower().rstrip("."), dns_name.strip().lower().rstrip(".")
    if not q or not d:
        return False
    if "." in q:
        return q == d
    return d.split(".", 1)[0] == q


def find_devices(client: DefenderClient, name: str) -> list[Target]:
    """Every machine named *name* (hostname or FQDN), most recently seen first."""
    query = name.strip()
    if not query:
        raise UsageError("the device name is empty", "pass --device HOSTNAME or FQDN")
    if "." in query:
        machines = client.machines_by_dns_name(query.lower())
        if query != query.lower():
            machines += client.machines_by_dns_name(query)
    else:
        machines = client.machines()  # every page; matched on the hostname label below
    seen: dict[str, Target] = {}
    for machine in machines:
        if name_matches(query, str(machine.get("computerDnsName") or "")):
            seen[str(machine.get("id"))] = device_target(machine)
    return sorted(seen.values(), key=lambda t: str(t.details.get("lastSeen") or ""), reverse=True)


def resolve_device(client: DefenderClient, name: str | None, machine_id: str | None) -> Target:
    """The one machine an action targets; ambiguity and absence are errors, never guesses."""
    if name is None and machine_id is None:
        raise UsageError("no device given", "pass --device NAME (or --machine-id ID)")
    if name is None:
        assert machine_id is not None
        return device_target(client.machine(machine_id))
    candidates = find_devices(client, name)
    if machine_id is not None:
        chosen = [c for c in candidates if c.id == machine_id]
        if not chosen:
            raise UsageError(
                f"machine id {machine_id} is not one of the devices named {name!r}",
                "pick an id from the list `actions plan` showed",
            )
        return chosen[0]
    if not candidates:
        raise UsageError(
            f"no device named {name!r} in Defender for Endpoint",
            "names match exactly (hostname or FQDN, any case); check the spelling",
        )
    if len(candidates) > 1:
        raise AmbiguousTargetError(name, candidates)
    return candidates[0]


def resolve_user(client: GraphClient, user: str | None) -> Target:
    if not user or not user.strip():
        raise UsageError("no user given", "pass --user UPN (or object id)")
    found = client.user(user.strip())
    return Target(
        kind="user",
        id=str(found.get("id")),
        name=str(found.get("userPrincipalName") or user),
        details={
            k: found[k] for k in ("displayName", "accountEnabled") if found.get(k) is not None
        },
    )


def _is_ip(value: str) -> bool:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    return bool(address.version in (4, 6))


def _is_domain(value: str) -> bool:
    labels = value.rstrip(".").split(".")
    return len(labels) >= 2 and all(_HOST.fullmatch(label) for label in labels)


def _is_url(value: str) -> bool:
    return re.fullmatch(r"https?://[^\s/$.?#][^\s]*", value, re.IGNORECASE) is not None


def _hex(length: int) -> Callable[[str], bool]:
    return lambda v: re.fullmatch(f"[0-9a-fA-F]{{{length}}}", v) is not None


#: user-facing type -> (Defender indicatorType, validator); order is the inference order.
INDICATOR_TYPES: Mapping[str, tuple[str, Callable[[str], bool]]] = MappingProxyType(
    {
        "ip": ("IpAddress", _is_ip),
        "url": ("Url", _is_url),
        "sha256": ("FileSha256", _hex(64)),
        "sha1": ("FileSha1", _hex(40)),
        "md5": ("FileMd5", _hex(32)),
        "domain": ("DomainName", _is_domain),
    }
)


def resolve_indicator(value: str | None, kind: str | None) -> Target:
    """A typed indicator (IP, domain, URL, file hash); the type is inferred when not given."""
    if not value or not value.strip():
        raise UsageError("no indicator value given", "pass --value VALUE")
    value = value.strip()
    if kind is not None:
        entry = INDICATOR_TYPES.get(kind.lower())
        if entry is None:
            raise UsageError(
                f"unknown indicator type {kind!r}", f"one of: {', '.join(INDICATOR_TYPES)}"
            )
        if not entry[1](value):
            raise UsageError(f"{value!r} is not a valid {kind} indicator")
        api_type = entry[0]
    else:
        matches = [api for api, check in INDICATOR_TYPES.values() if check(value)]
        if not matches:
            raise UsageError(
                f"cannot tell what kind of indicator {value!r} is",
                f"pass --indicator-type ({', '.join(INDICATOR_TYPES)})",
            )
        api_type = matches[0]
    if api_type == "IpAddress" and "/" in value:
        raise UsageError("CIDR ranges are not supported by Defender indicators")
    return Target(kind="indicator", id=value, name=value, details={"indicatorType": api_type})
