"""Units of response: OData quoting, exact name matching, indicator typing, Retry-After,
the action catalog, the policy decision and the audit chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from tests.fakes.defender_server import ODataError, parse_filter
from tracehound.errors import UsageError
from tracehound.respond.audit import GENESIS, AuditLog, chain_problems, entry_hash
from tracehound.respond.catalog import ACTIONS, action_spec, fill_choices
from tracehound.respond.http import retry_after_seconds
from tracehound.respond.models import ActionRecord, PlannedRequest, Target
from tracehound.respond.odata import eq_filter, odata_string
from tracehound.respond.policy import Assets, Policy, decide, load_policy
from tracehound.respond.targets import name_matches, resolve_indicator
from tracehound.store import Store

INJECTIONS = [
    "x' or 1 eq 1 or 'a",
    "x') or startswith(computerDnsName,'",
    "'",
    "''",
    "a'' and id eq 'b",
    "win-1' or computerDnsName ne 'zzz",
]


@pytest.mark.parametrize("value", ["plain", "o'brien", *INJECTIONS])
def test_quoted_value_round_trips_as_one_literal(value: str) -> None:
    # an independent OData parser (the fake server's) reads back exactly one clause
    assert parse_filter(eq_filter(computerDnsName=value)) == [("computerDnsName", value)]


def test_naive_formatting_would_have_been_injectable() -> None:
    with pytest.raises(ODataError):  # what the original's string formatting would send
        parse_filter("computerDnsName eq '" + INJECTIONS[0] + "'")


def test_quoting_rules() -> None:
    assert odata_string("a'b") == "'a''b'"
    with pytest.raises(UsageError):
        odata_string("a\nb")
    with pytest.raises(ValueError):
        eq_filter(**{"bad name": "x"})
    assert eq_filter(machineId="m", type="Isolate") == "machineId eq 'm' and type eq 'Isolate'"


@pytest.mark.parametrize(
    ("query", "dns", "expected"),
    [
        ("win-1", "win-1.contoso.com", True),
        ("WIN-1", "win-1", True),
        ("win-1", "win-10.contoso.com", False),
        ("win-1", "win-1x", False),
        ("win", "win-1.contoso.com", False),
        ("win-1.contoso.com", "WIN-1.CONTOSO.COM.", True),
        ("win-1.contoso", "win-1.contoso.com", False),
        ("", "win-1", False),
    ],
)
def test_device_names_match_exactly(query: str, dns: str, expected: bool) -> None:
    assert name_matches(query, dns) is expected


@pytest.mark.parametrize(
    ("value", "api_type"),
    [
        ("198.51.100.7", "IpAddress"),
        ("2001:db8::1", "IpAddress"),
        ("evil.example.com", "DomainName"),
        ("https://evil.example.com/x?y=1", "Url"),
        ("87662bc3d60e4200ceaf7aae249d1c343f4b83c9", "FileSha1"),
        ("d41d8cd98f00b204e9800998ecf8427e", "FileMd5"),
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "FileSha256"),
    ],
)
def test_indicator_types_are_inferred(value: str, api_type: str) -> None:
    assert resolve_indicator(value, None).details["indicatorType"] == api_type


@pytest.mark.parametrize(
    ("value", "kind"), [("not an ioc", None), ("10.0.0.0/8", None), ("abc", "sha1")]
)
def test_bad_indicators_are_refused(value: str, kind: str | None) -> None:
    with pytest.raises(UsageError):
        resolve_indicator(value, kind)


def test_retry_after_seconds_and_dates() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("12", now) == 12.0
    assert (
        retry_after_seconds(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    )
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None


def test_catalog_bodies_follow_the_documented_parameters() -> None:
    assert set(ACTIONS) == {
        "isolate",
        "release",
        "av-scan",
        "collect-package",
        "restrict-apps",
        "unrestrict-apps",
        "stop-quarantine-file",
        "submit-indicator",
        "disable-user",
        "revoke-sessions",
        "enable-user",
    }
    isolate = action_spec("isolate")
    assert isolate.build_body(fill_choices(isolate, {"comment": "c", "scope": "selective"})) == {
        "Comment": "c",
        "IsolationType": "Selective",
    }
    with pytest.raises(UsageError, match="not allowed"):
        fill_choices(isolate, {"scope": "UnManagedDevice"})
    with pytest.raises(UsageError, match="--sha1"):
        fill_choices(action_spec("stop-quarantine-file"), {})
    assert action_spec("revoke-sessions").build_body({}) is None
    for spec in ACTIONS.values():  # every reversal names a real action that points back
        if spec.reverse:
            assert ACTIONS[spec.reverse].reverse == spec.verb
    with pytest.raises(UsageError, match="unknown action"):
        action_spec("format-disk")


def _record(verb: str, name: str, confidence: float | None) -> ActionRecord:
    return ActionRecord(
        id="act-1",
        verb=verb,
        title=verb,
        target=Target(kind="device", id="m1", name=name),
        params={},
        reason="r",
        confidence=confidence,
        requested_by="t",
        created_at="c",
        updated_at="c",
        request=PlannedRequest(method="POST", url="u", body=None, permission="p"),
    )


def test_policy_decisions_name_their_reasons() -> None:
    policy = Policy.model_validate(
        {
            "max_automatic_per_hour": 2,
            "rules": [
                {
                    "name": "ws",
                    "actions": ["isolate"],
                    "min_confidence": 0.8,
                    "tiers": ["workstation"],
                }
            ],
        }
    )
    assets = Assets.model_validate(
        {"default_tier": "workstation", "assets": [{"name": "DC01.corp", "tier": "tier0"}]}
    )
    assert decide(policy, assets, _record("isolate", "ws1.corp", 0.9), 0).automatic
    assert (
        decide(policy, assets, _record("isolate", "dc01.corp", 0.99), 0)
        .reasons[0]
        .startswith("dc01.corp is a critical")
    )
    assert not decide(policy, assets, _record("isolate", "ws1.corp", 0.9), 2).automatic
    assert not decide(policy, assets, _record("av-scan", "ws1.corp", 0.9), 0).automatic
    assert not decide(Policy(), Assets(), _record("isolate", "ws1", 1.0), 0).automatic


def test_policy_file_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("rules:\n  - name: x\n    actions: [format-disk]\n    min_confidence: 0.5\n")
    with pytest.raises(UsageError, match="unknown actions"):
        load_policy(bad)
    bad.write_text("rules: [{name: x, actions: [isolate], min_confidence: 3}]\n")
    with pytest.raises(UsageError, match="min_confidence"):
        load_policy(bad)
    with pytest.raises(UsageError, match="does not exist"):
        load_policy(tmp_path / "missing.yaml")


def test_audit_chain_links_and_hashes(store: Store) -> None:
    log = AuditLog(store)
    first = log.append("planned", "act-1", "alice", {"k": "v"})
    second = log.append("approved", "act-1", "bob", {"reason": "ok"})
    assert first["prev_hash"] == GENESIS and second["prev_hash"] == first["hash"]
    assert entry_hash(second) == second["hash"] and log.verify().ok
    assert log.file_entries()[0] == log.db_entries()
    forged = dict(second, actor="mallory")
    assert chain_problems([first, forged]) == ["entry 2: content does not match its hash (edited)"]
    assert any("does not link" in p for p in chain_problems([second]))
