"""A simple, safe query for a question no library hunt covers: the chosen tables, the named
entities as bound parameters, newest rows first.

Table and column names come from the schema (never from the question); entity values travel
only as ``declare query_parameters``. The hunt's window is forced by the guard, not written here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracehound.schema import get_table

from .entities import Entities
from .guardrails import time_column

#: Entity kind -> (parameter, comparison operator, columns that may hold it, in order).
ENTITY_COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "hosts": ("host", "=~", ("DeviceName", "Computer", "HostName", "DestinationDeviceName")),
    "accounts": (
        "account",
        "=~",
        (
            "AccountName",
            "AccountUpn",
            "UserPrincipalName",
            "InitiatingProcessAccountName",
            "RecipientEmailAddress",
            "SenderFromAddress",
            "Caller",
            "UserId",
        ),
    ),
    "ips": (
        "ip",
        "==",
        (
            "RemoteIP",
            "LocalIP",
            "IPAddress",
            "SourceIP",
            "DestinationIP",
            "CallerIpAddress",
            "ClientIP",
            "SenderIPv4",
        ),
    ),
    "hashes": ("hash", "=~", ("SHA256", "SHA1", "MD5")),
    "files": ("file", "=~", ("FileName", "InitiatingProcessFileName")),
}
ROWS = 100


@dataclass(frozen=True)
class GenericQuery:
    table: str
    kql: str
    parameters: dict[str, Any]


def build(table: str, entities: Entities, hosts: list[str] | None = None) -> GenericQuery:
    """The query over *table*: rows mentioning the named entities (first of each kind)."""
    names = {c.name for c in get_table(table).columns}
    named = entities.as_dict()
    if hosts is not None:
        named["hosts"] = hosts
    declared: list[str] = []
    filters: list[str] = []
    params: dict[str, Any] = {}
    for kind, (param, op, candidates) in ENTITY_COLUMNS.items():
        columns = [c for c in candidates if c in names]
        values = named.get(kind) or []
        if not columns or not values:
            continue
        declared.append(f"{param}:string")
        params[param] = str(values[0])
        filters.append(" or ".join(f"{c} {op} {param}" for c in columns))
    lines = [f"declare query_parameters({', '.join(declared)});"] if declared else []
    lines.append(table)
    lines += [f"| where {f}" for f in filters]
    lines.append(f"| top {ROWS} by {time_column(table)} desc")
    return GenericQuery(table, "\n".join(lines), params)
