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


def staging_sql(
    table: Table, keys: dict[str, str], source_view: str, keep_unknown: bool
) -> tuple[str, dict[str, object]]:
    """SQL selecting ``line_no``, typed columns, ``_RowId``, ``_Extra`` and a failure ``_reason``.

    *keys* maps each JSON key found in the input to the table column it fills. When
    *keep_unknown* is set the input has other keys too, and they are kept in ``_Extra``.
    *source_view* has columns ``line_no`` and ``text`` (valid JSON objects only).
    Returns the SQL and its named parameters.
    """
    mapped = [(k, table.column(c)) for k, c in keys.items()]
    columns = [(k, c) for k, c in mapped if c is not None and not c.is_system]
    dynamic = [(k, c) for k, c in columns if c.kql_type == "dynamic"]
    params: dict[str, object] = {}
    selects: list[str] = []
    checks: list[str] = []
    for i, (key, col) in enumerate(columns, start=1):
        raw = f"_s[{i}]"
        json_value = f"_j[{1 + dynamic.index((key, col))}]" if col.kql_type == "dynamic" else raw
        expr = _typed_expr(col, raw, json_value)
        selects.append(f"{expr} AS {quote_ident(col.name)}")
        if col.kql_type not in ("string", "guid", "dynamic"):
            label = json.dumps(f"{key}: cannot read ")[1:-1].replace("'", "''")
            checks.append(
                f"CASE WHEN {raw} IS NOT NULL AND {raw} <> '' AND ({expr}) IS NULL THEN "
                f"'{label}' || to_json({raw}) || ' as {col.kql_type}' END"
            )
    extracts = ["NULL AS _s", "NULL AS _j"]
    if columns:
        params["th_paths"] = [f"$.{json.dumps(k)}" for k, _ in columns]
        extracts[0] = "json_extract_string(text, $th_paths::VARCHAR[]) AS _s"
    if dynamic:
        params["th_dynamic"] = [f"$.{json.dumps(k)}" for k, _ in dynamic]
        extracts[1] = "json_extract(text, $th_dynamic::VARCHAR[]) AS _j"
    extra = "NULL::JSON"
    if keep_unknown:
        # RFC 7386 merge patch: a null member deletes the key, leaving only unknown keys.
        params["th_known"] = json.dumps({k: None for k in keys})
        extra = "nullif(json_merge_patch(text, $th_known::JSON)::VARCHAR, '{}')::JSON"
    reason = f"nullif(concat_ws('; ', {', '.join(checks)}), '')" if checks else "NULL::VARCHAR"
    body = ", ".join([*selects, f"{extra} AS {quote_ident(EXTRA)}"])
    sql = (
        f"SELECT line_no, {body}, md5(text) AS {quote_ident(ROW_ID)}, {reason} AS _reason "
        f"FROM (SELECT line_no, text, {', '.join(extracts)} FROM {source_view})"
    )
    return sql, params
