"""The embedded backend: KQL through duckdb-kql on the DuckDB store."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime
from typing import Any

from tracehound.backends.base import QueryResult, TimeWindow
from tracehound.kql.compat import CompatContext, fetch_rows, output_columns
from tracehound.kql.engine import Translation, execute, translate
from tracehound.kql.typefold import fold_type_dispatch
from tracehound.schema import get_table
from tracehound.store import Store, quote_ident

TRANSLATION_CACHE_SIZE = 512


class LocalBackend:
    """Runs KQL on an open :class:`Store`; the schema is read once per backend.

    Translations are cached per backend (the schema cannot change under it): detections and
    hunts run the same queries again and again, and translating costs 5-30 ms per query.
    """

    name = "local"

    def __init__(self, store: Store, context: CompatContext | None = None) -> None:
        self.store = store
        self._cache: OrderedDict[tuple[Any, ...], Translation] = OrderedDict()
        self._schema = store.kql_schema()
        self._context = context or CompatContext(schema=self._schema)
        if not self._context.schema:
            self._context = CompatContext(
                schema=self._schema, externaldata=self._context.externaldata
            )
        if self._context.describe is None:
            self._context = replace(self._context, describe=self._output_columns)
        if self._context.fetch is None:
            self._context = replace(self._context, fetch=self._fetch)
        self._fetches = 0
        self._stored_types: dict[str, dict[str, str]] | None = None

    def _sql_of(self, text: str) -> tuple[str, dict[str, Any]]:
        translation = self.translate(text)
        return translation.sql, translation.parameters

    def _fetch(self, kql: str, sql: str) -> list[tuple[Any, ...]] | None:
        """Rows over *kql*'s result (bag_unpack / pivot columns come from the data).

        Counted, so a translation that read the data is not cached: the data can change.
        """
        self._fetches += 1
        return fetch_rows(self.store.con, self._sql_of, kql, sql)

    def _output_columns(self, kql: str) -> list[str] | None:
        """Columns *kql* returns on this store (project-reorder and FileProfile need them)."""
        return output_columns(self.store.con, self._sql_of, kql)

    def tables(self) -> dict[str, int | None]:
        return dict(self.store.row_counts())

    def columns(self, table: str) -> list[tuple[str, str]]:
        return [(c.name, c.kql_type) for c in get_table(table).columns]

    def translate(
        self,
        kql: str,
        parameters: dict[str, Any] | None = None,
        now: datetime | None = None,
        row_filter_of: tuple[str, ...] = (),
    ) -> Translation:
        key = _cache_key(kql, parameters, now, row_filter_of)
        if key is None:
            return self._translate(kql, parameters, now, row_filter_of)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        fetches = self._fetches
        translation = self._translate(kql, parameters, now, row_filter_of)
        if self._fetches != fetches:
            return translation
        self._cache[key] = translation
        if len(self._cache) > TRANSLATION_CACHE_SIZE:
            self._cache.popitem(last=False)
        return translation

    def _translate(
        self,
        kql: str,
        parameters: dict[str, Any] | None,
        now: datetime | None,
        row_filter_of: tuple[str, ...],
    ) -> Translation:
        translation = translate(kql, self._schema, parameters, self._context, now)
        if not row_filter_of:
            return translation
        sql = fold_type_dispatch(translation.sql, self._column_types(row_filter_of))
        return replace(translation, sql=sql)

    def _column_types(self, tables: tuple[str, ...]) -> dict[str, str]:
        """Stored type of each column name the *tables* agree on (names they disagree on left out)."""
        if self._stored_types is None:
            stored: dict[str, dict[str, str]] = {}
            rows = self.store.con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'main'"
            ).fetchall()
            for table, column, kind in rows:
                stored.setdefault(str(table), {})[str(column)] = str(kind)
            self._stored_types = stored
        merged: dict[str, str] = {}
        conflicting: set[str] = set()
        for table in tables:
            for column, kind in self._stored_types.get(table, {}).items():
                if merged.setdefault(column, kind) != kind:
                    conflicting.add(column)
        return {c: k for c, k in merged.items() if c not in conflicting}

    def explain(self, kql: str, parameters: dict[str, Any] | None = None) -> str:
        return self.translate(kql, parameters).sql

    def query(
        self,
        kql: str,
        parameters: dict[str, Any] | None = None,
        window: TimeWindow | None = None,
        limit: int | None = None,
        timeout: float | None = None,
        row_filter_of: tuple[str, ...] = (),
    ) -> QueryResult:
        """Run *kql*; ``row_filter_of`` names the tables whose rows the query only filters.

        That is a promise that no column name is rebound (``where`` clauses, plus new columns
        of new names), which lets type dispatch be folded at translation (kql/typefold.py).
        """
        started = time.perf_counter()
        translation = self.translate(kql, parameters, row_filter_of=row_filter_of)
        messages: tuple[str, ...] = ()
        if window is not None and (window.start or window.end):
            translation, messages = self._restrict_to_window(translation, window)
        table, types, truncated = execute(self.store.con, translation, limit)
        return QueryResult(
            table=table,
            column_types=tuple(types),
            kql=kql,
            backend=self.name,
            truncated=truncated,
            executed=translation.sql,
            elapsed_seconds=time.perf_counter() - started,
            messages=messages,
        )

    def _restrict_to_window(
        self, translation: Translation, window: TimeWindow
    ) -> tuple[Translation, tuple[str, ...]]:
        """Filter the output on its time column, as Log Analytics' ``timespan`` does.

        Log Analytics applies the timespan to the tables a query reads; locally the closest
        faithful equivalent is to filter output rows on ``TimeGenerated`` / ``Timestamp``.
        A result with neither column is left whole and the caller is told so.
        """
        described = self.store.con.execute(
            f"DESCRIBE {translation.sql}", translation.parameters or None
        ).fetchall()
        names = {row[0] for row in described}
        time_cols = [quote_ident(c) for c in ("TimeGenerated", "Timestamp") if c in names]
        if not time_cols:
            return translation, ("the time window was not applied: the result has no time column",)
        moment = f"coalesce({', '.join(time_cols)})" if len(time_cols) > 1 else time_cols[0]
        params = dict(translation.parameters)
        clauses = []
        if window.start is not None:
            params["th_window_start"] = window.start
            clauses.append(f"{moment} >= $th_window_start")
        if window.end is not None:
            params["th_window_end"] = window.end
            clauses.append(f"{moment} < $th_window_end")
        sql = f"SELECT * FROM ({translation.sql}) WHERE {' AND '.join(clauses)}"
        return Translation(translation.kql, translation.rewritten, sql, params), ()


def _cache_key(
    kql: str, parameters: dict[str, Any] | None, now: datetime | None, tables: tuple[str, ...]
) -> tuple[Any, ...] | None:
    """A hashable key, or None when a parameter value cannot be one (then nothing is cached)."""
    items = tuple(sorted((parameters or {}).items()))
    key = (kql, items, now, tables)
    try:
        hash(key)
    except TypeError:
        return None
    return key
