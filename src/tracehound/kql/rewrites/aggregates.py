"""A ``summarize`` column computed from aggregates, as the aggregates and an ``extend``.

``summarize N = datetime_diff("minute", now(), max(T)) by K`` names a scalar expression over
aggregates; duckdb-kql takes only an aggregate call there. Microsoft's reference for
summarize (https://learn.microsoft.com/kusto/query/summarize-operator) gives one output row
per group, the ``by`` columns first and then one column per aggregation, in order. Computing
each aggregate under a temporary name, then the expression from those values in an
``extend``, then dropping the temporaries gives the same rows and the same columns:

``summarize th_agg0 = max(T) by K | extend N = datetime_diff("minute", now(), th_agg0)
| project-away th_agg0``

Rewritten only when every computed column is named and comes after every plain aggregate
(``extend`` appends, so the column order stays the reference's), its expression reads no
column outside its aggregate calls (a by column or a stray name is left to the engine as
written), and the operator has no hints. Anything else is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

_SUMMARIZE = re.compile(r"\bsummarize\b")
#: Aggregation functions (Microsoft's aggregation function list) a temporary may hold.
AGGREGATES = {
    "count",
    "countif",
    "dcount",
    "dcountif",
    "sum",
    "sumif",
    "avg",
    "avgif",
    "min",
    "max",
    "minif",
    "maxif",
    "make_set",
    "make_list",
    "make_set_if",
    "make_list_if",
    "make_bag",
    "take_any",
    "any",
    "stdev",
    "variance",
}
_LEAVES = {"NamedFunctionCallExpression"}


def _sole(node: Node) -> Node:
    return syntax.sole(node, _LEAVES)


def _aggregate_calls(value: Node) -> list[Node] | None:
    """The outermost aggregate calls in *value*; None if one holds another aggregate."""
    calls = [
        c
        for c in syntax.find(value, "NamedFunctionCallExpression")
        if syntax.call_name(c) in AGGREGATES
    ]
    outer = [c for c in calls if not any(a in calls for a in syntax.ancestors(c))]
    if len(outer) != len(calls):
        return None
    return outer


def _reads_outside(value: Node, calls: list[Node]) -> bool:
    """Whether *value* names a column (or anything) outside its aggregate calls."""
    references = syntax.find(value, "NameReferenceWithDataScope")
    return any(all(a not in calls for a in syntax.ancestors(r)) for r in references)


def _temporary(kql: str) -> str:
    prefix = "th_agg"
    while prefix in kql.lower():
        prefix += "_"
    return prefix


def _rewritten(kql: str, operator: Node) -> str | None:
    if [t.lower() for t in syntax.token_texts(operator) if t != ","] != ["summarize"]:
        return None
    items = [k for k in syntax.children(operator) if syntax.rule(k)]
    by = [k for k in items if syntax.rule(k) == "SummarizeOperatorByClause"]
    aggregates = [k for k in items if syntax.rule(k) == "NamedExpression"]
    if len(by) + len(aggregates) != len(items) or len(by) > 1:
        return None
    prefix = _temporary(kql)
    plain: list[str] = []
    temporaries: list[str] = []
    computed: list[str] = []
    for item in aggregates:
        value = next(
            (k for k in syntax.children(item) if syntax.rule(k) == "UnnamedExpression"), None
        )
        if value is None:
            return None
        sole = _sole(value)
        if syntax.rule(sole) == "NamedFunctionCallExpression" and (
            syntax.call_name(sole) in AGGREGATES
        ):
            if computed:
                return None  # a plain aggregate after a computed one: order would change
            plain.append(syntax.text(kql, item))
            continue
        calls = _aggregate_calls(value)
        clause = syntax.first(item, "NamedExpressionNameClause")
        names = [k for k in syntax.children(clause) if syntax.rule(k)] if clause else []
        if not calls or len(names) != 1 or _reads_outside(value, calls):
            return None
        edits = []
        for call in calls:
            name = f"{prefix}{len(temporaries)}"
            temporaries.append(f"{name} = {syntax.text(kql, call)}")
            edits.append(Edit(syntax.start(call), syntax.end(call), name))
        base = syntax.start(value)
        shifted = [Edit(e.start - base, e.end - base, e.replacement) for e in edits]
        expression, _skipped = syntax.apply_edits(syntax.text(kql, value), shifted)
        computed.append(f"{syntax.text(kql, names[0])} = {expression}")
    if not computed:
        return None
    names = [t.split(" = ", 1)[0] for t in temporaries]
    by_text = f" {syntax.text(kql, by[0])}" if by else ""
    return (
        f"summarize {', '.join(plain + temporaries)}{by_text}"
        f" | extend {', '.join(computed)} | project-away {', '.join(names)}"
    )


def _edits(kql: str, root: Node) -> Iterator[Edit]:
    for operator in syntax.find(root, "SummarizeOperator"):
        replacement = _rewritten(kql, operator)
        if replacement is not None:
            yield Edit(syntax.start(operator), syntax.end(operator), replacement)


_AGGREGATE_CALL = re.compile(r"\b(?:" + "|".join(sorted(AGGREGATES)) + r")\s*\(")
_IDENTIFIER_END = re.compile(r"[A-Za-z0-9_]\Z")


def may_compute(kql: str) -> bool:
    """A cheap pre-check, before parsing: an aggregate call inside another call's
    parentheses or right after an arithmetic or comparison operator.

    Strings and ``//`` comments are skipped naively; like :func:`syntax.mentions` this can
    only make the rewrite miss a query (the parse tree decides the edit).
    """
    text = re.sub(r"//[^\n]*", "", kql)
    calls = {m.start() for m in _AGGREGATE_CALL.finditer(text)}
    if not calls:
        return False
    stack: list[bool] = []  # per open parenthesis: is it a call's?
    quote = ""
    for position, char in enumerate(text):
        if quote:
            if char == "\\":
                continue
            if char == quote and text[position - 1 : position] != "\\":
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif position in calls:
            before = text[:position].rstrip()
            if (stack and stack[-1]) or before[-1:] in ("+", "-", "*", "/", "%", "<", ">"):
                return True
        if char == "(":
            stack.append(_IDENTIFIER_END.search(text[:position].rstrip()) is not None)
        elif char == ")" and stack:
            stack.pop()
    return False


def hoist_aggregates(kql: str, context: CompatContext) -> str:
    """``summarize N = f(agg(x)) by K`` -> aggregates, then ``extend N = f(...)``."""
    if not syntax.mentions(kql, _SUMMARIZE) or not may_compute(kql):
        return kql
    return syntax.until_stable(kql, _edits)
