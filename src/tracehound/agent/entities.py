"""Entities named in a request: hosts, accounts, IPs, hashes, domains, files.

Each kind is one pattern in a lookup table (``PATTERNS``) plus an optional validator, so a new
kind is a new row, not a new branch. Device candidates are only candidates: they are resolved
against DeviceInfo (``agent/devices.py``) before any query uses them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_FILE_EXT = (
    "exe|dll|ps1|psm1|bat|cmd|vbs|vbe|js|jse|hta|msi|scr|sys|lnk|zip|rar|7z|iso|docm|xlsm|"
    "pptm|doc|docx|xls|xlsx|pdf|dmp|tmp|py|sh|jar|png|txt|csv|ini|dat"
)


def _valid_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


#: kind -> (pattern, validator); order matters only for overlap removal (earlier wins).
PATTERNS: dict[str, tuple[re.Pattern[str], Callable[[str], bool] | None]] = {
    "upn": (re.compile(r"\b[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b"), None),
    "ip": (re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"), _valid_ip),
    "sha256": (re.compile(r"\b[A-Fa-f0-9]{64}\b"), None),
    "sha1": (re.compile(r"\b[A-Fa-f0-9]{40}\b"), None),
    "md5": (re.compile(r"\b[A-Fa-f0-9]{32}\b"), None),
    "path": (re.compile(r"\b[A-Za-z]:\\(?:[^\\\s\"']+\\)*[^\\\s\"']+"), None),
    "file": (re.compile(rf"\b[\w$-]+(?:\.[\w-]+)*\.(?:{_FILE_EXT})\b", re.IGNORECASE), None),
    "domain": (
        re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b", re.IGNORECASE),
        None,
    ),
    "account": (re.compile(r"\b[A-Za-z0-9_-]+\\[A-Za-z0-9_.$-]+\b"), None),
}

#: Words after which the next token names an account.
_ACCOUNT_CUE = re.compile(
    r"\b(?:user|account|alias|username|upn)\s+[\"']?([A-Za-z][\w.$-]{1,63})", re.IGNORECASE
)
#: A host-like token: letters and digits joined by hyphens (``windows-target-1``, ``Chris-PC``).
_HOST_TOKEN = re.compile(r"(?<![\w@.\\-])([A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)(?![\w@\\-])")
_HOST_CUE = re.compile(
    r"\b(?:device|host|machine|computer|server|vm|endpoint|workstation|on)\s+(?:named\s+)?"
    r"[\"']?([A-Za-z][\w-]{1,62}(?:\.[\w-]+)*)",
    re.IGNORECASE,
)
#: Words a host cue may capture that are never host names.
_NOT_HOST_WORDS = (
    "to from in at by of for it its the a an my our any all this that these those with "
    "which where events logs info details information ids id name names registry file files "
    "network process processes logon logons image images event alerts alert configuration "
    "vulnerabilities vulnerability certificate certificates software inventory"
)
_NOT_HOSTS = frozenset(_NOT_HOST_WORDS.split())


@dataclass(frozen=True)
class Entities:
    """What a request names, by kind; values keep the user's spelling."""

    hosts: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    hashes: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    extra: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "hosts": list(self.hosts),
            "accounts": list(self.accounts),
            "ips": list(self.ips),
            "hashes": list(self.hashes),
            "domains": list(self.domains),
            "files": list(self.files),
        }


def _unique(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.lower(), value)
    return tuple(seen.values())


def extract(text: str) -> Entities:
    """The entities in *text*; overlapping matches go to the kind listed first in PATTERNS."""
    found: dict[str, list[str]] = {kind: [] for kind in PATTERNS}
    taken: list[tuple[int, int]] = []
    for kind, (pattern, valid) in PATTERNS.items():
        for match in pattern.finditer(text):
            span = match.span()
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            value = match.group(0)
            if valid is not None and not valid(value):
                continue
            taken.append(span)
            found[kind].append(value)
    accounts = found["upn"] + found["account"]
    accounts += [
        m.group(1)
        for m in _ACCOUNT_CUE.finditer(text)
        if not any(s <= m.start(1) < e for s, e in taken)
    ]
    hosts = [
        m.group(1)
        for m in (*_HOST_TOKEN.finditer(text), *_HOST_CUE.finditer(text))
        if not any(s <= m.start(1) < e for s, e in taken)
        and m.group(1).lower() not in _NOT_HOSTS
        and m.group(1) not in accounts
    ]
    files = found["file"] + found["path"]
    domains = [d for d in found["domain"] if d not in files]
    return Entities(
        hosts=_unique(hosts),
        accounts=_unique(accounts),
        ips=_unique(found["ip"]),
        hashes=_unique(found["sha256"] + found["sha1"] + found["md5"]),
        domains=_unique(domains),
        files=_unique(files),
    )
