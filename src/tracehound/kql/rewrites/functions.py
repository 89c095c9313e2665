"""Scalar and aggregate functions duckdb-kql lacks, written with ones it has.

Each entry of :data:`CALL_REWRITES` takes the call's argument texts and returns the
replacement, or None to leave the call alone (the engine then refuses it). What each one
rests on, from Microsoft's KQL reference:

- ``split(s, d, i)``: "the returned string array contains the requested substring at the
  index if it exists" -> ``array_slice(split(s, d), i, i)``, which is that one-element array,
  or an empty one past the end. Only for a non-negative integer literal ``i``.
- ``ipv4_is_private(ip)``: true for the RFC 1918 ranges 10/8, 172.16/12 and 192.168/16,
  null when the address does not parse; ``parse_ipv4`` gives the number (null when it does
  not parse) and ``between`` the range test, and ``or`` keeps the null.
- ``ipv4_is_in_range(ip, "a.b.c.d/n")``: the same test against one literal range.
- ``extract_json(path, text, typeof(t))`` / ``extractjson``: the element at a simple
  JSONPath (``$.a.b[0]``, ``$['a']``), converted to ``t``; a string without a type.
- ``make_set_if(x, p [, n])``: ``make_set`` ignores nulls, so the values where ``p`` is false
  are turned into a dynamic null; ``pack_array(x)[0]`` is ``x`` as a dynamic value.
- ``ingestion_time()``: the store's ``_IngestedAt`` system column, filled when a row is loaded.
- ``string_size(s)``: the size of ``s`` in UTF-8 bytes: one per code point (``strlen``), plus
  one, two or three for code points that take two, three or four bytes.
- ``indexof(s, t, start)`` with a non-negative literal ``start``: the first match at or after
  ``start``, counted from the string's beginning; -1 when there is none.
- ``make_set(x, n)`` / ``make_list(x, n)``: at most ``n`` elements. duckdb-kql 1.1.2 ignores
  the size argument (it returns every element), so the size is applied with ``array_slice``.
- ``count_distinct(x)``: exact; ``dcount`` is an estimate in Kusto but exact on this engine
  (``count(DISTINCT x)``, covered by a test), so it answers exactly here.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from tracehound.kql import syntax
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

CallRewrite = Callable[[list[str]], "str | None"]

_NON_NEGATIVE_INT = re.compile(r"\A\s*\d+\s*\Z")
_STRING_LITERAL = re.compile(r"""\A\s*@?(?:"(?P<dq>[^"\\]*)"|'(?P<sq>[^'\\]*)')\s*\Z""")
_JSONPATH_STEP = re.compile(
    r"""\.(?P<name>[A-Za-z_][A-Za-z0-9_]*)|\[(?P<index>\d+)\]|\[['"](?P<quoted>[^'"\\]+)['"]\]"""
)
_TYPEOF = re.compile(r"\A\s*typeof\s*\(\s*(?P<type>[a-z]+)\s*\)\s*\Z")

#: What ``typeof(t)`` converts the extracted value to.
CONVERSIONS: dict[str, str] = {
    "string": "tostring",
    "long": "tolong",
    "int": "toint",
    "real": "toreal",
    "double": "toreal",
    "bool": "tobool",
    "boolean": "tobool",
    "datetime": "todatetime",
    "date": "todatetime",
    "timespan": "totimespan",
    "guid": "toguid",
    "dynamic": "",
}

#: (extra UTF-8 bytes, first code point, last code point) beyond one byte per code point.
UTF8_EXTRA_BYTES = ((1, "80", "7FF"), (2, "800", "FFFF"), (3, "10000", "10FFFF"))

#: RFC 1918 private IPv4 ranges (ipv4_is_private's reference).
PRIVATE_IPV4 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


def string_value(argument: str) -> str | None:
    """The value of a plain string literal without escapes, or None for anything else."""
    match = _STRING_LITERAL.match(argument)
    if match is None:
        return None
    return match["dq"] if match["dq"] is not None else match["sq"]


def _in_network(address: str, network: str) -> str | None:
    try:
        net = ipaddress.IPv4Network(network, strict=False)
    except ValueError:
        return None
    low, high = int(net.network_address), int(net.broadcast_address)
    return f"parse_ipv4({address}) between ({low} .. {high})"


def _ipv4_is_private(args: list[str]) -> str | None:
    if len(args) != 1:
        return None
    tests = [_in_network(args[0], network) for network in PRIVATE_IPV4]
    return "(" + " or ".join(t for t in tests if t) + ")"


def _ipv4_is_in_range(args: list[str]) -> str | None:
    if len(args) != 2:
        return None
    network = string_value(args[1])
    if network is None:
        return None
    test = _in_network(args[0], network)
    return None if test is None else f"({test})"


def _split(args: list[str]) -> str | None:
    if len(args) != 3 or not _NON_NEGATIVE_INT.match(args[2]):
        return None
    index = int(args[2])
    return f"array_slice(split({args[0]}, {args[1]}), {index}, {index})"


def jsonpath_accessor(path: str) -> str | None:
    """``$.a[0]['b c']`` -> ``["a"][0]["b c"]``; None for anything beyond plain steps."""
    if not path.startswith("$"):
        return None
    rest, position, parts = path[1:], 0, []
    while position < len(rest):
        match = _JSONPATH_STEP.match(rest, position)
        if match is None:
            return None
        if match["index"] is not None:
            parts.append(f"[{match['index']}]")
        else:
            parts.append('["' + (match["name"] or match["quoted"]) + '"]')
        position = match.end()
    return "".join(parts)


