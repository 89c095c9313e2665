"""Store commands: ``init``, ``tables``, ``schema`` and ``doctor``."""

from __future__ import annotations

from typing import Annotated

import typer

from tracehound.cli.common import (
    ConfigOption,
    DbOption,
    FormatOption,
    emit_json,
    emit_records,
    open_store,
    status,
)
from tracehound.doctor import run_checks
from tracehound.errors import EXIT_ERROR, UsageError
from tracehound.render import OutputFormat
from tracehound.schema import UnknownTableError, get_table
from tracehound.store import SCHEMA_VERSION


def init(db: DbOption = None, config: ConfigOption = None) -> None:
    """Create the store (or migrate an older one) with every Defender / Sentinel table."""
    store, _ = open_store(db, config, read_only=False)
    with store:
        count = len(store.existing_tables())
        status.print(f"store {store.path} ready: {count} tables, store version {SCHEMA_VERSION}")


def tables(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    non_empty: Annotated[
        bool, typer.Option("--non-empty", help="Only tables that hold rows.")
    ] = False,
) -> None:
    """List the tables with their row counts."""
    store, _ = open_store(db, config, read_only=True)
    with store:
        counts = store.row_counts()
    rows = [{"table": t, "rows": n} for t, n in counts.items() if n or not non_empty]
    emit_records(rows, fmt, title=str(store.path))


def schema(
    table: Annotated[str, typer.Argument(help="Table name, e.g. DeviceProcessEvents.")],
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Show a table's columns and types (and where Microsoft documents each column)."""
    try:
        definition = get_table(table)
    except UnknownTableError as exc:
        raise UsageError(str(exc), "`tracehound tables` lists every table") from exc
    rows = [
        {"column": c.name, "type": c.kql_type, "duckdb_type": c.duckdb_type, "origin": c.origin}
        for c in definition.columns
    ]
    emit_records(rows, fmt, title=definition.name)


def doctor(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Check the store, configuration, credentials and configured backends and models."""
    checks = run_checks(db, config)
    rows = [c.as_dict() for c in checks]
    if fmt is OutputFormat.json:
        emit_json({"ok": all(c.ok for c in checks), "checks": rows})
    else:
        emit_records(rows, fmt, title="tracehound doctor")
    if not all(c.ok for c in checks):
        raise typer.Exit(EXIT_ERROR)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(tables)
    app.command()(schema)
    app.command()(doctor)
