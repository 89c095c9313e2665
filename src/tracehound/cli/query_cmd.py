"""``tracehound query``: run read-only KQL on the configured backend."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tracehound.backends.local import LocalBackend
from tracehound.cli.common import ConfigOption, DbOption, FormatOption, open_store, status
from tracehound.errors import UsageError
from tracehound.kql.compat import CompatContext
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
    fmt: FormatOption = OutputFormat.table,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Row cap (default from config, 1000).", min=1)
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="Print the SQL the query becomes; run nothing.")
    ] = False,
) -> None:
    """Run a KQL query on the embedded store (read-only)."""
    text = _query_text(kql, file)
    store, settings = open_store(db, config, read_only=True)
    with store:
        backend = LocalBackend(
            store,
            CompatContext(schema=store.kql_schema(), externaldata=settings.query.externaldata),
        )
        if explain:
            translation = backend.translate(text)
            if translation.rewritten != text:
                status.print(
                    "-- KQL after compatibility rewrites:\n" + translation.rewritten, markup=False
                )
            sys.stdout.write(translation.sql + "\n")
            return
        cap = limit or settings.query.default_limit
        result = backend.query(text, limit=cap)
    write(result, fmt, sys.stdout)
    for message in result.messages:
        status.print(f"note: {message}", markup=False)
    if result.truncated:
        status.print(
            f"truncated: showing the first {result.row_count} rows; raise --limit or aggregate the query",
            markup=False,
        )
    else:
        status.print(f"{result.row_count} rows in {result.elapsed_seconds:.3f}s", markup=False)


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
