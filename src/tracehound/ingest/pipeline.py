"""``ingest_paths``: raw Windows telemetry (and table exports) into the store's tables.

Per input file: detect the format, stream record texts in Arrow batches into a staging
table in the common event shape (one SQL per batch, see :mod:`tracehound.ingest.layouts`),
then, every :data:`FLUSH_EVENTS` events and at the end of the file, fix local-clock times,
quarantine what could not be read, and load each mapped table through the store's one load
path (row ids are the hash of computer, channel and record id, so re-ingest adds nothing).
Memory stays bounded by the block size in Python and by DuckDB's own limit for staging.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.errors import UsageError
from tracehound.ingest import clock, readers, sources
from tracehound.ingest.detect import (
    HEAD_BYTES,
    INPUT_FORMATS,
    Prefixed,
    Sniff,
    forced,
    sniff_record,
)
from tracehound.ingest.layouts import get_layout, normalize_sql
from tracehound.ingest.mapping import mappings, table_sql
from tracehound.ingest.rows import Chunk, IngestSummary, load_chunk, read_with_duckdb
from tracehound.schema import get_table
from tracehound.store import Store

FLUSH_EVENTS = 200_000
RAW_TABLES = ("SecurityEvent", "WindowsEvent")
EVENTS_LABEL = "(events)"  # quarantine table_name for records that never became an event
STAGE = "th_ev"
MAPPED = "th_map"

Progress = Callable[[int], None]


@dataclass
class _Stage:
    """Events of one input staged but not yet loaded, and what the file has taught so far."""

    location: str
    layout: str
    rows: int = 0
    calibration: clock.Calibration | None = None
    created: bool = False
    pending: list[tuple[str, str, str]] = field(default_factory=list)


def ingest_paths(
    store: Store,
    paths: Iterable[Path | str],
    input_format: str = "auto",
    table: str | None = None,
    progress: Progress | None = None,
) -> IngestSummary:
    """Ingest files, folders and zip / tar.gz archives under *paths* into *store*.

    *input_format* is ``auto`` (detected per file) or one of :data:`INPUT_FORMATS`; *table*
    names the target for row exports that do not say it themselves. *progress* is called
    with the number of input bytes done. Bad records are quarantined and counted; the
    summary lists rows per table, duplicate events skipped and quarantined records.
    """
    if input_format not in INPUT_FORMATS:
        raise UsageError(
            f"unknown input format {input_format!r}", f"use one of {', '.join(INPUT_FORMATS)}"
        )
    if table is not None:
        table = get_table(table).name
    summary = IngestSummary()
    for item in sources.expand([Path(p) for p in paths]):
        if isinstance(item, sources.Problem):
            _quarantine(
                store, summary, EVENTS_LABEL, [(item.location, item.reason, "")], item.location
            )
        elif isinstance(item, sources.Skipped):
            if item.reason:
                summary.add_note(f"skipped: {item.reason}")
        else:
            _ingest_input(store, item, input_format, table, summary, progress)
        if progress is not None and item.weight:
            progress(item.weight)
    return summary


def _quarantine(
    store: Store, summary: IngestSummary, table: str, bad: list[tuple[str, str, str]], source: str
) -> None:
    store.quarantine([(table, source, loc, reason, text) for loc, reason, text in bad])
    for _loc, reason, _text in bad:
        summary.add_quarantine(reason)


def _ingest_input(
    store: Store,
    item: sources.Input,
    input_format: str,
    table: str | None,
    summary: IngestSummary,
    progress: Progress | None,
) -> None:
    plain = item.weight == item.size and "!" not in item.location
    reader_progress = progress if plain else None
    try:
        head = item.stream.read(HEAD_BYTES)
    except readers.READ_ERRORS as exc:
        _quarantine(
            store,
            summary,
            EVENTS_LABEL,
            [(item.location, f"input cannot be read: {exc}", "")],
            item.location,
        )
        return
    found = forced(input_format, item.name, head)
    stream = Prefixed(head, item.stream)
    summary.files += 1
    if found.kind == "evtx":
        _load_events(
            store,
            readers.evtx_records(stream, item.location, reader_progress),
            "eventxml",
            item.location,
            summary,
        )
    elif found.kind == "events":
        assert found.layout is not None
        chunks = readers.json_lines(stream, item.location, reader_progress)
        _load_events(store, chunks, found.layout, item.location, summary)
    elif found.kind == "document":
        _load_document(store, stream, item, table, summary)
    elif found.kind == "rows":
        _load_rows(store, stream, item, found, table, summary, reader_progress)
    else:
        sample = head[:2000].decode("utf-8", "replace")
        _quarantine(
            store,
            summary,
            EVENTS_LABEL,
            [(item.location, f"unknown layout: {found.reason}", sample)],
            item.location,
        )


# -- Windows events --------------------------------------------------------------------------


def _load_events(
    store: Store, chunks: Iterator[Chunk], layout: str, location: str, summary: IngestSummary
) -> None:
    sql = normalize_sql(get_layout(layout), "th_raw")
    stage = _Stage(location, layout)
    con = store.con
    try:
        for chunk in chunks:
            stage.pending.extend(chunk.bad)
            rows = chunk.lines.num_rows
            if rows:
                con.register("th_raw", chunk.lines)
                try:
                    verb = (
                        f"INSERT INTO {STAGE} "
                        if stage.created
                        else f"CREATE OR REPLACE TEMP TABLE {STAGE} AS "
                    )
                    con.execute(verb + sql)
                finally:
                    con.unregister("th_raw")
                stage.created = True
                stage.rows += rows
            if stage.rows >= FLUSH_EVENTS:
                _flush(store, stage, summary)
        _flush(store, stage, summary)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {STAGE}; DROP TABLE IF EXISTS {MAPPED}")


def _flush(store: Store, stage: _Stage, summary: IngestSummary) -> None:
    """Load the staged events into every mapped table; quarantine the unreadable ones."""
    con = store.con
    bad = list(stage.pending)
    stage.pending.clear()
    if stage.created:
        where = (
            "path"
            if stage.layout != "eventxml" or not stage.location.lower().endswith(".evtx")
            else "record"
        )
        sep = ":" if where == "path" else ": record "
        for line_no, text, reason in con.execute(
            f"SELECT line_no, text, _reason FROM {STAGE} WHERE _reason IS NOT NULL ORDER BY line_no"
        ).fetchall():
            bad.append((f"{stage.location}{sep}{line_no}", reason, text))
        summary.events += stage.rows
        stage.calibration = clock.calibrate(con, STAGE) or stage.calibration
        calibrated, uncertain = clock.apply(con, STAGE, stage.calibration)
        if calibrated:
            summary.add_note(
                "times read from a 12-hour local clock, calibrated against UTC times", calibrated
            )
        if uncertain:
            summary.add_note(
                "times read from a local clock with nothing to calibrate it (kept as written)",
                uncertain,
            )
        for mapping in mappings():
            con.execute(f"CREATE OR REPLACE TEMP TABLE {MAPPED} AS {table_sql(mapping, STAGE)}")
            row = con.execute(f"SELECT count(*) FROM {MAPPED}").fetchone()
            if not row or not row[0]:
                continue
            stats = store.load_staged(mapping.table, MAPPED, stage.location)
            summary.add_inserted(mapping.table, stats.inserted)
            if mapping.table in RAW_TABLES:
                summary.duplicates += stats.duplicates
        con.execute(f"DROP TABLE IF EXISTS {STAGE}")
        stage.created = False
        stage.rows = 0
    _quarantine(store, summary, EVENTS_LABEL, bad, stage.location)


# -- whole JSON documents and table exports ------------------------------------------------------


def _la_response_records(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a Log Analytics query API response (``tables[].columns/rows``) as objects."""
    out: list[dict[str, Any]] = []
    for tab in doc.get("tables", []):
        names = [c.get("name") or c.get("ColumnName") for c in tab.get("columns", [])]
        for row in tab.get("rows", []):
            out.append(dict(zip(names, row, strict=False)))
    return out


