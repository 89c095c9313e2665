"""Rows from a remote service, as the same Arrow table the embedded store returns.

Log Analytics and Azure Data Explorer answer with column names, KQL types and rows of JSON
values. Converting them here, to the Arrow types the local backend produces for the same KQL
types, is what lets one renderer print byte-identical output whatever the backend.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "guid": pa.string(),
    "dynamic": pa.string(),
    "datetime": pa.timestamp("us"),
    "int": pa.int32(),
    "long": pa.int64(),
    "real": pa.float64(),
    "decimal": pa.float64(),
    "bool": pa.bool_(),
    "timespan": pa.duration("us"),
}

# The REST APIs name some types differently from KQL's own spelling.
_ALIASES = {
    "int32": "int",
    "int64": "long",
    "double": "real",
    "boolean": "bool",
    "sbyte": "bool",
    "object": "dynamic",
}


def kql_type_name(name: str) -> str:
    lowered = name.lower()
    return _ALIASES.get(lowered, lowered)


def _datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = str(value).replace("Z", "+00:00")
        # Python reads at most 6 fractional digits; KQL writes up to 7.
        head, dot, tail = text.partition(".")
        if dot:
            digits = "".join(c for c in tail if c.isdigit())
            text = f"{head}.{digits[:6]}{tail[len(digits) :]}"
        moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _timespan(value: Any) -> timedelta | None:
    if value is None or value == "":
        return None
    if isinstance(value, timedelta):
        return value
    text = str(value)
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("-")
    days = 0
    if "." in text.split(":")[0]:
        day_text, text = text.split(".", 1)
        days = int(day_text)
    hours, minutes, seconds = text.split(":")
    return sign * timedelta(
        days=days, hours=int(hours), minutes=int(minutes), seconds=float(seconds)
    )


def _dynamic(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            json.loads(value)
        except ValueError:
            return json.dumps(value)
        return value
    return json.dumps(value, separators=(",", ":"), default=str)


def _decimal(value: Any) -> float | None:
    return None if value is None else float(Decimal(str(value)))


_CONVERT: dict[str, Callable[[Any], Any]] = {
    "datetime": _datetime,
    "timespan": _timespan,
    "dynamic": _dynamic,
    "decimal": _decimal,
}


def to_arrow(
    names: Sequence[str], kql_types: Sequence[str], rows: Sequence[Sequence[Any]]
) -> pa.Table:
    """An Arrow table of *rows* typed by *kql_types*."""
    arrays = []
    for index, kql_type in enumerate(kql_types):
        convert = _CONVERT.get(kql_type)
        values = [row[index] for row in rows]
        if convert is not None:
            values = [convert(v) for v in values]
        arrays.append(pa.array(values, ARROW_TYPES.get(kql_type, pa.string())))
    return pa.Table.from_arrays(arrays, names=list(names))
