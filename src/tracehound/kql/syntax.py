"""The parse tree as the compatibility rewrites see it: nodes, spans and text edits.

duckdb-kql exposes the ANTLR tree of Microsoft's grammar through :func:`duckdb_kql.parse`
(``ParseResult.tree``, documented there as the escape hatch for callers who want the raw
parse). Rewrites find what they change by rule name (``ProjectReorderOperator``,
``NamedFunctionCallExpression``, ...) and edit the query text at the node's character span,
so strings, comments and nesting are never guessed at with a regular expression.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb_kql

#: The ANTLR context objects carry no type information (see duckdb_kql.parser.ParseResult).
Node = Any


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` with *replacement*."""

    start: int
    end: int
    replacement: str


@lru_cache(maxsize=16)
def tree(kql: str) -> Node | None:
    """The parse tree of *kql*, or None when it does not parse (the engine reports why)."""
    try:
        result = duckdb_kql.parse(kql)
    except duckdb_kql.KqlError:
        return None
    return result.tree


def rule(node: Node) -> str:
    """The grammar rule a node was built by (``WhereOperator``), or '' for a token."""
    name: str = type(node).__name__
    return name[: -len("Context")] if name.endswith("Context") else ""


def children(node: Node) -> list[Node]:
    return list(node.getChildren()) if rule(node) else []


def walk(node: Node) -> Iterator[Node]:
    """Every rule node under *node*, parents before children, in text order."""
    stack = [node]
    while stack:
        current = stack.pop()
        if not rule(current):
            continue
        yield current
        stack.extend(reversed(children(current)))


def find(node: Node, *names: str) -> Iterator[Node]:
    """The rule nodes under *node* built by one of *names*."""
    return (n for n in walk(node) if rule(n) in names)


def first(node: Node, *names: str) -> Node | None:
    return next(find(node, *names), None)


def start(node: Node) -> int:
    """Character offset where *node* begins."""
    return int(node.start.start) if rule(node) else int(node.symbol.start)


def end(node: Node) -> int:
    """Character offset just past *node*."""
    if not rule(node):
        return int(node.symbol.stop) + 1
    stop = node.stop
    if stop is None or stop.stop < node.start.start:
        return start(node)
    return int(stop.stop) + 1


def text(kql: str, node: Node) -> str:
    return kql[start(node) : end(node)]


def token_texts(node: Node) -> list[str]:
    """The direct token children of *node* (keywords, punctuation), in order."""
    return [c.getText() for c in node.getChildren() if not rule(c)]


def ancestors(node: Node) -> Iterator[Node]:
    parent = node.parentCtx
    while parent is not None:
        yield parent
        parent = parent.parentCtx


def top_statement(node: Node) -> Node | None:
    """The outermost ``Statement`` holding *node* (a ``let`` or the query itself)."""
    found = None
    for parent in ancestors(node):
        if rule(parent) == "Statement":
            found = parent
    return found


def call_name(call: Node) -> str:
    """The function name of a ``NamedFunctionCallExpression``."""
    name = first(call, "SimpleNameReference")
    return "" if name is None else str(name.getText())


def call_arguments(call: Node) -> list[Node]:
    """The ``ArgumentExpression`` children of a ``NamedFunctionCallExpression``."""
    return [c for c in children(call) if rule(c) == "ArgumentExpression"]


def apply_edits(kql: str, edits: Iterable[Edit]) -> tuple[str, bool]:
    """*kql* with the edits applied; edits overlapping an earlier one are skipped.

    Returns the new text and whether any edit was skipped, so a caller can apply the rest
    on the re-parsed result (nested calls such as ``split(split(a, b, 0)[0], c, 1)``).
    """
    out: list[str] = []
    position = 0
    skipped = False
    for edit in sorted(edits):
        if edit.start < position:
            skipped = True
            continue
        out.append(kql[position : edit.start])
        out.append(edit.replacement)
        position = edit.end
    out.append(kql[position:])
    return "".join(out), skipped


