"""Fill rows' missing ``InitiatingProcess*`` columns from their process's creation event.

Sysmon's network, file, registry, image-load and misc. events name the acting process by
image, pid and GUID only; Defender reports its command line, parent, account, hashes and
version info too. After a batch is loaded, two set-based UPDATEs per target table (DuckDB
``UPDATE ... FROM``) copy them from the ``ProcessCreated`` row with the same device and process
GUID, as ``mappings/backfill.yaml`` lists. Both are bounded by the batch: rows of the batch get
filled from any stored process row, and stored rows from the batch's process rows (a process
whose creation event arrives in a later file). Only NULL columns are written, so running it
again changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from importlib import resources

import duckdb
import yaml

from tracehound.errors import UsageError
from tracehound.ingest.sqltext import sql_str
from tracehound.schema import get_table
from tracehound.store import quote_ident


@dataclass(frozen=True)
class Backfill:
    """Where process facts come from and which columns of which tables they fill."""

    source: str
    source_key: str
    source_where: tuple[tuple[str, str], ...]
    target_key: str
    targets: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (target column, source column)
    by_pid: PidLink | None = None


@dataclass(frozen=True)
class PidLink:
    """Linking rows without a process GUID by device, pid and time (see ``backfill.yaml``)."""

    source_pid: str
    source_time: str
    target_pid: str
    max_age_hours: int
    agree: tuple[tuple[str, str], ...] = ()  # (target column, source column), equal if both set


def parse_backfill(raw: dict[str, object], source_file: str) -> Backfill:
    """Check a parsed ``backfill.yaml``: every table and column must exist."""
    src = raw["source"]
    assert isinstance(src, dict)
    source = get_table(str(src["table"]))
    columns = raw["columns"]
    assert isinstance(columns, dict)
    targets = raw["targets"]
    assert isinstance(targets, list)
    spec = Backfill(
        source=source.name,
        source_key=str(src["key"]),
        source_where=tuple((str(k), str(v)) for k, v in (src.get("where") or {}).items()),
        target_key=str(raw["target_key"]),
        targets=tuple(get_table(str(t)).name for t in targets),
        columns=tuple((str(k), str(v)) for k, v in columns.items()),
        by_pid=_pid_link(raw.get("by_pid")),
    )
    if spec.by_pid is not None:
        for name in (spec.by_pid.source_pid, spec.by_pid.source_time):
            if source.column(name) is None:
                raise UsageError(f"{source_file}: {source.name} has no column {name!r}")
    for name in (
        spec.source_key,
        *(s for _t, s in spec.columns),
        *(k for k, _v in spec.source_where),
    ):
        if source.column(name) is None:
            raise UsageError(f"{source_file}: {source.name} has no column {name!r}")
    for target in spec.targets:
        if get_table(target).column(spec.target_key) is None:
            raise UsageError(f"{source_file}: {target} has no column {spec.target_key!r}")
    return spec


def _pid_link(raw: object) -> PidLink | None:
    if raw is None:
        return None
    assert isinstance(raw, dict)
    return PidLink(
        str(raw["source_pid"]),
        str(raw["source_time"]),
        str(raw["target_pid"]),
        int(raw["max_age_hours"]),
        tuple((str(k), str(v)) for k, v in (raw.get("agree") or {}).items()),
    )


@cache
def backfill_spec() -> Backfill:
    """The back-fill shipped with the package (``mappings/backfill.yaml``)."""
    entry = resources.files("tracehound.ingest").joinpath("mappings", "backfill.yaml")
    return parse_backfill(yaml.safe_load(entry.read_text("utf-8")), "backfill.yaml")


def _pairs(spec: Backfill, target: str) -> list[tuple[str, str]]:
    table = get_table(target)
    return [(t, s) for t, s in spec.columns if table.column(t) is not None]


def _processes(spec: Backfill, pairs: list[tuple[str, str]], bounded_to: str) -> str:
    """One row per (device, process GUID): the earliest creation event, read only for the GUIDs
    *bounded_to* (a query of GUIDs or of row ids) asks for."""
    cols = ", ".join(quote_ident(s) for s in dict.fromkeys(s for _t, s in pairs))
    key = quote_ident(spec.source_key)
    where = [f"{key} IS NOT NULL", "DeviceName IS NOT NULL"]
    where += [f"{quote_ident(k)} = {sql_str(v)}" for k, v in spec.source_where]
    where.append(bounded_to)
    return (
        f"SELECT DeviceName AS _device, {key} AS _key, {cols} FROM {quote_ident(spec.source)} "
        f"WHERE {' AND '.join(where)} "
        f"QUALIFY row_number() OVER (PARTITION BY DeviceName, {key} ORDER BY Timestamp, _RowId) = 1"
    )


def backfill_sql(spec: Backfill, target: str, batch: str, direction: str) -> str:
    """The UPDATE filling *target* rows: ``rows`` bounds the updated rows to the *batch*'s row
    ids, ``processes`` bounds the process rows read to the batch's instead."""
    pairs = _pairs(spec, target)
    t = quote_ident(target)
    sets, missing = _fill(t, pairs)
    key = f"{t}.{quote_ident(spec.target_key)}"
    in_batch = f"_RowId IN (SELECT _RowId FROM {batch})"
    if direction == "rows":
        wanted = f"SELECT {quote_ident(spec.target_key)} FROM {t} WHERE {in_batch}"
        source = _processes(spec, pairs, f"{quote_ident(spec.source_key)} IN ({wanted})")
        bound = f" AND {t}.{in_batch}"
    elif direction == "processes":
        source = _processes(spec, pairs, in_batch)
        bound = ""
    else:
        raise ValueError(direction)
    return (
        f"UPDATE {t} SET {sets} FROM ({source}) p "
        f"WHERE {t}.DeviceName = p._device AND {key} = p._key AND ({missing}){bound}"
    )


