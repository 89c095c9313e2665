"""``ingest_paths``: raw Windows telemetry (and table exports) into the store's tables.

Per input file: detect the format, stream record texts in Arrow batches into a staging
table in the common event shape (one SQL per batch, see :mod:`tracehound.ingest.layouts`),
then, every :data:`FLUSH_EVENTS` events and at the end of the file, fix local-clock times,
quarantine what could not be read, and load each mapped table through the store's one load
path (row ids are the hash of computer, channel and record id, so re-ingest adds nothing),
then fill the loaded rows' missing InitiatingProcess* columns (:mod:`tracehound.ingest.backfill`).
Memory stays bounded by the block size in Python and by DuckDB's own limit for staging.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracehound.errors import UsageError
from tracehound.ingest import clock, readers, sources
from tracehound.ingest.backfill import run_backfill
from tracehound.ingest.detect import (
    INPUT_FORMATS,
    Prefixed,
    Sniff,
    forced,
    read_head,
    sniff_record,
)
from tracehound.ingest.layouts import get_layout, normalize_sql
from tracehound.ingest.mapping import mappings, table_sql
from tracehound.ingest.rows import Chunk, IngestSummary, load_chunk, read_with_duckdb
from tracehound.schema import get_table
from tracehound.store import Store

FLUSH_EVENTS = 50_000
# DuckDB memory while ingesting (staging spills to disk beyond it); restored afterwards.
MEMORY_LIMIT = "1GB"
RAW_TABLES = ("SecurityEvent", "WindowsEvent")
EVENTS_LABEL = "(events)"  # quarantine table_name for records that never became an event
STAGE = "th_ev"
MAPPED = "th_map"

Progress = Callable[[int], None]


@dataclass
class _Batch:
    """Events staged (from one or more files) but not loaded yet.

    Small files are staged together and loaded in one go: compiling and committing the
    mapping SQL costs more than running it on a few hundred events.
    """

    rows: int = 0
    parts: int = 0  # files staged so far (each file's events carry its number in _part)
    created: bool = False
    pending: list[tuple[str, str, str, str]] = field(default_factory=list)  # + source


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
    batch = _Batch()
    con = store.con
    limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    try:
        _ingest_items(store, paths, input_format, table, summary, progress, batch)
        _flush(store, batch, summary)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {STAGE}; DROP TABLE IF EXISTS {MAPPED}")
        con.execute("SET memory_limit = $limit", {"limit": str(limit)}).fetchall()
    return summary


def _ingest_items(
    store: Store,
    paths: Iterable[Path | str],
    input_format: str,
    table: str | None,
    summary: IngestSummary,
    progress: Progress | None,
    batch: _Batch,
) -> None:
    for item in sources.expand([Path(p) for p in paths]):
        if isinstance(item, sources.Problem):
            _quarantine(
                store, summary, EVENTS_LABEL, [(item.location, item.reason, "")], item.location
            )
        elif isinstance(item, sources.Skipped):
            if item.reason:
                summary.add_note(f"skipped: {item.reason}")
        else:
            _ingest_input(store, item, input_format, table, summary, progress, batch)
        if progress is not None and item.weight:
            progress(item.weight)


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
    batch: _Batch,
) -> None:
    plain = item.weight == item.size and "!" not in item.location
    reader_progress = progress if plain else None
    head, error = read_head(item.stream)
    if not head and error is not None:
        bad = [(item.location, f"input cannot be read: {error}", "")]
        _quarantine(store, summary, EVENTS_LABEL, bad, item.location)
        return
    found = forced(input_format, item.name, head)
    stream = Prefixed(head, item.stream, error)
    summary.files += 1
    if found.kind == "evtx":
        chunks = readers.evtx_records(stream, item.location, reader_progress)
        _stage_events(store, batch, chunks, "eventxml", item.location, summary)
    elif found.kind == "events":
        assert found.layout is not None
        chunks = readers.json_lines(stream, item.location, reader_progress)
        _stage_events(store, batch, chunks, found.layout, item.location, summary)
    elif found.kind == "document":
        _load_document(store, batch, stream, item, table, summary)
    elif found.kind == "rows":
        _load_rows(store, stream, item, found, table, summary, reader_progress)
    else:
        sample = head[:2000].decode("utf-8", "replace")
        bad = [(item.location, f"unknown layout: {found.reason}", sample)]
        _quarantine(store, summary, EVENTS_LABEL, bad, item.location)


# -- Windows events --------------------------------------------------------------------------


def _stage_events(
    store: Store,
    batch: _Batch,
    chunks: Iterator[Chunk],
    layout: str,
    location: str,
    summary: IngestSummary,
) -> None:
    """Stage one file's events; fix their local-clock times; flush when the batch is full."""
    spec = get_layout(layout)
    sql = f"SELECT *, $source AS _Source, $part AS _part FROM ({normalize_sql(spec, 'th_raw')})"
    con = store.con
    batch.parts += 1
    part = batch.parts
    calibration: clock.Calibration | None = None
    for chunk in chunks:
        batch.pending.extend((loc, reason, text, location) for loc, reason, text in chunk.bad)
        if chunk.lines.num_rows:
            con.register("th_raw", chunk.lines)
            try:
                verb = (
                    f"INSERT INTO {STAGE} "
                    if batch.created
                    else f"CREATE OR REPLACE TEMP TABLE {STAGE} AS "
                )
                con.execute(verb + sql, {"source": location, "part": part}).fetchall()
            finally:
                con.unregister("th_raw")
            batch.created = True
            batch.rows += chunk.lines.num_rows
            summary.events += chunk.lines.num_rows
        if batch.rows >= FLUSH_EVENTS:
            if spec.local_clock:
                calibration = _fix_clock(store, part, calibration, summary)
            _flush(store, batch, summary)
    if batch.created and spec.local_clock:  # only layouts with a zone-less local clock
        _fix_clock(store, part, calibration, summary)


