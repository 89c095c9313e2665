"""The embedded store: one DuckDB file holding the Defender / Sentinel tables.

Created and initialized on first use, versioned (``_tracehound_meta.schema_version``) so a
later release can migrate it, opened read-only by commands that only read. Every load goes
through :meth:`Store.load_staged`, which fills both time columns, assigns row ids and skips
rows already stored, so re-ingesting the same input adds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from tracehound.errors import StoreLockedError, TracehoundError, UsageError
from tracehound.schema import (
    EXTRA,
    INGESTED_AT,
    ROW_ID,
    SOURCE,
    Table,
    all_tables,
    get_table,
)

SCHEMA_VERSION = 1
META_TABLE = "_tracehound_meta"
QUARANTINE_TABLE = "_quarantine"

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<prog>.+?) \(PID (?P<pid>\d+)\)")


def quote_ident(name: str) -> str:
    """Quote *name* as a DuckDB identifier (doubling any embedded quote)."""
    return '"' + name.replace('"', '""') + '"'


def create_table_sql(table: Table) -> str:
    cols = ", ".join(f"{quote_ident(c.name)} {c.duckdb_type}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {quote_ident(table.name)} ({cols})"


# Migrations from version N to N+1, run in order inside one transaction each.
MIGRATIONS: dict[int, Callable[[duckdb.DuckDBPyConnection], None]] = {}


@dataclass(frozen=True)
class LoadStats:
    """What one load did: rows inserted, duplicates skipped."""

    table: str
    inserted: int
    duplicates: int


class Store:
    """An open connection to the store file, with the helpers every command needs."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
        self.con = con
        self.path = path
        self.read_only = read_only

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, read_only: bool = False) -> Store:
        """Open (creating and initializing on first use) the store at *path*."""
        path = Path(path)
        if path.exists() and path.is_dir():
            raise UsageError(f"{path} is a directory, not a database file", "pass --db FILE")
        if not path.exists() or not read_only:
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            con = _connect(path, read_only=False)
            store = cls(con, path, read_only=False)
            store.initialize()
            if not read_only:
                return store
            con.close()
        store = cls(_connect(path, read_only=True), path, read_only=True)
        store.check_version()
        return store

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema and versions -------------------------------------------------------------

    def initialize(self) -> None:
        """Create missing tables and migrate an older store to :data:`SCHEMA_VERSION`."""
        con = self.con
        con.execute(
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)"
        )
        version = self.schema_version()
        if version is None:
            with self.transaction():
                for table in all_tables():
                    con.execute(create_table_sql(table))
                con.execute(
                    f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (table_name VARCHAR, source VARCHAR,"
                    " location VARCHAR, reason VARCHAR, record VARCHAR, quarantined_at TIMESTAMP)"
                )
                con.execute(
                    f"INSERT INTO {META_TABLE} VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)]
                )
            return
        if version > SCHEMA_VERSION:
            raise TracehoundError(
                f"{self.path} was written by a newer Tracehound (store version {version}, "
                f"this release reads up to {SCHEMA_VERSION})",
                "upgrade tracehound",
            )
        while version < SCHEMA_VERSION:
            with self.transaction():
                MIGRATIONS[version](con)
                version += 1
                con.execute(
                    f"UPDATE {META_TABLE} SET value = ? WHERE key = 'schema_version'",
                    [str(version)],
                )
        # Tables added to the schema since the store was made are created on open.
        for table in all_tables():
            con.execute(create_table_sql(table))

    def schema_version(self) -> int | None:
        rows = self.con.execute(
            f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'"
        ).fetchall()
        return int(rows[0][0]) if rows else None

    def check_version(self) -> None:
        try:
            version = self.schema_version()
        except duckdb.CatalogException as exc:
            raise TracehoundError(
                f"{self.path} is not a Tracehound store", "pass another --db"
            ) from exc
        if version != SCHEMA_VERSION:
            raise TracehoundError(
                f"{self.path} has store version {version}, this release uses {SCHEMA_VERSION}",
                "run `tracehound init` to migrate it",
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    # -- reading -------------------------------------------------------------------------

    def existing_tables(self) -> list[str]:
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            " AND table_type = 'BASE TABLE'"
            " AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY table_name"
        ).fetchall()
        return [r[0] for r in rows]

    def row_counts(self) -> dict[str, int]:
        """Exact row count per table (DuckDB keeps them in metadata, so this is cheap)."""
        counts: dict[str, int] = {}
        for name in self.existing_tables():
            rows = self.con.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchall()
            counts[name] = int(rows[0][0]) if rows else 0
        return counts

    def kql_schema(self) -> dict[str, list[str]]:
        """Table -> column names, the shape duckdb-kql wants for joins and unions."""
        out: dict[str, list[str]] = {}
        for name, col in self.con.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
        ).fetchall():
            out.setdefault(name, []).append(col)
        return out

    # -- writing -------------------------------------------------------------------------

    def require_writable(self) -> None:
        if self.read_only:
            raise TracehoundError(f"{self.path} is open read-only")

    def load_staged(self, table_name: str, staged: str, source: str) -> LoadStats:
        """Insert rows from the relation or view *staged* into *table_name*.

        *staged* must have columns named as the table's (any subset, already of the right
        types or castable) and ``_RowId``, optionally ``_Source`` (else *source* is used).
        Both time columns are filled from whichever one is present; rows whose ``_RowId`` is
        already stored, or repeated within *staged*, are skipped and counted as duplicates.
        """
        self.require_writable()
        table = get_table(table_name)
        staged_cols = {
            r[0] for r in self.con.execute(f"DESCRIBE SELECT * FROM {staged}").fetchall()
        }
        if ROW_ID not in staged_cols:
            raise TracehoundError(f"internal: staged rows for {table.name} have no {ROW_ID}")
        select: list[str] = []
        for col in table.columns:
            if col.name in ("Timestamp", "TimeGenerated"):
                other = "TimeGenerated" if col.name == "Timestamp" else "Timestamp"
                parts = [quote_ident(n) for n in (col.name, other) if n in staged_cols]
                expr = f"coalesce({', '.join(parts)})" if parts else "NULL"
            elif col.name == INGESTED_AT:
                expr = "now()::TIMESTAMP"
            elif col.name == SOURCE:  # a staged _Source (rows of several files) wins
                expr = f"coalesce({quote_ident(SOURCE)}, ?)" if SOURCE in staged_cols else "?"
            elif col.name in staged_cols:
                expr = quote_ident(col.name)
            else:
                expr = "NULL"
            select.append(f"CAST({expr} AS {col.duckdb_type})")
        target = quote_ident(table.name)
        row_id = quote_ident(ROW_ID)
        before = self._count(f"SELECT count(*) FROM {staged}")
        with self.transaction():
            inserted = self._count(
                f"INSERT INTO {target} SELECT {', '.join(select)} FROM "
                f"(SELECT * FROM {staged} QUALIFY row_number() OVER (PARTITION BY {row_id}) = 1) s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE t.{row_id} = s.{row_id})",
                [source],
            )
        return LoadStats(table.name, inserted, before - inserted)

    def _count(self, sql: str, params: list[Any] | None = None) -> int:
        # fetchall, never fetchone: DuckDB 2 keeps a half-read result open and refuses the next query
        rows = self.con.execute(sql, params or []).fetchall()
        return int(rows[0][0]) if rows else 0

    def insert_many(
        self, table: str, columns: list[str], rows: list[tuple[Any, ...]], replace: bool = False
    ) -> None:
        """Insert *rows* (tuples in *columns* order) in one statement through Arrow.

        DuckDB's ``executemany`` runs one statement per row: tens of thousands of alerts took
        minutes; one ``INSERT ... SELECT`` over an Arrow table takes milliseconds.
        """
        if not rows:
            return
        import pyarrow as pa

        data = pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)})
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        self.con.register("th_insert_many", data)
        try:
            names = ", ".join(quote_ident(c) for c in columns)
            self.con.execute(f"{verb} INTO {table} ({names}) SELECT {names} FROM th_insert_many")
        finally:
            self.con.unregister("th_insert_many")

    def quarantine(self, rows: list[tuple[str, str, str, str, str]]) -> None:
        """Keep records that could not be loaded: (table, source, location, reason, record)."""
        if not rows:
            return
        self.require_writable()
        self.con.executemany(
            f"INSERT INTO {QUARANTINE_TABLE} VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)", rows
        )

    def delete_source(self, source_prefix: str) -> int:
        """Remove every row whose ``_Source`` starts with *source_prefix* (lab re-seeding)."""
        self.require_writable()
        removed = 0
        with self.transaction():
            for name in self.existing_tables():
                t = quote_ident(name)
                removed += self._count(
                    f"SELECT count(*) FROM {t} WHERE starts_with({quote_ident(SOURCE)}, ?)",
                    [source_prefix],
                )
                self.con.execute(
                    f"DELETE FROM {t} WHERE starts_with({quote_ident(SOURCE)}, ?)", [source_prefix]
                )
        return removed


#: DuckDB parser nesting limit for this store's connections (default 1,000).
MAX_EXPRESSION_DEPTH = 4_000


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        text = str(exc)
        match = _LOCK_HOLDER.search(text)
        if match:
            raise StoreLockedError(
                f"{path} is locked by {match['prog']} (PID {match['pid']})",
                "wait for that process to finish, or use another --db",
            ) from exc
        raise TracehoundError(f"cannot open {path}: {text}") from exc
    except duckdb.Error as exc:
        raise TracehoundError(f"cannot open {path}: {exc}", "is it a DuckDB file?") from exc
    con.execute("SET TimeZone='UTC'")
    # duckdb-kql writes an n-way `or` as n nested parentheses; SigmaHQ rules with hundreds of
    # alternatives pass DuckDB's default parser depth of 1,000.
    con.execute(f"SET max_expression_depth TO {MAX_EXPRESSION_DEPTH}")
    return con


__all__ = ["EXTRA", "LoadStats", "Store", "create_table_sql", "quote_ident"]
