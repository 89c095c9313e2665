"""Input format detection from a file's name and first bytes (or first record).

The answer is a :class:`Sniff`: EVTX, Windows events in one of the JSON layouts, rows of a
known table (Defender / Log Analytics exports: the table comes from the ``Type`` column or
the file name), a whole JSON document (array or Log Analytics query response), or unknown
with the reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tracehound.ingest.layouts import detect_layout, get_layout
from tracehound.ingest.readers import EVTX_MAGIC, READ_ERRORS, ByteStream
from tracehound.schema import table_names

HEAD_BYTES = 1 << 20
INPUT_FORMATS = ("auto", "evtx", "nxlog", "winlogbeat", "eventxml", "rows", "la-response")


@dataclass(frozen=True)
class Sniff:
    """What a file holds: ``kind`` is evtx, events, rows, document or unknown."""

    kind: str
    layout: str | None = None
    table: str | None = None
    reason: str = ""


class Prefixed:
    """A read-only stream that first returns *head*, then the rest of *stream*.

    When reading the head already failed (*error*), the error is raised once the head has
    been returned, so readers keep what came before a truncation and report the rest.
    """

    def __init__(self, head: bytes, stream: ByteStream, error: BaseException | None = None) -> None:
        self._head = head
        self._stream = stream
        self._error = error

    def read(self, size: int = -1, /) -> bytes:
        if self._head:
            if size < 0:
                out, self._head = self._head, b""
                return out if self._error else out + self._stream.read()
            out, self._head = self._head[:size], self._head[size:]
            return out
        if self._error is not None:
            raise self._error
        return self._stream.read(size)


def read_head(stream: ByteStream, size: int = HEAD_BYTES) -> tuple[bytes, BaseException | None]:
    """Up to *size* first bytes of *stream*, and the read error that cut them short, if any."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        try:
            part = stream.read(min(64 << 10, size - got))
        except READ_ERRORS as exc:
            return b"".join(parts), exc
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts), None


def table_for(record: dict[str, Any], file_name: str) -> str | None:
    """The table rows belong to: their ``Type`` column, else a table name the file starts with."""
    known = {n.lower(): n for n in table_names()}
    kind = record.get("Type")
    if isinstance(kind, str) and kind.lower() in known:
        return known[kind.lower()]
    stem = re.split(r"[._\-\s]", file_name.rsplit("/", 1)[-1], maxsplit=1)[0].lower()
    return known.get(stem)


def sniff_record(record: Any, file_name: str) -> Sniff:
    """The format of a file whose first record is *record*."""
    if not isinstance(record, dict):
        return Sniff("unknown", reason="first record is not a JSON object")
    if isinstance(record.get("tables"), list):
        return Sniff("document", reason="la-response")
    layout = detect_layout(record)
    if layout is not None:
        return Sniff("events", layout=layout.name)
    table = table_for(record, file_name)
    if table is not None:
        return Sniff("rows", table=table)
    kind = record.get("Type")
    if isinstance(kind, str):
        return Sniff("unknown", reason=f"rows of table {kind!r}, which is not in the schema")
    keys = ", ".join(sorted(record)[:12])
    return Sniff("unknown", reason=f"JSON records of no known layout (first record has: {keys})")


def sniff(name: str, head: bytes) -> Sniff:
    """Detect the format of a file called *name* starting with *head*."""
    lowered = name.lower()
    if head.startswith(EVTX_MAGIC) or lowered.endswith(".evtx"):
        return Sniff("evtx", layout="eventxml")
    if lowered.endswith(".parquet"):
        return Sniff("rows", reason="parquet")
    if lowered.endswith(".csv"):
        return Sniff("rows", reason="csv")
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"["):
        return Sniff("document")
    if text.startswith(b"{"):
        line = text.split(b"\n", 1)[0]
        try:
            record = json.loads(line)
        except ValueError:
            return Sniff("document")
        return sniff_record(record, name)
    return Sniff("unknown", reason="not EVTX, JSON or another known file type")


def forced(input_format: str, name: str, head: bytes) -> Sniff:
    """The format the user asked for (``--input-format``), checked against the file."""
    if input_format == "auto":
        return sniff(name, head)
    if input_format == "evtx":
        if not head.startswith(EVTX_MAGIC):
            return Sniff(
                "unknown",
                reason="--input-format evtx, but the file does not start like an EVTX file",
            )
        return Sniff("evtx", layout="eventxml")
    if input_format in ("rows", "la-response"):
        found = sniff(name, head)
        if found.kind in ("rows", "document"):
            return found
        return Sniff("rows", reason="csv" if name.lower().endswith(".csv") else "")
    return Sniff("events", layout=get_layout(input_format).name)