def _extract_json(args: list[str]) -> str | None:
    if len(args) not in (2, 3):
        return None
    path = string_value(args[0])
    accessor = None if path is None else jsonpath_accessor(path)
    if accessor is None:
        return None
    target = "string"
    if len(args) == 3:
        typed = _TYPEOF.match(args[2])
        if typed is None or typed["type"] not in CONVERSIONS:
            return None
        target = typed["type"]
    value = f"parse_json({args[1]}){accessor}"
    convert = CONVERSIONS[target]
    return f"{convert}({value})" if convert else value


def _make_set_if(args: list[str]) -> str | None:
    if len(args) not in (2, 3):
        return None
    size = f", {args[2]}" if len(args) == 3 else ""
    return f"make_set(iff({args[1]}, pack_array({args[0]})[0], dynamic(null)){size})"


def _string_size(args: list[str]) -> str | None:
    if len(args) != 1:
        return None
    extra = " + ".join(
        f'{weight} * countof({args[0]}, @"[\\x{{{low}}}-\\x{{{high}}}]", "regex")'
        for weight, low, high in UTF8_EXTRA_BYTES
    )
    return f"(strlen({args[0]}) + {extra})"


def _indexof_from(args: list[str]) -> str | None:
    if len(args) != 3 or not _NON_NEGATIVE_INT.match(args[2]):
        return None
    start = int(args[2])
    found = f"indexof(substring({args[0]}, {start}), {args[1]})"
    return f"iff({found} < 0, -1, {found} + {start})"


def _bounded(aggregate: str) -> CallRewrite:
    def rewrite(args: list[str]) -> str | None:
        if len(args) != 2:
            return None
        return f"array_slice({aggregate}({args[0]}), 0, ({args[1]}) - 1)"

    return rewrite


def _count_distinct(args: list[str]) -> str | None:
    return f"dcount({args[0]})" if len(args) == 1 else None


def _ingestion_time(args: list[str]) -> str | None:
    return "_IngestedAt" if not args else None


#: Function name -> rewrite of its argument texts.
CALL_REWRITES: dict[str, CallRewrite] = {
    "split": _split,
    "ipv4_is_private": _ipv4_is_private,
    "ipv4_is_in_range": _ipv4_is_in_range,
    "extract_json": _extract_json,
    "extractjson": _extract_json,
    "ingestion_time": _ingestion_time,
    "string_size": _string_size,
    "indexof": _indexof_from,
}

#: Aggregates whose rewrite changes the default column name; they are rewritten only where
#: the query names the result, or where the name can be given: Kusto names an unnamed
#: aggregate over one column ``<prefix>_<column>``.
NAMED_AGGREGATES: dict[str, tuple[str, CallRewrite]] = {
    "make_set_if": ("set", _make_set_if),
    "count_distinct": ("count_distinct", _count_distinct),
    "make_set": ("set", _bounded("make_set")),
    "make_list": ("list", _bounded("make_list")),
}


#: Arities of the names above that duckdb-kql runs as they are (no rewrite needed).
OVERLOADED: dict[str, set[int]] = {
    "split": {2},
    "indexof": {2},
    "make_set": {1},
    "make_list": {1},
}


def _is_plain_column(argument: str) -> bool:
    return re.fullmatch(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*", argument) is not None


def _outermost_named(call: Node) -> Node | None:
    """The NamedExpression of the operator's own list that holds *call* (``n = f(g(call))``)."""
    named = None
    for node in syntax.ancestors(call):
        kind = syntax.rule(node)
        if kind.endswith("Operator"):
            break
        if kind == "NamedExpression":
            named = node
    return named


def _aggregate_edits(kql: str, call: Node, args: list[str]) -> list[Edit]:
    """Rewrite an aggregate whose default column name the rewrite would change.

    Kusto names an unnamed ``f(agg(c))`` after the aggregate (``set_c`` for ``make_set(c)``),
    so the name is written into the query when the rewrite wraps or replaces the aggregate.
    """
    prefix, rewrite = NAMED_AGGREGATES[syntax.call_name(call)]
    replacement = rewrite(args)
    named = _outermost_named(call)
    if replacement is None or named is None:
        return []
    edits = [Edit(syntax.start(call), syntax.end(call), replacement)]
    if not any(syntax.rule(c) == "NamedExpressionNameClause" for c in syntax.children(named)):
        wrapped = re.fullmatch(
            r"(?:[A-Za-z_]\w*\s*\(\s*)*" + re.escape(syntax.text(kql, call)) + r"(?:\s*\))*",
            syntax.text(kql, named).strip(),
        )
        if wrapped is None or not _is_plain_column(args[0]):
            return []
        edits.insert(
            0, Edit(syntax.start(named), syntax.start(named), f"{prefix}_{args[0].strip()} = ")
        )
    return edits


def _call_edits(kql: str, root: Node) -> Iterator[Edit]:
    for call in syntax.find(root, "NamedFunctionCallExpression"):
        name = syntax.call_name(call)
        if name not in CALL_REWRITES and name not in NAMED_AGGREGATES:
            continue
        args = [syntax.text(kql, a) for a in syntax.call_arguments(call)]
        if name in NAMED_AGGREGATES:
            yield from _aggregate_edits(kql, call, args)
            continue
        replacement = CALL_REWRITES[name](args)
        if replacement is not None:
            yield Edit(syntax.start(call), syntax.end(call), replacement)


def rewrite_calls(kql: str, context: CompatContext) -> str:
    """Apply :data:`CALL_REWRITES` and :data:`NAMED_AGGREGATES` wherever they fit."""
    arities = syntax.call_arities(kql, (*CALL_REWRITES, *NAMED_AGGREGATES))
    if not any(
        arity not in OVERLOADED.get(name, set()) for name, seen in arities.items() for arity in seen
    ):
        return kql
    return syntax.until_stable(kql, _call_edits)
