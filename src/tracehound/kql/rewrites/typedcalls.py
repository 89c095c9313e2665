"""Calls rewritten only where the parse tree shows an argument's type.

- ``array_split(a, i)`` with a number ``i`` (Microsoft's reference,
  https://learn.microsoft.com/kusto/query/array-split-function): the arrays ``[0..i)`` and
  ``[i..array_length)``, a negative ``i`` counting from the end -> ``pack_array(iff(i == 0,
  dynamic([]), array_slice(a, 0, i - 1)), array_slice(a, i, -1))``. ``array_slice`` converts
  negative bounds the same way; ``i == 0`` is apart because ``array_slice(a, 0, -1)`` is the
  whole array. A dynamic array of indices is left alone, so ``i`` must be an integer by its
  shape: an integer literal (signed), arithmetic of integers, a call returning one
  (``array_length``, ``strlen``, ...), or a name an earlier ``extend``/``project`` of the same
  pipe set to one, with only operators between that cannot redefine it without a
  ``name = value`` (``where``, ``sort``, ``take``, ...).
- ``split(s, d, i)`` with an index ``i`` that is never negative by its shape (a literal,
  ``+``/``*`` of such, ``array_length``/``strlen``/``countof``, or a name the pipe set to one;
  https://learn.microsoft.com/kusto/query/split-function: "the returned string array
  contains the requested substring at the index if it exists") ->
  ``array_slice(split(s, d), i, i)``, that one element or an empty array past the end, as the
  literal-index rewrite in ``functions.py``.
- ``has_any_index(s, values)`` with ``values`` a ``dynamic([...])`` literal of plain non-empty
  strings, or a name a single top-level ``let`` binds to one that is not a column of the
  input (https://learn.microsoft.com/kusto/query/has-any-index-function: the zero-based
  index of the first item of ``values`` found in ``s``, as ``has`` finds terms; -1 when none
  is) -> ``case(s has v0, 0, s has v1, 1, ..., -1)``.
- ``bin(c, 1tick)`` for a column ``c`` holding datetimes or timespans: ``c`` itself. The
  reference (https://learn.microsoft.com/kusto/query/bin-function) rounds down to a multiple
  of the bin size, and both types count in whole ticks, so every value is already one. The
  column's type is read from the store's binding of the query up to the operator
  (``CompatContext.fetch`` of a ``DESCRIBE``, no row read); a number or an expression is left
  alone. (duckdb-kql refuses ``1tick``: DuckDB keeps microseconds.)
- ``abs(t)`` of a timespan (https://learn.microsoft.com/kusto/query/abs-function: ``x`` is
  "int, real, or timespan"; duckdb-kql takes numbers only): a timespan column, or the
  difference of two datetime columns, typed as for ``bin`` ->
  ``iff((t) < 0s, 0s - (t), (t))``; a null stays null.
- ``format_timespan(dayofweek(t), 'd')`` (https://learn.microsoft.com/kusto/query/
  format-timespan-function: ``d`` is the number of whole days, ``15.13:45:30`` -> ``15``):
  ``dayofweek`` is 0 to 6 days, never negative, so this is ``tostring(tolong(x / 1d))``.
  Other formats and arguments (a negative timespan's sign is not documented) are left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.rewrites.mvapply import let_value, string_elements
from tracehound.kql.rewrites.reorder import prefix_query
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

#: A cheap pre-check: a call only some of these rewrite, or a one-tick literal (for ``bin``).
_CALLS = re.compile(r"\b(?:(?:array_split|format_timespan|has_any_index|abs)\s*\(|1\s*ticks?\b)")
_ONE_TICK = re.compile(r"\A1\s*ticks?\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: DuckDB types that hold a KQL datetime or timespan.
_DATETIME_TYPES = {"TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS"}
_TIME_TYPES = {*_DATETIME_TYPES, "INTERVAL"}
#: The declared type of each input column, read without reading a row.
_TYPES_SQL = "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM th_input)"
_DAYS_FORMAT = re.compile(r"""\A(?:'d'|"d")\Z""")
#: Functions whose result is an integer (Microsoft's reference for each).
_INTEGER_FUNCTIONS = {"array_length", "strlen", "toint", "tolong", "indexof", "countof"}
#: Those of them that are never negative (lengths and counts).
_COUNT_FUNCTIONS = {"array_length", "strlen", "countof"}
_OPERATIONS = ("AdditiveOperation", "MultiplicativeOperation")
#: Operators a column passes through unchanged unless one of their own named expressions
#: assigns it; anything else (summarize, join, mv-expand, project-rename, parse, ...) may
#: redefine a name without a ``name = value`` the scan below would see.
_PASSING = {
    "ExtendOperator",
    "ProjectOperator",
    "WhereOperator",
    "SortOperator",
    "TakeOperator",
    "TopOperator",
    "PrintOperator",
}
#: Rules named ``...Operator`` that are not a step of a pipe.
_NOT_STEPS = {
    "PipedOperator",
    "AfterPipeOperator",
    "BeforeOrAfterPipeOperator",
    "ContextualPipeExpressionPipedOperator",
    "ForkOperatorPipedOperator",
    "ForkPipeOperator",
    "StringBinaryOperator",
    "EntityElementOperator",
    "EntityPathOperator",
    "EntityPathOrElementOperator",
    "LegacyEntityPathElementOperator",
}
#: Where :func:`_sole` stops descending: the nodes :func:`_is_number` recognizes.
_LEAVES = {"SimpleNameReference", "NamedFunctionCallExpression", "LongLiteralExpression"}


def _is_step(node: Node) -> bool:
    kind = syntax.rule(node)
    return kind.endswith("Operator") and kind not in _NOT_STEPS


def _sole(node: Node) -> Node:
    return syntax.sole(node, _LEAVES)


def _is_number(node: Node, depth: int = 0, non_negative: bool = False) -> bool:
    """Whether *node* is an integer by its shape alone: a literal, arithmetic of integers,
    a call returning one, or a name the same pipe last set to one. With *non_negative*,
    only shapes that cannot be negative: no minus sign, ``+`` and ``*`` only, and counts
    (``array_length``, ``strlen``, ``countof``)."""
    if depth > 8:
        return False
    inner = _sole(node)
    rule = syntax.rule(inner)
    kids = [k for k in syntax.children(inner) if syntax.rule(k)]
    if rule == "LongLiteralExpression":
        return True
    if rule == "ParenthesizedExpression":
        return len(kids) == 1 and _is_number(kids[0], depth + 1, non_negative)
    if rule == "InvocationExpression":  # -n, +n
        signs = [["+"]] if non_negative else [["-"], ["+"]]
        return (
            syntax.token_texts(inner) in signs
            and len(kids) == 1
            and _is_number(kids[0], depth + 1, non_negative)
        )
    if rule in ("AdditiveExpression", "MultiplicativeExpression"):
        operations = [k for k in kids[1:] if syntax.rule(k) in _OPERATIONS]
        if not kids or not operations:
            return False
        if non_negative and any(syntax.token_texts(k) not in (["+"], ["*"]) for k in operations):
            return False
        operands = [kids[0]] + [
            operand for k in kids[1:] for operand in syntax.children(k) if syntax.rule(operand)
        ]
        return all(_is_number(o, depth + 1, non_negative) for o in operands)
    if rule == "NamedFunctionCallExpression":
        functions = _COUNT_FUNCTIONS if non_negative else _INTEGER_FUNCTIONS
        return syntax.call_name(inner) in functions
    if rule == "SimpleNameReference":
        value = _last_assignment(inner)
        return value is not None and _is_number(value, depth + 1, non_negative)
    return False


def _operator(node: Node) -> Node | None:
    """The tabular operator (``ExtendOperator``, ...) whose expression holds *node*."""
    return next((parent for parent in syntax.ancestors(node) if _is_step(parent)), None)


def _pipe_operators(operator: Node) -> list[Node]:
    """The operators of the pipe *operator* is one step of, in order."""
    step = next(
        (
            a
            for a in syntax.ancestors(operator)
            if syntax.rule(a) in ("PipedOperator", "BeforePipeExpression")
        ),
        None,
    )
    pipe = None if step is None else step.parentCtx
    if pipe is None or syntax.rule(pipe) != "PipeExpression":
        return [operator]
    found = []
    for part in syntax.children(pipe):
        inner = next((n for n in syntax.walk(part) if _is_step(n)), None)
        if inner is not None:
            found.append(inner)
    return found


def _assigned(operator: Node, name: str, before: int) -> Node | None:
    """The value *operator*'s own ``name = value`` gives *name* last before *before*."""
    found = None
    for named in syntax.children(operator):
        if syntax.rule(named) != "NamedExpression" or syntax.end(named) > before:
            continue
        clause = syntax.first(named, "NamedExpressionNameClause")
        if clause is None or clause.parentCtx is not named:
            continue
        names = [str(n.getText()) for n in syntax.find(clause, "IdentifierName")]
        if names == [name]:
            found = next(
                (k for k in syntax.children(named) if syntax.rule(k) == "UnnamedExpression"),
                None,
            )
    return found


