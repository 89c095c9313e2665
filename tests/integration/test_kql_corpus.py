"""The real hunting corpus (../shared/kql-corpus) on the embedded store.

Plain duckdb-kql 1.1.2 executes 432 of the 797 queries against the 74 empty tables; the
figures with Tracehound's rewrites are in docs/kql.md. The whole corpus takes about a minute
on the shared 2-core machine, so it runs with the benchmarks (slow); a fixed sample of it,
every fifth record, runs with the unit tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tracehound.kql.compat_eval import evaluate, read_records

#: Plain duckdb-kql 1.1.2 on this corpus (measured, docs/kql.md).
BASELINE_EXECUTED = 432


def corpus(shared: Path) -> list[tuple[str, str]]:
    return list(read_records(shared / "kql-corpus" / "queries.jsonl"))


def test_sample_of_the_corpus_runs_and_every_failure_has_a_reason(shared: Path) -> None:
    sample = corpus(shared)[::5]
    report = evaluate(sample)
    assert report.total == len(sample) == 160
    # Plain duckdb-kql runs 54% of the corpus; the rewrites must keep this sample well above.
    assert report.executed / report.total >= 0.68
    assert sum(report.reasons.values()) == report.total - report.executed
    assert all(f["reason"] for f in report.failures)


@pytest.mark.slow
def test_whole_corpus(shared: Path) -> None:
    report = evaluate(corpus(shared))
    assert report.total == 797
    # The goal: 75% executed; the rewrites reach 598 of 797 (docs/kql.md).
    assert report.executed >= 598
    # What is left is explained in docs/kql.md; the two largest groups cannot run here.
    assert report.reasons["syntax error"] == 83
    assert report.reasons["externaldata URL not mapped"] >= 51
