"""KQL literals for values that must travel inside query text.

The embedded store and Azure Data Explorer bind ``declare query_parameters`` values out of band.
The Log Analytics query API has no parameters, so there the declared parameters are turned into
``let`` statements whose values are rendered here. Every value becomes a typed literal that
cannot end early: strings are double-quoted with backslash escapes for ``\\``, ``"``, newline,
carriage return and tab, so no input can close the literal and add KQL of its own.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb_kql

from tracehound.errors import UsageError

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t]')
_UNSENDABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DECLARE = re.compile(r"declare\s+query_parameters\s*\((?:[^()]|\([^()]*\))*\)\s*;", re.IGNORECASE)


def string_literal(value: str) -> str:
    """A KQL string literal holding exactly *value*.

    KQL string literals have escapes for backslash, quote, newline, carriage return and tab
    only; a value holding another control character cannot be written as a literal and is
    refused rather than altered.
    """
    if _UNSENDABLE.search(value):
        raise UsageError(
            f"the value {value[:40]!r} holds a control character that cannot be sent as KQL text",
            "remove control characters from the value",
        )
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], value) + '"'


def literal(value: Any, kql_type: str) -> str:
    """A KQL literal of *kql_type* holding *value*; raises UsageError when it does not fit."""
    if value is None:
        return f"{_type_name(kql_type)}(null)"
    if kql_type in ("string", "guid"):
        if kql_type == "guid":
            return f"guid({_checked(str(value), r'[0-9a-fA-F-]{36}', 'guid')})"
        return string_literal(str(value))
    if kql_type in ("int", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise UsageError(f"parameter value {value!r} is not an integer")
        return f"{kql_type}({int(value)})"
    if kql_type in ("real", "decimal"):
        number = float(value)
        if not math.isfinite(number):
            raise UsageError(f"parameter value {value!r} is not a finite number")
        return f"{kql_type}({number!r})"
    if kql_type == "bool":
        if not isinstance(value, bool):
            raise UsageError(f"parameter value {value!r} is not true or false")
        return "true" if value else "false"
    if kql_type == "datetime":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
        return f"datetime({moment.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z)"
    if kql_type == "timespan":
        if not isinstance(value, timedelta):
            raise UsageError(f"parameter value {value!r} is not a timespan")
        return f"totimespan({int(value.total_seconds() * 10_000_000)})"
    if kql_type == "dynamic":
        import json

        return f"parse_json({string_literal(json.dumps(value))})"
    raise UsageError(f"parameters of type {kql_type} cannot be sent to this backend")


def _type_name(kql_type: str) -> str:
    return "real" if kql_type == "decimal" else kql_type


def _checked(text: str, pattern: str, what: str) -> str:
    if not re.fullmatch(pattern, text):
        raise UsageError(f"{text!r} is not a valid {what}")
    return text


def inline_parameters(kql: str, values: dict[str, Any] | None) -> str:
    """Replace a ``declare query_parameters(...)`` statement with ``let`` statements.

    Only the declared names are bound, each as a typed literal; a declared parameter without a
    value (and without a default) is an error, as it would be on the service.
    """
    declared = duckdb_kql.query_parameters(kql)
    if not declared:
        if values:
            raise UsageError("parameters were given but the query declares none")
        return kql
    values = values or {}
    unknown = set(values) - {d.name for d in declared}
    if unknown:
        raise UsageError(f"parameters not declared by the query: {', '.join(sorted(unknown))}")
    lets = []
    for decl in declared:
        if decl.name in values:
            lets.append(f"let {decl.name} = {literal(values[decl.name], decl.type)};")
        elif decl.default is None:
            raise UsageError(f"no value for the declared parameter {decl.name!r}")
    body, count = _DECLARE.subn("", kql)  # a prefixed query may carry several declarations
    if count < 1:
        raise UsageError("could not find the query's declare query_parameters statement")
    return "\n".join([*lets, body.strip()])