def _last_assignment(reference: Node) -> Node | None:
    """What the name *reference* was last set to by an earlier step of the same pipe.

    None when an operator in between could redefine it in a way not written as
    ``name = value`` (see :data:`_PASSING`), or when no step of the pipe sets it.
    """
    name = str(reference.getText())
    operator = _operator(reference)
    if operator is None:
        return None
    operators = _pipe_operators(operator)
    if operator not in operators:
        return None
    position = syntax.start(reference)
    for step in reversed(operators[: operators.index(operator) + 1]):
        if syntax.rule(step) not in _PASSING:
            return None
        value = _assigned(step, name, position)
        if value is not None:
            return value
    return None


def _array_split(kql: str, root: Node, args: list[Node], context: CompatContext) -> str | None:
    if len(args) != 2 or not _is_number(args[1]):
        return None
    array, index = (syntax.text(kql, a) for a in args)
    return (
        f"pack_array(iff(({index}) == 0, dynamic([]), array_slice({array}, 0, ({index}) - 1)),"
        f" array_slice({array}, {index}, -1))"
    )


def _split_at(kql: str, root: Node, args: list[Node], context: CompatContext) -> str | None:
    if len(args) != 3 or not _is_number(args[2], non_negative=True):
        return None
    source, delimiter, index = (syntax.text(kql, a) for a in args)
    return f"array_slice(split({source}, {delimiter}), {index}, {index})"


