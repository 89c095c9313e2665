"""Options every command shares, and the helpers that open the store and print results."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from tracehound.backends.base import LogBackend
from tracehound.backends.factory import BackendName, chosen_backend, remote_backend
from tracehound.config import Settings, load_settings, resolve_db_path
from tracehound.render import OutputFormat
from tracehound.store import Store

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The store file (env TRACEHOUND_DB; default ~/.local/share/tracehound/tracehound.duckdb).",
        show_default=False,
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help="Configuration file (env TRACEHOUND_CONFIG; default ./tracehound.toml).",
        show_default=False,
    ),
]
BackendOption = Annotated[
    BackendName | None,
    typer.Option(
        "--backend",
        help="Where queries run: local (the embedded store), loganalytics or adx (env TRACEHOUND_BACKEND).",
        case_sensitive=False,
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format", "-f", help="Output format: table, json, jsonl or csv.", case_sensitive=False
    ),
]

#: Status and progress go to stderr so stdout carries only data.
status = Console(stderr=True, highlight=False)


def settings_for(config: Path | None) -> Settings:
    return load_settings(config)


def open_store(db: Path | None, config: Path | None, read_only: bool) -> tuple[Store, Settings]:
    """Open the store the options point at (created on first use)."""
    settings = settings_for(config)
    return Store.open(resolve_db_path(db, settings), read_only=read_only), settings


@contextmanager
def open_backend(
    backend: BackendName | None, db: Path | None, config: Path | None
) -> Iterator[tuple[LogBackend, Settings]]:
    """The backend the options, environment and configuration choose, ready to query."""
    settings = settings_for(config)
    name = chosen_backend(backend, settings.backend)
    if name is not BackendName.local:
        yield remote_backend(name, settings.backend), settings
        return
    with Store.open(resolve_db_path(db, settings), read_only=True) as store:
        yield data_backend(BackendName.local, store, settings), settings


def data_backend(backend: BackendName | None, store: Store, settings: Settings) -> LogBackend:
    """Where a stateful command (detect, hunt, investigate) reads events; *store* keeps state.

    Local: *store* itself. Remote: Log Analytics or Azure Data Explorer, while alerts,
    incidents, findings and proposed actions stay in *store*.
    """
    name = chosen_backend(backend, settings.backend)
    if name is not BackendName.local:
        return remote_backend(name, settings.backend)
    from tracehound.backends.local import LocalBackend
    from tracehound.kql.compat import CompatContext

    context = CompatContext(schema=store.kql_schema(), externaldata=settings.query.externaldata)
    return LocalBackend(store, context)


def emit_json(document: Any) -> None:
    """Print exactly one JSON document on stdout."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, default=str, indent=2) + "\n")


def emit_records(rows: list[dict[str, Any]], fmt: OutputFormat, title: str | None = None) -> None:
    """Print small command results (not query results) in the chosen format."""
    import csv

    if fmt is OutputFormat.json:
        emit_json(rows)
    elif fmt is OutputFormat.jsonl:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    elif fmt is OutputFormat.csv:
        if rows:
            writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    else:
        from rich.table import Table

        table = Table(title=title, header_style="bold")
        for key in rows[0] if rows else []:
            table.add_column(str(key))
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        Console(highlight=False).print(table)
