"""The LIKE peephole keeps every answer and only touches escape-free literals."""

from __future__ import annotations

import duckdb
import duckdb_kql
import pytest

from tracehound.kql.peephole import simplify_like_patterns

VALUES = [
    "C:\\ProgramData\\x",
    "programdata",
    "Program_Data",
    "100% sure",
    "it's",
    "",
    None,
    "PROGRAMDATA!",
]
SCHEMA = {"T": ["a"]}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("CREATE TABLE T (a VARCHAR)")
    c.executemany("INSERT INTO T VALUES (?)", [[v] for v in VALUES])
    return c


@pytest.mark.parametrize(
    "op",
    [
        "contains",
        "!contains",
        "startswith",
        "endswith",
        "!startswith",
        "contains_cs",
        "endswith_cs",
    ],
)
@pytest.mark.parametrize(
    "literal", ["ProgramData", "program_data", "100%", "it''s", "\\\\x", "data!"]
)
def test_same_answer_with_and_without_the_peephole(
    con: duckdb.DuckDBPyConnection, op: str, literal: str
) -> None:
    sql = str(duckdb_kql.to_sql(f"T | where a {op} '{literal}' | order by a asc", schema=SCHEMA))
    assert sorted(con.sql(simplify_like_patterns(sql)).fetchall(), key=str) == sorted(
        con.sql(sql).fetchall(), key=str
    )


def test_escape_free_literals_lose_the_escape_clause() -> None:
    sql = str(duckdb_kql.to_sql("T | where a contains 'ProgramData'", schema=SCHEMA))
    folded = simplify_like_patterns(sql)
    assert "ESCAPE" not in folded and "ILIKE '%ProgramData%'" in folded


def test_literals_with_like_specials_are_left_alone() -> None:
    sql = str(duckdb_kql.to_sql("T | where a contains 'a_b' or a startswith '50%'", schema=SCHEMA))
    assert simplify_like_patterns(sql) == sql


def test_text_inside_a_literal_is_never_rewritten() -> None:
    crafted = "replace(replace(replace('x', '\\', '\\\\'), '%', '\\%'), '_', '\\_') ESCAPE '\\'"
    kql = "declare query_parameters(p:string); T | where a == p"
    sql = str(duckdb_kql.to_sql(kql, schema=SCHEMA, parameters={"p": crafted}))
    assert simplify_like_patterns(sql) == sql
    quoted = "'" + crafted.replace("'", "''") + "'"
    assert simplify_like_patterns(f"SELECT {quoted}") == f"SELECT {quoted}"
