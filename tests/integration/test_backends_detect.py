"""One detection run, one investigation and one hunt on all three backends, same answers.

Real OTRF Security-Datasets captures are ingested into one store; the Log Analytics stand-in
(real ``azure-monitor-query`` over TLS) and duckdb-kql's Kusto server (real
``azure-kusto-data``) serve that file. Each remote run keeps its alerts in a state store of its
own, as a team with data in Azure would.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import invoke
from tests.datasets import mixed_captures
from tests.fakes.azure_servers import data_explorer, environment, log_analytics
from tracehound.ingest import ingest_paths
from tracehound.store import Store

WINDOW = ["--from", "2019-01-01T00:00:00Z", "--to", "2030-01-01T00:00:00Z"]
BACKENDS = ("local", "loganalytics", "adx")


@pytest.fixture(scope="module")
def data_path(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("detect-backends") / "otrf.duckdb"
    with Store.open(path) as store:
        ingest_paths(store, mixed_captures(shared))
    return path


@pytest.fixture(scope="module")
def servers(data_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with (
        log_analytics(data_path, tmp_path_factory.mktemp("tls")) as (la, ca_file),
        data_explorer(data_path) as adx_url,
    ):
        yield environment(la.url, ca_file, adx_url, data_path)


@pytest.fixture(scope="module")
def detections(
    servers: dict[str, str], data_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, dict[str, Any]]]:
    """backend -> (its state store, detect's JSON report)."""
    state_dir = tmp_path_factory.mktemp("state")
    out = {}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in servers.items():
            patch.setenv(name, value)
        for backend in BACKENDS:
            state = state_dir / f"{backend}.duckdb"
            if backend == "local":  # local data and state live in one file
                shutil.copy(data_path, state)
            result = invoke(
                patch,
                "detect",
                *WINDOW,
                "--backend",
                backend,
                "--db",
                str(state),
                "--format",
                "json",
            )
            assert result.exit_code == 0, f"{backend}: {result.stderr}"
            out[backend] = (state, json.loads(result.stdout))
    return out


def _alerts(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (a["rule_id"], a["confidence"], a["first_seen"], json.dumps(a["evidence"], sort_keys=True))
        for a in report["alerts"]
    )


def test_the_same_detection_run_gives_the_same_alerts_on_every_backend(detections) -> None:  # type: ignore[no-untyped-def]
    local = detections["local"][1]
    assert len(local["alerts"]) >= 20, "the captures should raise a score of alerts"
    assert not local["failed"]
    rules = {a["rule_id"] for a in local["alerts"]}
    assert {"th-cred-lsass-access", "th-evasion-cmstp", "th-persist-run-key-suspicious"} <= rules
    for backend in ("loganalytics", "adx"):
        report = detections[backend][1]
        failed = {f["rule_id"]: f["reason"] for f in report["failed"]}
        # The Kusto stand-in is duckdb-kql without Tracehound's compatibility rewrites; a real
        # cluster has these functions. Only such gaps may fail, and they are reported, not lost.
        stand_in_gaps = {r for r, why in failed.items() if "unsupported KQL construct" in why}
        assert set(failed) == stand_in_gaps, f"{backend}: {failed}"
        assert len(failed) <= 2, f"{backend}: too many rules failed on the stand-in: {failed}"
        assert not set(failed) & rules, "a rule that fired locally failed remotely"
        assert _alerts(report) == _alerts(local), f"{backend} alerts differ from local"
        # Row counts are not cheap on a cluster, so ADX runs rules on tables that are empty.
        assert report["rules_run"] + len(failed) >= local["rules_run"]
        assert len(report["incidents_touched"]) == len(local["incidents_touched"])


def _run(servers: dict[str, str], *args: str) -> dict[str, Any]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in servers.items():
            patch.setenv(name, value)
        result = invoke(patch, *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_an_incident_is_investigated_alike_on_every_backend(detections, servers) -> None:  # type: ignore[no-untyped-def]
    incident = detections["local"][1]["incidents_touched"][0]
    answers = {
        backend: _run(servers, "investigate", incident, "--backend", backend, "--db", str(state))
        for backend, (state, _) in detections.items()
    }
    local = answers["local"]
    assert len(local["timeline"]) > 100 and local["assets"]
    for backend in ("loganalytics", "adx"):
        assert answers[backend]["timeline"] == local["timeline"], backend
        assert answers[backend]["assets"] == local["assets"], backend


def test_a_hunt_finds_the_same_evidence_on_every_backend(detections, servers) -> None:  # type: ignore[no-untyped-def]
    request = "was workstation5 used to steal credentials in the last few days?"
    answers = {
        backend: _run(
            servers,
            "hunt",
            request,
            "--no-input",
            "--no-report",
            "--now",
            "2020-08-09T00:00:00Z",
            "--backend",
            backend,
            "--db",
            str(state),
        )
        for backend, (state, _) in detections.items()
    }

    def findings(document: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted(
            (f["title"], f["confidence"]["score"], json.dumps(f["evidence"], sort_keys=True))
            for f in document["findings"]
        )

    local = findings(answers["local"])
    assert any("LSASS" in title for title, _, _ in local)
    for backend in ("loganalytics", "adx"):
        assert findings(answers[backend]) == local, backend
