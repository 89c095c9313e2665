"""``column_ifexists(name, default)`` resolved against the columns of the operator's input.

Microsoft's reference (https://learn.microsoft.com/kusto/query/column-ifexists-function):
the column *name* if the input has it, otherwise *default* (any scalar expression); its
example ``StormEvents | project column_ifexists("Capital", State)`` returns the ``State``
column because there is no ``Capital``. ``columnifexists`` is its deprecated alias.

The input's columns come from ``CompatContext.describe`` on the query up to the operator
holding the call, so columns made by ``bag_unpack`` from the data count as they do in Kusto.
Only a plain string literal name is resolved; without ``describe`` the query is left alone.
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

NAMES = ("column_ifexists", "columnifexists")
_CALL = re.compile(r"\bcolumn_?ifexists\s*\(")
_PLAIN_STRING = re.compile(r"""\A(?:"[^"\\]*"|'[^'\\]*')\Z""")


def _resolved(kql: str, call: Node, context: CompatContext) -> str | None:
    arguments = syntax.call_arguments(call)
    if len(arguments) != 2 or context.describe is None:
        return None
    name = syntax.text(kql, arguments[0]).strip()
    prefix = prefix_query(kql, call)
    if not _PLAIN_STRING.match(name) or prefix is None:
        return None
    columns = context.describe(prefix)
    if columns is None:
        return None
    if name[1:-1] in columns:
        return syntax.quote_name(name[1:-1])
    return f"({syntax.text(kql, arguments[1])})"


def _edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for call in syntax.find(root, "NamedFunctionCallExpression"):
            if syntax.call_name(call).lower() not in NAMES:
                continue
            replacement = _resolved(kql, call, context)
            if replacement is not None:
                yield Edit(syntax.start(call), syntax.end(call), replacement)
                return  # one per round: a later call's input may contain this one

    return edits


def resolve_column_ifexists(kql: str, context: CompatContext) -> str:
    """``column_ifexists('a', d)`` -> ``['a']`` if the input has ``a``, else ``(d)``."""
    if context.describe is None or not syntax.mentions(kql, _CALL):
        return kql
    return syntax.until_stable(kql, _edits(context))
