"""Running a KQL query in a unit test and reading its rows."""

from __future__ import annotations

from typing import Any

from tracehound.backends.local import LocalBackend


def rows(backend: LocalBackend, kql: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = backend.query(kql, limit=1000).table.to_pylist()
    return out
