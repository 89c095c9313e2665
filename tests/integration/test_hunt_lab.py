"""The offline planner on a seeded lab: the demo request, and two more scenario hosts taken
from ``lab truth``, each answered with the finding the scenario planted."""

from __future__ import annotations

import io
import json
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from tracehound.cli import main
from tracehound.store import Store

END = "2026-11-28T12:00:00Z"
SCENARIOS = "rdp-bruteforce,lsass-dump,ransomware-impact"


def _run(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue() + err.getvalue() if code else out.getvalue()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    db = tmp_path_factory.mktemp("lab") / "lab.duckdb"
    code, text = _run(
        "lab",
        "seed",
        "--db",
        str(db),
        "--days",
        "4",
        "--devices",
        "8",
        "--users",
        "8",
        "--end",
        END,
        "--scenarios",
        SCENARIOS,
    )
    assert code == 0, text
    code, text = _run("lab", "truth", "--db", str(db), "--format", "json")
    assert code == 0, text
    return db, {s["id"]: s for s in json.loads(text)["scenarios"]}


@pytest.fixture
def lab_db(seeded: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    copy = tmp_path / "lab.duckdb"
    shutil.copy(seeded[0], copy)
    return copy


def _hunt(db: Path, request: str, *extra: str) -> dict[str, Any]:
    code, text = _run("hunt", request, "--db", str(db), "--now", END, "--format", "json", *extra)
    assert code == 0, text
    return json.loads(text)


def test_demo_request_finds_bruteforce_then_logon(lab_db: Path, seeded) -> None:  # type: ignore[no-untyped-def]
    truth = seeded[1]["rdp-bruteforce"]
    request = "I'm worried that windows-target-1 might have been maliciously logged into in the last few days"
    out = _hunt(lab_db, request)
    assert out["plan"]["devices"][0]["resolved"] == "windows-target-1"
    finding = out["findings"][0]
    assert finding["hosts"] == ["windows-target-1"]
    assert (
        any(t.startswith("T1110") for t in finding["techniques"])
        and "T1078" in finding["techniques"]
    )
    iocs = {(i["type"], i["value"]) for i in finding["iocs"]}
    assert ("ip", truth["details"]["source_ip"]) in iocs
    assert ("account", truth["details"]["success_account"]) in iocs
    assert finding["confidence"]["band"] == "High" and finding["confidence"]["factors"]
    assert all(e["table"] == "DeviceLogonEvents" for e in finding["evidence"])
    assert Path(out["report"]).is_file()
    with Store.open(lab_db, read_only=True) as store:
        pending = store.con.execute("SELECT action, target FROM pending_actions").fetchall()
    assert ("isolate_device", "windows-target-1") in pending


def test_demo_prints_report_line(lab_db: Path) -> None:
    code, text = _run(
        "hunt",
        "was windows-target-1 logged into by brute force?",
        "--db",
        str(lab_db),
        "--now",
        END,
    )
    assert code == 0
    assert any(line.startswith("Report: ") and line.endswith(".md") for line in text.splitlines())


@pytest.mark.parametrize(
    ("scenario", "request_text"),
    [
        ("lsass-dump", "were credentials dumped from lsass on {host} this week?"),
        ("ransomware-impact", "is {host} being hit by ransomware? last 5 days"),
    ],
)
def test_other_scenario_hosts(lab_db: Path, seeded, scenario: str, request_text: str) -> None:  # type: ignore[no-untyped-def]
    truth = seeded[1][scenario]
    device = truth["devices"][0]
    out = _hunt(lab_db, request_text.format(host=device.split(".")[0]))
    assert out["findings"], out["notes"]
    finding = out["findings"][0]
    assert finding["hosts"] == [device]
    assert set(finding["techniques"]) & set(truth["techniques"])
    assert {a.lower() for a in truth["accounts"]} & {i["value"].lower() for i in finding["iocs"]}


def test_close_device_name_is_suggested_not_used(lab_db: Path) -> None:
    out = _hunt(lab_db, "was windows-target-01 brute forced in the last few days?")
    assert out["plan"]["devices"][0]["resolved"] is None
    assert "windows-target-1" in out["plan"]["devices"][0]["suggestions"]
    assert not any("windows-target-1" in f["hosts"] for f in out["findings"])
    assert any("did you mean" in n for n in out["notes"])


def test_demo_runs_detections_about_the_named_host_scored_by_the_project_scorer(
    lab_db: Path,
) -> None:
    request = "I'm worried that windows-target-1 might have been maliciously logged into in the last few days"
    out = _hunt(lab_db, request)
    detected = [f for f in out["findings"] if f["source"].startswith("detection:")]
    assert detected, out["notes"]
    evidence_queries = [
        q for q in out["queries"] if q["purpose"].startswith("evidence rows of detections")
    ]
    assert evidence_queries and all(q["error"] is None for q in evidence_queries)
    for finding in detected:
        assert finding["hosts"] == ["windows-target-1"]
        assert finding["evidence"]  # verified rows: rejected ones would be under "rejected"
    names = {f["name"] for f in out["findings"][0]["confidence"]["factors"]}
    assert "rule level" in names and "corroboration" in names  # tracehound.score's factors
    assert not [r for r in out["rejected"] if r["source"].startswith("detection:")]
