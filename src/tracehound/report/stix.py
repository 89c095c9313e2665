"""The report as a STIX 2.1 bundle: indicators (exact values), attack-patterns with their
ATT&CK external references, a sighting per indicator, and a report object tying them together.
No indicator -> attack-pattern relationship is claimed: the evidence does not say which
technique a given address or hash served.

Ids are UUIDv5 over the incident and the object's content, so re-rendering the same incident
gives the same ids and a consumer can update rather than duplicate.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tracehound.report.model import IncidentReport, Ioc

NAMESPACE = uuid.UUID("6f0c2b8e-3a7d-5c1e-9b4f-2d8a1e7c5b30")
PATTERNS = {
    "ipv4-addr": "[ipv4-addr:value = '{}']",
    "ipv6-addr": "[ipv6-addr:value = '{}']",
    "domain-name": "[domain-name:value = '{}']",
    "url": "[url:value = '{}']",
    "sha256": "[file:hashes.'SHA-256' = '{}']",
}


def _sid(kind: str, *parts: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, '|'.join(parts))}"


def _quote(value: str) -> str:
    """A STIX pattern string literal body: backslash and quote escaped."""
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _when(text: str | None, fallback: str) -> datetime:
    return datetime.fromisoformat((text or fallback).removesuffix("Z") + "+00:00")


def stix_bundle(report: IncidentReport) -> str:
    import stix2

    inc = report.incident
    created = _when(report.generated_at, report.generated_at)
    identity = stix2.Identity(
        id=_sid("identity", "tracehound"),
        name="Tracehound",
        identity_class="system",
        created=created,
        modified=created,
    )
    objects: list[Any] = [identity]
    patterns: list[Any] = []
    for tactic in report.attack:
        for tech in tactic.techniques:
            if any(p.external_references[0].external_id == tech.id for p in patterns):
                continue
            patterns.append(
                stix2.AttackPattern(
                    id=_sid("attack-pattern", tech.id),
                    name=tech.name,
                    created=created,
                    modified=created,
                    created_by_ref=identity.id,
                    external_references=[
                        {"source_name": "mitre-attack", "external_id": tech.id, "url": tech.url}
                    ],
                    kill_chain_phases=[
                        {"kill_chain_name": "mitre-attack", "phase_name": _phase(tactic.name)}
                    ],
                )
            )
    objects += patterns
    for ioc in report.iocs:
        indicator, sighting = _indicator(stix2, ioc, inc, identity.id, created)
        objects += [indicator, sighting]
    refs = [o.id for o in objects if o.type != "identity"] or [identity.id]
    objects.append(
        stix2.Report(
            id=_sid("report", inc["id"]),
            name=f"Incident {inc['id']}: {inc['title']}",
            description=report.executive_summary,
            published=created,
            created=created,
            modified=created,
            report_types=["threat-report"],
            object_refs=refs,
            created_by_ref=identity.id,
            labels=[f"band:{inc['band']}", f"severity:{inc['severity']}"],
            external_references=[{"source_name": "tracehound", "external_id": inc["id"]}],
        )
    )
    bundle = stix2.Bundle(objects=objects, id=_sid("bundle", inc["id"], report.generated_at))
    return str(bundle.serialize(pretty=True)) + "\n"


def _phase(tactic_name: str) -> str:
    return tactic_name.lower().replace(" ", "-")


def _indicator(
    stix2: Any, ioc: Ioc, inc: dict[str, Any], identity: str, created: datetime
) -> tuple[Any, Any]:
    first = _when(ioc.first_seen, inc.get("first_seen") or "")
    last = _when(ioc.last_seen, ioc.first_seen or "")
    indicator = stix2.Indicator(
        id=_sid("indicator", ioc.type, ioc.value),
        name=f"{ioc.type} {ioc.defanged}",
        pattern=PATTERNS[ioc.type].format(_quote(ioc.value)),
        pattern_type="stix",
        valid_from=first,
        created=created,
        modified=created,
        created_by_ref=identity,
        indicator_types=["malicious-activity"],
    )
    sighting = stix2.Sighting(
        id=_sid("sighting", inc["id"], ioc.type, ioc.value),
        sighting_of_ref=indicator.id,
        count=max(1, ioc.rows),
        first_seen=first,
        last_seen=max(first, last),
        where_sighted_refs=[identity],
        created=created,
        modified=created,
        created_by_ref=identity,
    )
    return indicator, sighting
