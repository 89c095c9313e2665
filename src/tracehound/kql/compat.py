"""KQL the real hunting corpus needs that plain duckdb-kql does not run.

Each gap is closed by a rewrite of the query text into KQL that duckdb-kql runs with the same
meaning, applied before translation. Rewrites are registered in :data:`REWRITES`, in order;
each is a small function with a test of its own. Nothing here edits duckdb-kql.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class CompatContext:
    """What a rewrite may need to know: the schema and the analyst's offline mappings."""

    schema: dict[str, list[str]] = field(default_factory=dict)
    externaldata: dict[str, Path] = field(default_factory=dict)


Rewrite = Callable[[str, CompatContext], str]

#: (name, rewrite) in the order they are applied.
REWRITES: list[tuple[str, Rewrite]] = []


def apply_rewrites(kql: str, context: CompatContext) -> str:
    """*kql* with every registered rewrite applied in order."""
    for _name, rewrite in REWRITES:
        kql = rewrite(kql, context)
    return kql
