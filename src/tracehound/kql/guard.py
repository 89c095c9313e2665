"""Read-only guard: only tabular queries reach the engine.

Control commands start with a dot once leading comments and whitespace are skipped. They are
refused here before any parsing, whatever the engine would have done with them, so a query
path can never write or administer the store.
"""

from __future__ import annotations

import re

from tracehound.kql.diagnostics import ManagementCommandError

_LEADING = re.compile(r"\A(?:\s+|//[^\n]*(?:\n|\Z))*")


def strip_leading_comments(kql: str) -> str:
    return kql[_LEADING.match(kql).end() :]  # type: ignore[union-attr]


def ensure_tabular_query(kql: str) -> None:
    """Raise ManagementCommandError for a control command; do nothing for a query."""
    head = strip_leading_comments(kql)
    if not head:
        raise ManagementCommandError(
            "empty query", "pass a KQL query such as `DeviceInfo | take 5`"
        )
    if head.startswith("."):
        command = head.split(None, 2)[:2]
        raise ManagementCommandError(
            f"management command refused: {' '.join(command)!r}; the query path is read-only and "
            "runs tabular queries only",
            "load data with `tracehound ingest`; change the store with `tracehound init`",
        )
