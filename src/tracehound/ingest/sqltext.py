"""Quoting helpers for the SQL the ingest compiles from its data files.

Only names and constants from the mapping / layout YAML and the schema reach SQL text; log
content never does (it is read from a registered Arrow table). Still, everything is quoted.
"""

from __future__ import annotations


def sql_str(value: str) -> str:
    """A SQL string literal holding *value* (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def json_path(keys: str | list[str]) -> str:
    """A DuckDB JSON path for a dotted key path (``Event.System.EventID``) or a key list.

    Each key is double-quoted so keys such as ``@timestamp`` and ``#text`` work.
    """
    parts = keys.split(".") if isinstance(keys, str) else keys
    quoted = (json_key(p) for p in parts)
    return "$." + ".".join(quoted)


def json_key(key: str) -> str:
    """One JSON path key, double-quoted, with embedded quotes and backslashes escaped."""
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sql_list(values: list[str]) -> str:
    """A SQL list literal of strings: ``['a', 'b']``."""
    return "[" + ", ".join(sql_str(v) for v in values) + "]::VARCHAR[]"
