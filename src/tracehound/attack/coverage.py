"""Coverage: which ATT&CK tactics and techniques a set of rules detects."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tracehound.attack.catalog import catalog
from tracehound.rules.model import Rule


def coverage(rules: Iterable[Rule]) -> dict[str, Any]:
    """Per tactic (kill-chain order): rules and current technique ids; totals on top."""
    attack = catalog()
    by_tactic: dict[str, dict[str, set[str]]] = {}
    count = 0
    techniques: set[str] = set()
    for rule in rules:
        count += 1
        for tid in rule.techniques:
            current = attack.canonical(tid)
            techniques.add(current)
            for tactic in attack.tactics_of(tid):
                entry = by_tactic.setdefault(tactic, {"rules": set(), "techniques": set()})
                entry["rules"].add(rule.id)
                entry["techniques"].add(current)
    tactics = [
        {
            "id": t.id,
            "shortname": t.shortname,
            "name": t.name,
            "rules": len(by_tactic.get(t.shortname, {}).get("rules", set())),
            "techniques": sorted(by_tactic.get(t.shortname, {}).get("techniques", set())),
        }
        for t in attack.tactics()
    ]
    classes = {attack.tactic_class(t) for t in by_tactic}
    return {
        "attack_version": attack.version,
        "rules": count,
        "techniques_covered": len(techniques),
        "tactics_covered": len(classes),
        "tactics": tactics,
    }
