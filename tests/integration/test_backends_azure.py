"""The same KQL on the embedded store, Log Analytics and Azure Data Explorer.

Log Analytics: the real ``azure-monitor-query`` client over real TLS against a local server
implementing the query API (tests/fakes/loganalytics_server.py), backed by the embedded store.
Azure Data Explorer: the real ``azure-kusto-data`` client against duckdb-kql's Kusto-compatible
local server, over plain HTTP on loopback. No Azure service is reached.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.fakes.azure_servers import WORKSPACE, data_explorer, environment, log_analytics
from tracehound.backends.base import TimeWindow
from tracehound.ingest.rows import ingest_rows
from tracehound.store import Store

PARTIAL_WORKSPACE = "99999999-2222-3333-4444-555555555555"

QUERIES = [
    "SigninLogs | project TimeGenerated, UserPrincipalName, AppDisplayName, Location, LocationDetails, IsInteractive"
    " | order by TimeGenerated asc, UserPrincipalName asc | take 20",
    "SigninLogs | summarize n = count(), first_seen = min(TimeGenerated) by Location | order by Location asc",
    "DeviceProcessEvents | where FileName in~ ('SC.EXE', 'svchost.exe') | summarize n = count() by FileName, AccountSid"
    " | order by n desc, FileName asc",
]


@pytest.fixture(scope="module")
def store_path(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("backends") / "lab.duckdb"
    with Store.open(path) as store:
        ingest_rows(store, [shared / "datasets/msticpy/SigninLogs_aad_logons.jsonl"], "SigninLogs")
        ingest_rows(
            store,
            [shared / "datasets/msticpy/DeviceProcessEvents_mde_proc_pub.jsonl"],
            "DeviceProcessEvents",
        )
    return path


@pytest.fixture(scope="module")
def la_server(
    store_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, object]]:
    tls_dir = tmp_path_factory.mktemp("tls")
    with log_analytics(
        store_path, tls_dir, {WORKSPACE, PARTIAL_WORKSPACE}, {PARTIAL_WORKSPACE}
    ) as (
        server,
        ca_file,
    ):
        yield server.url, ca_file, server


@pytest.fixture(scope="module")
def adx_server(store_path: Path) -> Iterator[str]:
    with data_explorer(store_path) as url:
        yield url


@pytest.fixture
def azure_env(monkeypatch: pytest.MonkeyPatch, la_server, adx_server, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, ca_file, _ = la_server
    for name, value in environment(url, ca_file, adx_server, store_path).items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("kql", QUERIES)
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_same_rows_give_byte_identical_output_on_every_backend(
    cli, azure_env, store_path: Path, kql: str, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    outputs = {}
    for backend in ("local", "loganalytics", "adx"):
        result = cli("query", kql, "--backend", backend, "--format", fmt, "--db", str(store_path))
        assert result.exit_code == 0, f"{backend}: {result.stderr}"
        outputs[backend] = result.stdout
    if fmt == "json":
        for backend in outputs:
            doc = json.loads(outputs[backend])
            assert doc["backend"] == backend
            doc["backend"] = "-"
            outputs[backend] = json.dumps(doc)
    assert outputs["local"] == outputs["loganalytics"] == outputs["adx"]
    assert len(outputs["local"]) > 50


def test_partial_results_are_surfaced(cli, azure_env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACEHOUND_LA_WORKSPACE", PARTIAL_WORKSPACE)
    result = cli("query", "SigninLogs | count", "--backend", "loganalytics", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["status"] == "partial"
    assert "memory limit" in result.stderr and "partial result" in result.stderr


def test_a_bad_token_says_what_to_do(cli, azure_env, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACEHOUND_AZURE_TOKEN", "wrong")
    result = cli("query", "SigninLogs | count", "--backend", "loganalytics")
    assert result.exit_code == 1
    assert "not authenticated" in result.stderr and "az login" in result.stderr
    assert "wrong" not in result.stderr, "the token must never be printed"


def test_parameters_cannot_inject_on_log_analytics(azure_env) -> None:  # type: ignore[no-untyped-def]
    import os

    from tracehound.backends.loganalytics import LogAnalyticsBackend

    backend = LogAnalyticsBackend([WORKSPACE], os.environ["TRACEHOUND_LA_ENDPOINT"])
    kql = "declare query_parameters(loc:string); SigninLogs | where Location == loc | count"
    hostile = backend.query(kql, {"loc": 'BE" or Location != "x'})
    honest = backend.query(kql, {"loc": "BE"})
    assert hostile.table.to_pylist() == [{"Count": 0}]
    assert honest.table.to_pylist()[0]["Count"] > 0
    assert 'let loc = "BE\\" or Location != \\"x";' in hostile.executed


def test_parameters_travel_as_request_properties_on_adx(azure_env) -> None:  # type: ignore[no-untyped-def]
    import os

    from tracehound.backends.adx import AdxBackend

    backend = AdxBackend(
        os.environ["TRACEHOUND_ADX_CLUSTER"], os.environ["TRACEHOUND_ADX_DATABASE"]
    )
    kql = "declare query_parameters(loc:string); SigninLogs | where Location == loc | count"
    assert backend.query(kql, {"loc": 'BE" or 1 == 1 or "'}).table.to_pylist() == [{"Count": 0}]
    assert backend.query(kql, {"loc": "BE"}).table.to_pylist()[0]["Count"] > 0
    assert "BE" not in backend.query(kql, {"loc": "BE"}).executed


def test_large_queries_split_by_time_give_the_same_rows(azure_env, la_server) -> None:  # type: ignore[no-untyped-def]
    import os

    from tracehound.backends.loganalytics import LogAnalyticsBackend

    _, _, server = la_server
    backend = LogAnalyticsBackend(
        [WORKSPACE], os.environ["TRACEHOUND_LA_ENDPOINT"], max_concurrency=3
    )
    window = TimeWindow(datetime(2020, 5, 19), datetime(2020, 5, 22))
    kql = "SigninLogs | project TimeGenerated, UserPrincipalName, ResultType"
    whole = backend.query(kql, window=window)
    before = len(server.requests)  # type: ignore[attr-defined]
    split = backend.query(kql, window=window, split=timedelta(hours=12))
    assert len(server.requests) - before == 6  # type: ignore[attr-defined]
    key = lambda r: (r["TimeGenerated"], r["UserPrincipalName"], r["ResultType"])  # noqa: E731
    assert sorted(split.table.to_pylist(), key=key) == sorted(whole.table.to_pylist(), key=key)
    assert whole.row_count > 0


def test_plain_http_is_refused_for_a_remote_cluster(azure_env) -> None:  # type: ignore[no-untyped-def]
    from tracehound.backends.adx import AdxBackend
    from tracehound.errors import UsageError

    with pytest.raises(UsageError, match="only loopback"):
        AdxBackend("http://kusto.example.net", "db")


def test_missing_configuration_is_a_usage_error(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TRACEHOUND_LA_WORKSPACE", raising=False)
    result = cli("query", "SigninLogs | count", "--backend", "loganalytics")
    assert result.exit_code == 2 and "TRACEHOUND_LA_WORKSPACE" in result.stderr
    monkeypatch.setenv("TRACEHOUND_BACKEND", "splunk")
    result = cli("query", "SigninLogs | count")
    assert result.exit_code == 2 and "not a backend" in result.stderr
