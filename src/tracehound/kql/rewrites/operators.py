"""Operator forms duckdb-kql refuses that have an exact spelling it accepts.

- A parenthesized pipe source, ``(union A, B | sort by T) | summarize ...``: pipes associate
  to the left, so ``(X) | op`` is ``X | op`` and the parentheses go.
- ``mv-expand f(c)`` with no name: Kusto names the expansion after the one column the
  expression reads (duckdb-kql's own measurement, noted where it refuses the form:
  ``mv-expand parse_json(a)`` returns a column ``a``), so it becomes ``mv-expand c = f(c)``.
  Only for a single function call reading exactly one column that no ``let`` binds; with two
  columns or none Kusto says ``Column1`` and the query is left to be refused.
- ``top n`` / ``take n`` / ``limit n`` / ``sample n`` where ``n`` is bound once by
  ``let n = <integer>``: duckdb-kql takes only a literal count, and the name is that literal.
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
    nested = (
        syntax.mentions(kql, _PAREN_NESTED)
        and syntax.mentions(kql, _PIPE_AFTER_PAREN)
        and syntax.piped_parenthesized_source(kql)
    )
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


_INTEGER = re.compile(r"\A\d+\Z")
#: Operators whose row count duckdb-kql takes only as a literal.
_COUNTED = ("TopOperator", "TakeOperator", "SampleOperator")


def _integer_lets(kql: str, root: Node) -> dict[str, str]:
    """Names bound once, by a top-level ``let``, to an integer literal."""
    bound: dict[str, list[str]] = {}
    for let in syntax.find(root, "LetVariableDeclaration"):
        name = syntax.first(let, "IdentifierOrKeywordOrEscapedName")
        value = syntax.first(let, "Expression")
        if name is not None and value is not None:
            bound.setdefault(str(name.getText()), []).append(syntax.text(kql, value).strip())
    return {n: v[0] for n, v in bound.items() if len(v) == 1 and _INTEGER.match(v[0])}


def _count_edits(kql: str, root: Node) -> Iterator[Edit]:
    literals = _integer_lets(kql, root)
    for operator in syntax.find(root, *_COUNTED):
        count = next(
            (c for c in syntax.children(operator) if syntax.rule(c) == "NamedExpression"), None
        )
        value = None if count is None else literals.get(syntax.text(kql, count).strip())
        if count is not None and value is not None:
            yield Edit(syntax.start(count), syntax.end(count), value)


def inline_counted_lets(kql: str, context: CompatContext) -> str:
    """``let n = 10; ... | top n by x`` -> ``| top 10 by x``: the name is that constant."""
    if not syntax.mentions(kql, _LET_NAME) or not syntax.mentions(kql, _COUNT_WORD):
        return kql
    return syntax.until_stable(kql, _count_edits)


_COUNT_WORD = re.compile(r"\|\s*(?:top|take|limit|sample)\s+[A-Za-z_]")


#: ``| as Name`` with no hint.
_AS = re.compile(r"\|\s*as\s+[A-Za-z_]")
#: Operators that read the name ``as`` gives as a value (reference: as operator, Note).
_NAME_AS_VALUE = re.compile(r"\b(?:withsource|union|find|search)\b")


def _as_edits(kql: str, root: Node) -> Iterator[Edit]:
    bound = let_names(root)
    for operator in syntax.find(root, "AsOperator"):
        kids = syntax.children(operator)
        if syntax.token_texts(operator) != ["as"] or len(kids) != 2:
            continue
        name = syntax.text(kql, kids[1]).strip()
        piped = operator.parentCtx.parentCtx  # AfterPipeOperator -> PipedOperator
        pipe = piped.parentCtx
        statement = syntax.top_statement(operator)
        query = None if statement is None else syntax.first(statement, "QueryStatement")
        if name in bound or query is None or syntax.rule(piped) != "PipedOperator":
            continue
        if (syntax.start(pipe), syntax.end(pipe)) != (syntax.start(query), syntax.end(query)):
            continue  # only the query statement's own pipe: a let can name the same value
        source = kql[syntax.start(pipe) : syntax.start(piped)].rstrip()
        yield Edit(syntax.start(pipe), syntax.end(piped), f"let {name} = {source};\n{name}")
        return


def as_operator_as_let(kql: str, context: CompatContext) -> str:
    """``X | as T | op(T)`` -> ``let T = X; T | op(T)``.

    Reference (as operator): it "binds a name to the operator's input tabular expression",
    which the query can then reference "without breaking the query and binding a name
    through the let statement" — the let statement is the same binding. Left alone with a
    hint (``hint.materialized``), inside a nested pipe, when the name is already bound, and
    when the query uses ``union``/``find``/``search``, which read the name as a value.
    """
    if not syntax.mentions(kql, _AS) or syntax.mentions(kql, _NAME_AS_VALUE):
        return kql
    return syntax.until_stable(kql, _as_edits)
