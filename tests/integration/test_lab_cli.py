"""``tracehound lab`` through the CLI: seed, scenarios, truth, and clear errors."""

from __future__ import annotations

import json

from tracehound.lab.scenarios import SCENARIOS

SMALL = ("--days", "1", "--devices", "6", "--users", "5")


def test_scenarios_lists_ids(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("lab", "scenarios", "--format", "json")
    assert result.exit_code == 0
    assert [r["id"] for r in json.loads(result.stdout)] == list(SCENARIOS)


def test_truth_before_seed_says_how_to_seed(cli) -> None:  # type: ignore[no-untyped-def]
    cli("init")
    result = cli("lab", "truth")
    assert result.exit_code == 1
    assert "lab seed" in result.stderr


def test_unknown_scenario_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("lab", "seed", "--days", "1", "--devices", "6", "--scenarios", "rdp,nope")
    assert result.exit_code == 2
    assert "unknown scenario" in result.stderr and "lab scenarios" in result.stderr


def test_seed_then_truth_json(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "lab",
        "seed",
        *SMALL,
        "--seed",
        "2",
        "--end",
        "2025-05-01T00:30:00Z",
        "--scenarios",
        "rdp-bruteforce,c2-beacon",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["end"] == "2025-05-01T00:00:00Z" and summary["rows"] > 10_000
    assert sorted(summary["scenarios"]) == ["c2-beacon", "rdp-bruteforce"]
    doc = json.loads(cli("lab", "truth", "--format", "json").stdout)
    assert {s["id"] for s in doc["scenarios"]} == {"rdp-bruteforce", "c2-beacon"}
    rdp = next(s for s in doc["scenarios"] if s["id"] == "rdp-bruteforce")
    assert set(rdp) >= {
        "id",
        "title",
        "techniques",
        "tactics",
        "devices",
        "accounts",
        "ips",
        "start",
        "end",
    }
    assert rdp["start"].endswith("Z") and "T1110.001" in rdp["techniques"]
    query = cli(
        "query",
        "DeviceLogonEvents | where ActionType == 'LogonFailed'"
        " | summarize n = count() by RemoteIP | top 1 by n",
        "--format",
        "json",
    )
    assert query.exit_code == 0, query.stderr
    assert rdp["ips"][0] in query.stdout
    again = cli(
        "lab",
        "seed",
        *SMALL,
        "--no-attacks",
        "--end",
        "2025-05-01T00:30:00Z",
    )
    assert again.exit_code == 0
    assert json.loads(cli("lab", "truth", "--format", "json").stdout)["scenarios"] == []
