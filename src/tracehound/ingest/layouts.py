"""JSON layouts of Windows events, read from ``mappings/layouts.yaml`` and compiled to SQL.

Every layout is turned into the same common event shape (:data:`EVENT_COLUMNS`: computer,
channel, provider, event id, record id, system fields, a UTC time, the event's own fields as
one JSON object ``data``, and a quarantine ``_reason``) by one SQL statement that DuckDB runs
over a batch of raw record texts. Per-event Python is never involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tracehound.errors import UsageError
from tracehound.ingest.sqltext import json_path, sql_str

# Common fields every layout fills (text), in the order of the staging table.
SYSTEM_FIELDS = (
    "Computer",
    "Channel",
    "Provider",
    "EventID",
    "EventRecordId",
    "Level",
    "Task",
    "Opcode",
    "Keywords",
    "Version",
    "ProcessId",
    "ThreadId",
    "UserId",
)
EVENT_COLUMNS = (*SYSTEM_FIELDS, "Time", "LocalTime", "data")
_ZONED = "'(Z|[+-][0-9][0-9]:?[0-9][0-9])$'"


@dataclass(frozen=True)
class Detect:
    """One way to recognise a layout: paths that must exist and values that must match."""

    exists: tuple[str, ...]
    equals: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TimeSource:
    path: str
    from_data: bool
    zone: str  # "utc" or "required"


@dataclass(frozen=True)
class DataSource:
    kind: str
    path: str | None


@dataclass(frozen=True)
class Layout:
    """A JSON layout of Windows events (see ``mappings/layouts.yaml``)."""

    name: str
    description: str
    detect: tuple[Detect, ...]
    fields: tuple[tuple[str, tuple[str, ...]], ...]
    time: tuple[TimeSource, ...]
    local_clock: tuple[str, ...]
    data: tuple[DataSource, ...]

    def matches(self, record: dict[str, Any]) -> bool:
        """Whether the parsed *record* looks like this layout."""
        return any(_detect_matches(d, record) for d in self.detect)


def _lookup(record: Any, path: str) -> Any:
    node = record
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _detect_matches(detect: Detect, record: dict[str, Any]) -> bool:
    if any(_lookup(record, p) is None for p in detect.exists):
        return False
    return all(str(_lookup(record, p)) == v for p, v in detect.equals)


def _parse_layout(raw: dict[str, Any]) -> Layout:
    fields = raw.get("fields", {})
    unknown = set(fields) - set(SYSTEM_FIELDS)
    if unknown:
        raise UsageError(f"layout {raw.get('name')}: unknown fields {sorted(unknown)}")
    return Layout(
        name=str(raw["name"]),
        description=str(raw.get("description", "")),
        detect=tuple(
            Detect(
                tuple(d.get("exists", [])),
                tuple((k, str(v)) for k, v in d.get("equals", {}).items()),
            )
            for d in raw["detect"]
        ),
        fields=tuple((f, tuple(str(p) for p in fields.get(f, []))) for f in SYSTEM_FIELDS),
        time=tuple(
            TimeSource(str(t.get("data") or t["path"]), "data" in t, str(t.get("zone", "utc")))
            for t in raw.get("time", [])
        ),
        local_clock=tuple(str(p) for p in raw.get("local_clock", [])),
        data=tuple(DataSource(str(d["kind"]), d.get("path")) for d in raw["data"]),
    )


@cache
def layouts() -> tuple[Layout, ...]:
    """The layouts shipped with the package, in detection order."""
    text = resources.files("tracehound.ingest").joinpath("mappings/layouts.yaml").read_text("utf-8")
    return tuple(_parse_layout(raw) for raw in yaml.safe_load(text)["layouts"])


def get_layout(name: str) -> Layout:
    for layout in layouts():
        if layout.name == name:
            return layout
    raise UsageError(f"unknown layout {name!r}", f"known: {', '.join(x.name for x in layouts())}")


def detect_layout(record: Any) -> Layout | None:
    """The first layout matching the parsed JSON *record*, or None."""
    if not isinstance(record, dict):
        return None
    return next((layout for layout in layouts() if layout.matches(record)), None)


# -- SQL -------------------------------------------------------------------------------------

_NO_ATTRS = "'{\"#attributes\": null}'"


def _data_expr(source: DataSource) -> str:
    """SQL (over the parsed record ``j``) giving the event's own fields as a JSON object."""
    if source.kind == "record":
        return "j"
    if source.path is None:
        raise UsageError(f"data kind {source.kind} needs a path")
    path = sql_str(json_path(source.path))
    if source.kind == "object":
        return (
            f"CASE WHEN json_type(j, {path}) = 'OBJECT' "
            f"THEN json_merge_patch(json_extract(j, {path}), {_NO_ATTRS}) END"
        )
    if source.kind == "first_child":
        child = f"json_extract(j, {sql_str(json_path(source.path) + '.*')})[1]"
        return (
            f"CASE WHEN json_type(j, {path}) = 'OBJECT' AND json_type({child}) = 'OBJECT' "
            f"THEN json_merge_patch({child}, {_NO_ATTRS}) END"
        )
    if source.kind == "named_list":
        items = f"json_extract(j, {sql_str(json_path(source.path) + '[*]')})"
        name = "json_extract_string(e, '$.\"@Name\"')"
        value = "json_extract_string(e, '$.\"#text\"')"
        body = (
            f"'{{' || array_to_string(list_transform({items}, lambda e: to_json({name}) || ':' || "
            f"coalesce(to_json({value}), 'null')), ',') || '}}'"
        )
        return (
            f"CASE WHEN json_type(j, {path}) = 'ARRAY' AND "
            f"list_bool_and(list_transform({items}, lambda e: {name} IS NOT NULL)) THEN ({body})::JSON END"
        )
    if source.kind == "json_string":
        text = f"json_extract_string(j, {path})"
        return f"CASE WHEN json_valid({text}) AND json_type({text}::JSON) = 'OBJECT' THEN {text}::JSON END"
    if source.kind == "xml_string":
        return xml_data_sql(f"json_extract_string(j, {path})")
    raise UsageError(
        f"unknown data kind {source.kind!r}",
        "use record, object, named_list, first_child, json_string, xml_string",
    )


