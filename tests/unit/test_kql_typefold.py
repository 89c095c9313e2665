"""Folding duckdb-kql's per-row type dispatch keeps every answer, and only folds what it knows."""

from __future__ import annotations

import duckdb
import duckdb_kql
import pytest

from tracehound.backends.local import LocalBackend
from tracehound.detect.queries import row_filter_table
from tracehound.kql.typefold import fold_type_dispatch
from tracehound.rules.model import Rule
from tracehound.store import Store

TYPES = {"s": "VARCHAR", "j": "JSON", "n": "BIGINT"}
SCHEMA = {"T": list(TYPES)}
ROWS = [
    ("C:\\Windows\\System32\\cmd.exe /c whoami", '"cmd"', 1),
    ("powershell -enc AAAA", '{"k": "powershell"}', 2),
    ("it's ELSE (END)", '["a", "b"]', 3),
    ("", "null", 4),
    (None, None, None),
]
PREDICATES = [
    's contains "cmd"',
    's has "whoami"',
    's !has "whoami"',
    's =~ "POWERSHELL -ENC AAAA"',
    's in~ ("it\'s else (end)", "x")',
    's startswith "c:\\\\"',
    's matches regex "(?i)enc\\\\s+A+"',
    "isempty(s)",
    'j contains "powershell"',
    'j has "cmd"',
    'tostring(j) contains "a"',
    's contains "ELSE" or j has "b"',
    'not(s endswith ".exe") and n > 1',
]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("CREATE TABLE T (s VARCHAR, j JSON, n BIGINT)")
    c.executemany("INSERT INTO T VALUES (?, ?, ?)", [list(r) for r in ROWS])
    return c


@pytest.mark.parametrize("predicate", PREDICATES)
def test_same_rows_with_and_without_the_fold(
    con: duckdb.DuckDBPyConnection, predicate: str
) -> None:
    sql = str(duckdb_kql.to_sql(f"T | where {predicate} | project n", schema=SCHEMA))
    folded = fold_type_dispatch(sql, TYPES)
    assert sorted(con.sql(folded).fetchall(), key=str) == sorted(con.sql(sql).fetchall(), key=str)


def test_dispatch_on_known_columns_is_gone_and_unknown_ones_stay() -> None:
    sql = str(duckdb_kql.to_sql('T | where s contains "a" and j has "b"', schema=SCHEMA))
    assert fold_type_dispatch(sql, TYPES).count("typeof(") == 0
    kept = fold_type_dispatch(sql, {"s": "VARCHAR"})
    assert 'typeof("j")' in kept and 'typeof("s")' not in kept


def test_text_that_only_looks_like_a_dispatch_is_left_alone() -> None:
    sql = "SELECT 'CASE WHEN typeof(\"s\") = ''JSON'' THEN 1 ELSE 2 END' AS x"
    assert fold_type_dispatch(sql, TYPES) == sql
    three_way = "SELECT CASE WHEN typeof(\"s\") = 'JSON' THEN 1 WHEN s = '' THEN 2 ELSE 3 END"
    assert fold_type_dispatch(three_way, TYPES) == three_way


def test_local_backend_folds_only_when_told_the_query_just_filters(store: Store) -> None:
    backend = LocalBackend(store)
    kql = 'DeviceProcessEvents | where ProcessCommandLine contains "x"'
    assert "typeof(" in backend.explain(kql)
    folded = backend.translate(kql, row_filter_of=("DeviceProcessEvents",)).sql
    assert "typeof(" not in folded
    assert backend.query(kql, row_filter_of=("DeviceProcessEvents",)).row_count == 0


def _rule(query: str, tables: tuple[str, ...] = ("DeviceProcessEvents",)) -> Rule:
    return Rule(
        id="t", title="t", severity="low", techniques=("T1059",), tables=tables, query=query
    )


def test_only_plain_filters_of_one_table_qualify() -> None:
    assert row_filter_table(_rule('DeviceProcessEvents | where FileName =~ "a.exe"')) == (
        "DeviceProcessEvents"
    )
    nested = "DeviceProcessEvents | where FileName in ((DeviceFileEvents | project FileName))"
    assert row_filter_table(_rule(nested, ("DeviceProcessEvents", "DeviceFileEvents"))) is None
    assert row_filter_table(_rule(nested)) is None
    assert row_filter_table(_rule("DeviceProcessEvents | extend x = 1 | where x == 1")) is None
    assert row_filter_table(_rule('DeviceProcessEvents | where FileName has "a|b"')) == (
        "DeviceProcessEvents"
    )
