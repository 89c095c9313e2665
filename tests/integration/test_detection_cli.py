"""detect -> alerts -> incidents -> feedback through the CLI, on real OTRF rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tracehound.ingest.pipeline import ingest_paths
from tracehound.store import Store

MIMIKATZ = "datasets/otrf/datasets/atomic/windows/credential_access/host/empire_mimikatz_logonpasswords.zip"


@pytest.fixture
def seeded(shared: Path, db_path: Path) -> Path:
    with Store.open(db_path) as store:
        ingest_paths(store, [shared / MIMIKATZ])
    return db_path


def test_detect_incidents_and_feedback(seeded: Path, cli: Any) -> None:
    first = cli("detect", "--format", "json")
    assert first.exit_code == 0, first.stderr
    report = json.loads(first.stdout)
    rules = {a["rule_id"] for a in report["alerts"]}
    assert "th-cred-lsass-access" in rules
    for alert in report["alerts"]:
        assert alert["evidence"] and alert["factors"] and alert["techniques"]
        assert 0 <= alert["confidence"] <= 100
    assert any(s["reason"].startswith("missing table") for s in report["skipped"])
    again = json.loads(cli("detect", "--format", "json").stdout)
    assert again["alerts"] == [] and again["window"]["ingested_after"]

    listed = json.loads(cli("incidents", "list", "--format", "json").stdout)
    incidents = listed["incidents"]
    assert incidents
    keys = {
        "id",
        "title",
        "severity",
        "confidence",
        "status",
        "entities",
        "first_seen",
        "last_seen",
    }
    assert keys <= set(incidents[0])
    target = incidents[0]["id"]
    assert cli("incidents", "assign", target, "alice").exit_code == 0
    assert cli("incidents", "note", target, "looked at lsass access").exit_code == 0
    bad = cli("incidents", "close", target, "--classification", "maybe")
    assert bad.exit_code == 2
    assert cli("incidents", "close", target, "--classification", "false_positive").exit_code == 0
    shown = json.loads(cli("incidents", "show", target, "--format", "json").stdout)
    assert shown["status"] == "closed" and len(shown["notes"]) >= 3

    rescored = json.loads(
        cli("detect", "--from", "2020-01-01", "--to", "2021-01-01", "--format", "json").stdout
    )
    lsass = [a for a in rescored["alerts"] if a["rule_id"] == "th-cred-lsass-access"]
    assert lsass and any(f["factor"] == "analyst feedback" for f in lsass[0]["factors"])


def test_an_earlier_runs_alert_corroborates_a_later_one(seeded: Path, cli: Any) -> None:
    """Stored alerts (naive UTC in the table) score beside new ones: this crashed once."""
    window = ("--from", "2015-01-01", "--to", "2030-01-01", "--format", "json")
    first = cli("detect", "--rules", "th-cred-lsass-access", *window)
    assert first.exit_code == 0, first.stderr
    later = cli("detect", "--rules", "th-cred-credential-libraries-in-script-host", *window)
    assert later.exit_code == 0, later.stderr
    [alert] = json.loads(later.stdout)["alerts"]
    factors = {f["factor"]: f for f in alert["factors"]}
    assert "corroboration" in factors, factors
    assert factors["corroboration"]["reason"].startswith("1 other rule")


def test_rules_state_and_coverage(seeded: Path, cli: Any) -> None:
    assert cli("rules", "disable", "th-cred-lsass-access", "--reason", "noisy here").exit_code == 0
    listed = json.loads(cli("rules", "list", "--format", "json").stdout)["rules"]
    assert any(r["id"] == "th-cred-lsass-access" and not r["enabled"] for r in listed)
    report = json.loads(cli("detect", "--format", "json").stdout)
    assert all(a["rule_id"] != "th-cred-lsass-access" for a in report["alerts"])
    assert cli("rules", "suppress", "nope-rule", "--reason", "x").exit_code == 2
    assert cli("rules", "suppress", "th-exec-powershell-encoded", "--reason", "").exit_code == 2
    ok = cli(
        "rules",
        "suppress",
        "th-exec-powershell-encoded",
        "--reason",
        "admin tooling",
        "--days",
        "1",
        "--format",
        "json",
    )
    assert ok.exit_code == 0 and json.loads(ok.stdout)["expires_at"]
    coverage = json.loads(cli("attack", "coverage", "--format", "json").stdout)
    assert coverage["techniques_covered"] > 10 and coverage["tactics_covered"] >= 8


def test_sigma_import_reports_converted_and_skipped(tmp_path: Path, cli: Any) -> None:
    folder = tmp_path / "sigma"
    folder.mkdir()
    (folder / "good.yml").write_text(
        "title: Whoami run\nid: 0b4b2b8e-0000-4000-8000-000000000001\nstatus: test\nlevel: low\n"
        "tags: [attack.discovery, attack.t1033, attack.t1562.001]\n"
        "logsource: {category: process_creation, product: windows}\n"
        "detection: {sel: {Image|endswith: '\\\\whoami.exe'}, condition: sel}\n"
    )
    (folder / "bad.yml").write_text("title: broken\nlogsource: {product: windows}\n")
    result = cli("rules", "import", str(folder), "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["converted"] == 1 and document["skipped"] == 1
    assert "detection" in document["skipped_rules"][0]["reason"]
    listed = json.loads(cli("rules", "list", "--source", "sigma", "--format", "json").stdout)[
        "rules"
    ]
    assert listed[0]["techniques"] == "T1033,T1562.001"
