"""Run a rule's own test cases (``tests: match / benign``) against an embedded store.

Used by ``tracehound rules lint`` and by the unit tests, so a rule's examples are checked the
same way everywhere. Rows go through the store's one load path; unknown columns are errors
(a typo must not silently drop a column and make a test pass for the wrong reason).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any

from tracehound.backends.local import LocalBackend
from tracehound.detect.queries import ScanWindow
from tracehound.detect.runner import run_rules
from tracehound.rules.model import Rule, RuleTestCase
from tracehound.schema import get_table
from tracehound.store import Store, quote_ident

DEFAULT_TIME = "2024-03-04 10:00:00"
STAGE = "th_rule_test_stage"


@dataclass(frozen=True)
class CaseResult:
    rule_id: str
    expect: str
    index: int
    alerts: int
    passed: bool
    error: str = ""


def load_case(store: Store, case: RuleTestCase) -> None:
    """Insert the case's rows (tables are emptied first)."""
    for table, rows in case.rows.items():
        schema = get_table(table)
        known = set(schema.names)
        store.con.execute(f"DELETE FROM {quote_ident(table)}").fetchall()
        columns: dict[str, None] = {}
        for row in rows:
            unknown = sorted(set(row) - known)
            if unknown:
                raise ValueError(f"{table} has no column(s) {', '.join(unknown)}")
            columns.update(dict.fromkeys(row))
        columns.setdefault("Timestamp", None)
        names = list(columns)
        store.con.execute(f"DROP TABLE IF EXISTS {STAGE}").fetchall()
        cols = ", ".join(quote_ident(n) for n in names)
        store.con.execute(
            f"CREATE TEMP TABLE {STAGE} AS SELECT {cols}, ''::VARCHAR AS _RowId "
            f"FROM {quote_ident(table)} LIMIT 0"
        ).fetchall()
        values = [
            [_value(row, n) for n in names] + [_row_id(table, i, row)] for i, row in enumerate(rows)
        ]
        placeholders = ", ".join("?" for _ in range(len(names) + 1))
        store.con.executemany(f"INSERT INTO {STAGE} VALUES ({placeholders})", values)
        store.load_staged(table, STAGE, "rule-test")
        store.con.execute(f"DROP TABLE IF EXISTS {STAGE}").fetchall()


def _value(row: dict[str, Any], name: str) -> Any:
    value = row.get(name)
    if name == "Timestamp" and value is None:
        return DEFAULT_TIME
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _row_id(table: str, index: int, row: dict[str, Any]) -> str:
    text = json.dumps([table, index, row], sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:32]


def clear(store: Store, case: RuleTestCase) -> None:
    for table in case.rows:
        store.con.execute(f"DELETE FROM {quote_ident(table)}").fetchall()


def run_case(store: Store, rule: Rule, case: RuleTestCase, index: int) -> CaseResult:
    """Load *case*, run *rule* alone, and check it fired (match) or stayed quiet (benign)."""
    try:
        load_case(store, case)
        tuned = replace(rule, thresholds={**rule.thresholds, **case.thresholds})
        result = run_rules(LocalBackend(store), [tuned], ScanWindow())
    finally:
        clear(store, case)
    outcome = result.outcomes[0]
    alerts = len(result.alerts)
    if outcome.status != "ok":
        return CaseResult(rule.id, case.expect, index, alerts, False, outcome.reason)
    passed = alerts > 0 if case.expect == "match" else alerts == 0
    return CaseResult(rule.id, case.expect, index, alerts, passed)


def run_tests(store: Store, rule: Rule) -> list[CaseResult]:
    return [run_case(store, rule, case, i) for i, case in enumerate(rule.tests)]
