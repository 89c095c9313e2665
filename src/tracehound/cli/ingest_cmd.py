"""``tracehound ingest``: load files into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracehound.cli.common import ConfigOption, DbOption, FormatOption, emit_json, open_store, status
from tracehound.errors import UsageError
from tracehound.ingest.rows import ingest_rows
from tracehound.render import OutputFormat
from tracehound.schema import UnknownTableError, get_table


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files to load.", show_default=False)],
    table: Annotated[
        str | None,
        typer.Option("--table", help="Target table for rows already in its schema (JSON, JSON-lines, CSV, Parquet)."),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load rows into the store; bad records are quarantined with the reason, the rest load."""
    if table is None:
        raise UsageError("name the target table with --table", "e.g. --table DeviceProcessEvents")
    try:
        table_name = get_table(table).name
    except UnknownTableError as exc:
        raise UsageError(str(exc), "`tracehound tables` lists every table") from exc
    store, _ = open_store(db, config, read_only=False)
    with store:
        summary = ingest_rows(store, paths, table_name)
    document = summary.as_dict()
    if fmt is OutputFormat.json:
        emit_json(document)
    else:
        status.print(
            f"loaded {document['inserted_total']} rows from {summary.files} file(s); "
            f"{summary.duplicates} duplicates skipped; {summary.quarantined} quarantined",
            markup=False,
        )
        for reason, count in summary.quarantine_reasons.items():
            status.print(f"  quarantined {count}: {reason}", markup=False)
        for name, columns in summary.unknown_columns.items():
            status.print(f"  {name}: columns not in the schema, kept in _Extra: {', '.join(columns)}", markup=False)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
