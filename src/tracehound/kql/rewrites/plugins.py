"""``evaluate bag_unpack(...)`` and ``evaluate pivot(...)``, whose columns come from the data.

Both plugins' output schema depends on the input's values, exactly as the reference warns
("the output schema of the plugin is based on the input data"). Kusto looks at the data to
decide the columns; so does this rewrite: it asks the store (``CompatContext.fetch``) over
the query up to the operator, then writes the operator as plain KQL for those columns.

``bag_unpack(Column [, OutputColumnPrefix])`` (reference: bag_unpack plugin): the same rows;
``Column`` removed; one column per distinct top-level slot of the bags, named after the slot
with the optional prefix; typed as the slot when every value has one type, else dynamic. The
reference's example output lists the new columns by name (``Age`` before ``Name``); so do
we. A slot whose name clashes with an input column is an error in Kusto by default: left
alone. Becomes ``extend ['p_k'] = to<type>(Column['k']), ... | project-away Column``.

``pivot(pivotColumn [, aggregation] [, column1, ...])`` (reference: pivot plugin): one row
per distinct grouping columns (default: every column but the pivot column and the
aggregated ones), one column per distinct value of the pivot column holding the
aggregation (default ``count()``; the reference's example shows 0 where a value does not
occur). Becomes ``summarize ['v1'] = countif(P == "v1"), ... by column1, ...``. Only
``count()`` is rewritten when values exist; with no values (an empty input) the aggregation
names no column and any aggregation becomes ``summarize by column1, ...``. A pivot column
that is not a string, an empty value, or names that differ only in case are left alone.
The order of the value columns is not documented; here they are sorted by name.

Anything else (extra arguments, an output schema after the call) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.rewrites.functions import string_value
from tracehound.kql.rewrites.operators import read_columns
from tracehound.kql.rewrites.reorder import prefix_query
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

_EVALUATE = re.compile(r"\bevaluate\s+(?:bag_unpack|pivot)\s*\(")
_NAME = re.compile(r"\A(?:[A-Za-z_][A-Za-z0-9_]*|\[\s*'[^'\\]*'\s*\]|\[\s*\"[^\"\\]*\"\s*\])\Z")

#: DuckDB json_type of a slot value -> the KQL conversion giving the slot's type.
SLOT_TYPES: dict[str, str] = {
    "VARCHAR": "tostring",
    "BIGINT": "tolong",
    "UBIGINT": "tolong",
    "DOUBLE": "toreal",
    "BOOLEAN": "tobool",
}

#: Slots of every object bag in the column, with the JSON types of their non-null values.
_SLOTS_SQL = (
    "SELECT e.key, list(DISTINCT json_type(e.value)) FILTER (WHERE json_type(e.value) <> 'NULL')"
    " FROM (SELECT unnest(map_entries(TRY_CAST(b AS MAP(VARCHAR, JSON)))) AS e"
    " FROM (SELECT TRY_CAST({column} AS JSON) AS b FROM th_input) WHERE json_type(b) = 'OBJECT')"
    " GROUP BY e.key"
)
#: Distinct values of the pivot column with their DuckDB types.
_VALUES_SQL = "SELECT DISTINCT typeof({column}), CAST({column} AS VARCHAR) FROM th_input"


def _sql_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _kql_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _column(kql: str, argument: Node) -> str | None:
    """The column an argument names (a bare or bracketed name), else None."""
    text = syntax.text(kql, argument).strip()
    if not _NAME.match(text):
        return None
    if text.startswith("["):
        inner = text[1:-1].strip()
        return inner[1:-1]
    return text


def _clash(names: list[str]) -> bool:
    """Two names equal ignoring case: DuckDB cannot hold both."""
    return len({n.lower() for n in names}) != len(names)


def bag_unpack(kql: str, prefix: str, arguments: list[Node], context: CompatContext) -> str | None:
    """``extend`` of each slot found in the data + ``project-away`` of the bag column."""
    assert context.describe is not None and context.fetch is not None
    if len(arguments) not in (1, 2):
        return None
    column = _column(kql, arguments[0])
    name_prefix = ""
    if len(arguments) == 2:
        literal = string_value(syntax.text(kql, arguments[1]).strip())
        if literal is None:
            return None
        name_prefix = literal
    columns = context.describe(prefix)
    if column is None or columns is None or column not in columns:
        return None
    rows = context.fetch(prefix, _SLOTS_SQL.format(column=_sql_name(column)))
    if rows is None:
        return None
    slots = sorted((str(key), set(types or ())) for key, types in rows)
    names = [name_prefix + key for key, _types in slots]
    if _clash(columns + names):
        return None
    reference = syntax.quote_name(column)
    extends = []
    for (key, types), name in zip(slots, names, strict=True):
        value = f"{reference}[{_kql_string(key)}]"
        conversions = {SLOT_TYPES.get(t) for t in types}
        conversion = conversions.pop() if len(conversions) == 1 else None
        extends.append(f"{syntax.quote_name(name)} = {conversion or ''}({value})")
    away = f"project-away {reference}"
    return f"extend {', '.join(extends)} | {away}" if extends else away


def _aggregation(kql: str, argument: Node) -> Node | None:
    """The aggregation call an argument consists of, else None."""
    call = syntax.first(argument, "FunctionCallExpression")
    if call is None or syntax.text(kql, call).strip() != syntax.text(kql, argument).strip():
        return None
    return call


def pivot(kql: str, prefix: str, arguments: list[Node], context: CompatContext) -> str | None:
    """``summarize`` of one column per value of the pivot column found in the data."""
    assert context.describe is not None and context.fetch is not None
    if not arguments:
        return None
    column = _column(kql, arguments[0])
    rest = arguments[1:]
    aggregation = _aggregation(kql, rest[0]) if rest else None
    if aggregation is not None:
        rest = rest[1:]
    groups = [_column(kql, a) for a in rest]
    columns = context.describe(prefix)
    if column is None or columns is None or column not in columns or None in groups:
        return None
    if not groups:
        call = (
            None
            if aggregation is None
            else syntax.first(aggregation, "NamedFunctionCallExpression")
        )
        aggregated = set() if call is None else read_columns(call) or set()
        groups = [c for c in columns if c != column and c not in aggregated]
    if not groups or any(g not in columns for g in groups):
        return None
    rows = context.fetch(prefix, _VALUES_SQL.format(column=_sql_name(column)))
    if rows is None or any(t != "VARCHAR" or not v for t, v in rows):
        return None
    values = sorted(str(v) for _t, v in rows)
    if _clash([str(g) for g in groups] + values):
        return None
    by = ", ".join(syntax.quote_name(str(g)) for g in groups)
    if not values:
        return f"summarize by {by}"
    if aggregation is not None and syntax.text(kql, aggregation).replace(" ", "") != "count()":
        return None
    reference = syntax.quote_name(column)
    cells = ", ".join(
        f"{syntax.quote_name(v)} = countif({reference} == {_kql_string(v)})" for v in values
    )
    return f"summarize {cells} by {by}"


Plugin = Callable[[str, str, list[Node], "CompatContext"], "str | None"]

#: Plugin name -> rewrite of ``evaluate name(...)`` given its input query.
PLUGINS: dict[str, Plugin] = {"bag_unpack": bag_unpack, "pivot": pivot}


def _sole_call(operator: Node) -> Node | None:
    """The plugin call of ``evaluate name(...)`` with nothing else in the operator."""
    kids = syntax.children(operator)
    if len(kids) != 2 or syntax.rule(kids[1]) != "FunctionCallExpression":
        return None
    return syntax.first(kids[1], "NamedFunctionCallExpression")


def _plugin_edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for operator in syntax.find(root, "EvaluateOperator"):
            call = _sole_call(operator)
            plugin = None if call is None else PLUGINS.get(syntax.call_name(call))
            prefix = prefix_query(kql, operator)
            if call is None or plugin is None or prefix is None:
                continue
            replacement = plugin(kql, prefix, syntax.call_arguments(call), context)
            if replacement is not None:
                yield Edit(syntax.start(operator), syntax.end(operator), replacement)
                return  # one per round: a later one's input contains this one

    return edits


def evaluate_plugins(kql: str, context: CompatContext) -> str:
    """``evaluate bag_unpack(c)`` / ``evaluate pivot(c)`` as KQL for the columns in the data."""
    if context.describe is None or context.fetch is None or not syntax.mentions(kql, _EVALUATE):
        return kql
    return syntax.until_stable(kql, _plugin_edits(context))
