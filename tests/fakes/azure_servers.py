"""Both Azure stand-ins over one store file, for tests that compare the three backends.

Log Analytics: tests/fakes/loganalytics_server.py over real TLS (a trustme CA). Azure Data
Explorer: duckdb-kql's Kusto-compatible server behind the properties shim, plain HTTP on
loopback. Both read *store_path* read-only; the environment they need is returned.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.fakes.kusto_properties_shim import start as start_shim
from tests.fakes.loganalytics_server import LogAnalyticsServer
from tests.fakes.loganalytics_server import start as start_la
from tests.fakes.tls import server_context_and_ca

TOKEN = "test-token-not-a-secret"
WORKSPACE = "11111111-2222-3333-4444-555555555555"


@contextmanager
def log_analytics(
    store_path: Path,
    tls_dir: Path,
    workspaces: set[str] | None = None,
    partial: set[str] | None = None,
) -> Iterator[tuple[LogAnalyticsServer, Path]]:
    """The Log Analytics query API over TLS; yields the server and its CA file."""
    context, ca_file = server_context_and_ca(tls_dir)
    server = start_la(store_path, TOKEN, workspaces or {WORKSPACE}, partial or set(), context)
    try:
        yield server, ca_file
    finally:
        server.shutdown()


@contextmanager
def data_explorer(store_path: Path) -> Iterator[str]:
    """duckdb-kql's Kusto server (behind the shim); yields the cluster URL."""
    import duckdb
    from duckdb_kql.server import KustoRestServer

    con = duckdb.connect(str(store_path), read_only=True)
    con.execute("SET TimeZone='UTC'")
    server = KustoRestServer(con, port=0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    shim = start_shim(server.url)
    try:
        yield shim.url
    finally:
        shim.shutdown()
        server.shutdown()
        con.close()


def environment(la_url: str, ca_file: Path, adx_url: str, store_path: Path) -> dict[str, str]:
    """The variables that point Tracehound's Azure backends at the stand-ins."""
    return {
        "TRACEHOUND_AZURE_TOKEN": TOKEN,
        "TRACEHOUND_CA_BUNDLE": str(ca_file),
        "TRACEHOUND_LA_ENDPOINT": la_url,
        "TRACEHOUND_LA_WORKSPACE": WORKSPACE,
        "TRACEHOUND_ADX_CLUSTER": adx_url,
        "TRACEHOUND_ADX_DATABASE": store_path.stem,
    }