def _load_document(
    store: Store,
    stream: readers.ByteStream,
    item: sources.Input,
    table: str | None,
    summary: IngestSummary,
) -> None:
    try:
        doc = json.loads(stream.read())
    except (ValueError, UnicodeDecodeError, EOFError, OSError, zlib.error) as exc:
        _quarantine(
            store,
            summary,
            EVENTS_LABEL,
            [(item.location, f"not valid JSON: {exc}", "")],
            item.location,
        )
        return
    if isinstance(doc, dict) and isinstance(doc.get("tables"), list):
        records = _la_response_records(doc)
    elif isinstance(doc, list):
        records = doc
    else:
        records = [doc]
    if not records:
        summary.add_note("empty JSON documents")
        return
    found = sniff_record(records[0], item.name)
    texts = [json.dumps(r, ensure_ascii=False) for r in records]
    chunks = (
        Chunk(readers._table(list(range(s + 1, s + len(part) + 1)), part), [])
        for s in range(0, len(texts), readers.BATCH_RECORDS)
        for part in [texts[s : s + readers.BATCH_RECORDS]]
    )
    if found.kind == "events" and found.layout is not None:
        _load_events(store, chunks, found.layout, item.location, summary)
    elif found.kind == "rows" or table is not None:
        target = get_table(found.table or table or "")
        for chunk in chunks:
            load_chunk(store, target, chunk, item.location, summary)
    else:
        _quarantine(
            store,
            summary,
            EVENTS_LABEL,
            [(item.location, f"unknown layout: {found.reason}", texts[0][:2000])],
            item.location,
        )


def _load_rows(
    store: Store,
    stream: readers.ByteStream,
    item: sources.Input,
    found: Sniff,
    table: str | None,
    summary: IngestSummary,
    progress: Progress | None,
) -> None:
    name = found.table or table
    if name is None:
        reason = "unknown layout: rows of a table the file does not name (no Type column, no table name in the file name)"
        _quarantine(store, summary, EVENTS_LABEL, [(item.location, reason, "")], item.location)
        summary.add_note("give the table with --table for such files")
        return
    target = get_table(name)
    if found.reason in ("csv", "parquet"):
        suffix = "." + found.reason
        with tempfile.NamedTemporaryFile(suffix=suffix) as spool:
            shutil.copyfileobj(stream, spool)  # type: ignore[misc]
            spool.flush()
            for chunk in read_with_duckdb(store, Path(spool.name), found.reason):
                load_chunk(store, target, chunk, item.location, summary)
        return
    for chunk in readers.json_lines(stream, item.location, progress):
        load_chunk(store, target, chunk, item.location, summary)
