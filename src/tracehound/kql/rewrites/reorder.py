"""``project-reorder`` as the ``project`` of every column in the new order.

Microsoft's reference: the listed columns and patterns come first, in the order given; the
columns a pattern matches keep their input order unless ``asc`` / ``desc`` (by name) or
``granny-asc`` / ``granny-desc`` (by name, numbers compared as numbers: ``a20`` before
``a100``) is given; a column matched by several patterns appears at the first; every other
column follows in input order; nothing is renamed or dropped. The input's columns come from
the backend (``CompatContext.describe`` on the query up to the operator); without them, or
when a listed name matches no column, the query is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

_NUMBERS = re.compile(r"(\d+)")


def _granny_key(name: str) -> list[tuple[int, int | str]]:
    return [(1, int(p)) if p.isdigit() else (0, p) for p in _NUMBERS.split(name) if p]


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else re.escape(c) for c in text) + r"\Z")


def _by_name(name: str) -> list[tuple[int, int | str]]:
    return [(0, name)]


#: Order keyword -> (sort key, descending); None keeps the input order.
ORDERS: dict[str, tuple[Callable[[str], list[tuple[int, int | str]]], bool]] = {
    "asc": (_by_name, False),
    "desc": (_by_name, True),
    "granny-asc": (_granny_key, False),
    "granny-desc": (_granny_key, True),
}


def reordered(columns: list[str], specs: list[tuple[str, str | None]]) -> list[str] | None:
    """*columns* in the order ``project-reorder`` *specs* ask for; None if a name is unknown."""
    placed: list[str] = []
    for text, order in specs:
        pattern = _pattern(text)
        matches = [c for c in columns if pattern.match(c) and c not in placed]
        if not matches and "*" not in text:
            return None
        if order is not None:
            key, descending = ORDERS[order]
            matches.sort(key=key, reverse=descending)
        placed.extend(matches)
    return placed + [c for c in columns if c not in placed]


def _specs(kql: str, operator: Node) -> list[tuple[str, str | None]] | None:
    specs: list[tuple[str, str | None]] = []
    for item in syntax.children(operator):
        if syntax.rule(item) != "ProjectReorderExpression":
            continue
        name = syntax.first(item, "SimpleOrWildcardedNameReference")
        if name is None:
            return None
        words = syntax.token_texts(item)
        order = words[0].lower() if words else None
        if order is not None and order not in ORDERS:
            return None
        specs.append((_unquote(syntax.text(kql, name)), order))
    return specs


def _unquote(name: str) -> str:
    """``['a b']`` / ``["a"]`` -> ``a b``; plain names unchanged."""
    stripped = name.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        inner = stripped[1:-1].strip()
        if len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
            return inner[1:-1]
    return stripped


def prefix_query(kql: str, operator: Node) -> str | None:
    """The query text whose output feeds *operator*: earlier statements + the pipe before it."""
    piped = next((a for a in syntax.ancestors(operator) if syntax.rule(a) == "PipedOperator"), None)
    if piped is None:
        return None
    pipe = piped.parentCtx
    statement = syntax.top_statement(operator)
    if pipe is None or statement is None:
        return None
    return kql[: syntax.start(statement)] + kql[syntax.start(pipe) : syntax.start(piped)].rstrip()


def _reorder_edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for operator in syntax.find(root, "ProjectReorderOperator"):
            specs = _specs(kql, operator)
            prefix = prefix_query(kql, operator)
            if specs is None or prefix is None or context.describe is None:
                continue
            columns = context.describe(prefix)
            order = None if columns is None else reordered(columns, specs)
            if order is None:
                continue
            listed = ", ".join(syntax.quote_name(c) for c in order)
            yield Edit(syntax.start(operator), syntax.end(operator), f"project {listed}")
            return  # one per round: the next one's prefix contains this one

    return edits


def project_reorder(kql: str, context: CompatContext) -> str:
    """``| project-reorder b, a*`` -> ``| project b, a1, a2, c`` for the input's columns."""
    if "project-reorder" not in kql or context.describe is None:
        return kql
    return syntax.until_stable(kql, _reorder_edits(context))
