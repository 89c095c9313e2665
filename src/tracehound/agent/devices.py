"""Resolve a device named in a request against DeviceInfo: exactly, or not at all.

Exact means the full DeviceName or its host label (``legal-ws-107`` for
``legal-ws-107.corp.contoso.com``), case-insensitive, and unique. A close match
(``windows-target-01`` for ``windows-target-1``) is offered as a suggestion and never used;
a prefix never matches (``win-1`` is not ``win-10``).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from tracehound.backends.base import LogBackend

_NAMES_KQL = "DeviceInfo | summarize by DeviceName"


@dataclass(frozen=True)
class DeviceResolution:
    asked: str
    resolved: str | None
    suggestions: tuple[str, ...] = ()
    reason: str = ""


def known_devices(backend: LogBackend) -> list[str]:
    """Every DeviceName in DeviceInfo (the inventory table), plus logon-table names."""
    names: set[str] = set()
    for kql in (_NAMES_KQL, "DeviceLogonEvents | summarize by DeviceName"):
        result = backend.query(kql, limit=100_000)
        names.update(str(v) for v in result.table.column("DeviceName").to_pylist() if v)
    return sorted(names)


def resolve(asked: str, names: list[str]) -> DeviceResolution:
    lowered = asked.lower()
    exact = [n for n in names if n.lower() == lowered]
    if not exact:
        exact = [n for n in names if n.lower().split(".", 1)[0] == lowered]
    if len(exact) == 1:
        return DeviceResolution(asked, exact[0], reason="exact match")
    if len(exact) > 1:
        return DeviceResolution(
            asked, None, tuple(exact), f"{asked!r} matches {len(exact)} devices; name one fully"
        )
    labels = {n.lower().split(".", 1)[0]: n for n in names}
    close = difflib.get_close_matches(lowered, list(labels), n=3, cutoff=0.75)
    suggestions = tuple(labels[c] for c in close)
    why = f"no device named {asked!r}" + (
        f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
    )
    return DeviceResolution(asked, None, suggestions, why)
