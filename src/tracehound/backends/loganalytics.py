"""Azure Log Analytics through the official ``azure-monitor-query`` client (imported lazily).

One or more workspaces; the time window is sent as the API's ``timespan``; a partial answer is
returned with ``status="partial"`` and the service's message, never silently. Declared query
parameters are inlined as typed literals (the API has no parameters; see ``quoting.py``).
Queries whose rows are independent can be split by time and run concurrently.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from tracehound.backends.azure_auth import (
    ca_bundle,
    credential,
    explain_auth_failure,
    require_azure,
)
from tracehound.backends.base import QueryResult, TimeWindow
from tracehound.backends.quoting import inline_parameters
from tracehound.backends.tabular import kql_type_name, to_arrow
from tracehound.errors import TracehoundError, UsageError
from tracehound.kql.guard import ensure_tabular_query
from tracehound.schema import table_names

DEFAULT_ENDPOINT = "https://api.loganalytics.io"
_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"


class LogAnalyticsBackend:
    """KQL on one or more Log Analytics workspaces."""

    name = "loganalytics"

    def __init__(
        self,
        workspaces: list[str],
        endpoint: str | None = None,
        max_concurrency: int = 4,
        server_timeout: int = 180,
    ) -> None:
        if not workspaces:
            raise UsageError(
                "no Log Analytics workspace configured",
                "set TRACEHOUND_LA_WORKSPACE (comma-separated ids) or [backend] workspaces",
            )
        require_azure("azure.monitor.query")
        from azure.monitor.query import LogsQueryClient

        self.workspaces = workspaces
        self.endpoint = endpoint or DEFAULT_ENDPOINT
        self.max_concurrency = max_concurrency
        self.server_timeout = server_timeout
        options: dict[str, Any] = {"endpoint": self.endpoint}
        bundle = ca_bundle()
        if bundle:
            options["connection_verify"] = bundle
        self._client = LogsQueryClient(credential(), **options)
        self._tables: dict[str, int | None] | None = None

    # -- LogBackend ----------------------------------------------------------------------

    def explain(self, kql: str, parameters: dict[str, Any] | None = None) -> str:
        ensure_tabular_query(kql)
        return inline_parameters(kql, parameters)

    def query(
        self,
        kql: str,
        parameters: dict[str, Any] | None = None,
        window: TimeWindow | None = None,
        limit: int | None = None,
        timeout: float | None = None,
        row_filter_of: tuple[str, ...] = (),  # a local-store hint, not needed here
        split: timedelta | None = None,
    ) -> QueryResult:
        """Run *kql*; with *split*, run one query per slice of *window* concurrently.

        Splitting is only correct for queries whose rows do not depend on each other (filters
        and projections, not aggregations): the caller decides.
        """
        started = time.perf_counter()
        text = self.explain(kql, parameters)
        if limit is not None:
            text = f"{text}\n| take {int(limit) + 1}"
        slices = _slices(window, split)
        with ThreadPoolExecutor(max_workers=max(1, min(self.max_concurrency, len(slices)))) as pool:
            parts = list(pool.map(lambda span: self._run(text, span, timeout), slices))
        tables = [p[0] for p in parts]
        types = parts[0][1]
        messages = tuple(m for p in parts for m in p[2])
        table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        truncated = limit is not None and table.num_rows > limit
        if truncated and limit is not None:
            table = table.slice(0, limit)
        return QueryResult(
            table=table,
            column_types=tuple(types),
            kql=kql,
            backend=self.name,
            status="partial" if messages else "complete",
            truncated=truncated,
            executed=text,
            elapsed_seconds=time.perf_counter() - started,
            messages=messages,
        )

    def tables(self) -> dict[str, int | None]:
        """Row counts of the catalog's tables the workspaces hold (asked once per backend).

        One fuzzy union of per-table counts: a table the workspace lacks is left out rather
        than failing the query, and no column is read, so tables whose columns differ only in
        case (``IPAddress`` / ``IpAddress``) never meet in one schema.
        """
        if self._tables is None:
            legs = ", ".join(
                f'({name} | summarize n = count() | extend TableName = "{name}")'
                for name in table_names()
            )
            result = self.query(f"union isfuzzy=true {legs}")
            self._tables = {row["TableName"]: row["n"] for row in result.table.to_pylist()}
        return dict(self._tables)

    def columns(self, table: str) -> list[tuple[str, str]]:
        import re

        if not re.fullmatch(_IDENTIFIER, table):
            raise UsageError(f"{table!r} is not a table name")
        result = self.query(f"{table} | getschema | project ColumnName, ColumnType")
        return [(r["ColumnName"], kql_type_name(r["ColumnType"])) for r in result.table.to_pylist()]

    # -- internals -----------------------------------------------------------------------

    def _run(
        self, text: str, span: tuple[datetime, datetime] | None, timeout: float | None
    ) -> tuple[pa.Table, list[str], list[str]]:
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError
        from azure.monitor.query import LogsQueryStatus

        try:
            response = self._client.query_workspace(
                self.workspaces[0],
                text,
                timespan=span,
                server_timeout=int(timeout or self.server_timeout),
                additional_workspaces=self.workspaces[1:] or None,
            )
        except ClientAuthenticationError as exc:
            raise explain_auth_failure(401, "Log Analytics", exc.message) from exc
        except HttpResponseError as exc:
            raise explain_auth_failure(
                exc.status_code, "Log Analytics", _first_line(exc.message)
            ) from exc
        messages: list[str] = []
        if response.status == LogsQueryStatus.PARTIAL:
            error = response.partial_error
            details = "; ".join(
                str(d.get("message", d)) for d in (getattr(error, "details", None) or [])
            )
            text = getattr(error, "message", str(error)) + (f" ({details})" if details else "")
            messages.append(f"partial result from Log Analytics: {text}")
            tables = response.partial_data
        else:
            tables = response.tables
        if not tables:
            raise TracehoundError("Log Analytics returned no result table")
        primary = tables[0]
        types = [kql_type_name(t) for t in primary.columns_types]
        return (
            to_arrow(primary.columns, types, [list(row) for row in primary.rows]),
            types,
            messages,
        )


def _slices(
    window: TimeWindow | None, split: timedelta | None
) -> list[tuple[datetime, datetime] | None]:
    if window is None or window.start is None:
        return (
            [None]
            if window is None or window.end is None
            else [(datetime(1970, 1, 1, tzinfo=UTC), window.end)]
        )
    end = window.end or datetime.now(UTC)
    start = window.start
    if split is None or split <= timedelta(0):
        return [(start, end)]
    spans: list[tuple[datetime, datetime] | None] = []
    while start < end:
        spans.append((start, min(start + split, end)))
        start += split
    return spans


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else "request failed"
