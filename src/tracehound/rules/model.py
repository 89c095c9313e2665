"""The one rule type every format loads into: metadata, ATT&CK ids and a KQL query.

A rule never carries Python: native analytics and converted Sigma rules are both a KQL query
plus data describing how to read its output (entity columns, the time column, the evidence
column). ``detect`` needs nothing else, and the same query runs on Azure unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


class Severity(IntEnum):
    """Rule level; the numeric value orders them (Sigma's levels, Defender's severities)."""

    informational = 0
    low = 1
    medium = 2
    high = 3
    critical = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().lower()]
        except KeyError:
            names = ", ".join(s.name for s in cls)
            raise ValueError(f"unknown severity {text!r} (use one of {names})") from None


class Fidelity(IntEnum):
    """How often the rule is right when it fires, as its author judges it."""

    low = 1
    medium = 2
    high = 3

    @classmethod
    def parse(cls, text: str) -> Fidelity:
        try:
            return cls[text.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown fidelity {text!r} (use low, medium or high)") from None


#: Entity kinds an alert can name; columns are mapped to them per rule or per table.
ENTITY_KINDS = ("host", "account", "ip", "process", "file", "url", "cloud_resource")


@dataclass(frozen=True)
class RuleTestCase:
    """Rows that one rule must fire on (``match``) or stay quiet on (``benign``)."""

    expect: str  # "match" | "benign"
    rows: dict[str, list[dict[str, Any]]]  # table -> rows in that table's schema
    note: str = ""
    thresholds: dict[str, int | float | str] = field(default_factory=dict)  # overrides


@dataclass(frozen=True)
class Rule:
    """A detection: one KQL query over one or more tables, with its ATT&CK mapping."""

    id: str
    title: str
    query: str
    tables: tuple[str, ...]
    severity: Severity
    techniques: tuple[str, ...]
    kind: str = "native"  # native | sigma
    source: str = "builtin"  # builtin | custom:PATH | sigma:ORIGIN
    description: str = ""
    fidelity: Fidelity = Fidelity.medium
    status: str = "stable"
    entities: dict[str, str] = field(default_factory=dict)  # kind -> column
    time_column: str = "Timestamp"
    evidence_column: str = "_RowId"
    evidence_table: str | None = None
    thresholds: dict[str, int | float | str] = field(default_factory=dict)
    group_window_minutes: int = 60
    tags: tuple[str, ...] = ()
    tests: tuple[RuleTestCase, ...] = ()
    lab_only: str = ""  # why the rule cannot fire on the real datasets, when it cannot
    location: str = ""  # file (and index) the rule came from, for error messages

    @property
    def primary_table(self) -> str:
        return self.evidence_table or self.tables[0]
