"""KQL literals for the Log Analytics backend: exact round trips and no way out of a literal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb_kql
import pytest

from tracehound.backends.quoting import inline_parameters, literal, string_literal
from tracehound.errors import UsageError

HOSTILE = [
    "plain",
    'quote " inside',
    "back \\ slash",
    '\\" | take 1 //',
    "it's",
    "new\nline\r\ttab",
    '"; .drop table T; print "',
    "emoji 🐺 and \u2028 separator",
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_string_literals_round_trip_through_a_kql_parser(value: str) -> None:
    con = duckdb_kql.connect()
    assert duckdb_kql.kql(con, f"print v = {string_literal(value)}").fetchall() == [(value,)]


@pytest.mark.parametrize("value", HOSTILE)
def test_an_inlined_value_is_one_literal_not_more_query(value: str) -> None:
    con = duckdb_kql.connect()
    con.execute("CREATE TABLE T (a VARCHAR)")
    con.execute("INSERT INTO T VALUES ('x'), ('y')")
    kql = inline_parameters(
        "declare query_parameters(p:string); T | where a == p | count", {"p": value}
    )
    assert duckdb_kql.kql(con, kql).fetchall() == [(0,)]
    assert kql.count("\n") == 1, "one let statement and the query"


def test_control_characters_that_kql_cannot_escape_are_refused() -> None:
    with pytest.raises(UsageError, match="control character"):
        string_literal("nul\x00byte")


def test_typed_literals() -> None:
    assert literal(42, "long") == "long(42)"
    assert literal(True, "bool") == "true"
    assert (
        literal(datetime(2024, 3, 1, 12, 0, tzinfo=UTC), "datetime")
        == "datetime(2024-03-01T12:00:00.000000Z)"
    )
    assert literal(timedelta(minutes=1), "timespan") == "totimespan(600000000)"
    with pytest.raises(UsageError):
        literal("1; drop", "long")
    with pytest.raises(UsageError):
        literal("not-a-guid') | take 1", "guid")


def test_inline_parameters_checks_declarations() -> None:
    kql = "declare query_parameters(d:string, n:long = 5); T | where x == d | take n"
    text = inline_parameters(kql, {"d": "host-1"})
    assert text.startswith('let d = "host-1";') and "declare" not in text
    with pytest.raises(UsageError, match="not declared"):
        inline_parameters(kql, {"d": "a", "evil": "b"})
    with pytest.raises(UsageError, match="no value"):
        inline_parameters(kql, {})


def test_every_declaration_of_a_prefixed_query_is_inlined() -> None:
    """A windowed prefix declares its bounds before the body declares its own parameters."""
    con = duckdb_kql.connect()
    con.execute("CREATE TABLE T (a VARCHAR, n BIGINT)")
    con.execute("INSERT INTO T VALUES ('x', 1), ('y', 2), ('z', 3)")
    kql = (
        "declare query_parameters(lo:long);\nlet W = T | where n >= lo;\n"
        "declare query_parameters(ids:dynamic);\nW | where a in (ids) | project a"
    )
    text = inline_parameters(kql, {"lo": 2, "ids": ["x", "y", "z"]})
    assert "declare" not in text
    assert sorted(duckdb_kql.kql(con, text).fetchall()) == [("y",), ("z",)]
