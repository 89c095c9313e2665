"""How much of a KQL corpus runs on the embedded store, and why the rest does not.

Every ``{"kql": ...}`` record of a JSON-lines file runs through :class:`LocalBackend` against
an empty store holding all the schema's tables. A query counts as executed when DuckDB ran
it; otherwise its error is sorted into a short, stable reason (``syntax error``,
``unsupported: MvapplyOperator``, ``externaldata URL not mapped``, ...), so two runs can be
compared reason by reason.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.backends.local import LocalBackend
from tracehound.errors import KqlSyntaxError, RefusedError, TracehoundError, UsageError
from tracehound.kql.compat import CompatContext
from tracehound.kql.diagnostics import UnsupportedKqlError
from tracehound.store import Store

_CONSTRUCT = re.compile(r"not supported on the embedded store: (?P<construct>.+?)(?: \(|$)")

#: Construct prefixes whose tail names something of the query's own (a function, a column):
#: the reason keeps only the prefix so it stays the same across queries.
_GENERIC_CONSTRUCTS: dict[str, str] = {
    "let function:": "let function with a tabular body",
    "let:": "let rebinding a name",
    "summarize: column": "summarize: column outside an aggregate",
    "aggregate:": "aggregate: ",
    "top ": "top",
    "parse ": "parse",
}

#: Message fragments -> reason, checked in order after the type-based ones.
_MESSAGE_REASONS: tuple[tuple[str, str], ...] = (
    ("externaldata URL not mapped", "externaldata URL not mapped"),
    ("unknown table", "schema: unknown table"),
    ("differ only in case", "schema: columns differing only in case"),
    ("schema error", "schema: other"),
    ("Binder Error", "execution: binder error"),
    ("Conversion Error", "execution: conversion error"),
    ("query failed on the embedded store", "execution: other"),
)


def classify(error: TracehoundError) -> str:
    """A short reason for *error* that does not depend on the query's own names."""
    if isinstance(error, KqlSyntaxError) and error.message.startswith("KQL syntax error"):
        return "syntax error"
    if isinstance(error, UnsupportedKqlError):
        match = _CONSTRUCT.search(error.message)
        construct = match["construct"].strip() if match else "other"
        for prefix, generic in _GENERIC_CONSTRUCTS.items():
            if construct.startswith(prefix):
                construct = generic + (construct[len(prefix) :] if generic.endswith(" ") else "")
                break
        return f"unsupported: {construct.strip()}"
    for fragment, reason in _MESSAGE_REASONS:
        if fragment in error.message:
            return reason
    if isinstance(error, RefusedError):
        return "refused"
    return type(error).__name__


@dataclass
class CompatReport:
    """The figures ``tracehound eval kql-compat`` prints."""

    total: int = 0
    executed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, str]] = field(default_factory=list)

    def add_failure(self, record_id: str, reason: str, detail: str) -> None:
        self.reasons[reason] += 1
        self.failures.append({"id": record_id, "reason": reason, "detail": detail})

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "executed": self.executed,
            "executed_share": round(self.executed / self.total, 4) if self.total else 0.0,
            "reasons": dict(self.reasons.most_common()),
            "failures": self.failures,
        }


def read_records(path: Path) -> Iterator[tuple[str, str]]:
    """(id, kql) for each line of a JSON-lines corpus; a bad line is a usage error naming it."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"{path}:{number}: not JSON: {exc.msg}", "one JSON object per line"
            ) from exc
        if not isinstance(record, dict) or not isinstance(record.get("kql"), str):
            raise UsageError(
                f'{path}:{number}: no "kql" string in the record', 'give each line {"kql": "..."}'
            )
        yield str(record.get("id", f"line {number}")), record["kql"]


def evaluate(
    records: Iterable[tuple[str, str]],
    externaldata: dict[str, Path] | None = None,
    progress: Callable[[int], None] | None = None,
) -> CompatReport:
    """Run every record on an empty store of all the schema's tables; see the module docstring."""
    report = CompatReport()
    with (
        tempfile.TemporaryDirectory(prefix="tracehound-eval-") as folder,
        Store.open(Path(folder) / "empty.duckdb") as store,
    ):
        context = CompatContext(schema=store.kql_schema(), externaldata=dict(externaldata or {}))
        backend = LocalBackend(store, context)
        for record_id, kql in records:
            report.total += 1
            try:
                backend.query(kql, limit=1)
            except TracehoundError as exc:
                report.add_failure(record_id, classify(exc), exc.message.splitlines()[0][:240])
            else:
                report.executed += 1
            if progress is not None:
                progress(report.total)
    return report
