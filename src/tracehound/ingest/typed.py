"""SQL that reads one JSON-object text column into a table's typed columns.

Values are coerced with TRY_CAST so one bad value never aborts a load: a value that is present
but cannot be read as its column's type makes its row fail with a reason naming the column,
the value and the type, and the row is quarantined while the others load.
"""

from __future__ import annotations

import json

from tracehound.schema import EXTRA, ROW_ID, Column, Table
from tracehound.store import quote_ident

# Timestamp spellings seen in Log Analytics / Defender portal CSV exports, tried after ISO-8601.
_DATETIME_FORMATS = ("%m/%d/%Y, %I:%M:%S.%g %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y, %I:%M:%S %p")


def _typed_expr(col: Column, raw: str, json_value: str) -> str:
    """An expression of *col*'s DuckDB type from the extracted text *raw*."""
    t = col.kql_type
    if t in ("string", "guid"):
        return raw
    if t == "dynamic":
        # Exports often carry dynamic values as a JSON string holding JSON: unwrap those.
        return (
            f"CASE WHEN {json_value} IS NULL OR {raw} = '' THEN NULL "
            f"WHEN json_type({json_value}) = 'VARCHAR' AND json_valid({raw}) "
            f"AND json_type({raw}::JSON) IN ('OBJECT', 'ARRAY') THEN {raw}::JSON "
            f"ELSE {json_value} END"
        )
    if t == "datetime":
        formats = ", ".join(f"'{f}'" for f in _DATETIME_FORMATS)
        return (
            f"coalesce(TRY_CAST(TRY_CAST({raw} AS TIMESTAMPTZ) AS TIMESTAMP), "
            f"try_strptime({raw}, [{formats}]))"
        )
    if t in ("int", "long"):
        target = col.duckdb_type
        return (
            f"coalesce(TRY_CAST({raw} AS {target}), CASE WHEN TRY_CAST({raw} AS DOUBLE) = "
            f"floor(TRY_CAST({raw} AS DOUBLE)) THEN TRY_CAST(TRY_CAST({raw} AS DOUBLE) AS {target}) END)"
        )
    return f"TRY_CAST({raw} AS {col.duckdb_type})"


def staging_sql(table: Table, keys: dict[str, str], source_view: str) -> tuple[str, dict[str, object]]:
    """SQL selecting typed columns, ``_RowId``, ``_Extra`` and a failure ``_reason``.

    *keys* maps each JSON key found in the input to the table column it fills (keys not in
    the mapping go to ``_Extra``). *source_view* has columns ``line_no`` and ``text``
    (valid JSON objects only). Returns the SQL and its named parameters.
    """
    targets = [(k, table.column(c)) for k, c in keys.items()]
    mapped = [(k, c) for k, c in targets if c is not None and not c.is_system]
    paths = [json.dumps(k) for k, _ in mapped]
    selects: list[str] = []
    checks: list[str] = []
    for i, (key, col) in enumerate(mapped, start=1):
        assert col is not None
        raw = f"_s[{i}]"
        jv = f"_j[{i}]"
        expr = _typed_expr(col, raw, jv)
        selects.append(f"{expr} AS {quote_ident(col.name)}")
        if col.kql_type not in ("string", "guid", "dynamic"):
            label = json.dumps(f"{key}: cannot read ")[1:-1].replace("'", "''")
            checks.append(
                f"CASE WHEN {raw} IS NOT NULL AND {raw} <> '' AND ({expr}) IS NULL THEN "
                f"'{label}' || to_json({raw}) || ' as {col.kql_type}' END"
            )
    known = {k: None for k, c in targets if c is not None}
    params: dict[str, object] = {"th_known": json.dumps(known)}
    extra = (
        "CASE WHEN json_merge_patch(text, $th_known::JSON)::VARCHAR = '{}' THEN NULL "
        "ELSE json_merge_patch(text, $th_known::JSON) END"
    )
    reason = f"concat_ws('; ', {', '.join(checks)})" if checks else "''"
    extract = "NULL AS _s, NULL AS _j"
    if mapped:
        params["th_paths"] = [f"$.{p}" for p in paths]
        extract = (
            "json_extract_string(text, $th_paths::VARCHAR[]) AS _s, "
            "json_extract(text, $th_paths::VARCHAR[]) AS _j"
        )
    body = ", ".join([*selects, f"{extra} AS {quote_ident(EXTRA)}"])
    sql = (
        f"SELECT line_no, text, {body}, md5(text) AS {quote_ident(ROW_ID)}, "
        f"nullif({reason}, '') AS _reason FROM (SELECT line_no, text, {extract} FROM {source_view})"
    )
    return sql, params
