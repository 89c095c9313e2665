"""Attacker infrastructure drawn per seed: addresses, rare domains, file names."""

from __future__ import annotations

import base64

import numpy as np

from tracehound.lab.data.places import HOSTING_PREFIXES
from tracehound.lab.ids import public_ip_in

_WORDS = (
    "cdn",
    "sync",
    "update",
    "static",
    "metrics",
    "cloud",
    "edge",
    "secure",
    "data",
    "portal",
    "assets",
    "api",
    "telemetry",
    "files",
    "share",
    "node",
    "relay",
    "stat",
)
_TLDS = ("com", "net", "xyz", "top", "online", "io", "site", "live")
_NAMES = (
    "svchelper",
    "msupdate",
    "winsvc",
    "OneDriveSync",
    "taskhelper",
    "RuntimeHost",
    "audiodg64",
    "edgecache",
    "wuahost",
    "spoolhelper",
)


def attacker_ip(rng: np.random.Generator) -> str:
    """An address in a rented-server range."""
    return public_ip_in(HOSTING_PREFIXES[int(rng.integers(len(HOSTING_PREFIXES)))], rng)


def rare_domain(rng: np.random.Generator) -> str:
    a, b = rng.choice(len(_WORDS), size=2, replace=False)
    tail = int(rng.integers(10, 999))
    return f"{_WORDS[a]}-{_WORDS[b]}{tail}.{_TLDS[int(rng.integers(len(_TLDS)))]}"


def implant_name(rng: np.random.Generator) -> str:
    return f"{_NAMES[int(rng.integers(len(_NAMES)))]}.exe"


def encode_powershell(script: str) -> str:
    """What ``powershell -EncodedCommand`` expects: base64 of UTF-16LE."""
    return base64.b64encode(script.encode("utf-16-le")).decode("ascii")
