"""``ingest --table``: rows already in a table's schema (Defender / Log Analytics exports).

Reads JSON (an array of objects, or one object per line), CSV and Parquet, in chunks so memory
stays bounded. Every record becomes one JSON object text; DuckDB then types it against the
table (see :mod:`tracehound.ingest.typed`). Records that are not JSON objects or hold a value
that cannot be read as its column's type are quarantined with the reason; the rest load.
Row ids are the hash of the record, so loading the same file twice adds nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tracehound.errors import UsageError
from tracehound.ingest.typed import staging_sql
from tracehound.schema import Table, get_table
from tracehound.store import Store

CHUNK_ROWS = 245_760  # two DuckDB row groups: large inserts bypass the WAL
BLOCK_BYTES = 96 * 1024 * 1024  # JSON-lines read per chunk (bounded memory)
ROW_FORMATS = ("json", "jsonl", "csv", "parquet")


@dataclass
class IngestSummary:
    """Totals of one ingest run, printed at the end and returned as JSON."""

    inserted: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    quarantined: int = 0
    files: int = 0
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    events: int = 0  # raw events read (ingest of Windows telemetry)
    notes: dict[str, int] = field(default_factory=dict)  # things done or skipped on purpose

    def add_quarantine(self, reason: str, count: int = 1) -> None:
        self.quarantined += count
        key = reason.split(":", 1)[0] if len(reason) > 60 else reason
        self.quarantine_reasons[key] = self.quarantine_reasons.get(key, 0) + count

    def add_note(self, note: str, count: int = 1) -> None:
        self.notes[note] = self.notes.get(note, 0) + count

    def add_inserted(self, table: str, count: int) -> None:
        self.inserted[table] = self.inserted.get(table, 0) + count

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "events": self.events,
            "inserted": dict(sorted(self.inserted.items())),
            "inserted_total": sum(self.inserted.values()),
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "quarantine_reasons": self.quarantine_reasons,
            "unknown_columns": self.unknown_columns,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Chunk:
    """Up to CHUNK_ROWS records of one file: JSON object texts and the records that were not."""

    lines: pa.Table  # columns line_no (int64), text (string)
    bad: list[tuple[str, str, str]]  # (location, reason, record)


def detect_format(path: Path) -> str:
    suffix = (
        "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    )
    mapping = {
        ".json": "json",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".csv": "csv",
        ".parquet": "parquet",
    }
    fmt = mapping.get(suffix)
    if fmt is None:
        raise UsageError(
            f"{path}: cannot tell the format from the extension {suffix or '(none)'}",
            f"use one of {', '.join(sorted(mapping))}",
        )
    return fmt


def read_json_lines(path: Path) -> Iterator[Chunk]:
    """JSON-lines, or a JSON document holding an array of objects."""
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip()
    if head.startswith(b"["):
        yield from _read_json_array(path)
        return
    first_line = 1
    tail = b""
    with path.open("rb") as fh:
        while True:
            block = fh.read(BLOCK_BYTES)
            lines = (tail + block).split(b"\n")
            tail = lines.pop() if block else b""
            if lines:
                yield _chunk_of(lines, first_line, path)
                first_line += len(lines)
            if not block:
                break


def _chunk_of(lines: list[bytes], first_line: int, path: Path) -> Chunk:
    """Non-empty lines as a (line_no, text) Arrow table; undecodable lines are quarantined."""
    bad: list[tuple[str, str, str]] = []
    try:
        texts = [line.decode("utf-8").strip() for line in lines]
    except UnicodeDecodeError:
        texts = []
        for number, line in enumerate(lines, start=first_line):
            try:
                texts.append(line.decode("utf-8").strip())
            except UnicodeDecodeError as exc:
                bad.append(
                    (
                        f"{path}:{number}",
                        f"not UTF-8 ({exc.reason})",
                        line.decode("utf-8", "replace"),
                    )
                )
                texts.append("")
    numbers = [n for n, text in enumerate(texts, start=first_line) if text]
    return Chunk(_lines(numbers, [text for text in texts if text]), bad)


def _read_json_array(path: Path) -> Iterator[Chunk]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        yield Chunk(_lines([], []), [(str(path), f"not valid JSON: {exc}", "")])
        return
    if not isinstance(data, list):
        yield Chunk(_lines([], []), [(str(path), "expected a JSON array of objects", "")])
        return
    for start in range(0, len(data), CHUNK_ROWS):
        part = data[start : start + CHUNK_ROWS]
        numbers = list(range(start + 1, start + len(part) + 1))
        yield Chunk(_lines(numbers, [json.dumps(r, ensure_ascii=False) for r in part]), [])


def _lines(numbers: list[int], texts: list[str]) -> pa.Table:
    return pa.table(
        {"line_no": pa.array(numbers, pa.int64()), "text": pa.array(texts, pa.string())}
    )


def read_with_duckdb(store: Store, path: Path, fmt: str) -> Iterator[Chunk]:
    """CSV and Parquet through DuckDB's readers, each row turned into a JSON object text."""
    con = store.con.cursor()  # its own cursor: the load runs on store.con while this streams
    if fmt == "csv":
        con.execute("DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans")
        source = "read_csv($path, all_varchar = true, header = true, store_rejects = true)"
    else:
        source = "read_parquet($path)"
    reader = con.sql(
        f"SELECT row_number() OVER () AS line_no, to_json(t)::VARCHAR AS text FROM {source} t",
        params={"path": str(path)},
    ).to_arrow_reader(CHUNK_ROWS)
    for batch in reader:
        yield Chunk(pa.Table.from_batches([batch]), [])
    if fmt == "csv":
        rejects = con.execute("SELECT line, error_message, csv_line FROM reject_errors").fetchall()
        if rejects:
            yield Chunk(
                _lines([], []),
                [
                    (f"{path}:{line}", f"malformed CSV row: {msg}", text or "")
                    for line, msg, text in rejects
                ],
            )