def _fill(t: str, pairs: list[tuple[str, str]]) -> tuple[str, str]:
    """The SET list keeping values already there, and the test for rows that gain something."""
    sets = ", ".join(
        f"{quote_ident(c)} = coalesce({t}.{quote_ident(c)}, p.{quote_ident(s)})" for c, s in pairs
    )
    missing = " OR ".join(
        f"({t}.{quote_ident(c)} IS NULL AND p.{quote_ident(s)} IS NOT NULL)" for c, s in pairs
    )
    return sets, missing


def pid_backfill_sql(spec: Backfill, target: str, batch: str) -> str | None:
    """The UPDATE filling *batch* rows of *target* that have a pid but no process GUID from
    the latest process created with that pid on the device before the event (an ASOF join)."""
    link = spec.by_pid
    table = get_table(target)
    if link is None or table.column(link.target_pid) is None:
        return None
    pairs = [(c, s) for c, s in _pairs(spec, target) if c != link.target_pid]
    t = quote_ident(target)
    sets, missing = _fill(t, pairs)
    pid, spid, stime = (
        quote_ident(n) for n in (link.target_pid, link.source_pid, link.source_time)
    )
    cols = ", ".join(f"p.{quote_ident(s)}" for s in dict.fromkeys(s for _c, s in pairs))
    where = " AND ".join(
        [f"{quote_ident(k)} = {sql_str(v)}" for k, v in spec.source_where]
        + [f"{spid} IS NOT NULL", f"{stime} IS NOT NULL", "DeviceName IS NOT NULL"]
    )
    agree = [(quote_ident(c), quote_ident(s)) for c, s in link.agree if table.column(c)]
    rows = (
        f"SELECT _RowId, DeviceName, {pid}, Timestamp{''.join(f', {c}' for c, _s in agree)} FROM {t} "
        f"WHERE {quote_ident(spec.target_key)} IS NULL AND {pid} IS NOT NULL "
        f"AND Timestamp IS NOT NULL AND _RowId IN (SELECT _RowId FROM {batch})"
    )
    linked = (
        f"SELECT r._RowId AS _rid, {cols} FROM ({rows}) r ASOF JOIN "
        f"(SELECT * FROM {quote_ident(spec.source)} WHERE {where}) p "
        f"ON r.DeviceName = p.DeviceName AND r.{pid} = p.{spid} AND r.Timestamp >= p.{stime} "
        f"WHERE r.Timestamp - p.{stime} <= INTERVAL {int(link.max_age_hours)} HOUR"
        + "".join(f" AND (r.{c} IS NULL OR lower(r.{c}) = lower(p.{s}))" for c, s in agree)
    )
    return f"UPDATE {t} SET {sets} FROM ({linked}) p WHERE {t}._RowId = p._rid AND ({missing})"


def run_backfill(
    con: duckdb.DuckDBPyConnection, batch: str, loaded: Collection[str] | None = None
) -> int:
    """Fill the targets' missing columns for the row ids in *batch*; rows updated.

    *loaded* names the tables the batch inserted rows into (None: all); statements that
    cannot match anything for the others are skipped.
    """
    spec = backfill_spec()
    filled = 0
    new_processes = loaded is None or spec.source in loaded
    for target in spec.targets:
        statements: list[str | None] = []
        if loaded is None or target in loaded:
            statements += [
                backfill_sql(spec, target, batch, "rows"),
                pid_backfill_sql(spec, target, batch),
            ]
        if new_processes:
            statements.append(backfill_sql(spec, target, batch, "processes"))
        for sql in statements:
            if sql is not None:
                row = con.execute(sql).fetchone()
                filled += int(row[0]) if row else 0
    return filled
