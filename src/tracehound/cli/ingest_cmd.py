"""``tracehound ingest``: load files, folders and archives into the store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from tracehound.cli.common import (
    ConfigOption,
    DbOption,
    FormatOption,
    emit_json,
    open_store,
    status,
)
from tracehound.errors import TracehoundError, UsageError
from tracehound.ingest.pipeline import Progress as ProgressFn
from tracehound.ingest.pipeline import ingest_paths
from tracehound.ingest.rows import IngestSummary, ingest_rows
from tracehound.render import OutputFormat
from tracehound.schema import UnknownTableError, get_table

# Inputs smaller than this finish before a progress bar is worth drawing.
PROGRESS_MIN_BYTES = 32 << 20


class InputFormat(StrEnum):
    auto = "auto"
    evtx = "evtx"
    nxlog = "nxlog"
    winlogbeat = "winlogbeat"
    eventxml = "eventxml"
    rows = "rows"
    la_response = "la-response"


def _total_bytes(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            total += path.stat().st_size
    return total


@contextmanager
def _progress(paths: list[Path], quiet: bool) -> Iterator[ProgressFn | None]:
    """A progress bar on stderr for large inputs (none for small ones or when quiet)."""
    total = _total_bytes(paths)
    if quiet or total < PROGRESS_MIN_BYTES or os.environ.get("TRACEHOUND_NO_PROGRESS"):
        yield None
        return
    columns = (
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=status, transient=True) as bar:
        task = bar.add_task("ingest", total=total)
        yield lambda n: bar.advance(task, n)


def _print_summary(summary: IngestSummary) -> None:
    document = summary.as_dict()
    status.print(
        f"read {summary.events} events from {summary.files} file(s); loaded {document['inserted_total']} rows; "
        f"{summary.duplicates} duplicates skipped; {summary.quarantined} quarantined",
        markup=False,
    )
    for table, count in sorted(summary.inserted.items()):
        status.print(f"  {table}: {count}", markup=False)
    for reason, count in summary.quarantine_reasons.items():
        status.print(f"  quarantined {count}: {reason}", markup=False)
    for note, count in summary.notes.items():
        status.print(f"  note ({count}): {note}", markup=False)
    for name, columns in summary.unknown_columns.items():
        status.print(
            f"  {name}: columns not in the schema, kept in _Extra: {', '.join(columns)}",
            markup=False,
        )


def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Files, folders, zip or tar.gz archives.", show_default=False),
    ],
    input_format: Annotated[
        InputFormat,
        typer.Option(
            "--input-format",
            help="auto (detected per file), evtx, nxlog, winlogbeat, eventxml, rows (table exports) or la-response.",
            case_sensitive=False,
        ),
    ] = InputFormat.auto,
    table: Annotated[
        str | None,
        typer.Option(
            "--table",
            help="Target table for rows already in its schema (JSON, JSON-lines, CSV, Parquet).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Load telemetry into the store: bad records are quarantined with the reason, the rest load.

    Raw Windows events are normalized into the Defender tables (and SecurityEvent /
    WindowsEvent); the exit code is non-zero only when nothing could be read.
    """
    table_name: str | None = None
    if table is not None:
        try:
            table_name = get_table(table).name
        except UnknownTableError as exc:
            raise UsageError(str(exc), "`tracehound tables` lists every table") from exc
    store, _ = open_store(db, config, read_only=False)
    with store:
        if table_name is not None and input_format in (InputFormat.auto, InputFormat.rows):
            for path in paths:
                if not path.is_file():
                    raise UsageError(
                        f"{path}: no such file",
                        "--table takes files of rows; drop it for folders and archives",
                    )
            summary = ingest_rows(store, paths, table_name)
        else:
            with _progress(paths, quiet or fmt is OutputFormat.json) as progress:
                summary = ingest_paths(store, paths, input_format.value, table_name, progress)
    if fmt is OutputFormat.json:
        emit_json(summary.as_dict())
    else:
        _print_summary(summary)
    read_anything = summary.events or sum(summary.inserted.values()) or summary.duplicates
    if not read_anything:
        raise TracehoundError(
            f"nothing could be read from {', '.join(str(p) for p in paths)}",
            "check the paths and --input-format; `tracehound ingest --help` lists the formats",
        )


def register(app: typer.Typer) -> None:
    app.command()(ingest)
