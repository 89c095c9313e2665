"""The offline ATT&CK catalog and the crosswalk of superseded ids."""

from __future__ import annotations

import pytest

from tracehound.attack import catalog

V19 = {
    "T1562": "T1685",
    "T1562.001": "T1685",
    "T1562.006": "T1685",
    "T1562.002": "T1685.001",
    "T1562.003": "T1690",
    "T1562.004": "T1686",
    "T1562.007": "T1686.001",
    "T1562.008": "T1685.002",
    "T1562.009": "T1688",
    "T1562.010": "T1689",
    "T1562.011": "T1685.003",
    "T1562.012": "T1685.004",
    "T1562.013": "T1686.002",
    "T1070.001": "T1685.005",
    "T1070.002": "T1685.006",
    "T1656": "T1684.001",
    "T1672": "T1684.002",
    "T1574.002": "T1574.001",
}


@pytest.mark.parametrize(("old", "new"), sorted(V19.items()))
def test_crosswalk_maps_superseded_ids(old: str, new: str) -> None:
    attack = catalog()
    assert attack.canonical(old) == new
    assert attack.problem(old) is None and attack.problem(new) is None
    assert attack.related(new, old) and attack.related(old, new)


def test_stix_revoked_by_is_followed() -> None:
    attack = catalog()
    # T1086 (PowerShell) was revoked by T1059.001 inside the catalog itself
    assert attack.technique("T1086") is not None and attack.technique("T1086").revoked  # type: ignore[union-attr]
    assert attack.canonical("T1086") == "T1059.001"


def test_problems_name_the_bad_id() -> None:
    attack = catalog()
    assert "not an ATT&CK technique id" in (attack.problem("1003") or "")
    assert "T9999" in (attack.problem("T9999") or "")
    assert attack.problem("t1003.001") is None


def test_parent_and_subtechnique_relations() -> None:
    attack = catalog()
    assert attack.related("T1003", "T1003.001")
    assert attack.related("T1003.001", "T1003")
    assert not attack.related("T1003.002", "T1003.001")
    assert not attack.related("T1059", "T1003")


def test_tactics_fold_v19_split_into_defense_evasion() -> None:
    attack = catalog()
    assert attack.tactic_class("TA0005") == "defense-evasion"
    assert attack.tactic_class("stealth") == "defense-evasion"
    assert attack.tactic_class("defense-impairment") == "defense-evasion"
    assert attack.tactic_class("TA0006") == "credential-access"
    assert attack.tactics_of("T1685.005") == ("defense-impairment",)
    assert "credential-access" in attack.tactics_of("T1003.001")
    order = [t.shortname for t in attack.tactics()]
    assert order[0] == "reconnaissance" and order.index("execution") < order.index("impact")