def _has_any_index(kql: str, root: Node, args: list[Node], context: CompatContext) -> str | None:
    if len(args) != 2:
        return None
    values = _sole(args[1])
    elements = string_elements(kql, values)
    name = syntax.text(kql, args[1]).strip()
    if elements is None and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        bound = let_value(root, name)
        elements = None if bound is None else string_elements(kql, bound)
        operator = _operator(args[1])
        prefix = None if operator is None else prefix_query(kql, operator)
        columns = None if prefix is None or context.describe is None else context.describe(prefix)
        if columns is None or name in columns:
            return None
    if not elements or any(not e for e in elements):
        return None
    source = syntax.text(kql, args[0])
    tests = ", ".join(f"({source}) has {json.dumps(e)}, {i}" for i, e in enumerate(elements))
    return f"case({tests}, -1)"


def _bin_one_tick(kql: str, root: Node, args: list[Node], context: CompatContext) -> str | None:
    if len(args) != 2 or not _ONE_TICK.match(syntax.text(kql, args[1]).strip()):
        return None
    column = syntax.text(kql, args[0]).strip()
    operator = _operator(args[0])
    prefix = None if operator is None else prefix_query(kql, operator)
    if not _NAME.fullmatch(column) or prefix is None or context.fetch is None:
        return None
    declared = _column_types(prefix, [column], context).get(column)
    return column if declared in _TIME_TYPES else None


