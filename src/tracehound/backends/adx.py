"""Azure Data Explorer through the official ``azure-kusto-data`` client (imported lazily).

Declared query parameters travel as Kusto request parameters (``ClientRequestProperties``),
never as text. A plain-HTTP loopback cluster URL (a local Kusto-compatible server such as
``duckdb-kql serve``) is accepted without authentication unless a token is configured; any
other cluster must be HTTPS.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse

from tracehound.backends.azure_auth import (
    ca_bundle,
    credential,
    explain_auth_failure,
    require_azure,
    static_token,
)
from tracehound.backends.base import QueryResult, TimeWindow
from tracehound.backends.quoting import literal
from tracehound.backends.tabular import kql_type_name, to_arrow
from tracehound.errors import TracehoundError, UsageError
from tracehound.kql.guard import ensure_tabular_query
from tracehound.render import format_timespan

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class AdxBackend:
    """KQL on one database of an Azure Data Explorer cluster."""

    name = "adx"

    def __init__(self, cluster: str, database: str) -> None:
        if not cluster or not database:
            raise UsageError(
                "no Azure Data Explorer cluster/database configured",
                "set TRACEHOUND_ADX_CLUSTER and TRACEHOUND_ADX_DATABASE",
            )
        require_azure("azure.kusto.data")
        from azure.kusto.data import KustoClient, KustoConnectionStringBuilder

        parsed = urlparse(cluster)
        token = static_token()
        if parsed.scheme == "http":
            if parsed.hostname not in _LOOPBACK:
                raise UsageError(
                    f"plain-HTTP cluster URL {cluster} refused: only loopback servers may skip TLS",
                    "use the cluster's https:// URL",
                )
            kcsb = (
                KustoConnectionStringBuilder.with_aad_application_token_authentication(
                    cluster, token
                )
                if token
                else KustoConnectionStringBuilder.with_no_authentication(cluster)
            )
        elif parsed.scheme == "https":
            kcsb = (
                KustoConnectionStringBuilder.with_aad_application_token_authentication(
                    cluster, token
                )
                if token
                else KustoConnectionStringBuilder.with_azure_token_credential(cluster, credential())
            )
        else:
            raise UsageError(
                f"{cluster!r} is not a cluster URL",
                "e.g. https://mycluster.westeurope.kusto.windows.net",
            )
        self.cluster = cluster
        self.database = database
        self._client = KustoClient(kcsb)
        bundle = ca_bundle()
        if bundle:
            self._client._session.verify = bundle  # the client's requests session; no public knob

    def explain(self, kql: str, parameters: dict[str, Any] | None = None) -> str:
        ensure_tabular_query(kql)
        return kql

    def query(
        self,
        kql: str,
        parameters: dict[str, Any] | None = None,
        window: TimeWindow | None = None,
        limit: int | None = None,
        timeout: float | None = None,
        row_filter_of: tuple[str, ...] = (),  # a local-store hint, not needed here
    ) -> QueryResult:
        from azure.kusto.data import ClientRequestProperties
        from azure.kusto.data.exceptions import KustoApiError, KustoServiceError

        started = time.perf_counter()
        text = self.explain(kql, parameters)
        if window is not None and (window.start or window.end):
            text = _windowed(text, window)
        if limit is not None:
            text = f"{text}\n| take {int(limit) + 1}"
        properties = ClientRequestProperties()  # type: ignore[no-untyped-call]
        for name, value in (parameters or {}).items():
            properties.set_parameter(name, _parameter_text(value))
        if timeout:
            properties.set_option("servertimeout", timedelta(seconds=timeout))
        try:
            response = self._client.execute_query(self.database, text, properties)
        except KustoApiError as exc:
            raise TracehoundError(
                f"Azure Data Explorer refused the query: {exc.get_api_error().description}"
            ) from exc
        except KustoServiceError as exc:
            status = getattr(getattr(exc, "http_response", None), "status_code", None)
            raise explain_auth_failure(
                status, "Azure Data Explorer", str(exc).splitlines()[0]
            ) from exc
        primary = response.primary_results[0]
        names = [c.column_name for c in primary.columns]
        types = [kql_type_name(c.column_type) for c in primary.columns]
        rows = [list(row) for row in primary.raw_rows]
        table = to_arrow(names, types, rows)
        truncated = limit is not None and table.num_rows > limit
        if truncated and limit is not None:
            table = table.slice(0, limit)
        return QueryResult(
            table=table,
            column_types=tuple(types),
            kql=kql,
            backend=self.name,
            truncated=truncated,
            executed=text,
            elapsed_seconds=time.perf_counter() - started,
        )

    def tables(self) -> dict[str, int | None]:
        """Table names of the database (row counts are not cheap on a cluster: None)."""
        response = self._client.execute_mgmt(self.database, ".show tables")
        return {str(row["TableName"]): None for row in response.primary_results[0]}

    def columns(self, table: str) -> list[tuple[str, str]]:
        import re

        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table):
            raise UsageError(f"{table!r} is not a table name")
        result = self.query(f"{table} | getschema | project ColumnName, ColumnType")
        return [(r["ColumnName"], kql_type_name(r["ColumnType"])) for r in result.table.to_pylist()]


def _windowed(kql: str, window: TimeWindow) -> str:
    """*kql* with its output restricted to the window (bounds rendered as typed literals)."""
    clauses = []
    if window.start is not None:
        clauses.append(f"TimeGenerated >= {literal(window.start, 'datetime')}")
    if window.end is not None:
        clauses.append(f"TimeGenerated < {literal(window.end, 'datetime')}")
    return f"{kql}\n| where {' and '.join(clauses)}"


def _parameter_text(value: Any) -> str:
    """A request parameter value as Kusto parses it for the declared type."""
    if isinstance(value, datetime):
        return (
            value.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if value.tzinfo is None else value.isoformat()
        )
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, timedelta):
        return format_timespan(value)
    return str(value)