def _fix_clock(
    store: Store, part: int, previous: clock.Calibration | None, summary: IngestSummary
) -> clock.Calibration | None:
    calibration = clock.calibrate(store.con, STAGE, part) or previous
    calibrated, uncertain = clock.apply(store.con, STAGE, part, calibration)
    if calibrated:
        summary.add_note(
            "times read from a 12-hour local clock, calibrated against UTC times", calibrated
        )
    if uncertain:
        summary.add_note(
            "times read from a local clock with nothing to calibrate it (kept as written)",
            uncertain,
        )
    return calibration


def _flush(store: Store, batch: _Batch, summary: IngestSummary) -> None:
    """Load the staged events into every mapped table; quarantine the unreadable ones."""
    con = store.con
    bad = list(batch.pending)
    batch.pending.clear()
    if batch.created:
        for source, line_no, text, reason in con.execute(
            f"SELECT _Source, line_no, text, _reason FROM {STAGE} WHERE _reason IS NOT NULL "
            "ORDER BY _part, line_no"
        ).fetchall():
            sep = ": record " if source.lower().endswith(".evtx") else ":"
            bad.append((f"{source}{sep}{line_no}", reason, text, source))
        present = {
            (str(c), int(e))
            for c, e in con.execute(
                f"SELECT DISTINCT lower(Channel), EventID FROM {STAGE} WHERE _reason IS NULL"
            ).fetchall()
        }
        loaded: set[str] = set()
        for mapping in mappings():
            sql = table_sql(mapping, STAGE, present)
            if sql is None:
                continue
            con.execute(f"CREATE OR REPLACE TEMP TABLE {MAPPED} AS {sql}")
            if not con.execute(f"SELECT count(*) FROM {MAPPED}").fetchall()[0][0]:
                continue
            stats = store.load_staged(mapping.table, MAPPED, "(ingest)")
            summary.add_inserted(mapping.table, stats.inserted)
            if stats.inserted:
                loaded.add(mapping.table)
            if mapping.table in RAW_TABLES:
                summary.duplicates += stats.duplicates
        filled = run_backfill(con, STAGE, loaded)
        if filled:
            summary.add_note(
                "rows given their initiating process's command line, parent and account from its "
                "process-creation event",
                filled,
            )
        con.execute(f"DROP TABLE IF EXISTS {STAGE}; DROP TABLE IF EXISTS {MAPPED}")
        batch.created = False
        batch.rows = 0
    store.quarantine([(EVENTS_LABEL, src, loc, reason, text) for loc, reason, text, src in bad])
    for _loc, reason, _text, _src in bad:
        summary.add_quarantine(reason)


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
    batch: _Batch,
    stream: readers.ByteStream,
    item: sources.Input,
    table: str | None,
    summary: IngestSummary,
) -> None:
    try:
        doc = json.loads(stream.read())
    except (ValueError, UnicodeDecodeError, EOFError, OSError, zlib.error, tarfile.TarError) as exc:
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
        _stage_events(store, batch, chunks, found.layout, item.location, summary)
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
