"""Every built-in rule fires on its true-positive rows and stays quiet on its benign rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tracehound.attack import catalog
from tracehound.rules.model import Rule
from tracehound.rules.native import load_builtin
from tracehound.rules.testing import run_case
from tracehound.store import Store

LIBRARY = load_builtin()
CASES = [
    pytest.param(rule, case, i, id=f"{rule.id}-{case.expect}{i}")
    for rule in LIBRARY.rules
    for i, case in enumerate(rule.tests)
]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path: Path = tmp_path_factory.mktemp("rules") / "rules.duckdb"
    with Store.open(path) as store:
        yield store


def test_library_loads_cleanly() -> None:
    assert LIBRARY.problems == []
    assert len(LIBRARY.rules) >= 1


@pytest.mark.parametrize("rule", LIBRARY.rules, ids=lambda r: r.id)
def test_rule_has_match_and_benign_cases(rule: Rule) -> None:
    kinds = {case.expect for case in rule.tests}
    assert kinds == {"match", "benign"}, f"{rule.id} needs both a match and a benign case"


@pytest.mark.parametrize("rule", LIBRARY.rules, ids=lambda r: r.id)
def test_rule_techniques_are_current_in_catalog(rule: Rule) -> None:
    attack = catalog()
    for tid in rule.techniques:
        assert attack.describe(tid) is not None
        assert attack.tactics_of(tid)


@pytest.mark.parametrize(("rule", "case", "index"), CASES)
def test_rule_case(shared_store: Store, rule: Rule, case: object, index: int) -> None:
    from tracehound.rules.model import RuleTestCase

    assert isinstance(case, RuleTestCase)
    result = run_case(shared_store, rule, case, index)
    assert result.error == ""
    assert result.passed, f"{rule.id} {case.expect} case {index}: {result.alerts} alert(s)"