def ingest_rows(
    store: Store, paths: list[Path], table_name: str, summary: IngestSummary | None = None
) -> IngestSummary:
    """Load every file in *paths* into *table_name*; see the module docstring."""
    table = get_table(table_name)
    summary = summary or IngestSummary()
    for path in paths:
        if not path.is_file():
            raise UsageError(f"{path}: no such file", "check the path")
    for path in paths:
        fmt = detect_format(path)
        chunks = (
            read_json_lines(path)
            if fmt in ("json", "jsonl")
            else read_with_duckdb(store, path, fmt)
        )
        for chunk in chunks:
            load_chunk(store, table, chunk, str(path), summary)
        summary.files += 1
    return summary


def load_chunk(
    store: Store, table: Table, chunk: Chunk, source: str, summary: IngestSummary
) -> None:
    """Validate, type, quarantine and load one chunk of JSON object texts."""
    con = store.con
    bad = list(chunk.bad)
    con.register("th_chunk", chunk.lines)
    try:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE th_lines AS SELECT line_no, text, "
            "coalesce(CASE WHEN json_valid(text) THEN json_type(text::JSON) = 'OBJECT' END, false) AS ok "
            "FROM th_chunk"
        )
    finally:
        con.unregister("th_chunk")
    for line_no, text in con.execute("SELECT line_no, text FROM th_lines WHERE NOT ok").fetchall():
        reason = (
            "not valid JSON (truncated or malformed line)"
            if not _is_json(text)
            else "not a JSON object"
        )
        bad.append((f"{source}:{line_no}", reason, text))
    keys = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT unnest(json_keys(text::JSON)) FROM th_lines WHERE ok ORDER BY 1"
        ).fetchall()
    ]
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for key in keys:
        col = table.column(key)
        if col is None or col.is_system:
            unknown.append(key)
        else:
            mapping[key] = col.name
    if unknown:
        known = summary.unknown_columns.setdefault(table.name, [])
        known.extend(k for k in unknown if k not in known)
    sql, params = staging_sql(
        table, mapping, "(SELECT line_no, text FROM th_lines WHERE ok)", keep_unknown=bool(unknown)
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE th_staged AS {sql}", params)
    for line_no, text, reason in con.execute(
        "SELECT s.line_no, l.text, s._reason FROM th_staged s JOIN th_lines l USING (line_no)"
        " WHERE s._reason IS NOT NULL"
    ).fetchall():
        bad.append((f"{source}:{line_no}", reason, text))
    con.execute(
        "CREATE OR REPLACE TEMP VIEW th_good AS SELECT * EXCLUDE (line_no, _reason) FROM th_staged"
        " WHERE _reason IS NULL"
    )
    stats = store.load_staged(table.name, "th_good", source)
    summary.inserted[table.name] = summary.inserted.get(table.name, 0) + stats.inserted
    summary.duplicates += stats.duplicates
    store.quarantine([(table.name, source, loc, reason, text) for loc, reason, text in bad])
    for _loc, reason, _text in bad:
        summary.add_quarantine(reason)
    con.execute(
        "DROP VIEW IF EXISTS th_good; DROP TABLE IF EXISTS th_staged; DROP TABLE IF EXISTS th_lines"
    )


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
