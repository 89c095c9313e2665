"""KQL text for pivots, built from the checked pivot map: identifiers from the map, values only
as ``declare query_parameters`` (never formatted into the text)."""

from __future__ import annotations

from tracehound.investigate.spec import Field, Kind, TableSpec

#: KQL types of the fixed parameters every pivot query may declare.
TIME_PARAMS = "t0:datetime, t1:datetime"


def field_expr(field: Field, kind: Kind) -> str:
    return f"tolower({field.kql()})" if kind.lower else field.kql()


def kind_condition(table: TableSpec, kind: Kind, device: Kind) -> str:
    """``(col1 in (param) or col2 in (param))``; a process also needs its device."""
    fields = table.entities.get(kind.name, ())
    ors = " or ".join(f"{field_expr(f, kind)} in ({kind.param})" for f in fields)
    if kind.name != "process":
        return f"({ors})"
    hosts = " or ".join(
        f"{field_expr(f, device)} in ({device.param})" for f in table.entities.get("device", ())
    )
    return f"(({hosts}) and ({ors}))"


def declare(params: list[str]) -> str:
    return (
        f"declare query_parameters({', '.join([TIME_PARAMS, *(f'{p}:dynamic' for p in params)])});"
    )


def project(table: TableSpec) -> str:
    return ", ".join(f"['{c}']" for c in table.columns())


def rows_by_id(table: TableSpec) -> str:
    return (
        "declare query_parameters(ids:dynamic);\n"
        f"{table.name}\n| where ['_RowId'] in (ids)\n| project {project(table)}"
    )


def related_rows(table: TableSpec, kinds: list[Kind], device: Kind) -> str:
    params = list(
        dict.fromkeys(
            [k.param for k in kinds]
            + ([device.param] if any(k.name == "process" for k in kinds) else [])
        )
    )
    where = "\n    or ".join(kind_condition(table, k, device) for k in kinds)
    return (
        f"{declare(params)}\n{table.name}\n| where Timestamp between (t0 .. t1)\n"
        f"| where {where}\n| project {project(table)}"
    )


def pivot_counts(table: TableSpec, kind: Kind) -> str:
    """Rows per value of *kind* in *table* within the window (one query per table and kind)."""
    fields = table.entities[kind.name]
    keys = ", ".join(f"v{i} = {field_expr(f, kind)}" for i, f in enumerate(fields))
    return (
        f"{declare([kind.param])}\n{table.name}\n| where Timestamp between (t0 .. t1)\n"
        f"| where {kind_condition(table, kind, kind)}\n"
        f"| summarize n = count(), first_seen = min(Timestamp), last_seen = max(Timestamp), sample = make_list(['_RowId'], 5) by {keys}"
    )


def prevalence(table: TableSpec, kind: Kind, device: Kind) -> str:
    """Distinct devices per value of *kind* (its first column) in *table* within the window."""
    value = field_expr(table.entities[kind.name][0], kind)
    host = field_expr(table.entities["device"][0], device)
    return (
        f"{declare([kind.param])}\n{table.name}\n| where Timestamp between (t0 .. t1)\n"
        f"| where {value} in ({kind.param})\n| summarize hosts = dcount({host}) by v = {value}"
    )


def neighbourhood(table: TableSpec, device: Kind) -> str:
    """Rows on the given devices in the given minutes (counted from ``t0``)."""
    hosts = " or ".join(
        f"{field_expr(f, device)} in ({device.param})" for f in table.entities["device"]
    )
    return (
        f"{declare([device.param, 'minutes'])}\n{table.name}\n| where Timestamp between (t0 .. t1)\n"
        f"| where {hosts}\n| where tolong((Timestamp - t0) / 1m) in (minutes)\n| project {project(table)}"
    )
