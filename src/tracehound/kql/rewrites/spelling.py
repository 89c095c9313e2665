"""Old spellings of functions and operators, renamed to the ones duckdb-kql knows.

The tables are the deprecated aliases Microsoft's KQL reference lists for each function
(``makelist()`` on the ``make_list()`` page, and so on). Where the old spelling behaves
differently the difference is written into the rewrite: ``makelist`` and ``makeset`` default
to at most 128 elements ("The deprecated version has a default maxSize limit of 128"), so a
call without a size gets ``128`` added. ``argmax()`` / ``argmin()`` are the deprecated
aliases named on the ``arg_max()`` / ``arg_min()`` pages; duckdb-kql names only the first
column of a tuple ``(A, B) = arg_max(x, y)`` (it gives ``A, y``), so an old call in a tuple
whose later names differ from the returned columns is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

#: Deprecated function name -> (current name, default maxSize the old one applied or None).
FUNCTION_ALIASES: dict[str, tuple[str, int | None]] = {
    "makelist": ("make_list", 128),
    "makeset": ("make_set", 128),
    "make_dictionary": ("make_bag", None),
    "pack_dictionary": ("bag_pack", None),
    "parsejson": ("parse_json", None),
    "iif": ("iff", None),
    "notempty": ("isnotempty", None),
    "notnull": ("isnotnull", None),
    "extractall": ("extract_all", None),
    "toboolean": ("tobool", None),
    "array_strcat": ("strcat_array", None),
    "todouble": ("toreal", None),
    "argmax": ("arg_max", None),
    "argmin": ("arg_min", None),
}

#: Aliases whose tuple-named results duckdb-kql names correctly only up to the first name.
_TUPLE_NAMED = frozenset({"argmax", "argmin"})


def _tuple_names_kept(kql: str, call: Node) -> bool:
    """False when ``(A, B) = argmax(x, y)`` names a returned column other than its own name."""
    named = next((a for a in syntax.ancestors(call) if syntax.rule(a) == "NamedExpression"), None)
    names = None if named is None else syntax.first(named, "NamedExpressionNameList")
    if names is None:
        return True
    given = [
        syntax.text(kql, n)
        for n in syntax.children(names)
        if syntax.rule(n) == "IdentifierOrExtendedKeywordOrEscapedName"
    ]
    returned = [syntax.text(kql, a).strip() for a in syntax.call_arguments(call)]
    return given[1:] == returned[1 : len(given)]


#: Deprecated string operators -> current spelling.
OPERATOR_ALIASES: dict[str, str] = {
    "notcontains": "!contains",
    "notcontainscs": "!contains_cs",
    "containscs": "contains_cs",
}


def _function_edits(kql: str, root: Node) -> Iterator[Edit]:
    for call in syntax.find(root, "NamedFunctionCallExpression"):
        alias = FUNCTION_ALIASES.get(syntax.call_name(call))
        if alias is None:
            continue
        if syntax.call_name(call) in _TUPLE_NAMED and not _tuple_names_kept(kql, call):
            continue
        new_name, default_size = alias
        name = syntax.first(call, "SimpleNameReference")
        yield Edit(syntax.start(name), syntax.end(name), new_name)
        args = syntax.call_arguments(call)
        if default_size is not None and len(args) == 1:
            yield Edit(syntax.end(args[0]), syntax.end(args[0]), f", {default_size}")


def _operator_edits(kql: str, root: Node) -> Iterator[Edit]:
    for operator in syntax.find(root, "StringBinaryOperator"):
        replacement = OPERATOR_ALIASES.get(operator.getText())
        if replacement is not None:
            yield Edit(syntax.start(operator), syntax.end(operator), replacement)


def _wanted(kql: str, words: Iterable[str]) -> bool:
    names = "|".join(re.escape(w) for w in words)
    return syntax.mentions(kql, re.compile(rf"(?<![\w-])(?:{names})\b"))


def rename_functions(kql: str, context: CompatContext) -> str:
    """``makeset(x)`` -> ``make_set(x, 128)`` and the other deprecated function names."""
    if not _wanted(kql, FUNCTION_ALIASES):
        return kql
    return syntax.until_stable(kql, _function_edits)


def rename_operators(kql: str, context: CompatContext) -> str:
    """``a notcontains "x"`` -> ``a !contains "x"`` and the other deprecated operators."""
    if not _wanted(kql, OPERATOR_ALIASES):
        return kql
    return syntax.until_stable(kql, _operator_edits)
