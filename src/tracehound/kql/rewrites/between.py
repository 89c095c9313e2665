"""``between (start .. span)`` with a datetime start and a timespan right bound.

Microsoft's reference (https://learn.microsoft.com/kusto/query/between-operator): the right
range "can only be of type timespan if expr and leftRange are both of type datetime", and its
example ``StartTime between (datetime(2007-07-27) .. 3d)`` counts the same 476 rows as
``between (datetime(2007-07-27) .. datetime(2007-07-30))``: the range ends at the start plus
the span. So ``x between (L .. R)`` with a timespan literal ``R`` becomes
``x between (L .. ((L) + R))`` (``!between`` alike), only when ``L`` is a datetime by its
shape: a ``datetime(...)`` literal, a call returning one (``ago``, ``now``, ``startofday``,
...), such a value plus or minus timespan literals, or a name a single top-level ``let``
binds to one and that is not a column of the operator's input (``CompatContext.describe``).
Anything else is left alone (with a timespan ``L`` the range would mean something else).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.rewrites.reorder import prefix_query
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

_BETWEEN = re.compile(r"\bbetween\b")
#: Functions returning a datetime (Microsoft's reference for each).
DATETIME_FUNCTIONS = {
    "ago",
    "now",
    "datetime_add",
    "startofday",
    "startofweek",
    "startofmonth",
    "startofyear",
    "endofday",
    "endofweek",
    "endofmonth",
    "endofyear",
    "todatetime",
    "make_datetime",
}
_LEAVES = {
    "SimpleNameReference",
    "NamedFunctionCallExpression",
    "DateTimeLiteralExpression",
    "TimeSpanLiteralExpression",
}


def _sole(node: Node) -> Node:
    return syntax.sole(node, _LEAVES)


def _let_value(kql: str, root: Node, name: str) -> Node | None:
    """The value of the single top-level ``let name = value``, or None."""
    found = []
    for statement in syntax.children(syntax.first(root, "Query") or root):
        declaration = syntax.first(statement, "LetVariableDeclaration")
        if syntax.rule(statement) != "Statement" or declaration is None:
            continue
        kids = [k for k in syntax.children(declaration) if syntax.rule(k)]
        if len(kids) == 2 and syntax.text(kql, kids[0]).strip() == name:
            found.append(kids[1])
    return found[0] if len(found) == 1 else None


class _Shapes:
    """Datetime shapes of expressions in one query, names resolved through top-level lets."""

    def __init__(self, kql: str, root: Node, columns: list[str]) -> None:
        self.kql, self.root, self.columns = kql, root, set(columns)

    def is_timespan_literal(self, node: Node) -> bool:
        return syntax.rule(_sole(node)) == "TimeSpanLiteralExpression"

    def is_datetime(self, node: Node, depth: int = 0) -> bool:
        if depth > 8:
            return False
        inner = _sole(node)
        rule = syntax.rule(inner)
        kids = [k for k in syntax.children(inner) if syntax.rule(k)]
        if rule == "DateTimeLiteralExpression":
            return True
        if rule == "NamedFunctionCallExpression":
            return syntax.call_name(inner) in DATETIME_FUNCTIONS
        if rule == "ParenthesizedExpression":
            return len(kids) == 1 and self.is_datetime(kids[0], depth + 1)
        if rule == "AdditiveExpression":
            spans = [
                operand
                for k in kids[1:]
                if syntax.rule(k) == "AdditiveOperation"
                for operand in syntax.children(k)
                if syntax.rule(operand)
            ]
            return (
                len(kids) > 1
                and len(spans) == len(kids) - 1
                and self.is_datetime(kids[0], depth + 1)
                and all(self.is_timespan_literal(s) for s in spans)
            )
        if rule == "SimpleNameReference":
            name = self.kql[syntax.start(inner) : syntax.end(inner)]
            value = None if name in self.columns else _let_value(self.kql, self.root, name)
            return value is not None and self.is_datetime(value, depth + 1)
        return False


def _bounds(between: Node) -> tuple[Node, Node] | None:
    bounds = [k for k in syntax.children(between) if syntax.rule(k)]
    return (bounds[0], bounds[1]) if len(bounds) == 2 else None


def _edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for between in syntax.find(root, "BetweenEqualityExpression"):
            bounds = _bounds(between)
            if bounds is None or syntax.rule(_sole(bounds[1])) != "TimeSpanLiteralExpression":
                continue
            operator = next(
                (a for a in syntax.ancestors(between) if syntax.rule(a).endswith("Operator")),
                None,
            )
            prefix = None if operator is None else prefix_query(kql, operator)
            columns = (
                None if prefix is None or context.describe is None else context.describe(prefix)
            )
            if columns is None or not _Shapes(kql, root, columns).is_datetime(bounds[0]):
                continue
            left, right = (syntax.text(kql, b) for b in bounds)
            yield Edit(syntax.start(bounds[1]), syntax.end(bounds[1]), f"(({left}) + {right})")
            return  # one per round: the spans after this edit move

    return edits


def rewrite_timespan_bounds(kql: str, context: CompatContext) -> str:
    """``t between (L .. 10min)`` -> ``t between (L .. ((L) + 10min))`` for a datetime ``L``."""
    if context.describe is None or not syntax.mentions(kql, _BETWEEN):
        return kql
    return syntax.until_stable(kql, _edits(context))
