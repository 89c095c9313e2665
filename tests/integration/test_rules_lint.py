"""``rules lint``: the built-in library is clean, and each kind of mistake is named with its place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BROKEN = """\
rules:
  - id: th-test-unknown-technique
    title: Technique id that ATT&CK does not have
    severity: low
    techniques: [T9999]
    tables: [DeviceProcessEvents]
    query: DeviceProcessEvents | where FileName == "a.exe"
  - id: th-test-bad-kql
    title: KQL that does not parse
    severity: low
    techniques: [T1059]
    tables: [DeviceProcessEvents]
    query: DeviceProcessEvents | where (FileName ==
  - id: th-test-no-benign-case
    title: Only a true-positive case
    severity: low
    techniques: [T1059]
    tables: [DeviceProcessEvents]
    query: DeviceProcessEvents | where FileName =~ "a.exe"
    tests:
      match:
        - rows: {DeviceProcessEvents: [{DeviceName: ws1, FileName: a.exe}]}
  - id: th-test-threshold
    title: A threshold rule lints with its own thresholds
    severity: low
    techniques: [T1110]
    tables: [DeviceLogonEvents]
    thresholds: {min_failures: 3}
    query: |
      DeviceLogonEvents
      | where ActionType == "LogonFailed"
      | summarize failures = count() by DeviceName
      | where failures >= min_failures
    tests:
      match:
        - rows:
            DeviceLogonEvents:
              - {DeviceName: ws1, ActionType: LogonFailed}
              - {DeviceName: ws1, ActionType: LogonFailed}
              - {DeviceName: ws1, ActionType: LogonFailed}
      benign:
        - rows: {DeviceLogonEvents: [{DeviceName: ws1, ActionType: LogonFailed}]}
"""


def test_builtin_library_lints_clean(cli: Any) -> None:
    result = cli("rules", "lint", "--no-tests", "--format", "json")
    assert result.exit_code == 0, result.stdout
    document = json.loads(result.stdout)
    assert document["rules"] >= 80 and document["problems"] == []


def test_lint_names_each_problem_and_fails(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    result = cli("rules", "lint", str(path), "--format", "json")
    assert result.exit_code == 1
    problems = {p["rule"]: p["problem"] for p in json.loads(result.stdout)["problems"]}
    assert "T9999" in problems["th-test-unknown-technique"]
    assert problems["th-test-bad-kql"].startswith("KQL:")
    assert "benign" in problems["th-test-no-benign-case"]
    assert "th-test-threshold" not in problems, problems.get("th-test-threshold")
