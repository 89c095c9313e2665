"""Readers: raw record texts from a byte stream, in Arrow batches, never parsed in Python.

JSON-lines are split in blocks of bytes; EVTX records come from the Rust ``evtx`` parser as
the event XML rendered to JSON. Each batch is a :class:`tracehound.ingest.rows.Chunk`
(``line_no``, ``text``) plus the records that could not be read at all, with the reason.
DuckDB does the parsing and mapping afterwards.
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pyarrow as pa

from tracehound.ingest.rows import Chunk

BLOCK_BYTES = 8 << 20
BATCH_RECORDS = 20_000
EVTX_MAGIC = b"ElfFile\x00"
# Errors a stream raises when its archive or compression is cut short.
READ_ERRORS: tuple[type[BaseException], ...] = (EOFError, OSError, zlib.error, tarfile.TarError)

Progress = Callable[[int], None]


class ByteStream(Protocol):
    """Anything with ``read(size)`` returning bytes: files, archive members, prefixed streams."""

    def read(self, size: int = -1, /) -> bytes: ...


def _table(numbers: list[int], texts: list[str]) -> pa.Table:
    return pa.table(
        {"line_no": pa.array(numbers, pa.int64()), "text": pa.array(texts, pa.string())}
    )


def _decode_lines(
    raw: list[bytes], first_no: int, location: str
) -> tuple[list[int], list[str], list[tuple[str, str, str]]]:
    numbers: list[int] = []
    texts: list[str] = []
    bad: list[tuple[str, str, str]] = []
    for offset, line in enumerate(raw):
        number = first_no + offset
        try:
            text = line.decode("utf-8").strip()
        except UnicodeDecodeError as exc:
            bad.append(
                (
                    f"{location}:{number}",
                    f"not UTF-8 ({exc.reason})",
                    line.decode("utf-8", "replace"),
                )
            )
            continue
        if text:
            numbers.append(number)
            texts.append(text)
    return numbers, texts, bad


def json_lines(
    stream: ByteStream, location: str, progress: Progress | None = None
) -> Iterator[Chunk]:
    """Batches of non-empty lines of a JSON-lines stream, numbered from 1.

    A stream that fails mid-way (a truncated archive member) ends with one quarantine record
    naming the last line read.
    """
    carry = b""
    line_no = 1
    first = True
    while True:
        try:
            block = stream.read(BLOCK_BYTES)
        except READ_ERRORS as exc:
            tail = carry.decode("utf-8", "replace")[:4096]
            reason = f"input ends early (truncated): {exc}"
            yield Chunk(_table([], []), [(f"{location}:{line_no}", reason, tail)])
            return
        if progress is not None:
            progress(len(block))
        if first:
            block = block.removeprefix(b"\xef\xbb\xbf")
            first = False
        if not block:
            break
        parts = (carry + block).split(b"\n")
        carry = parts.pop()
        numbers, texts, bad = _decode_lines(parts, line_no, location)
        line_no += len(parts)
        yield Chunk(_table(numbers, texts), bad)
    if carry.strip():
        numbers, texts, bad = _decode_lines([carry], line_no, location)
        yield Chunk(_table(numbers, texts), bad)


def json_document_records(stream: ByteStream, location: str) -> Iterator[Chunk]:
    """A JSON document holding an array of objects (read whole), as one-object-per-line texts."""
    try:
        data = json.loads(stream.read())
    except (ValueError, UnicodeDecodeError, EOFError, OSError, zlib.error, tarfile.TarError) as exc:
        yield Chunk(_table([], []), [(location, f"not valid JSON: {exc}", "")])
        return
    if not isinstance(data, list):
        data = [data]
    for start in range(0, len(data), BATCH_RECORDS):
        part = data[start : start + BATCH_RECORDS]
        numbers = list(range(start + 1, start + len(part) + 1))
        yield Chunk(_table(numbers, [json.dumps(r, ensure_ascii=False) for r in part]), [])


def evtx_records(
    stream: ByteStream, location: str, progress: Progress | None = None
) -> Iterator[Chunk]:
    """Records of an EVTX file rendered as JSON; unreadable chunks quarantined, the rest read.

    The parser needs random access, so an archive member is first spooled to a temporary file.
    """
    import evtx  # Rust-backed; imported here so JSON-only runs do not load it

    with tempfile.SpooledTemporaryFile(max_size=64 << 20) as spool:
        try:
            shutil.copyfileobj(stream, spool, BLOCK_BYTES)  # type: ignore[misc]
        except READ_ERRORS as exc:
            yield Chunk(_table([], []), [(location, f"input ends early (truncated): {exc}", "")])
        if progress is not None:
            progress(spool.tell())
        spool.seek(0)
        try:
            parser = evtx.PyEvtxParser(spool)
        except (RuntimeError, OSError, ValueError) as exc:
            yield Chunk(_table([], []), [(location, f"not a readable EVTX file: {exc}", "")])
            return
        yield from _evtx_batches(iter(parser.records_json()), location)  # type: ignore[arg-type]


def _evtx_batches(records: Iterator[dict[str, Any]], location: str) -> Iterator[Chunk]:
    numbers: list[int] = []
    texts: list[str] = []
    bad: list[tuple[str, str, str]] = []
    last = 0
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except RuntimeError as exc:  # the parser reports a corrupt chunk or record and goes on
            bad.append((f"{location}: after record {last}", f"corrupt EVTX data: {exc}", ""))
            continue
        last = int(record["event_record_id"])
        numbers.append(last)
        texts.append(record["data"])
        if len(texts) >= BATCH_RECORDS:
            yield Chunk(_table(numbers, texts), bad)
            numbers, texts, bad = [], [], []
    if texts or bad:
        yield Chunk(_table(numbers, texts), bad)
