"""KQL text detect adds around a rule: the scan window, thresholds, and shared scans.

Nothing here formats log content into KQL: window bounds and thresholds travel as declared
query parameters, and rule predicates are the rules' own text (already KQL, validated at load).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tracehound.rules.model import Rule

_KQL_TYPES = {bool: "bool", int: "long", float: "real", str: "string", datetime: "datetime"}


@dataclass(frozen=True)
class ScanWindow:
    """What a run reads: event time [start, end) and/or rows ingested after a watermark."""

    start: datetime | None = None
    end: datetime | None = None
    ingested_after: datetime | None = None

    @property
    def empty(self) -> bool:
        return self.start is None and self.end is None and self.ingested_after is None


def window_parameters(window: ScanWindow) -> dict[str, datetime]:
    params = {}
    if window.start is not None:
        params["th_from"] = window.start
    if window.end is not None:
        params["th_to"] = window.end
    if window.ingested_after is not None:
        params["th_after"] = window.ingested_after
    return params


def prefix(tables: tuple[str, ...], window: ScanWindow, extra: dict[str, object]) -> str:
    """``declare`` + one ``let`` per table that shadows it with the windowed rows.

    Shadowing keeps the rule text unchanged: ``DeviceProcessEvents | where ...`` reads the
    windowed ``DeviceProcessEvents``. The ingestion watermark uses the store's ``_IngestedAt``.
    """
    params = {**window_parameters(window), **extra}
    lines = []
    if params:
        decl = ", ".join(f"{k}:{_KQL_TYPES[type(v)]}" for k, v in params.items())
        lines.append(f"declare query_parameters({decl});")
    clauses = []
    if window.start is not None:
        clauses.append("Timestamp >= th_from")
    if window.end is not None:
        clauses.append("Timestamp < th_to")
    if window.ingested_after is not None:
        clauses.append("_IngestedAt > th_after")
    if clauses:
        condition = " and ".join(clauses)
        lines += [f"let {t} = {t} | where {condition};" for t in tables]
    return "\n".join(lines) + ("\n" if lines else "")


def _pipes(kql: str) -> list[tuple[int, int]]:
    """(index, nesting depth) of every ``|`` outside strings in *kql*."""
    found: list[tuple[int, int]] = []
    depth = 0
    quote: str | None = None
    i = 0
    verbatim = False
    while i < len(kql):
        ch = kql[i]
        if quote:
            if ch == "\\" and not verbatim:
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            verbatim = i > 0 and kql[i - 1] == "@"
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "|":
            found.append((i, depth))
        i += 1
    return found


def split_pipes(kql: str) -> list[str]:
    """Split *kql* at top-level ``|`` (outside strings, parentheses and brackets)."""
    parts: list[str] = []
    start = 0
    for index, depth in _pipes(kql):
        if depth == 0:
            parts.append(kql[start:index])
            start = index + 1
    parts.append(kql[start:])
    return [p.strip() for p in parts]


_WHERE = re.compile(r"^where\s+(.+)$", re.S)
_TABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def simple_filter(rule: Rule) -> tuple[str, str] | None:
    """(table, predicate) when *rule* is ``Table | where P [| where Q ...]``, else None.

    Such rules can share one scan of their table with every other simple rule on it.
    """
    if rule.thresholds or rule.evidence_column != "_RowId" or ";" in rule.query:
        return None
    parts = split_pipes(rule.query)
    if len(parts) < 2 or not _TABLE.match(parts[0]) or parts[0] not in rule.tables:
        return None
    predicates = []
    for part in parts[1:]:
        match = _WHERE.match(part)
        if not match:
            return None
        predicates.append(f"({match.group(1).strip()})")
    return parts[0], " and ".join(predicates)


def row_filter_table(rule: Rule) -> str | None:
    """The table *rule* only filters, when it provably reads nothing else.

    A simple filter (:func:`simple_filter`) over the rule's only table, with no nested query
    in its predicates: every column name in it is then that table's stored column.
    """
    simple = simple_filter(rule)
    if simple is None or rule.tables != (simple[0],) or _pipes(simple[1]):
        return None
    return simple[0]


def shared_scan(table: str, predicates: list[str], columns: list[str]) -> str:
    """One query that evaluates many rule predicates in a single pass over *table*.

    Each predicate becomes a boolean column ``th_m<i>``; rows where none holds are dropped.
    """
    flags = ", ".join(f"th_m{i} = ({p})" for i, p in enumerate(predicates))
    any_flag = _balanced_or([f"th_m{i}" for i in range(len(predicates))])
    keep = ", ".join([*columns, *(f"th_m{i}" for i in range(len(predicates)))])
    return f"{table}\n| extend {flags}\n| where {any_flag}\n| project {keep}"


def _balanced_or(terms: list[str]) -> str:
    """``a or b or ...`` nested as a balanced tree: depth log2(n), not n.

    A flat chain parses into a left-deep tree that the translator walks recursively; 150 flags
    deep plus a long rule predicate went past Python's recursion limit.
    """
    if len(terms) == 1:
        return terms[0]
    middle = len(terms) // 2
    return f"({_balanced_or(terms[:middle])} or {_balanced_or(terms[middle:])})"