def _column_types(prefix: str, names: list[str], context: CompatContext) -> dict[str, str]:
    """Column -> DuckDB type of the result of *prefix*, bound without reading a row.

    Asked only when the input's columns (``describe``, which does not make the translation
    data-dependent) hold every one of *names*: ``fetch`` makes the backend skip caching the
    translation, so a query this rewrite would leave alone does not pay for it.
    """
    columns = None if context.describe is None else context.describe(prefix)
    if columns is None or not set(names) <= set(columns) or context.fetch is None:
        return {}
    rows = context.fetch(prefix, _TYPES_SQL)
    return {} if rows is None else {str(name): str(kind) for name, kind in rows}


def _abs_timespan(kql: str, root: Node, args: list[Node], context: CompatContext) -> str | None:
    if len(args) != 1 or context.fetch is None:
        return None
    inner = _sole(args[0])
    kids = [k for k in syntax.children(inner) if syntax.rule(k)]
    operands = [kids[0]] if kids else []
    if syntax.rule(inner) == "AdditiveExpression":
        if len(kids) != 2 or syntax.token_texts(kids[1]) != ["-"]:
            return None
        operands += [k for k in syntax.children(kids[1]) if syntax.rule(k)]
        wanted = _DATETIME_TYPES
    else:
        operands, wanted = [inner], {"INTERVAL"}
    names = [syntax.text(kql, o).strip() for o in operands]
    operator = _operator(args[0])
    prefix = None if operator is None else prefix_query(kql, operator)
    if prefix is None or not all(_NAME.fullmatch(n) for n in names):
        return None
    types = _column_types(prefix, names, context)
    if not all(types.get(n) in wanted for n in names):
        return None
    value = syntax.text(kql, args[0])
    return f"iff(({value}) < 0s, 0s - ({value}), ({value}))"


def _format_timespan(kql: str, root: Node, args: list[Node], context: CompatContext) -> str | None:
    if len(args) != 2 or not _DAYS_FORMAT.match(syntax.text(kql, args[1]).strip()):
        return None
    call = _sole(args[0])
    if syntax.rule(call) != "NamedFunctionCallExpression" or syntax.call_name(call) != "dayofweek":
        return None
    return f"tostring(tolong({syntax.text(kql, args[0])} / 1d))"


#: Function name -> (kql, root, argument nodes, context) -> replacement, or None.
TYPED_CALLS: dict[str, Callable[[str, Node, list[Node], CompatContext], str | None]] = {
    "array_split": _array_split,
    "format_timespan": _format_timespan,
    "split": _split_at,
    "has_any_index": _has_any_index,
    "bin": _bin_one_tick,
    "abs": _abs_timespan,
}


def _edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for call in syntax.find(root, "NamedFunctionCallExpression"):
            rewrite = TYPED_CALLS.get(syntax.call_name(call))
            arguments = syntax.call_arguments(call)
            replacement = None if rewrite is None else rewrite(kql, root, arguments, context)
            if replacement is not None:
                yield Edit(syntax.start(call), syntax.end(call), replacement)

    return edits


def rewrite_typed_calls(kql: str, context: CompatContext) -> str:
    """``array_split``, ``split`` at a computed index, ``has_any_index``, ``bin(c, 1tick)``,
    ``abs`` of a timespan, ``format_timespan(dayofweek(t), 'd')``, in supported functions."""
    if not syntax.mentions(kql, _CALLS) and 3 not in syntax.call_arities(kql, ["split"]).get(
        "split", set()
    ):
        return kql
    return syntax.until_stable(kql, _edits(context))
