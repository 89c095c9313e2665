"""Deterministic identifiers: random streams, row ids, hashes, GUIDs and IP addresses.

Everything the lab generates comes from a random stream keyed by (seed, purpose...), so the
same ``--seed`` and ``--end`` give the same rows whatever order the tables are built in.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
import zlib

import numpy as np

_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def stable_key(part: str | int) -> int:
    """A 32-bit number for *part* that does not change between runs (unlike ``hash``)."""
    return part if isinstance(part, int) else zlib.crc32(part.encode("utf-8"))


def stream(seed: int, *key: str | int) -> np.random.Generator:
    """An independent random generator for one purpose (table, day, scenario...)."""
    return np.random.default_rng([seed & 0xFFFFFFFF, *(stable_key(k) for k in key)])


def splitmix64(values: np.ndarray) -> np.ndarray:
    """Vectorised SplitMix64 finaliser: spreads counters into well-mixed 64-bit ids."""
    z = values.astype(np.uint64)
    with np.errstate(over="ignore"):
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return (z ^ (z >> np.uint64(31))) & _MASK64


def row_ids(seed: int, stream_key: str, count: int) -> list[str]:
    """``count`` row ids for one generated batch: ``lab-`` + 16 hex digits.

    The ids carry no table or scenario name, so nothing downstream can read the truth
    from an id.
    """
    base = np.uint64((stable_key(stream_key) << 24) ^ (seed & 0xFFFFFF)) << np.uint64(20)
    mixed = splitmix64(np.arange(count, dtype=np.uint64) + base)
    return [f"lab-{v:016x}" for v in mixed.tolist()]


def file_hashes(identity: str) -> tuple[str, str, str]:
    """(MD5, SHA1, SHA256) of a synthetic file: the same identity always hashes the same."""
    data = identity.encode("utf-8")
    return (
        hashlib.md5(b"md5:" + data).hexdigest(),
        hashlib.sha1(b"sha1:" + data).hexdigest(),
        hashlib.sha256(b"sha256:" + data).hexdigest(),
    )


def guid(rng: np.random.Generator) -> str:
    """A random (version 4 shaped) GUID from *rng*."""
    return str(uuid.UUID(bytes=rng.bytes(16), version=4))


def guid_for(*parts: str) -> str:
    """A GUID that always comes out the same for *parts* (tenant, user object ids...)."""
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).digest()[:16]
    return str(uuid.UUID(bytes=digest, version=4))


def hex_id(*parts: str, length: int = 40) -> str:
    """A stable lowercase hex id (Defender DeviceId is 40 hex digits)."""
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:length]


#: First octets of large, ordinary public allocations (ISPs and hosters across regions).
_PUBLIC_FIRST_OCTETS = (
    5, 23, 31, 37, 41, 45, 46, 49, 58, 59, 61, 62, 77, 78, 79, 80, 81, 82, 83, 85, 87, 89,
    91, 92, 93, 94, 95, 102, 103, 106, 109, 110, 112, 113, 114, 116, 117, 118, 119, 121,
    122, 123, 124, 125, 141, 147, 154, 156, 159, 162, 164, 167, 171, 176, 177, 178, 179,
    180, 181, 182, 183, 185, 186, 187, 188, 189, 190, 193, 194, 195, 196, 197, 200, 201,
    202, 203, 210, 211, 212, 213, 217, 218, 220, 221, 222, 223,
)  # fmt: skip


def public_ip(rng: np.random.Generator) -> str:
    """A random routable public IPv4 address (never private, reserved or documentation)."""
    while True:
        first = int(rng.choice(_PUBLIC_FIRST_OCTETS))
        rest = rng.integers(1, 255, size=3)
        text = f"{first}.{rest[0]}.{rest[1]}.{rest[2]}"
        if ipaddress.ip_address(text).is_global:
            return text


def public_ip_in(prefix: str, rng: np.random.Generator) -> str:
    """A random host address inside *prefix* (e.g. a provider's published range)."""
    net = ipaddress.ip_network(prefix)
    offset = int(rng.integers(1, max(2, net.num_addresses - 1)))
    return str(net.network_address + offset)
