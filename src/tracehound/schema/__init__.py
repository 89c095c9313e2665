"""Table definitions for the Defender / Sentinel tables the store holds.

The column lists come from the generated :mod:`tracehound.schema.tables`. On top of them every
table gets both time columns (``Timestamp`` for advanced hunting, ``TimeGenerated`` for Log
Analytics) so a query written for either runs unchanged, and four system columns that the
store fills on load:

- ``_RowId``: a stable id per row, cited as evidence and used to skip duplicates on re-ingest;
- ``_IngestedAt``: when the row was loaded (what ``ingestion_time()`` answers locally);
- ``_Source``: where the row came from (a file path, ``lab``, ...);
- ``_Extra``: columns the input had that the schema does not (kept, never dropped).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from tracehound.schema.tables import TABLES

KQL_TO_DUCKDB: dict[str, str] = {
    "string": "VARCHAR",
    "datetime": "TIMESTAMP",
    "int": "INTEGER",
    "long": "BIGINT",
    "real": "DOUBLE",
    "bool": "BOOLEAN",
    "dynamic": "JSON",
    "guid": "VARCHAR",
    "timespan": "INTERVAL",
    "decimal": "DECIMAL(38,18)",
}

TIME_COLUMNS = ("Timestamp", "TimeGenerated")
ROW_ID = "_RowId"
INGESTED_AT = "_IngestedAt"
SOURCE = "_Source"
EXTRA = "_Extra"
SYSTEM_COLUMNS: tuple[tuple[str, str], ...] = (
    (ROW_ID, "string"),
    (INGESTED_AT, "datetime"),
    (SOURCE, "string"),
    (EXTRA, "dynamic"),
)


@dataclass(frozen=True)
class Column:
    """One column: its KQL name and type, and where Microsoft documents it."""

    name: str
    kql_type: str
    origin: str  # "ah", "la", "both", or "tracehound" for columns this project adds

    @property
    def duckdb_type(self) -> str:
        return KQL_TO_DUCKDB[self.kql_type]

    @property
    def is_system(self) -> bool:
        return self.origin == "tracehound" and self.name.startswith("_")


@dataclass(frozen=True)
class Table:
    """A table's full column list, as the store creates it."""

    name: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        """The column called *name*, matched exactly first, then case-insensitively."""
        for col in self.columns:
            if col.name == name:
                return col
        lowered = name.lower()
        for col in self.columns:
            if col.name.lower() == lowered:
                return col
        return None

    @property
    def data_columns(self) -> tuple[Column, ...]:
        """Columns that hold log data (everything but the system columns)."""
        return tuple(c for c in self.columns if not c.is_system)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


class UnknownTableError(KeyError):
    """A table name that is not part of the schema; carries close matches."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        self.name = name
        self.suggestions = suggestions
        hint = f" (did you mean {', '.join(suggestions)}?)" if suggestions else ""
        super().__init__(f"unknown table {name!r}{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


def table_names() -> list[str]:
    """All table names, sorted."""
    return sorted(TABLES)


@cache
def get_table(name: str) -> Table:
    """The definition of *name* (exact, else case-insensitive), or UnknownTableError."""
    import difflib

    key = name if name in TABLES else next((t for t in TABLES if t.lower() == name.lower()), None)
    if key is None:
        raise UnknownTableError(name, difflib.get_close_matches(name, list(TABLES), n=3))
    cols = [Column(n, t, o) for n, t, o in TABLES[key]]
    present = {c.name for c in cols}
    cols.extend(Column(t, "datetime", "tracehound") for t in TIME_COLUMNS if t not in present)
    cols.extend(Column(n, t, "tracehound") for n, t in SYSTEM_COLUMNS)
    return Table(key, tuple(cols))


def all_tables() -> list[Table]:
    return [get_table(n) for n in table_names()]
