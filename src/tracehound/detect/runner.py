"""Run rules over a window: shared scans where rules allow, one query per rule otherwise.

One bad rule never stops a run: a shared scan that fails is retried rule by rule, and each
failure is recorded with its reason. Rules whose tables hold no rows are skipped and reported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tracehound.backends.base import LogBackend
from tracehound.detect.alerts import Alert, alerts_from_rows, column_defaults
from tracehound.detect.queries import (
    ScanWindow,
    prefix,
    row_filter_table,
    shared_scan,
    simple_filter,
)
from tracehound.errors import TracehoundError
from tracehound.rules.model import Rule
from tracehound.schema import get_table
from tracehound.store import Store, quote_ident

#: Predicates per shared scan: large enough to amortize the scan, small enough to keep the
#: generated SQL (and a failure's blast radius before the per-rule retry) modest.
SHARED_SCAN_CHUNK = 150
#: A failed shared scan of this many rules or fewer is retried rule by rule, not halved.
MIN_SHARED_SCAN = 2
#: Rows a single rule may return before its result is cut (the cut is reported).
MAX_ROWS_PER_RULE = 20_000


@dataclass
class RuleOutcome:
    rule_id: str
    status: str  # ok | skipped | failed
    reason: str = ""
    rows: int = 0
    alerts: int = 0
    seconds: float = 0.0
    shared: bool = False


@dataclass
class DetectionResult:
    alerts: list[Alert] = field(default_factory=list)
    outcomes: list[RuleOutcome] = field(default_factory=list)
    queries: int = 0

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {"ok": 0, "skipped": 0, "failed": 0}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out


Progress = Callable[[int, int], None]


def run_rules(
    backend: LogBackend,
    rules: list[Rule],
    window: ScanWindow,
    share_scans: bool = True,
    progress: Progress | None = None,
) -> DetectionResult:
    """Run *rules* over *window* on *backend*; alerts plus one outcome per rule."""
    result = DetectionResult()
    counts = backend.tables()
    runnable: list[Rule] = []
    for rule in rules:
        empty = [t for t in rule.tables if _empty(counts, t)]
        if empty:
            reason = f"missing table: no rows in {', '.join(empty)} on {backend.name}"
            result.outcomes.append(RuleOutcome(rule.id, "skipped", reason))
        else:
            runnable.append(rule)
    shared: dict[str, list[tuple[Rule, str]]] = {}
    single: list[Rule] = []
    for rule in runnable:
        simple = simple_filter(rule) if share_scans else None
        if simple is None:
            single.append(rule)
        else:
            shared.setdefault(simple[0], []).append((rule, simple[1]))
    done = 0
    total = len(runnable)
    for table, members in sorted(shared.items()):
        for start in range(0, len(members), SHARED_SCAN_CHUNK):
            chunk = members[start : start + SHARED_SCAN_CHUNK]
            _run_shared(backend, table, chunk, window, result)
            done += len(chunk)
            if progress:
                progress(done, total)
    for rule in single:
        _run_single(backend, rule, window, result, _filtered(rule))
        done += 1
        if progress:
            progress(done, total)
    return result


def _empty(counts: dict[str, int | None], table: str) -> bool:
    """True when *table* is absent or known to hold no rows (a None count is not known)."""
    return table not in counts or counts[table] == 0


def table_counts(store: Store) -> dict[str, int]:
    """Rows per table (fetching every result: an unfetched one blocks the connection)."""
    names = store.existing_tables()
    if not names:
        return {}
    parts = " UNION ALL ".join(
        f"SELECT '{n}' AS t, count(*) AS n FROM {quote_ident(n)}" for n in names
    )
    return {t: int(n) for t, n in store.con.execute(parts).fetchall()}


def _run_single(
    backend: LogBackend,
    rule: Rule,
    window: ScanWindow,
    result: DetectionResult,
    row_filter_of: tuple[str, ...] = (),
) -> None:
    """One rule as its own query; *row_filter_of* is set when the rule only filters a table."""
    started = time.perf_counter()
    kql = prefix(rule.tables, window, dict(rule.thresholds)) + rule.query
    params: dict[str, Any] = {**_window_params(window), **rule.thresholds}
    result.queries += 1
    try:
        answer = backend.query(
            kql, parameters=params, limit=MAX_ROWS_PER_RULE, row_filter_of=row_filter_of
        )
    except (TracehoundError, Exception) as exc:
        result.outcomes.append(
            RuleOutcome(rule.id, *_classify(exc), seconds=time.perf_counter() - started)
        )
        return
    rows = answer.table.to_pylist()
    alerts = alerts_from_rows(rule, rows)
    result.alerts.extend(alerts)
    reason = _cut(MAX_ROWS_PER_RULE + 1) if answer.truncated else ""
    result.outcomes.append(
        RuleOutcome(rule.id, "ok", reason, len(rows), len(alerts), time.perf_counter() - started)
    )


def _cut(matched: int) -> str:
    """The outcome reason for a rule that matched *matched* rows (empty under the cap)."""
    return f"result cut at {MAX_ROWS_PER_RULE} rows" if matched > MAX_ROWS_PER_RULE else ""


def _run_shared(
    backend: LogBackend,
    table: str,
    members: list[tuple[Rule, str]],
    window: ScanWindow,
    result: DetectionResult,
) -> None:
    """One query for all *members*; when it fails, the two halves, down to single rules.

    One rule the backend cannot run (an unsupported function, a type error) fails the whole
    scan; halving finds it in about 2 log2(n) extra queries, where retrying every rule alone
    would translate and scan n times. The bad rule ends as a single query, failed with its
    own reason.
    """
    started = time.perf_counter()
    columns = _scan_columns(table)
    kql = prefix((table,), window, {}) + shared_scan(table, [p for _, p in members], columns)
    result.queries += 1
    only_filters = all(_filtered(rule) for rule, _ in members)
    try:
        answer = backend.query(
            kql, parameters=_window_params(window), row_filter_of=(table,) if only_filters else ()
        )
    except Exception:
        if len(members) <= MIN_SHARED_SCAN:
            for rule, _ in members:
                _run_single(backend, rule, window, result, _filtered(rule))
        else:
            middle = len(members) // 2
            _run_shared(backend, table, members[:middle], window, result)
            _run_shared(backend, table, members[middle:], window, result)
        return
    elapsed = (time.perf_counter() - started) / max(1, len(members))
    data = answer.table
    base = [c for c in data.column_names if not c.startswith("th_m")]
    for index, (rule, _) in enumerate(members):
        mask = data.column(f"th_m{index}").fill_null(False)
        matched = data.select(base).filter(mask)
        # The same cap as the rule's own query, so sharing a scan never changes an outcome.
        rows = matched.slice(0, MAX_ROWS_PER_RULE).to_pylist()
        alerts = alerts_from_rows(rule, rows)
        result.alerts.extend(alerts)
        result.outcomes.append(
            RuleOutcome(
                rule.id, "ok", _cut(matched.num_rows), len(rows), len(alerts), elapsed, shared=True
            )
        )


def _filtered(rule: Rule) -> tuple[str, ...]:
    """``row_filter_of`` for *rule*'s query: its table when it only filters that table."""
    table = row_filter_table(rule)
    return (table,) if table else ()


def _scan_columns(table: str) -> list[str]:
    """Columns a shared scan keeps: row id, time, entity and detail columns of *table*."""
    names = {c.name for c in get_table(table).columns}
    defaults = column_defaults()
    wanted = ["_RowId", "Timestamp"]
    for candidates in defaults["entities"].values():
        wanted += [c for c in candidates if c in names]
    wanted += [c for c in defaults["details"] if c in names]
    return list(dict.fromkeys(wanted))


def _window_params(window: ScanWindow) -> dict[str, Any]:
    from tracehound.detect.queries import window_parameters

    return dict(window_parameters(window))


def _classify(exc: Exception) -> tuple[str, str]:
    """(status, reason): a column the schema lacks is a skip, anything else a failure."""
    text = str(getattr(exc, "message", None) or exc).splitlines()[0][:300]
    lowered = text.lower()
    if "column" in lowered and any(w in lowered for w in ("not found", "unknown", "does not")):
        return "skipped", f"missing field: {text}"
    return "failed", text
