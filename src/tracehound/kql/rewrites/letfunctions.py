"""``let`` functions with a tabular body, inlined at their call sites.

duckdb-kql substitutes scalar ``let`` functions (``let f = (x:long) { x + 1 }``) but refuses
one whose body is a pipeline: ``let f = (d:string) { DeviceEvents | where DeviceName == d };
f("pc1")``. Microsoft's reference for user-defined functions
(https://learn.microsoft.com/kusto/query/functions/user-defined-functions) says the call is
the body evaluated with the parameters bound to the arguments, and that a function's body
sees the names of the scope it is declared in. Here every call becomes ``(body)`` with each
parameter reference replaced by its argument (parenthesized unless it is one literal or one
name), and the declaration goes once every call is inlined.

The substitution keeps the meaning only when no name can be captured, so a function is left
alone when:

- a parameter or a name an argument reads is a column of a known table, or appears in the
  body in any other role than a plain reference (``extend x = ...``, ``by x``), because inside
  the body a column wins over a parameter (q0902 names a parameter ``DeviceName`` and reads
  ``DeviceName == DeviceName``: both sides are the column);
- the body has ``let`` statements of its own, takes a tabular parameter, has parameters with
  defaults (a call may then give fewer arguments), or a call sits in another function's body;
- a ``let`` after the declaration binds a name the body reads (the call would see it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.rewrites.operators import let_names
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

#: A ``let`` whose value starts with a parameter list: ``let f = (x:string``.
_LET_FUNCTION = re.compile(r"\blet\s+\w+\s*=\s*\(\s*[\w\[\]'\"]+\s*:")
#: Argument forms substituted bare: one literal or one name.
_ATOMIC = ("UnsignedLiteralExpression", "NameReferenceWithDataScope", "LiteralExpression")
_STATEMENT_END = re.compile(r"\s*;")
_PARAMETERS = ("ScalarParameter", "TabularParameter")
#: Operators whose output columns are exactly the ones they name.
_SHAPING = ("SummarizeOperator", "ProjectOperator", "DistinctOperator", "CountOperator")


@dataclass(frozen=True)
class _Function:
    name: str
    parameters: list[str]
    body: Node
    statement: Node


def _identifiers(node: Node) -> list[str]:
    return [str(n.getText()) for n in syntax.find(node, "IdentifierName")]


def _references(node: Node) -> list[str]:
    return [str(n.getText()) for n in syntax.find(node, "NameReferenceWithDataScope")]


def _tabular_function(declaration: Node) -> _Function | None:
    """The function a declaration defines, if it is one this rewrite can inline."""
    kids = syntax.children(declaration)
    name_node = syntax.first(declaration, "IdentifierOrKeywordOrEscapedName")
    plist = next((k for k in kids if syntax.rule(k) == "LetFunctionParameterList"), None)
    body = next((k for k in kids if syntax.rule(k) == "LetFunctionBody"), None)
    statement = syntax.top_statement(declaration)
    if name_node is None or plist is None or body is None or statement is None:
        return None
    parameters = [p for p in syntax.children(plist) if syntax.rule(p)]
    if any(syntax.rule(p) not in _PARAMETERS or "=" in syntax.token_texts(p) for p in parameters):
        return None
    body_kids = [k for k in syntax.children(body) if syntax.rule(k)]
    if len(body_kids) != 1 or syntax.rule(body_kids[0]) != "Expression":
        return None
    pipe = syntax.children(body_kids[0])[0]
    if syntax.rule(pipe) != "PipeExpression" or not any(
        syntax.rule(k) == "PipedOperator" for k in syntax.children(pipe)
    ):
        return None  # a scalar body: duckdb-kql substitutes it itself
    names = [str(syntax.children(p)[0].getText()) for p in parameters]
    tabular = [
        n for p, n in zip(parameters, names, strict=True) if syntax.rule(p) != "ScalarParameter"
    ]
    if tabular and not _reads_only_declared_columns(pipe, tabular):
        return None
    return _Function(str(name_node.getText()), names, body_kids[0], statement)


def _reads_only_declared_columns(pipe: Node, tabular: list[str]) -> bool:
    """A tabular parameter that is the body's source, shaped at once by a column-naming operator.

    A schema such as ``T:(DeviceId:string)`` lets the body read only those columns; the
    argument may carry more. When the first operator names every output column
    (``summarize``, ``project``, ``distinct``, ``count``), extra input columns cannot reach
    the result, so passing the argument unchanged keeps the answer.
    """
    kids = [k for k in syntax.children(pipe) if syntax.rule(k)]
    source, operator = kids[0], syntax.first(kids[1], "AfterPipeOperator")
    if len(tabular) != 1 or source.getText() != tabular[0] or operator is None:
        return False
    shaping = syntax.children(operator)[0]
    return syntax.rule(shaping) in _SHAPING and _references(pipe).count(tabular[0]) == 1


def _calls(root: Node, function: _Function) -> list[Node]:
    return [
        call
        for call in syntax.find(root, "NamedFunctionCallExpression")
        if syntax.call_name(call) == function.name
    ]


def _later_lets(root: Node, function: _Function) -> set[str]:
    after = syntax.end(function.statement)
    names: set[str] = set()
    for let in syntax.find(root, "LetStatement"):
        if syntax.start(let) >= after:
            names |= let_names(let)
    return names


def _argument_text(kql: str, argument: Node) -> str:
    text = syntax.text(kql, argument)
    primary = syntax.first(argument, "PrimaryExpression")
    whole = primary is not None and syntax.text(kql, primary) == text
    if whole and any(syntax.rule(k) in _ATOMIC for k in syntax.children(primary)):
        return text
    return f"({text})"


def _inlined(kql: str, function: _Function, call: Node, columns: set[str]) -> str | None:
    """``(body)`` with the call's arguments in place of the parameters, or None if unsafe."""
    arguments = syntax.call_arguments(call)
    if len(arguments) != len(function.parameters):
        return None
    body_identifiers = _identifiers(function.body)
    body_references = _references(function.body)
    bound = dict(zip(function.parameters, arguments, strict=True))
    for parameter, argument in bound.items():
        if parameter in columns or body_identifiers.count(parameter) != body_references.count(
            parameter
        ):
            return None
        read = set(_references(argument))
        if read & columns or read & set(body_identifiers):
            return None
        if syntax.first(argument, "PipedOperator") is not None:
            return None
    edits = [
        Edit(syntax.start(ref), syntax.end(ref), _argument_text(kql, bound[ref.getText()]))
        for ref in syntax.find(function.body, "NameReferenceWithDataScope")
        if ref.getText() in bound
    ]
    body_start = syntax.start(function.body)
    shifted = [Edit(e.start - body_start, e.end - body_start, e.replacement) for e in edits]
    body, skipped = syntax.apply_edits(syntax.text(kql, function.body), shifted)
    return None if skipped else f"({body})"


