"""The tools a model may call, as typed specs plus one handler each (a lookup table).

Every handler returns text for the model. Log content in it is fenced as untrusted data.
Errors (a refused or broken query) come back as text the model can act on, never as a crash.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

import yaml

from tracehound.errors import TracehoundError
from tracehound.llm.base import ToolSpec

from .attack_ids import describe_technique, search_techniques
from .context import HuntContext
from .library import hunt_by_id, load_library
from .summarize import flagged_cells, render, summarize

Handler = Callable[[HuntContext, dict[str, Any]], str]


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec("list_tables", "Tables you may query, with their row counts.", _schema({}, [])),
    ToolSpec(
        "describe_table",
        "Columns and types of a table, with a few sample values.",
        _schema({"table": {"type": "string"}}, ["table"]),
    ),
    ToolSpec(
        "run_kql",
        "Run a read-only KQL query. The hunt's time window is applied for you. Pass values "
        "as parameters with `declare query_parameters(name:type);` instead of writing them "
        "into the text. Returns a summary: row count, top values, time span, sample rows "
        "with _RowId (cite these as evidence).",
        _schema(
            {
                "query": {"type": "string"},
                "parameters": {"type": "object", "additionalProperties": True},
                "purpose": {"type": "string"},
            },
            ["query"],
        ),
    ),
    ToolSpec(
        "lookup_attack",
        "Look up an ATT&CK technique by id (T1110.001) or search names by words.",
        _schema({"id_or_words": {"type": "string"}}, ["id_or_words"]),
    ),
    ToolSpec(
        "pivot",
        "Everything the store holds about one entity (host, ip or account).",
        _schema(
            {
                "kind": {"type": "string", "enum": ["host", "ip", "account"]},
                "value": {"type": "string"},
            },
            ["kind", "value"],
        ),
    ),
    ToolSpec(
        "run_detections",
        "Run built-in hunts from the library by id (or the list of ids with none given).",
        _schema({"ids": {"type": "array", "items": {"type": "string"}}}, []),
    ),
)


def _fenced(ctx: HuntContext, payload: dict[str, Any]) -> str:
    return ctx.fence.wrap(render(payload))


def list_tables(ctx: HuntContext, _: dict[str, Any]) -> str:
    counts = ctx.backend.tables()
    allowed = {t: n for t, n in counts.items() if t in ctx.guard.allowed_tables and n}
    return json.dumps(allowed)


def describe_table(ctx: HuntContext, args: dict[str, Any]) -> str:
    table = str(args.get("table", ""))
    if table not in ctx.guard.allowed_tables:
        return f"error: table {table!r} is not allowed or does not exist; see list_tables"
    columns = ctx.guard.allowed_columns(table)
    types = dict(ctx.backend.columns(table))
    result, _ = ctx.run(f"{table} | take 3", None, f"describe {table}")
    samples = summarize(result, set(columns), 3, 3)["sample_rows"]
    return json.dumps({"table": table, "columns": {c: types.get(c, "") for c in columns}}) + (
        "\n" + _fenced(ctx, {"sample_rows": samples})
    )


def run_kql(ctx: HuntContext, args: dict[str, Any]) -> str:
    query = str(args.get("query", ""))
    params = args.get("parameters") or {}
    if not isinstance(params, dict):
        return "error: parameters must be an object"
    result, tables = ctx.run(query, params, str(args.get("purpose") or "model query"))
    allowed = {c for t in tables for c in ctx.guard.allowed_columns(t)}
    allowed |= {c for c in result.table.column_names if not _is_hidden(ctx, tables, c)}
    g = ctx.guard.settings
    return _fenced(ctx, summarize(result, allowed, g.sample_rows, g.top_values))


def _is_hidden(ctx: HuntContext, tables: tuple[str, ...], column: str) -> bool:
    """A result column named like a column the field allow-list hides."""
    return any(
        table in ctx.guard.settings.allowed_fields
        and column not in ctx.guard.allowed_columns(table)
        for table in tables
    )


def lookup_attack(_: HuntContext, args: dict[str, Any]) -> str:
    text = str(args.get("id_or_words", "")).strip()
    if text.upper().startswith("T") and text[1:2].isdigit():
        return json.dumps(describe_technique(text))
    return json.dumps(search_techniques(text))


@cache
def _pivots() -> dict[str, list[dict[str, str]]]:
    text = resources.files("tracehound.agent").joinpath("pivots.yaml").read_text("utf-8")
    data: dict[str, list[dict[str, str]]] = yaml.safe_load(text)
    return data


def pivot(ctx: HuntContext, args: dict[str, Any]) -> str:
    kind, value = str(args.get("kind", "")), str(args.get("value", ""))
    if kind not in _pivots() or not value:
        return "error: kind must be host, ip or account, with a value"
    parts = []
    for p in _pivots()[kind]:
        try:
            result, _ = ctx.run(p["kql"], {"value": value}, f"pivot {kind}: {p['purpose']}")
        except TracehoundError as exc:
            parts.append({"purpose": p["purpose"], "error": exc.message})
            continue
        parts.append({"purpose": p["purpose"], **summarize(result, None, 5, 3)})
    return _fenced(ctx, {"pivot": kind, "results": parts})


def run_detections(ctx: HuntContext, args: dict[str, Any]) -> str:
    ids = [str(i) for i in args.get("ids") or []]
    if not ids:
        return json.dumps([{"id": h.id, "title": h.title} for h in load_library()])
    parts: list[dict[str, Any]] = []
    for hunt_id in ids:
        hunt = hunt_by_id(hunt_id)
        if hunt is None:
            parts.append({"id": hunt_id, "error": "no such hunt"})
            continue
        result, _ = ctx.run(hunt.kql, None, f"hunt {hunt.id}")
        parts.append(
            {"id": hunt.id, "techniques": hunt.techniques, **summarize(result, None, 5, 3)}
        )
    return _fenced(ctx, {"detections": parts})


HANDLERS: dict[str, Handler] = {
    "list_tables": list_tables,
    "describe_table": describe_table,
    "run_kql": run_kql,
    "lookup_attack": lookup_attack,
    "pivot": pivot,
    "run_detections": run_detections,
}


def call_tool(ctx: HuntContext, name: str, args: dict[str, Any]) -> str:
    """Run one tool; refusals and query errors become text for the model (budget stops raise)."""
    handler = HANDLERS.get(name)
    if handler is None:
        return f"error: no tool named {name!r}"
    try:
        return handler(ctx, args)
    except TracehoundError as exc:
        if getattr(exc, "limit", None):
            raise
        return f"error: {exc.message}" + (f" (hint: {exc.hint})" if exc.hint else "")


def flagged_rows(ctx: HuntContext) -> list[dict[str, str]]:
    """Cells of every row the hunt saw that try to instruct a model."""
    return flagged_cells(list(ctx.ledger.rows.values()))
