"""KQL compatibility: the real corpus with Tracehound's rewrites vs plain duckdb-kql, side by side.

Both runs take every record of ../shared/kql-corpus/queries.jsonl through the local backend
against empty tables of the whole schema; the plain run has the rewrite list emptied. Printed:
executed counts (the coverage ratio), the time of each run, and the translation time of the
queries both runs execute (what the rewrites cost a query that needed none of them).
Run with `make bench`.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tracehound.backends.local import LocalBackend
from tracehound.kql import compat
from tracehound.kql.compat_eval import CompatReport, evaluate, read_records
from tracehound.store import Store

SHARED = Path(os.environ.get("TRACEHOUND_SHARED", Path(__file__).resolve().parents[2] / "shared"))


def _run(records: list[tuple[str, str]]) -> tuple[CompatReport, float]:
    started = time.perf_counter()
    report = evaluate(records)
    return report, time.perf_counter() - started


def _translate_seconds(store: Store, queries: list[str]) -> float:
    backend = LocalBackend(store)  # a fresh backend: nothing cached
    started = time.perf_counter()
    for kql in queries:
        backend.translate(kql)
    return time.perf_counter() - started


@pytest.mark.slow
def test_bench_kql_compat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = SHARED / "kql-corpus" / "queries.jsonl"
    if not corpus.is_file():
        pytest.skip(f"{corpus} not found (set TRACEHOUND_SHARED)")
    records = list(read_records(corpus))
    ours, ours_seconds = _run(records)
    with monkeypatch.context() as patched:
        patched.setattr(compat, "REWRITES", [])
        plain, plain_seconds = _run(records)
        failed_plain = {f["id"] for f in plain.failures}
    both = [kql for rid, kql in records if rid not in failed_plain]

    with Store.open(tmp_path / "empty.duckdb") as store:
        with_rewrites = _translate_seconds(store, both)
        with monkeypatch.context() as patched:
            patched.setattr(compat, "REWRITES", [])
            without = _translate_seconds(store, both)

    total = len(records)
    print(f"\nKQL corpus: {total} queries")
    print(
        f"  plain duckdb-kql : {plain.executed:4d} executed ({plain.executed / total:.1%}) in {plain_seconds:.1f} s"
    )
    print(
        f"  with rewrites    : {ours.executed:4d} executed ({ours.executed / total:.1%}) in {ours_seconds:.1f} s"
    )
    print(f"  coverage ratio   : {ours.executed / plain.executed:.2f}x")
    print(
        f"  translation of the {len(both)} queries both run: {without:.1f} s plain,"
        f" {with_rewrites:.1f} s with rewrites ({with_rewrites / without:.2f}x)"
    )
    assert ours.executed > plain.executed
    assert not (failed_plain - {f["id"] for f in plain.failures})
