"""``tracehound query``: run read-only KQL on the configured backend."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tracehound.cli.common import (
    BackendOption,
    ConfigOption,
    DbOption,
    FormatOption,
    open_backend,
    status,
)
from tracehound.errors import UsageError
from tracehound.render import OutputFormat, write


def query(
    kql: Annotated[
        str | None, typer.Argument(help="The KQL query (or use --file).", show_default=False)
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="Read the query from a file ('-' for stdin).")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    backend: BackendOption = None,
    fmt: FormatOption = OutputFormat.table,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Row cap (default from config, 1000).", min=1)
    ] = None,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="Print what the query becomes (SQL locally); run nothing."),
    ] = False,
) -> None:
    """Run a KQL query (read-only) on the embedded store, Log Analytics or Azure Data Explorer."""
    text = _query_text(kql, file)
    with open_backend(backend, db, config) as (engine, settings):
        if explain:
            sys.stdout.write(engine.explain(text) + "\n")
            return
        result = engine.query(text, limit=limit or settings.query.default_limit)
    write(result, fmt, sys.stdout)
    for message in result.messages:
        status.print(f"note: {message}", markup=False)
    if result.status == "partial":
        status.print("partial result: the backend did not return every row", markup=False)
    if result.truncated:
        status.print(
            f"truncated: showing the first {result.row_count} rows; raise --limit or aggregate the query",
            markup=False,
        )
    else:
        status.print(
            f"{result.row_count} rows in {result.elapsed_seconds:.3f}s ({result.backend})",
            markup=False,
        )


def _query_text(kql: str | None, file: Path | None) -> str:
    if (kql is None) == (file is None):
        raise UsageError("give the query either as an argument or with --file, not both or neither")
    if file is not None:
        if str(file) == "-":
            return sys.stdin.read()
        if not file.is_file():
            raise UsageError(f"{file}: no such file")
        return file.read_text(encoding="utf-8")
    assert kql is not None
    return kql


def register(app: typer.Typer) -> None:
    app.command()(query)
