"""Operator forms duckdb-kql refuses that have an exact spelling it accepts.

- A parenthesized pipe source, ``(union A, B | sort by T) | summarize ...``: pipes associate
  to the left, so ``(X) | op`` is ``X | op`` and the parentheses go.
- ``mv-expand f(c)`` with no name: Kusto names the expansion after the one column the
  expression reads (duckdb-kql's own measurement, noted where it refuses the form:
  ``mv-expand parse_json(a)`` returns a column ``a``), so it becomes ``mv-expand c = f(c)``.
  Only for a single function call reading exactly one column that no ``let`` binds; with two
  columns or none Kusto says ``Column1`` and the query is left to be refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext


def _sole_parenthesized(node: Node) -> Node | None:
    """The ParenthesizedExpression that *node* consists of entirely, if any."""
    current = node
    while True:
        kids = syntax.children(current)
        if syntax.rule(current) == "ParenthesizedExpression":
            return current
        if len(kids) != 1 or not syntax.rule(kids[0]):
            return None
        current = kids[0]


def _paren_edits(kql: str, root: Node) -> Iterator[Edit]:
    for source in syntax.find(root, "BeforePipeExpression"):
        paren = _sole_parenthesized(source)
        if paren is None:
            continue
        inner = syntax.first(paren, "Expression")
        if inner is None or syntax.rule(syntax.children(paren)[1]) != "Expression":
            continue
        yield Edit(syntax.start(paren), syntax.end(paren), syntax.text(kql, inner))


#: A parenthesized statement, or a parenthesis after ``=`` / ``(`` with a pipe after one.
_PAREN_STATEMENT = re.compile(r"(?:\A|;)\s*\(")
_PAREN_NESTED = re.compile(r"[=(]\s*\(")
_PIPE_AFTER_PAREN = re.compile(r"\)\s*\|")
#: ``mv-expand`` whose first item is an unnamed call.
_MV_EXPAND = re.compile(
    r"\bmv-?expand\s+(?:(?:kind|bagexpansion|with_itemindex)\s*=\s*\w+\s+)*[A-Za-z_]\w*\s*\("
)
_LET_NAME = re.compile(r"\blet\s+([A-Za-z_][A-Za-z0-9_]*)")


def unwrap_parenthesized_sources(kql: str, context: CompatContext) -> str:
    """``(X | a) | b`` -> ``X | a | b``."""
    nested = syntax.mentions(kql, _PAREN_NESTED) and syntax.mentions(kql, _PIPE_AFTER_PAREN)
    if not (nested or syntax.mentions(kql, _PAREN_STATEMENT)):
        return kql
    return syntax.until_stable(kql, _paren_edits)


def let_names(root: Node) -> set[str]:
    """Every name a ``let`` statement binds in the query."""
    names = set()
    for let in syntax.find(root, "LetStatement"):
        for declaration in syntax.children(let):
            name = syntax.first(declaration, "IdentifierOrKeywordOrEscapedName")
            if name is not None:
                names.add(str(name.getText()))
    return names


def read_columns(call: Node) -> set[str] | None:
    """The names a function call's arguments read, or None if any argument calls further."""
    names: set[str] = set()
    for argument in syntax.call_arguments(call):
        for node in syntax.walk(argument):
            if syntax.rule(node) == "NamedFunctionCallExpression":
                return None
            if syntax.rule(node) == "NameReferenceWithDataScope":
                names.add(str(node.getText()))
    return names


def _sole_call(named: Node) -> Node | None:
    """The function call a NamedExpression consists of, with no path or index after it."""
    call = syntax.first(named, "NamedFunctionCallExpression")
    if call is None:
        return None
    if (syntax.start(named), syntax.end(named)) != (syntax.start(call), syntax.end(call)):
        return None
    return call


def _mv_expand_edits(kql: str, root: Node) -> Iterator[Edit]:
    bound = let_names(root)
    for operator in syntax.find(root, "MvexpandOperator"):
        for item in syntax.children(operator):
            if syntax.rule(item) != "MvexpandOperatorExpression":
                continue
            named = syntax.children(item)[0]
            if syntax.rule(named) != "NamedExpression" or any(
                syntax.rule(c) == "NamedExpressionNameClause" for c in syntax.children(named)
            ):
                continue
            call = _sole_call(named)
            columns = None if call is None else read_columns(call)
            if not columns or len(columns) != 1 or columns & bound:
                continue
            (column,) = columns
            yield Edit(syntax.start(named), syntax.start(named), f"{syntax.quote_name(column)} = ")


def name_mv_expand_expressions(kql: str, context: CompatContext) -> str:
    """``mv-expand todynamic(c)`` -> ``mv-expand ['c'] = todynamic(c)``."""
    if not syntax.mentions(kql, _MV_EXPAND):
        return kql
    return syntax.until_stable(kql, _mv_expand_edits)


def _let_name(statement: Node) -> str | None:
    let = syntax.first(statement, "LetStatement")
    if let is None or syntax.children(statement)[0] is not let:
        return None
    name = syntax.first(let, "IdentifierOrKeywordOrEscapedName")
    return None if name is None else str(name.getText())


def _repeated_let_edits(kql: str, root: Node) -> Iterator[Edit]:
    query = syntax.first(root, "Query")
    if query is None:
        return
    seen: dict[str, str] = {}
    parts = syntax.children(query)
    for position, statement in enumerate(parts):
        name = None if syntax.rule(statement) != "Statement" else _let_name(statement)
        if name is None:
            continue
        body = " ".join(syntax.text(kql, statement).split())
        if seen.get(name) == body:
            following = parts[position + 1] if position + 1 < len(parts) else None
            stop = (
                syntax.end(following)
                if following is not None and following.getText() == ";"
                else syntax.end(statement)
            )
            yield Edit(syntax.start(statement), stop, "")
            return
        seen.setdefault(name, body)


def drop_repeated_lets(kql: str, context: CompatContext) -> str:
    """A ``let`` repeated word for word binds the same value again: the repeat goes."""
    names = _LET_NAME.findall(kql)
    if len(names) == len(set(names)):
        return kql
    return syntax.until_stable(kql, _repeated_let_edits)
