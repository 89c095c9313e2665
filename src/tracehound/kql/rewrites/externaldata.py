"""``externaldata`` read from local files the analyst mapped, or refused.

Offline nothing is fetched. The configuration's ``[query] externaldata`` maps each URL to a
local file; a mapped ``externaldata(cols) [urls] with (format=...)`` becomes a ``datatable``
of the same columns holding the files' records, so the query runs unchanged. An unmapped URL
is refused, naming the URL and the setting to add.

Reading follows Kusto's ingestion formats: ``csv`` (the default), ``tsv``/``tsve``, ``psv``,
``scsv``, ``sohsv`` by position; ``txt`` one line per record into the first column; ``raw``
the whole file into the first column; ``json``/``multijson`` objects matched by column name.
``ignoreFirstRecord=true`` skips each file's first record. A value that does not convert to
its column's type becomes null, as in Kusto ingestion; dynamic columns are carried as JSON
text and parsed back with ``parse_json``. Files over :data:`MAX_CELLS` values are refused
(load them with ``tracehound ingest`` instead).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracehound.backends.quoting import literal
from tracehound.errors import RefusedError, UsageError
from tracehound.kql import syntax
from tracehound.kql.syntax import Edit, Node

if TYPE_CHECKING:
    from tracehound.kql.compat import CompatContext

MAX_CELLS = 200_000
CONFIG_KEY = "[query] externaldata"

#: Delimited formats -> delimiter.
DELIMITERS: dict[str, str] = {
    "csv": ",",
    "tsv": "\t",
    "tsve": "\t",
    "psv": "|",
    "scsv": ";",
    "sohsv": "\x01",
}


def kql_string_value(token: str) -> str | None:
    """The value of a KQL string literal token (``"a\\"b"``, ``@'c:\\x'``, ``h"..."``)."""
    text = token[1:] if token[:1] in "hH" else token
    verbatim = text.startswith("@")
    text = text[1:] if verbatim else text
    if len(text) < 2 or text[0] not in "'\"" or text[-1] != text[0]:
        return None
    quote, body = text[0], text[1:-1]
    if verbatim:
        return body.replace(quote * 2, quote)
    return _unescape(body)


#: KQL string escapes (the character after the backslash -> what it stands for).
ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t"}


def _unescape(body: str) -> str | None:
    out, position = [], 0
    while position < len(body):
        char = body[position]
        if char != "\\":
            out.append(char)
            position += 1
            continue
        escaped = body[position + 1 : position + 2]
        if escaped in ESCAPES:
            out.append(ESCAPES[escaped])
            position += 2
        elif escaped == "u" and len(body) >= position + 6:
            try:
                out.append(chr(int(body[position + 2 : position + 6], 16)))
            except ValueError:
                return None
            position += 6
        else:
            return None
    return "".join(out)


def _records(data: str, fmt: str, columns: list[str]) -> list[list[Any]]:
    if fmt in DELIMITERS:
        reader = csv.reader(io.StringIO(data), delimiter=DELIMITERS[fmt])
        return [list(row) for row in reader if row]
    if fmt == "txt":
        return [[line] for line in data.splitlines()]
    if fmt == "raw":
        return [[data]]
    if fmt in ("json", "multijson"):
        decoder, position = json.JSONDecoder(), 0
        objects: list[list[Any]] = []
        while True:
            while position < len(data) and data[position] in " \t\r\n,[]":
                position += 1
            if position >= len(data):
                return objects
            value, position = decoder.raw_decode(data, position)
            if isinstance(value, dict):
                objects.append([value.get(c) for c in columns])
    raise UsageError(
        f"externaldata format {fmt!r} cannot be read offline",
        f"use one of: {', '.join([*DELIMITERS, 'txt', 'raw', 'json', 'multijson'])}",
    )


def _as_bool(value: Any) -> bool | None:
    text = str(value).strip().lower()
    return {"true": True, "1": True, "false": False, "0": False}.get(text)


def _as_datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).strip())
    except ValueError:
        return None


#: Column type -> conversion of a file value (None when it does not convert).
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "string": lambda v: "" if v is None else v if isinstance(v, str) else json.dumps(v),
    "long": lambda v: int(str(v).strip()),
    "int": lambda v: int(str(v).strip()),
    "real": lambda v: float(str(v).strip()),
    "double": lambda v: float(str(v).strip()),
    "bool": _as_bool,
    "boolean": _as_bool,
    "datetime": _as_datetime,
    "guid": lambda v: str(v).strip(),
}