#: Given the text and its tree, the edits a rewrite wants.
EditsFor = Callable[[str, Node], Iterable[Edit]]


def until_stable(kql: str, edits_for: EditsFor, limit: int = 20) -> str:
    """Apply ``edits_for(kql)`` repeatedly until it has nothing left to change.

    Each round re-parses the text, so an edit nested inside another is applied on the
    next round against spans that are correct again.
    """
    for _ in range(limit):
        node = tree(kql)
        if node is None:
            return kql
        edits = list(edits_for(kql, node))
        if not edits:
            return kql
        kql, _skipped = apply_edits(kql, edits)
    return kql


_LINE_COMMENT = re.compile(r"//[^\n]*")


def mentions(kql: str, pattern: re.Pattern[str]) -> bool:
    """A cheap test, before parsing, that *pattern* occurs outside ``//`` comments.

    Comments are cut naively (a ``//`` inside a string cuts the rest of its line too), which
    can only make a rewrite miss a query, never change one: the parse tree decides the edit.
    """
    return pattern.search(_LINE_COMMENT.sub("", kql)) is not None


def piped_parenthesized_source(kql: str) -> bool:
    """A cheap test, before parsing, for ``( ... | ... ) |`` or ``(Name) |`` outside strings.

    Parentheses around a scalar before a pipe (``extend f = (a or b) | where f``) are not a
    tabular source; telling them apart here saves parsing long filter queries for nothing.
    Unusual quoting can only make it answer True, which costs a parse, never an edit.
    """
    stack: list[tuple[int, bool]] = []
    i, quote = 0, ""
    while i < len(kql):
        ch = kql[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            stack.append((i, False))
        elif ch == "|" and stack:
            stack[-1] = (stack[-1][0], True)
        elif ch == ")" and stack:
            opened, piped = stack.pop()
            if stack and piped:
                stack[-1] = (stack[-1][0], True)
            inner = kql[opened + 1 : i].strip()
            if (piped or _NAME.fullmatch(inner)) and kql[i + 1 :].lstrip().startswith("|"):
                return True
        i += 1
    return False


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def call_arities(kql: str, names: Iterable[str]) -> dict[str, set[int]]:
    """How many arguments each call to one of *names* has, by a scan that skips strings.

    A cheap test before parsing, like :func:`mentions`: an unusual string (a verbatim one
    with doubled quotes) can only make it report an extra arity, never miss a call.
    """
    found: dict[str, set[int]] = {}
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\s*\(")
    text = _LINE_COMMENT.sub("", kql)
    for match in pattern.finditer(text):
        found.setdefault(match[1], set()).add(_count_arguments(text, match.end()))
    return found


def _count_arguments(text: str, position: int) -> int:
    depth, commas, quote, empty = 0, 0, "", True
    while position < len(text):
        char = text[position]
        if quote:
            if char == "\\":
                position += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote, empty = char, False
            if text[position - 1 : position] == "@":  # verbatim: no escapes, doubled quotes
                closing = text.find(char, position + 1)
                position = len(text) if closing < 0 else closing
                quote = ""
        elif char in "([{":
            depth, empty = depth + 1, False
        elif char in ")]}":
            if depth == 0:
                break
            depth -= 1
        elif char == "," and depth == 0:
            commas += 1
        elif not char.isspace():
            empty = False
        position += 1
    return 0 if empty and not commas else commas + 1


def quote_name(name: str) -> str:
    """A KQL column reference for *name*: ``['name']`` with quotes escaped."""
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    return f"['{escaped}']"


def sole(node: Node, leaves: Collection[str]) -> Node:
    """The innermost node *node* consists of alone, unwrapping single-child wrappers until a
    rule in *leaves* (a call, a name, a literal the caller wants to look at) is reached."""
    while rule(node) not in leaves:
        kids = children(node)
        if len(kids) != 1 or not rule(kids[0]):
            return node
        node = kids[0]
    return node
