"""Scoring factors and incident grouping, each on its own, on alerts built here."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tracehound.detect.alerts import Alert
from tracehound.detect.db import ensure_tables
from tracehound.detect.service import save_alerts
from tracehound.errors import UsageError
from tracehound.incidents import get_incident, group_alerts, list_incidents
from tracehound.score import (
    ALLOWLIST_PENALTY,
    COMMON_PENALTY,
    CORROBORATION_PER_RULE,
    MULTI_TACTIC_BONUS,
    RARE_BONUS,
    SEVERITY_BASE,
    DetectionSettings,
    ScoringContext,
    load_assets,
    score_all,
)
from tracehound.store import Store

T0 = datetime(2024, 3, 4, 10, 0, 0)


def _alert(
    rule: str,
    host: str = "ws1",
    account: str = "bob",
    at: datetime = T0,
    severity: str = "medium",
    fidelity: str = "medium",
    tactics: tuple[str, ...] = ("execution",),
    details: dict[str, Any] | None = None,
) -> Alert:
    return Alert(
        id=f"a-{rule}-{host}-{account}-{at:%H%M%S%d}",
        rule_id=rule,
        title=f"{rule} fired",
        severity=severity,
        techniques=("T1059",),
        tactics=tactics,
        first_seen=at,
        last_seen=at + timedelta(minutes=1),
        entities={"host": [host], "account": [account]},
        evidence=[("DeviceProcessEvents", f"row-{rule}-{host}")],
        evidence_count=1,
        details=details or {},
        fidelity=fidelity,
    )


def _factors(alert: Alert) -> dict[str, int]:
    return {f["factor"]: f["delta"] for f in alert.factors}


def test_level_and_fidelity_set_the_base() -> None:
    high = _alert("r1", severity="high", fidelity="high")
    low = _alert("r2", host="ws2", account="amy", severity="low", fidelity="low")
    score_all([high, low], ScoringContext())
    assert _factors(high) == {"rule level": SEVERITY_BASE["high"], "rule fidelity": 10}
    assert high.confidence == SEVERITY_BASE["high"] + 10 and high.band == "Medium"
    assert low.confidence == SEVERITY_BASE["low"] - 10 and low.band == "Low"
    assert sum(f["delta"] for f in high.factors) == high.confidence


def test_corroboration_needs_same_entity_and_nearby_time() -> None:
    first = _alert("r1")
    other_rule = _alert("r2", at=T0 + timedelta(hours=3))
    far_away = _alert("r3", at=T0 + timedelta(days=5))
    other_host = _alert("r4", host="ws9", account="amy")
    score_all([first, other_rule, far_away, other_host], ScoringContext())
    assert _factors(first)["corroboration"] == CORROBORATION_PER_RULE
    assert "corroboration" not in _factors(far_away)
    assert "corroboration" not in _factors(other_host)


def test_machine_accounts_do_not_corroborate() -> None:
    a = _alert("r1", host="ws1", account="SYSTEM")
    b = _alert("r2", host="ws2", account="SYSTEM")
    score_all([a, b], ScoringContext())
    assert "corroboration" not in _factors(a)


def test_tactic_spread_bonus_from_three_tactics() -> None:
    alerts = [
        _alert("r1", tactics=("execution",)),
        _alert("r2", tactics=("credential-access",)),
        _alert("r3", tactics=("lateral-movement",)),
    ]
    score_all(alerts, ScoringContext())
    assert _factors(alerts[0])["tactic spread"] == MULTI_TACTIC_BONUS


def test_prevalence_rare_and_common() -> None:
    context = ScoringContext(prevalence={"evil.exe": 1, "chrome.exe": 40}, fleet_size=50)
    rare = _alert("r1", details={"FileName": "EVIL.EXE"})
    common = _alert("r2", host="ws2", account="amy", details={"FileName": "chrome.exe"})
    score_all([rare, common], context)
    assert _factors(rare)["prevalence"] == RARE_BONUS
    assert _factors(common)["prevalence"] == COMMON_PENALTY
    small_fleet = ScoringContext(prevalence={"evil.exe": 1}, fleet_size=3)
    again = _alert("r1", details={"FileName": "evil.exe"})
    score_all([again], small_fleet)
    assert "prevalence" not in _factors(again)


def test_feedback_and_allowlist() -> None:
    context = ScoringContext(
        feedback={"r1": {"false_positive": 3}},
        settings=DetectionSettings(allowlist={"host": ["build-*"]}),
    )
    noisy = _alert("r1")
    allowed = _alert("r2", host="BUILD-07", account="amy")
    score_all([noisy, allowed], context)
    assert _factors(noisy)["analyst feedback"] == -30  # capped
    assert _factors(allowed)["allowlist"] == ALLOWLIST_PENALTY
    assert allowed.confidence == 0  # clamped, never negative


def test_asset_criticality(tmp_path: Path) -> None:
    path = tmp_path / "assets.yaml"
    path.write_text("assets:\n  - {host: 'dc*', criticality: critical}\n")
    context = ScoringContext(assets=load_assets(path))
    alert = _alert("r1", host="DC01")
    score_all([alert], context)
    assert _factors(alert)["asset criticality"] == 15
    path.write_text("assets:\n  - {host: 'dc*', criticality: extreme}\n")
    with pytest.raises(UsageError, match="criticality"):
        load_assets(path)


def _group(store: Store, alerts: list[Alert], gap_hours: float = 24.0) -> list[str]:
    settings = DetectionSettings(incident_gap_hours=gap_hours)
    score_all(alerts, ScoringContext(settings=settings))
    ensure_tables(store)
    save_alerts(store, alerts, "run-test")
    return group_alerts(store, alerts, settings)


def test_incident_groups_by_shared_entity_within_gap(store: Store) -> None:
    same_host = [_alert("r1"), _alert("r2", account="amy", at=T0 + timedelta(hours=2))]
    other = [_alert("r3", host="ws7", account="eve")]
    later = [_alert("r4", at=T0 + timedelta(days=3))]
    touched = _group(store, [*same_host, *other, *later])
    assert len(touched) == 3
    by_alerts = {len(get_incident(store, i).alert_ids): i for i in touched}
    assert set(by_alerts) == {1, 2}
    pair = get_incident(store, by_alerts[2])
    assert set(pair.alert_ids) == {a.id for a in same_host}
    assert set(pair.entities["account"]) == {"bob", "amy"}


def test_incident_joins_through_a_personal_account_across_hosts(store: Store) -> None:
    a = _alert("r1", host="ws1", account="bob")
    b = _alert("r2", host="srv2", account="bob", at=T0 + timedelta(hours=1))
    c = _alert("r3", host="srv3", account="SYSTEM", at=T0 + timedelta(hours=1))
    touched = _group(store, [a, b, c])
    sizes = sorted(len(get_incident(store, i).alert_ids) for i in touched)
    assert sizes == [1, 2]


def test_incident_is_incremental_and_gets_tactic_bonus(store: Store) -> None:
    first = _alert("r1", tactics=("execution",), severity="high")
    (incident_id,) = _group(store, [first])
    before = get_incident(store, incident_id).confidence
    second = _alert("r2", tactics=("credential-access",), at=T0 + timedelta(hours=1))
    assert _group(store, [second]) == [incident_id]
    after = get_incident(store, incident_id)
    assert len(after.alert_ids) == 2 and after.confidence >= before + 5
    listed = list_incidents(store)
    assert [i.id for i in listed] == [incident_id]


def test_small_gap_splits_incidents(store: Store) -> None:
    alerts = [_alert("r1"), _alert("r2", at=T0 + timedelta(hours=5))]
    assert len(_group(store, alerts, gap_hours=1.0)) == 2