def _cell(value: Any, kql_type: str) -> str:
    if kql_type == "dynamic":
        text = value if isinstance(value, str) else json.dumps(value)
        return literal(text, "string")
    if value is None:
        return literal(None, "real" if kql_type == "double" else kql_type)
    try:
        converted = CONVERTERS[kql_type](value)
    except (ValueError, TypeError):
        converted = None
    name = {"double": "real", "boolean": "bool"}.get(kql_type, kql_type)
    try:
        return literal(converted, name)
    except UsageError:
        return literal(None, name)


def _declared(kql: str, node: Node) -> list[tuple[str, str]]:
    declared = []
    for column in syntax.find(node, "RowSchemaColumnDeclaration"):
        name = syntax.first(column, "ParameterName")
        kind = syntax.first(column, "ScalarType")
        if name is None or kind is None:
            raise UsageError(
                f"externaldata: cannot read the column declaration {column.getText()!r}"
            )
        declared.append((str(name.getText()), str(kind.getText()).lower()))
    return declared


def _properties(kql: str, node: Node) -> dict[str, str]:
    found = {}
    for prop in syntax.find(node, "ExternalDataWithClauseProperty"):
        name = syntax.first(prop, "ParameterName")
        raw = syntax.text(kql, prop).split("=", 1)[-1].strip()
        value = kql_string_value(raw) if raw[:1] in "\"'@hH" else raw
        if name is not None and value is not None:
            found[str(name.getText()).lower()] = value.lower()
    return found


def literal_value(node: Node) -> str | None:
    """The value of a ``StringLiteralExpression`` (adjacent literals are concatenated)."""
    parts = [kql_string_value(token) for token in syntax.token_texts(node)]
    return None if any(p is None for p in parts) else "".join(p for p in parts if p is not None)


def _urls(node: Node) -> list[str]:
    urls = []
    for child in syntax.children(node):
        if syntax.rule(child) == "StringLiteralExpression":
            value = literal_value(child)
            if value is None:
                raise UsageError(f"externaldata: cannot read the URL {child.getText()!r}")
            urls.append(value)
    return urls


def datatable_for(kql: str, node: Node, mapping: dict[str, Path]) -> str:
    """The ``datatable`` standing in for one ``externaldata`` node; refuses unmapped URLs."""
    declared = _declared(kql, node)
    props = _properties(kql, node)
    urls = _urls(node)
    fmt = props.get("format", "csv")
    skip_first = props.get("ignorefirstrecord", "false") == "true"
    cells: list[str] = []
    names = [name for name, _ in declared]
    for url in urls:
        path = mapping.get(url)
        if path is None:
            raise RefusedError(
                f"externaldata URL not mapped to a local file: {url}",
                f'nothing is fetched offline; map it in the configuration: {CONFIG_KEY} = {{"{url}" = "/path/to/file"}}',
            )
        try:
            data = Path(path).read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise UsageError(
                f"externaldata: cannot read {path} (mapped from {url}): {exc.strerror}",
                f"fix the path in {CONFIG_KEY}",
            ) from exc
        records = _records(data, fmt, names)[1 if skip_first else 0 :]
        if (len(cells) + len(records) * len(declared)) > MAX_CELLS:
            raise RefusedError(
                f"externaldata: {path} holds more than {MAX_CELLS:,} values, too many to inline",
                "load it into the store with `tracehound ingest` and query the table instead",
            )
        for record in records:
            padded = list(record[: len(declared)]) + [None] * (len(declared) - len(record))
            cells.extend(
                _cell(value, kind) for value, (_name, kind) in zip(padded, declared, strict=True)
            )
    schema = ", ".join(
        f"{syntax.quote_name(name)}:{'string' if kind == 'dynamic' else kind}"
        for name, kind in declared
    )
    table = f"datatable({schema})[{', '.join(cells)}]"
    dynamic = [name for name, kind in declared if kind == "dynamic"]
    if dynamic:
        parsed = ", ".join(
            f"{syntax.quote_name(n)} = parse_json({syntax.quote_name(n)})" for n in dynamic
        )
        table = f"({table} | extend {parsed})"
    return table


def _edits(context: CompatContext) -> syntax.EditsFor:
    def edits(kql: str, root: Node) -> Iterator[Edit]:
        for node in syntax.find(root, "ExternalDataExpression"):
            replacement = datatable_for(kql, node, context.externaldata)
            yield Edit(syntax.start(node), syntax.end(node), replacement)

    return edits


def read_mapped_files(kql: str, context: CompatContext) -> str:
    """Every ``externaldata`` becomes a ``datatable`` of its mapped local files."""
    if "externaldata" not in kql:
        return kql
    return syntax.until_stable(kql, _edits(context))
