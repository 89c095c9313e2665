"""Translate KQL for the embedded store and run it, through duckdb-kql's public API."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb
import duckdb_kql
import pyarrow as pa

from tracehound.errors import TracehoundError
from tracehound.kql.compat import CompatContext, apply_rewrites
from tracehound.kql.diagnostics import translation_error
from tracehound.kql.guard import ensure_tabular_query
from tracehound.kql.interrupts import interrupted
from tracehound.kql.peephole import simplify_like_patterns

#: Python recursion limit while translating. The parser and duckdb-kql's lowering recurse once
#: per nesting level of an expression (several frames per level); Sigma rules with a hundred
#: alternatives nest past the default 1,000. Python 3.11 calls between Python functions do
#: not grow the C stack, so a higher limit is safe here.
TRANSLATION_RECURSION_LIMIT = 20_000


@contextmanager
def _deep_recursion() -> Iterator[None]:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, TRANSLATION_RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


@dataclass(frozen=True)
class Translation:
    """The KQL as written, the KQL after compatibility rewrites, and the SQL to run."""

    kql: str
    rewritten: str
    sql: str
    parameters: dict[str, Any] = field(default_factory=dict)


def translate(
    kql: str,
    schema: dict[str, list[str]],
    parameters: dict[str, Any] | None = None,
    context: CompatContext | None = None,
    now: datetime | None = None,
) -> Translation:
    """Guard, rewrite and translate *kql*; raise a TracehoundError a user can act on."""
    ensure_tabular_query(kql)
    ctx = context or CompatContext(schema=schema)
    with _deep_recursion():
        rewritten = apply_rewrites(kql, ctx)
        try:
            result = duckdb_kql.to_sql(
                rewritten,
                schema=schema,
                parameters=parameters,
                allow_write=False,
                query_now=now,
            )
        except duckdb_kql.KqlError as exc:
            raise translation_error(rewritten, exc) from exc
        except RecursionError as exc:
            raise TracehoundError(
                f"the query nests too deeply to translate (over {TRANSLATION_RECURSION_LIMIT:,}"
                " levels)",
                "split the condition into several where clauses or rules",
            ) from exc
    if result.unbound:
        raise TracehoundError(
            f"query parameters declared but not given: {', '.join(sorted(result.unbound))}",
            "pass a value for each declared parameter",
        )
    sql = simplify_like_patterns(str(result))
    return Translation(kql, rewritten, sql, dict(result.parameters))


_DUCKDB_TO_KQL = {
    "VARCHAR": "string",
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "DATE": "datetime",
    "INTEGER": "int",
    "SMALLINT": "int",
    "TINYINT": "int",
    "BIGINT": "long",
    "HUGEINT": "long",
    "UBIGINT": "long",
    "UINTEGER": "long",
    "DOUBLE": "real",
    "FLOAT": "real",
    "BOOLEAN": "bool",
    "JSON": "dynamic",
    "INTERVAL": "timespan",
    "UUID": "guid",
}


def kql_type_of(duckdb_type: str) -> str:
    """The KQL type name for a DuckDB column type (lists, maps and structs are dynamic)."""
    if duckdb_type.startswith("DECIMAL"):
        return "decimal"
    return _DUCKDB_TO_KQL.get(duckdb_type, "dynamic")


def execute(
    con: duckdb.DuckDBPyConnection, translation: Translation, limit: int | None
) -> tuple[pa.Table, list[str], bool]:
    """Run *translation*; return at most *limit* rows, their KQL types, and whether more existed."""
    sql = translation.sql
    if limit is not None:
        sql = f"SELECT * FROM ({sql}) LIMIT {int(limit) + 1}"
    try:
        relation = con.sql(sql, params=translation.parameters or None)
        types = [kql_type_of(str(t)) for t in relation.types]
        table = relation.to_arrow_table()
    except (duckdb.Error, RuntimeError) as exc:
        if interrupted(exc):
            raise KeyboardInterrupt("query interrupted") from exc
        if not isinstance(exc, duckdb.Error):
            raise
        raise TracehoundError(f"query failed on the embedded store: {_first_line(exc)}") from exc
    if limit is not None and table.num_rows > limit:
        return table.slice(0, limit), types, True
    return table, types, False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
