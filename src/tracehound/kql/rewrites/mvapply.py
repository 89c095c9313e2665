"""``mv-apply`` in the two shapes that can be written without a per-row subquery.

Microsoft's reference (https://learn.microsoft.com/kusto/query/mv-apply-operator): each input
record is expanded with ``mv-expand`` into a subtable, the subquery runs on each subtable,
and the source columns that are not expanded are added back to each result row; the
reference's examples show them first, then the named expansion and the subquery's columns
(``index | Arr | Arr2``, ``index | Arr | Top2``), and show the subquery reading a source
column (``Pack``). Only a named expansion (``Name = ArrayExpression``), without
``with_itemindex`` or ``limit``, is rewritten, and only when the backend can tell the input's
columns (``CompatContext.describe``) and neither the name nor any column the subquery makes
is one of them.

1. **Row by row.** A subquery made only of ``where`` and ``extend`` (optionally ending with a
   ``project`` that keeps exactly the expansion and the extended columns) works on each
   expanded row alone, so running it per subtable and taking the union is running it once
   on the whole expansion: ``mv-expand Name = Expr [to typeof(T)] | where ... | extend ...``
   (the reference: mv-expand "can be implemented by" mv-apply; the converse holds for any
   row-wise subquery). The final ``project`` changes nothing once the source columns are
   added back, so it is dropped. An array named by a single top-level ``let`` bound to a
   ``dynamic([...])`` literal is expanded as that literal (duckdb-kql does not bind a
   let-bound constant in ``mv-expand``).
2. **A constant array collected back.** When the array is a literal of plain strings, or a
   ``let`` name bound once to one, every subtable holds the same known elements, so
   ``extend V = X[tostring(e)] | [order by e [asc|desc]] | summarize L = make_list(V)`` is
   computed element by element: ``extend L = array_concat(...)`` of each element's value in
   the sorted order (``sort``'s default is descending). ``make_list`` leaves out null values
   (``make_list_with_nulls`` is the variant that keeps them), so each value ``x`` enters as
   ``iff(gettype(x) == "null", dynamic([]), pack_array(x))``; ``V`` must be an element
   access (``X[...]``), a dynamic value, for which ``gettype`` says ``"null"`` exactly when
   it is null. The order must not depend on case (Kusto compares strings ordinally here).

Anything else (``top``, ``summarize ... by``, several expansions, ...) is left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.rewrites.reorder import prefix_query
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

_MV_APPLY = re.compile(r"\bmv-apply\b")
_QUOTED = re.compile(r"""\A(?P<q>["'])(?P<text>[^"'\\]*)(?P=q)\Z""")
_PLAIN_ELEMENT = re.compile(r"\A[A-Za-z0-9_ .\-]*\Z")
_ROW_WISE = ("WhereOperator", "ExtendOperator")


def _steps(operator: Node) -> tuple[Node, list[Node]] | None:
    """(expansion, subquery operators) of a plain ``mv-apply Name = Expr ... on (...)``."""
    kids = [k for k in syntax.children(operator) if syntax.rule(k)]
    if [syntax.rule(k) for k in kids] != ["MvapplyOperatorExpression", "ContextualSubExpression"]:
        return None
    if [t.lower() for t in syntax.token_texts(operator)] != ["mv-apply", "on", "(", ")"]:
        return None
    sub = [k for k in syntax.children(kids[1]) if syntax.rule(k)]
    if len(sub) != 1 or syntax.rule(sub[0]) != "PipeSubExpression":
        return None
    steps = []
    for part in syntax.children(sub[0]):
        after = (
            part
            if syntax.rule(part) == "AfterPipeOperator"
            else syntax.first(part, "AfterPipeOperator")
        )
        if after is None:
            return None
        inner = [k for k in syntax.children(after) if syntax.rule(k)]
        if len(inner) != 1:
            return None
        steps.append(inner[0])
    return kids[0], steps


def _expansion(kql: str, expression: Node) -> tuple[str, Node, str] | None:
    """(name, array expression node, ``to typeof(T)`` text or '') of the single expansion."""
    kids = [k for k in syntax.children(expression) if syntax.rule(k)]
    if not kids or syntax.rule(kids[0]) != "NamedExpression" or len(kids) > 2:
        return None
    to_clause = ""
    if len(kids) == 2:
        if syntax.rule(kids[1]) != "MvapplyOperatorExpressionToClause":
            return None
        to_clause = syntax.text(kql, kids[1])
    clause = syntax.first(kids[0], "NamedExpressionNameClause")
    value = next(
        (k for k in syntax.children(kids[0]) if syntax.rule(k) == "UnnamedExpression"), None
    )
    name = None if clause is None else _plain_name(clause)
    if name is None or value is None:
        return None
    return name, value, to_clause


def _plain_name(clause: Node) -> str | None:
    names = [str(n.getText()) for n in syntax.find(clause, "IdentifierName")]
    return names[0] if len(names) == 1 else None


def _assignments(step: Node) -> list[tuple[str, Node]] | None:
    """``name = value`` pairs of an ``extend``; None when one is not a plain named one."""
    pairs = []
    for named in syntax.children(step):
        if syntax.rule(named) != "NamedExpression":
            continue
        clause = syntax.first(named, "NamedExpressionNameClause")
        value = next(
            (k for k in syntax.children(named) if syntax.rule(k) == "UnnamedExpression"), None
        )
        name = None if clause is None else _plain_name(clause)
        if name is None or value is None:
            return None
        pairs.append((name, value))
    return pairs


def _projected_names(kql: str, step: Node) -> list[str] | None:
    """The names a ``project`` of plain column references keeps; None for anything else."""
    names = []
    for item in syntax.children(step):
        if not syntax.rule(item):
            if item.getText() not in ("project", ","):
                return None
            continue
        if syntax.rule(item) != "NamedExpression" or syntax.first(
            item, "NamedExpressionNameClause"
        ):
            return None
        text = syntax.text(kql, item).strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
            return None
        names.append(text)
    return names


def _row_wise(
    kql: str, name: str, array: str, to_clause: str, steps: list[Node]
) -> tuple[str, set[str]] | None:
    """Form 1: the mv-expand pipe and the names it makes; None when the subquery is not one."""
    made = {name}
    kept: list[str] = []
    for index, step in enumerate(steps):
        kind = syntax.rule(step)
        if kind == "ExtendOperator":
            pairs = _assignments(step)
            if pairs is None:
                return None
            made.update(n for n, _ in pairs)
        elif kind == "ProjectOperator" and index == len(steps) - 1:
            names = _projected_names(kql, step)
            if names is None or set(names) != made or len(names) != len(made):
                return None
            continue
        elif kind not in _ROW_WISE:
            return None
        kept.append(syntax.text(kql, step))
    expand = f"mv-expand {name} = {array}" + (f" {to_clause}" if to_clause else "")
    return " | ".join([expand, *kept]), made


def string_elements(kql: str, node: Node) -> list[str] | None:
    """The strings of a ``dynamic([...])`` literal of plain strings; None otherwise."""
    array = syntax.first(node, "JsonArray")
    if array is None or syntax.text(kql, node).strip().replace(" ", "")[:9] != "dynamic([":
        return None
    values = []
    for value in syntax.children(array):
        if not syntax.rule(value):
            continue
        strings = [k for k in syntax.children(value) if syntax.rule(k) == "JsonString"]
        if len(strings) != 1:
            return None
        quoted = _QUOTED.match(syntax.text(kql, strings[0]))
        if quoted is None or not _PLAIN_ELEMENT.match(quoted["text"]):
            return None
        values.append(quoted["text"])
    return values or None


def let_value(root: Node, name: str) -> Node | None:
    """The value of the single top-level ``let name = ...``, or None."""
    found = []
    for declaration in syntax.find(root, "LetVariableDeclaration"):
        names = [str(n.getText()) for n in syntax.find(declaration, "IdentifierName")]
        if names and names[0] == name:
            found.append(declaration)
    if len(found) != 1:
        return None
    kids = [k for k in syntax.children(found[0]) if syntax.rule(k)]
    return kids[-1] if len(kids) == 2 else None


def _let_array(kql: str, root: Node, array: Node) -> str | None:
    """The ``dynamic([...])`` literal a plain name is bound to by a single top-level let.

    duckdb-kql cannot expand a let-bound constant (``mv-expand e = L``), so the row-wise form
    expands the literal itself: the same array.
    """
    text = syntax.text(kql, array).strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        return None
    value = let_value(root, text)
    literal = None if value is None else syntax.first(value, "DynamicLiteralExpression")
    if literal is None or syntax.text(kql, literal).strip() != syntax.text(kql, value).strip():
        return None
    if syntax.first(literal, "JsonArray") is None:
        return None
    return syntax.text(kql, literal)


def _constant_elements(kql: str, root: Node, array: Node) -> list[str] | None:
    direct = string_elements(kql, array)
    if direct is not None:
        return direct
    text = syntax.text(kql, array).strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        return None
    value = let_value(root, text)
    return None if value is None else string_elements(kql, value)


def _substituted(kql: str, value: Node, name: str, literal: str) -> str | None:
    """*value*'s text with ``tostring(name)`` and ``name`` replaced by *literal*."""
    edits = []
    for call in syntax.find(value, "NamedFunctionCallExpression"):
        args = syntax.call_arguments(call)
        if (
            syntax.call_name(call) == "tostring"
            and len(args) == 1
            and syntax.text(kql, args[0]).strip() == name
        ):
            edits.append(Edit(syntax.start(call), syntax.end(call), literal))
    for reference in syntax.find(value, "NameReferenceWithDataScope"):
        if syntax.text(kql, reference).strip() == name:
            edits.append(Edit(syntax.start(reference), syntax.end(reference), literal))
    base = syntax.start(value)
    shifted = [Edit(e.start - base, e.end - base, e.replacement) for e in edits]
    text, _skipped = syntax.apply_edits(syntax.text(kql, value), shifted)
    return text


def _collected(
    kql: str, root: Node, name: str, array: Node, to_clause: str, steps: list[Node]
) -> tuple[str, set[str]] | None:
    """Form 2: ``extend L = array_concat(...)`` and the names it makes, or None."""
    if re.sub(r"\s+", "", to_clause) != "totypeof(string)":
        return None
    elements = _constant_elements(kql, root, array)
    if elements is None or not steps or syntax.rule(steps[-1]) != "SummarizeOperator":
        return None
    values: dict[str, Node] = {}
    descending: bool | None = None
    for step in steps[:-1]:
        kind = syntax.rule(step)
        if kind == "ExtendOperator":
            pairs = _assignments(step)
            if pairs is None:
                return None
            values.update(pairs)
        elif kind == "SortOperator" and descending is None:
            ordered = [k for k in syntax.children(step) if syntax.rule(k)]
            if len(ordered) != 1 or syntax.rule(ordered[0]) != "OrderedExpression":
                return None
            parts = [k for k in syntax.children(ordered[0]) if syntax.rule(k)]
            key = syntax.text(kql, parts[0]).strip() if parts else ""
            ordering = syntax.text(kql, parts[1]).strip().lower() if len(parts) == 2 else ""
            if key != name or len(parts) != 2 or ordering not in ("", "asc", "desc"):
                return None
            descending = ordering != "asc"
        else:
            return None
    summarize = steps[-1]
    aggregates = [k for k in syntax.children(summarize) if syntax.rule(k)]
    if len(aggregates) != 1 or syntax.rule(aggregates[0]) != "NamedExpression":
        return None
    clause = syntax.first(aggregates[0], "NamedExpressionNameClause")
    result = None if clause is None else _plain_name(clause)
    call = syntax.first(aggregates[0], "NamedFunctionCallExpression")
    if result is None or call is None or syntax.call_name(call) != "make_list":
        return None
    args = syntax.call_arguments(call)
    collected = syntax.text(kql, args[0]).strip() if len(args) == 1 else ""
    value = values.get(collected)
    if value is None or syntax.first(value, "FunctionCallOrPathElementOperation") is None:
        return None
    if not syntax.text(kql, value).strip().endswith("]"):
        return None
    if any(
        syntax.text(kql, ref).strip() in values
        for ref in syntax.find(value, "NameReferenceWithDataScope")
    ):
        return None
    if descending is not None:
        ordered_values = sorted(elements, reverse=descending)
        if ordered_values != sorted(elements, key=lambda v: (v.lower(), v), reverse=descending):
            return None
        elements = ordered_values
    parts = []
    for element in elements:
        literal = json.dumps(element)
        item = _substituted(kql, value, name, literal)
        if item is None:
            return None
        parts.append(f'iff(gettype({item}) == "null", dynamic([]), pack_array({item}))')
    made = {name, result, *values}
    if string_elements(kql, array) is None:
        made.add(syntax.text(kql, array).strip())  # the let name must not be a column
    return f"extend {result} = array_concat({', '.join(parts)})", made


def _edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for operator in syntax.find(root, "MvapplyOperator"):
            parts = _steps(operator)
            expansion = None if parts is None else _expansion(kql, parts[0])
            prefix = prefix_query(kql, operator)
            if parts is None or expansion is None or prefix is None or context.describe is None:
                continue
            name, array, to_clause = expansion
            steps = parts[1]
            inlined = _let_array(kql, root, array)
            array_text = syntax.text(kql, array) if inlined is None else inlined
            rewritten = _row_wise(kql, name, array_text, to_clause, steps) or _collected(
                kql, root, name, array, to_clause, steps
            )
            if rewritten is None:
                continue
            if inlined is not None:  # the let name must not be a column of the input
                rewritten = (rewritten[0], rewritten[1] | {syntax.text(kql, array).strip()})
            columns = context.describe(prefix)
            if columns is None or rewritten[1] & set(columns):
                continue
            yield Edit(syntax.start(operator), syntax.end(operator), rewritten[0])
            return  # one per round: a later operator's prefix contains this one

    return edits


def rewrite_mv_apply(kql: str, context: CompatContext) -> str:
    """``mv-apply`` as ``mv-expand`` + row-wise operators, or a constant array collected."""
    if context.describe is None or not syntax.mentions(kql, _MV_APPLY):
        return kql
    return syntax.until_stable(kql, _edits(context))
