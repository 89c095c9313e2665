"""Declarative event -> table mappings (``mappings/*.yaml``), compiled to one SQL per table.

A mapping file names a target table, ``defaults`` (columns every rule sets) and ``rules``.
A rule matches events by channel (case-insensitive), optional event ids and optional event
field values (``where``), then sets columns from constants (``set``) and field specs
(``fields``). A field spec is an event field name, a common field (``$Computer``, ``$Time``,
``$EventRecordId``, ...: see :data:`tracehound.ingest.layouts.EVENT_COLUMNS`), or a transform
``{fn, of, arg, table}`` (see :mod:`tracehound.ingest.transforms`); inside ``object`` a
nested spec names its key with ``as``. ``where`` tests event or common fields. With
``copy_event_fields: true`` every event field named like a column of the table is copied too
(the raw SecurityEvent table). The compiled SQL reads the staged events and yields rows in the
table's columns plus ``_RowId``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tracehound.errors import UsageError
from tracehound.ingest import transforms
from tracehound.ingest.layouts import EVENT_COLUMNS
from tracehound.ingest.sqltext import json_path, sql_str
from tracehound.schema import Table, get_table
from tracehound.store import quote_ident

FieldSpec = str | dict[str, Any]
# Files of ``mappings/`` that are not event -> table mappings.
NOT_MAPPINGS = ("layouts.yaml", "backfill.yaml")


@dataclass(frozen=True)
class Rule:
    """One event match and the columns it sets in its table."""

    name: str
    table: str
    channels: tuple[str, ...]  # empty: any channel
    not_channels: tuple[str, ...]
    event_ids: tuple[int, ...]  # empty: any event id
    where: tuple[tuple[str, tuple[str, ...]], ...]
    fields: tuple[tuple[str, FieldSpec], ...]
    copy_event_fields: bool = False

    def matches(self, channel: str, event_id: int) -> bool:
        """Whether events of *channel* (lower-case) and *event_id* can match this rule."""
        if self.channels and channel not in self.channels:
            return False
        if channel in self.not_channels:
            return False
        return not self.event_ids or event_id in self.event_ids


@dataclass(frozen=True)
class Mapping:
    """Every rule of one mapping file, all targeting one table."""

    table: str
    rules: tuple[Rule, ...]
    source_file: str


def _as_tuple(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)


def parse_mapping(raw: dict[str, Any], source_file: str) -> Mapping:
    """Check and build a :class:`Mapping` from a parsed YAML document."""
    table = get_table(str(raw["table"]))
    defaults: dict[str, FieldSpec] = dict(raw.get("defaults") or {})
    rules: list[Rule] = []
    for item in raw.get("rules") or []:
        name = str(item.get("name", f"{table.name}#{len(rules) + 1}"))
        fields: dict[str, FieldSpec] = {**defaults, **(item.get("fields") or {})}
        for column, value in (item.get("set") or {}).items():
            fields[column] = {"value": value}
        for column in fields:
            col = table.column(column)
            if col is None or col.is_system:
                raise UsageError(
                    f"{source_file}: rule {name}: {table.name} has no column {column!r}"
                )
        rules.append(
            Rule(
                name=name,
                table=table.name,
                channels=tuple(str(c).lower() for c in _as_tuple(item.get("channel"))),
                not_channels=tuple(str(c).lower() for c in _as_tuple(item.get("not_channel"))),
                event_ids=tuple(int(e) for e in _as_tuple(item.get("event_ids"))),
                where=tuple(
                    (str(k), tuple(str(v) for v in _as_tuple(vs)))
                    for k, vs in (item.get("where") or {}).items()
                ),
                fields=tuple((table.column(c).name, spec) for c, spec in fields.items()),  # type: ignore[union-attr]
                copy_event_fields=bool(item.get("copy_event_fields", False)),
            )
        )
    return Mapping(table.name, tuple(rules), source_file)


@cache
def mappings() -> tuple[Mapping, ...]:
    """The mapping files shipped with the package (every ``mappings/*.yaml`` but layouts)."""
    folder = resources.files("tracehound.ingest").joinpath("mappings")
    out: list[Mapping] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml") and entry.name not in NOT_MAPPINGS:
            out.append(parse_mapping(yaml.safe_load(entry.read_text("utf-8")), entry.name))
    return tuple(out)


class _Fields:
    """Collects the event fields a rule reads, so one JSON parse per event extracts them all."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def ref(self, name: str) -> str:
        if name not in self.names:
            self.names.append(name)
        return f"nullif(nullif(f[{self.names.index(name) + 1}], ''), '-')"


def _spec_sql(spec: FieldSpec, fields: _Fields) -> str:
    if isinstance(spec, str):
        if spec.startswith("$"):
            column = spec[1:]
            if column not in EVENT_COLUMNS:
                raise UsageError(
                    f"unknown common field {spec!r}", f"known: {', '.join(EVENT_COLUMNS)}"
                )
            return column
        return fields.ref(spec)
    if "value" in spec:
        value = spec["value"]
        return "NULL" if value is None else sql_str(str(value))
    if "fn" not in spec:
        raise UsageError(f"field spec {spec!r} needs `fn` or `value`")
    inputs = [spec_in for spec_in in _as_tuple(spec.get("of"))]
    call = transforms.Call(
        args=tuple(_spec_sql(i, fields) for i in inputs),
        names=tuple(i if isinstance(i, str) else str(i.get("as", "")) for i in inputs),
        arg=None if spec.get("arg") is None else str(spec["arg"]),
        table={str(k): str(v) for k, v in (spec.get("table") or {}).items()},
    )
    return transforms.apply(str(spec["fn"]), call)


def _typed(expr: str, table: Table, column: str) -> str:
    col = table.column(column)
    assert col is not None
    if col.kql_type == "dynamic":
        return f"TRY_CAST({expr} AS JSON)"
    if col.kql_type in ("string", "guid"):
        return f"CAST({expr} AS VARCHAR)"
    return f"TRY_CAST({expr} AS {col.duckdb_type})"


def _match_sql(rule: Rule) -> str:
    parts = ["_reason IS NULL"]
    if rule.channels:
        parts.append(f"lower(Channel) IN ({', '.join(sql_str(c) for c in rule.channels)})")
    if rule.not_channels:
        parts.append(f"lower(Channel) NOT IN ({', '.join(sql_str(c) for c in rule.not_channels)})")
    if rule.event_ids:
        parts.append(f"EventID IN ({', '.join(str(e) for e in rule.event_ids)})")
    return " AND ".join(parts)


def rule_sql(rule: Rule, events: str) -> str:
    """SQL selecting *rule*'s rows (table columns + ``_RowId``) from the staged *events*."""
    table = get_table(rule.table)
    fields = _Fields()
    exprs: dict[str, str] = {}
    if rule.copy_event_fields:
        for col in table.columns:
            if not col.is_system and col.kql_type in ("string", "int", "long", "guid"):
                exprs[col.name] = fields.ref(col.name)
    for column, spec in rule.fields:
        exprs[column] = _spec_sql(spec, fields)
    filters = [
        f"{_spec_sql(name, fields)} IN ({', '.join(sql_str(v) for v in values)})"
        for name, values in rule.where
    ]
    selects = ", ".join(f"{_typed(e, table, c)} AS {quote_ident(c)}" for c, e in exprs.items())
    paths = "[" + ", ".join(sql_str(json_path([n])) for n in fields.names) + "]"
    extract = f"json_extract_string(data, {paths})" if fields.names else "NULL::VARCHAR[]"
    where = f" WHERE {' AND '.join(filters)}" if filters else ""
    return (
        f"SELECT _RowId, _Source, {selects} FROM (SELECT *, {extract} AS f FROM {events} "
        f"WHERE {_match_sql(rule)}){where}"
    )


def table_sql(
    mapping: Mapping, events: str, present: set[tuple[str, int]] | None = None
) -> str | None:
    """*mapping*'s rules as one query (unioned by column name), or None when none applies.

    With *present* (the lower-case channel and event id pairs staged), rules no staged event
    can match are left out: compiling SQL costs more than running it on small batches.
    """
    rules = [
        r for r in mapping.rules if present is None or any(r.matches(c, e) for c, e in present)
    ]
    if not rules:
        return None
    return " UNION ALL BY NAME ".join(f"({rule_sql(r, events)})" for r in rules)
