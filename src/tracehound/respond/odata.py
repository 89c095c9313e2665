"""OData ``$filter`` text built from values that may come from users, logs or a model.

A value only ever travels as an OData string literal: wrapped in single quotes with every
single quote doubled (OData ABNF ``SQUOTE-in-string = SQUOTE SQUOTE``). Nothing else of the
value is interpreted, so ``x' or 1 eq 1 or 'a`` stays one literal. Field names come from our
own code and are checked against a strict identifier pattern. Only ``eq`` joined by ``and`` is
produced: device lookup is an exact match, never ``startswith``.
"""

from __future__ import annotations

import re

from tracehound.errors import UsageError

_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def odata_string(value: str) -> str:
    """An OData string literal holding exactly *value*."""
    if _CONTROL.search(value):
        raise UsageError(
            f"the value {value[:40]!r} holds a control character",
            "remove control characters from the name or value",
        )
    return "'" + value.replace("'", "''") + "'"


def eq_filter(**fields: str) -> str:
    """``a eq 'x' and b eq 'y'`` for keyword arguments (field names are ours, values quoted)."""
    if not fields:
        raise ValueError("eq_filter needs at least one field")
    parts = []
    for name, value in fields.items():
        if not _FIELD.fullmatch(name):
            raise ValueError(f"not an OData property name: {name!r}")
        parts.append(f"{name} eq {odata_string(value)}")
    return " and ".join(parts)
