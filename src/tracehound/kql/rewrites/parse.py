"""The ``parse`` operator (simple kind, string columns) as ``extend`` with ``extract``.

Microsoft's reference describes how ``parse`` matches: the pattern becomes a regular
expression in which ``*`` is ``.*?``, a string constant is itself and a column is a capture
group (``(.*?)`` for a string); a row that does not match gets null in every column (an empty
string, for string columns). Two details the reference leaves open are kept out of reach:
whether the match is anchored at either end. The rewrite applies only when it cannot
matter: the pattern starts with a column or ``*`` (a leading ``.*?`` matches at the start
or nowhere) and ends with ``*``, and every column is followed by a string constant. Typed
columns, ``kind=regex`` / ``relaxed`` and flags are left alone. Within a value, ``.`` does
not match a line break (RE2's default); the reference does not say.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from tracehound.backends.quoting import string_literal
from tracehound.kql import syntax
from tracehound.kql.rewrites.externaldata import literal_value
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

_PARSE = re.compile(r"\|\s*parse\s")

#: A pattern item: ("*", ""), ("literal", text) or ("column", name).
Item = tuple[str, str]


def pattern_items(pattern: Node) -> list[Item] | None:
    """The items of a ``ParseOperatorPattern`` in text order; None for typed columns."""
    positioned: list[tuple[int, Item]] = []
    for node in syntax.walk(pattern):
        kind = syntax.rule(node)
        if kind == "StringLiteralExpression":
            value = literal_value(node)
            if value is None:
                return None
            positioned.append((syntax.start(node), ("literal", value)))
        elif kind == "ParseOperatorNameAndOptionalType":
            declared = syntax.first(node, "ScalarType")
            if declared is not None and declared.getText().lower() != "string":
                return None
            name = syntax.first(node, "SimpleNameReference")
            if name is None:
                return None
            positioned.append((syntax.start(node), ("column", str(name.getText()))))
        for token in node.getChildren():
            if not syntax.rule(token) and token.getText() == "*":
                positioned.append((syntax.start(token), ("*", "")))
    return [item for _, item in sorted(positioned)]


def regex_for(items: list[Item]) -> str | None:
    """The regular expression for *items*, or None when anchoring could matter."""
    if not items or items[0][0] == "literal" or items[-1][0] != "*":
        return None
    parts = []
    for position, (kind, value) in enumerate(items):
        if kind == "column":
            if items[position + 1][0] != "literal":
                return None
            parts.append("(.*?)")
        elif kind == "literal":
            parts.append(re.escape(value))
        else:
            parts.append(".*?")
    return "".join(parts)


def _edits(kql: str, root: Node) -> Iterator[Edit]:
    for operator in syntax.find(root, "ParseOperator"):
        kinds = syntax.first(operator, "ParseOperatorKindClause")
        if kinds is not None and syntax.token_texts(kinds)[-1:] != ["simple"]:
            continue
        source = next(
            (c for c in syntax.children(operator) if syntax.rule(c) == "UnnamedExpression"), None
        )
        pattern = syntax.first(operator, "ParseOperatorPattern")
        items = None if pattern is None else pattern_items(pattern)
        regex = None if items is None else regex_for(items)
        if source is None or regex is None or items is None:
            continue
        value = f"tostring({syntax.text(kql, source)})"
        columns = [name for kind, name in items if kind == "column"]
        pattern_text = string_literal(regex)
        assignments = ", ".join(
            f"{syntax.quote_name(name)} = extract({pattern_text}, {group}, {value})"
            for group, name in enumerate(columns, start=1)
        )
        yield Edit(syntax.start(operator), syntax.end(operator), f"extend {assignments}")


def parse_as_extract(kql: str, context: CompatContext) -> str:
    """``| parse Path with Drive '\\\\' *`` -> ``| extend Drive = extract(...)``."""
    if not syntax.mentions(kql, _PARSE):
        return kql
    return syntax.until_stable(kql, _edits)
