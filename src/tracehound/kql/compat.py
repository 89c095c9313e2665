"""KQL the real hunting corpus needs that plain duckdb-kql does not run.

Each gap is closed by a rewrite of the query text into KQL that duckdb-kql runs with the same
meaning, applied before translation. Rewrites are registered in :data:`REWRITES`, in order;
each is a small function with a test of its own. Nothing here edits duckdb-kql. A rewrite
that is not sure leaves the query alone, and duckdb-kql then refuses it with its own reason.
See docs/kql.md for what each rewrite rests on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from tracehound.errors import TracehoundError
from tracehound.kql.interrupts import interrupted
from tracehound.kql.rewrites import (
    aggregates,
    between,
    externaldata,
    fileprofile,
    functions,
    ifexists,
    letfunctions,
    mvapply,
    operators,
    packall,
    parse,
    plugins,
    reorder,
    spelling,
    typedcalls,
)

#: How the engine says a query declares parameters it was not given (engine.translate).
UNBOUND_PARAMETERS = "query parameters declared but not given"

#: Output column names of a KQL query, or None when it cannot be worked out.
Describe = Callable[[str], "list[str] | None"]

#: ``fetch(kql, sql)``: the rows of *sql* run over the result of *kql*, which *sql* names
#: ``th_input``; None when the query needs parameters it was not given.
Fetch = Callable[[str, str], "list[tuple[Any, ...]] | None"]


@dataclass(frozen=True)
class CompatContext:
    """What a rewrite may need to know.

    ``schema``: table -> columns. ``externaldata``: URL -> local file, from the config's
    ``[query] externaldata``. ``describe``: the output columns of a query prefix, given by
    the backend that can bind it (``project-reorder`` and ``FileProfile`` need them); without
    it those rewrites leave the query alone. ``fetch``: rows computed over a query prefix on
    the store, for the plugins whose output columns depend on the data (``bag_unpack``,
    ``pivot``), exactly as in Kusto; without it they are left alone.
    """

    schema: dict[str, list[str]] = field(default_factory=dict)
    externaldata: dict[str, Path] = field(default_factory=dict)
    describe: Describe | None = None
    fetch: Fetch | None = None


Rewrite = Callable[[str, CompatContext], str]

#: (name, rewrite) in the order they are applied.
REWRITES: list[tuple[str, Rewrite]] = [
    ("old spellings of functions", spelling.rename_functions),
    ("old spellings of operators", spelling.rename_operators),
    ("functions written with supported ones", functions.rewrite_calls),
    ("calls whose argument types the tree shows", typedcalls.rewrite_typed_calls),
    ("summarize columns computed from aggregates", aggregates.hoist_aggregates),
    ("externaldata from mapped local files", externaldata.read_mapped_files),
    ("let functions with a tabular body, inlined", letfunctions.inline_tabular_functions),
    ("parenthesized pipe sources", operators.unwrap_parenthesized_sources),
    ("unnamed mv-expand expressions", operators.name_mv_expand_expressions),
    ("as operator as a let statement", operators.as_operator_as_let),
    ("let-bound counts of top / take", operators.inline_counted_lets),
    ("parse as extract", parse.parse_as_extract),
    ("invoke FileProfile() from the store", fileprofile.invoke_file_profile),
    ("project-reorder as project", reorder.project_reorder),
    ("column_ifexists against the input's columns", ifexists.resolve_column_ifexists),
    ("pack_all() as bag_pack of the input's columns", packall.rewrite_pack_all),
    ("mv-apply as mv-expand, or over a constant array", mvapply.rewrite_mv_apply),
    ("between a datetime and a timespan", between.rewrite_timespan_bounds),
    ("evaluate bag_unpack / pivot from the data", plugins.evaluate_plugins),
]


def apply_rewrites(kql: str, context: CompatContext) -> str:
    """*kql* with every registered rewrite applied in order."""
    for _name, rewrite in REWRITES:
        kql = rewrite(kql, context)
    return kql


def _translated(
    translate: Callable[[str], tuple[str, dict[str, object]]], kql: str
) -> tuple[str, dict[str, object]] | None:
    """(SQL, parameters) of *kql*; None when it needs parameters it was not given."""
    try:
        return translate(kql)
    except TracehoundError as exc:
        if UNBOUND_PARAMETERS in exc.message:
            return None
        raise


def _run(
    con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, object]
) -> list[tuple[Any, ...]]:
    try:
        return con.execute(sql, parameters or None).fetchall()
    except (duckdb.Error, RuntimeError) as exc:
        if interrupted(exc):
            raise KeyboardInterrupt("query interrupted") from exc
        if not isinstance(exc, duckdb.Error):
            raise
        raise TracehoundError(
            f"query failed on the embedded store: {str(exc).splitlines()[0]}"
        ) from exc


def fetch_rows(
    con: duckdb.DuckDBPyConnection,
    translate: Callable[[str], tuple[str, dict[str, object]]],
    kql: str,
    sql: str,
) -> list[tuple[Any, ...]] | None:
    """The rows of *sql* run over *kql*'s result (named ``th_input`` in *sql*).

    As :func:`output_columns`: a prefix that cannot run raises its own error.
    """
    translated = _translated(translate, kql)
    if translated is None:
        return None
    inner, parameters = translated
    return _run(con, f"WITH th_input AS ({inner}) {sql}", parameters)


def output_columns(
    con: duckdb.DuckDBPyConnection,
    translate: Callable[[str], tuple[str, dict[str, object]]],
    kql: str,
) -> list[str] | None:
    """The columns *kql* returns, bound by DuckDB without reading a row; None if it fails.

    *translate* turns KQL into (SQL, parameters) through the same engine the query uses.
    A prefix that fails to translate or bind raises: the whole query cannot run either, and
    the prefix's error is the true reason. Only a prefix needing parameter values it was not
    given (``declare query_parameters``) gives None, and the rewrite stands aside.
    """
    translated = _translated(translate, kql)
    if translated is None:
        return None
    sql, parameters = translated
    return [str(row[0]) for row in _run(con, f"DESCRIBE {sql}", parameters)]