def xml_data_sql(text: str) -> str:
    """SQL turning ``<Data Name="k">v</Data>`` elements of *text* into a JSON object."""
    pattern = '\'<Data Name="([^"]*)">([^<]*)</Data>\''
    unescaped = "replace(replace(replace(replace(replace(p[2], '&lt;', '<'), '&gt;', '>'), '&quot;', '\"'), '&apos;', ''''), '&amp;', '&')"
    pairs = f"list_zip(regexp_extract_all({text}, {pattern}, 1), regexp_extract_all({text}, {pattern}, 2))"
    body = f"'{{' || array_to_string(list_transform({pairs}, lambda p: to_json(p[1]) || ':' || to_json({unescaped})), ',') || '}}'"
    return f"CASE WHEN {text} LIKE '%<Data Name=%' THEN ({body})::JSON END"


def _time_value(expr: str, zone: str) -> str:
    parsed = f"TRY_CAST(TRY_CAST({expr} AS TIMESTAMPTZ) AS TIMESTAMP)"
    if zone == "required":
        return f"CASE WHEN regexp_matches({expr}, {_ZONED}) THEN {parsed} END"
    return parsed


def normalize_sql(layout: Layout, source: str) -> str:
    """SQL reading ``line_no, text`` rows of *source* into the common event shape.

    Output columns: ``line_no, text``, :data:`EVENT_COLUMNS`, ``_reason`` (why the record
    cannot be loaded, else NULL) and ``_RowId``: the hash of computer, channel, record id
    and event id (or of the record text when it has no record id). The event id is part of
    the key because lab machines reverted to a snapshot reuse record numbers for other events.
    """
    paths: list[str] = []
    slots: dict[str, list[int]] = {}
    for field, candidates in layout.fields:
        for p in candidates:
            paths.append(json_path(p))
            slots.setdefault(field, []).append(len(paths))
    for t in layout.time:
        if not t.from_data:
            paths.append(json_path(t.path))
            slots.setdefault(f"time:{t.path}", []).append(len(paths))
    for p in layout.local_clock:
        paths.append(json_path(p))
        slots.setdefault("local_clock", []).append(len(paths))
    path_list = "[" + ", ".join(sql_str(p) for p in paths) + "]"
    data = ", ".join(_data_expr(d) for d in layout.data)
    data_expr = data if len(layout.data) == 1 else f"coalesce({data})"

    def pick(key: str) -> str:
        idx = slots.get(key, [])
        if not idx:
            return "NULL"
        parts = [f"nullif(s[{i}], '')" for i in idx]
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

    system = [
        f"{pick(f)} AS {f}" if f != "EventID" else f"TRY_CAST({pick(f)} AS INTEGER) AS EventID"
        for f in SYSTEM_FIELDS
    ]
    times = [
        _time_value(
            f"json_extract_string(data, {sql_str(json_path(t.path))})"
            if t.from_data
            else pick(f"time:{t.path}"),
            t.zone,
        )
        for t in layout.time
    ]
    time_expr = f"coalesce({', '.join(times)})" if times else "NULL::TIMESTAMP"
    local = pick("local_clock")
    local_expr = (
        f"CASE WHEN NOT regexp_matches({local}, {_ZONED}) THEN TRY_CAST({local} AS TIMESTAMP) END"
        if layout.local_clock
        else "NULL::TIMESTAMP"
    )
    name = sql_str(layout.name)
    reason = (
        "CASE WHEN j IS NULL THEN 'not valid JSON (truncated or malformed record)' "
        "WHEN json_type(j) <> 'OBJECT' THEN 'not a JSON object' "
        f"WHEN EventID IS NULL THEN 'no event id where the ' || {name} || ' layout puts it' "
        f"WHEN Channel IS NULL THEN 'no channel where the ' || {name} || ' layout puts it' END"
    )
    row_id = (
        "CASE WHEN EventRecordId IS NOT NULL AND Channel IS NOT NULL "
        "THEN md5(concat_ws('|', lower(coalesce(Computer, '')), lower(Channel), EventRecordId, EventID)) "
        "ELSE md5(text) END"
    )
    return (
        f"SELECT line_no, text, {', '.join(EVENT_COLUMNS)}, {reason} AS _reason, {row_id} AS _RowId FROM ("
        f"SELECT line_no, text, j, {', '.join(system)}, {time_expr} AS Time, {local_expr} AS LocalTime, "
        f"data FROM (SELECT line_no, text, j, json_extract_string(j, {path_list}) AS s, "
        f"CASE WHEN json_type(j) = 'OBJECT' THEN {data_expr} END AS data FROM ("
        f"SELECT line_no, text, CASE WHEN json_valid(text) THEN text::JSON END AS j FROM {source})))"
    )


def describe() -> list[dict[str, str]]:
    """Name and description of each layout (for ``--help`` text and docs)."""
    return [{"name": x.name, "description": x.description} for x in layouts()]


__all__ = ["EVENT_COLUMNS", "Layout", "detect_layout", "get_layout", "layouts", "normalize_sql"]