def _function_edits(kql: str, root: Node, function: _Function, columns: set[str]) -> list[Edit]:
    calls = _calls(root, function)
    if not calls or set(_references(function.body)) & _later_lets(root, function):
        return []
    edits = []
    for call in calls:
        if any(syntax.rule(a) == "LetFunctionBody" for a in syntax.ancestors(call)):
            return []
        inlined = _inlined(kql, function, call, columns)
        if inlined is None:
            return []
        edits.append(Edit(syntax.start(call), syntax.end(call), inlined))
    statement_end = syntax.end(function.statement)
    semicolon = _STATEMENT_END.match(kql, statement_end)
    cut = semicolon.end() if semicolon else statement_end
    return [*edits, Edit(syntax.start(function.statement), cut, "")]


def _edits(columns: set[str]) -> syntax.EditsFor:
    def edits_for(kql: str, root: Node) -> Iterator[Edit]:
        for declaration in syntax.find(root, "LetFunctionDeclaration"):
            function = _tabular_function(declaration)
            if function is None:
                continue
            edits = _function_edits(kql, root, function, columns)
            if edits:
                yield from edits  # one function a round: the next is re-parsed
                return

    return edits_for


def inline_tabular_functions(kql: str, context: CompatContext) -> str:
    """``let f = (x:t) { T | ... }; f(v)`` -> ``(T | ...)`` with ``x`` bound to ``v``."""
    if not syntax.mentions(kql, _LET_FUNCTION):
        return kql
    columns = {c for table in context.schema.values() for c in table}
    return syntax.until_stable(kql, _edits(columns), limit=50)
