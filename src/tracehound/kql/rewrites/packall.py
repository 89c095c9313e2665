"""``pack_all()`` as ``bag_pack`` of the input's columns.

Microsoft's reference (https://learn.microsoft.com/kusto/query/pack-all-function):
``pack_all([ignore_null_empty])`` "creates a dynamic property bag object from all the columns
of the tabular expression"; by default (``ignore_null_empty`` false) null and empty values are
kept. Its example ``extend Packed=pack_all(), PackedIgnoreNullEmpty=pack_all(true)`` shows
the bags holding the input's columns only, not the columns the same ``extend`` makes. So
``pack_all()`` in an ``extend`` or ``project`` is ``bag_pack("c1", c1, "c2", c2, ...)`` over
the columns of the operator's input, which come from ``CompatContext.describe`` on the query
up to it (as for ``column_ifexists``). The order of the slots is not part of the contract
("properties ... might appear in a different order"). The store's system columns (``_RowId``,
``_IngestedAt``, ``_Source``, ``_Extra``) are not data a Kusto table holds and are left out.
``pack_all(true)``, a call in another operator, or an input whose columns cannot be told is
left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.rewrites.reorder import prefix_query
from tracehound.kql.syntax import Edit, Node
from tracehound.schema import SYSTEM_COLUMNS

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

_CALL = re.compile(r"\bpack_all\s*\(")
_OPERATORS = ("ExtendOperator", "ProjectOperator")
#: The store's own columns (row id, load time, origin, extra input): not data Kusto would hold.
_SYSTEM = {name for name, _type in SYSTEM_COLUMNS}


def _string_literal(text: str) -> str:
    """A KQL double-quoted string literal holding *text*."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _operator(call: Node) -> Node | None:
    """The tabular operator holding *call*: the first ancestor named ``...Operator``."""
    for parent in syntax.ancestors(call):
        kind = syntax.rule(parent)
        if kind.endswith("Operator") and kind != "StringBinaryOperator":
            return parent
    return None


def _piped(operator: Node) -> bool:
    """Whether *operator* is a step ``| op`` of a pipe (not the first step of a subquery,
    whose input is not what precedes the enclosing operator)."""
    after = operator.parentCtx
    piped = None if after is None else after.parentCtx
    return syntax.rule(after) == "AfterPipeOperator" and syntax.rule(piped) == "PipedOperator"


def _packed(kql: str, call: Node, context: CompatContext) -> str | None:
    operator = _operator(call)
    if syntax.call_arguments(call) or operator is None or context.describe is None:
        return None
    if syntax.rule(operator) not in _OPERATORS or not _piped(operator):
        return None
    prefix = prefix_query(kql, operator)
    described = None if prefix is None else context.describe(prefix)
    columns = [c for c in described or [] if c not in _SYSTEM]
    if not columns:
        return None
    pairs = ", ".join(f"{_string_literal(c)}, {syntax.quote_name(c)}" for c in columns)
    return f"bag_pack({pairs})"


def _edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for call in syntax.find(root, "NamedFunctionCallExpression"):
            if syntax.call_name(call) != "pack_all":
                continue
            replacement = _packed(kql, call, context)
            if replacement is not None:
                yield Edit(syntax.start(call), syntax.end(call), replacement)
                return  # one per round: a later call's input may contain this one

    return edits


def rewrite_pack_all(kql: str, context: CompatContext) -> str:
    """``extend b = pack_all()`` -> ``extend b = bag_pack("a", ['a'], ...)`` for the input."""
    if context.describe is None or not syntax.mentions(kql, _CALL):
        return kql
    return syntax.until_stable(kql, _edits(context))
